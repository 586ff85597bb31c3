//! Temporary uploads (protocol §7): the policy endpoint, the emulated OSS upload host, and the
//! store that `oss://` URLs resolve against.
//!
//! The upload host streams the multipart body: it keeps the text fields, the first
//! [`HEAD_BYTES`] of the file (enough for a WAV header), a running [`ContentHash`] and the size,
//! never the whole file, so a gigabyte upload costs no memory. Errors from the upload host are
//! OSS-style XML, as the real upload host (an OSS bucket) answers.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body::Body;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

use crate::clock;
use crate::reply::Reply;
use crate::rng::{ContentHash, Rng};
use crate::transcript::{AudioSource, file_name};
use crate::wav;

/// How much of an upload is kept for header parsing.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Largest accepted text field.
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Form fields that must precede `file`.
const REQUIRED_FIELDS: [&str; 4] = ["OSSAccessKeyId", "Signature", "policy", "key"];

/// An object stored by the upload host.
#[derive(Debug, Clone)]
pub(crate) struct UploadedObject {
    pub(crate) source: AudioSource,
}

#[derive(Debug, Clone)]
struct PolicyRecord {
    signature: String,
    access_key_id: String,
    upload_dir: String,
    expires_at: Instant,
    max_bytes: u64,
    forbid_overwrite: bool,
}

/// Uploaded objects and issued policies.
#[derive(Debug, Default)]
pub struct Uploads {
    objects: BTreeMap<String, UploadedObject>,
    policies: BTreeMap<String, PolicyRecord>,
}

/// An error from the emulated OSS host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OssError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl OssError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        OssError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn into_reply(self, request_id: &str) -> Reply {
        oss_error(self.status, self.code, &self.message, request_id)
    }
}

/// An OSS-style XML error body.
pub(crate) fn oss_error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{}</Code>\n  \
         <Message>{}</Message>\n  <RequestId>{}</RequestId>\n  <HostId>127.0.0.1</HostId>\n\
         </Error>\n",
        xml_escape(code),
        xml_escape(message),
        xml_escape(request_id)
    );
    Reply::Bytes {
        status,
        content_type: "application/xml".to_owned(),
        body: Bytes::from(body),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Uploads {
    /// The object stored under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&UploadedObject> {
        self.objects.get(key)
    }

    /// Issues a policy (`GET /uploads?action=getPolicy&model=…`), returning the `data` object.
    pub(crate) fn issue_policy(
        &mut self,
        rng: &mut Rng,
        now: Instant,
        wall_ms: i64,
        upload_host: &str,
        ttl: Duration,
        max_file_size_mb: u64,
    ) -> Value {
        let upload_dir = format!(
            "dashscope-instant/{}/{}/{}",
            rng.hex(32),
            clock::date(wall_ms),
            rng.uuid()
        );
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let max_bytes = max_file_size_mb.saturating_mul(1024 * 1024);
        let policy_json = json!({
            "expiration": clock::iso8601_utc(wall_ms.saturating_add(ttl_ms)),
            "conditions": [
                ["content-length-range", 0, max_bytes],
                ["starts-with", "$key", upload_dir],
                {"bucket": "dashscope-instant"},
                {"x-oss-object-acl": "private"},
                {"x-oss-forbid-overwrite": "true"},
            ],
        });
        let b64 = base64::engine::general_purpose::STANDARD;
        let policy = b64.encode(policy_json.to_string());
        let signature = b64.encode(rng.hex(20));
        let access_key_id = format!("LTAI5t{}", rng.hex(18));
        self.policies.insert(
            policy.clone(),
            PolicyRecord {
                signature: signature.clone(),
                access_key_id: access_key_id.clone(),
                upload_dir: upload_dir.clone(),
                expires_at: now + ttl,
                max_bytes,
                forbid_overwrite: true,
            },
        );
        json!({
            "policy": policy,
            "signature": signature,
            "upload_dir": upload_dir,
            "upload_host": upload_host,
            "expire_in_seconds": ttl.as_secs(),
            "max_file_size_mb": max_file_size_mb,
            "capacity_limit_mb": 999_999_999u64,
            "oss_access_key_id": access_key_id,
            "x_oss_object_acl": "private",
            "x_oss_forbid_overwrite": "true",
        })
    }

    /// Checks the fields that preceded `file`; returns the size limit for the file.
    pub(crate) fn check_form(
        &self,
        fields: &[(String, String)],
        now: Instant,
    ) -> Result<u64, OssError> {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        for name in REQUIRED_FIELDS {
            if field(name).is_none() {
                return Err(OssError::new(
                    400,
                    "InvalidArgument",
                    format!("Form field `{name}` is required and must come before `file`."),
                ));
            }
        }
        let policy = field("policy").unwrap_or_default();
        let Some(record) = self.policies.get(policy) else {
            return Err(OssError::new(
                403,
                "AccessDenied",
                "Invalid according to Policy: Policy not issued by this host.",
            ));
        };
        if field("OSSAccessKeyId") != Some(record.access_key_id.as_str()) {
            return Err(OssError::new(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided does not exist in our records.",
            ));
        }
        if field("Signature") != Some(record.signature.as_str()) {
            return Err(OssError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            ));
        }
        if now >= record.expires_at {
            return Err(OssError::new(
                403,
                "AccessDenied",
                "Invalid according to Policy: Policy expired.",
            ));
        }
        let key = field("key").unwrap_or_default();
        let prefix = format!("{}/", record.upload_dir);
        if !key.starts_with(&prefix) || key.len() == prefix.len() {
            return Err(OssError::new(
                403,
                "AccessDenied",
                format!(
                    "Invalid according to Policy: Policy Condition failed: \
                     [\"starts-with\", \"$key\", \"{}\"]",
                    record.upload_dir
                ),
            ));
        }
        let forbid = field("x-oss-forbid-overwrite")
            .map_or(record.forbid_overwrite, |v| v.eq_ignore_ascii_case("true"));
        if forbid && self.objects.contains_key(key) {
            return Err(OssError::new(
                409,
                "FileAlreadyExists",
                "The object you specified already exists and can not be overwritten.",
            ));
        }
        Ok(record.max_bytes)
    }

    /// Stores a received object.
    pub(crate) fn insert(&mut self, key: String, object: UploadedObject) {
        self.objects.insert(key, object);
    }

    /// Stores an object from bytes at hand.
    #[cfg(test)]
    pub(crate) fn insert_bytes(&mut self, key: &str, bytes: &[u8]) {
        self.objects.insert(
            key.to_owned(),
            UploadedObject {
                source: AudioSource::from_bytes(Some(key), bytes),
            },
        );
    }
}

/// The received file part.
#[derive(Debug, Clone)]
pub(crate) struct FilePart {
    pub(crate) size: u64,
    pub(crate) hash: String,
    pub(crate) head: Vec<u8>,
}

impl FilePart {
    pub(crate) fn into_object(self, key: &str) -> UploadedObject {
        UploadedObject {
            source: AudioSource {
                name: file_name(key),
                size: Some(self.size),
                hash: Some(self.hash),
                wav: wav::parse(&self.head, self.size),
            },
        }
    }
}

/// A parsed upload form.
#[derive(Debug)]
pub(crate) struct Form {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) file: FilePart,
    /// The most bytes the reader ever held at once (tests assert it stays bounded).
    pub(crate) max_buffered: usize,
}

/// Why a form was refused.
#[derive(Debug)]
pub(crate) struct FormFailure {
    pub(crate) error: OssError,
}

fn malformed(what: &str) -> FormFailure {
    FormFailure {
        error: OssError::new(
            400,
            "MalformedPOSTRequest",
            format!(
                "The body of your POST request is not well-formed multipart/form-data: {what}."
            ),
        ),
    }
}

/// The boundary of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// Pulls body frames into a buffer on demand, counting bytes.
struct Pull<B> {
    body: B,
    buf: Vec<u8>,
    eof: bool,
    total: u64,
    max_buffered: usize,
}

impl<B> Pull<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    /// Reads one more data frame; `false` at the end of the body.
    async fn more(&mut self) -> Result<bool, FormFailure> {
        while !self.eof {
            match self.body.frame().await {
                None => self.eof = true,
                Some(Err(_)) => return Err(malformed("the body ended with an error")),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.total += data.len() as u64;
                        self.buf.extend_from_slice(&data);
                        self.max_buffered = self.max_buffered.max(self.buf.len());
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }

    /// Reads and discards the rest of the body.
    async fn drain(&mut self) {
        while let Ok(true) = self.more().await {
            self.buf.clear();
        }
    }
}

/// First occurrence of `needle` in `hay`: jump between occurrences of its first byte, which is
/// rare in audio for a CR-started delimiter, instead of comparing every window.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut from = 0;
    while let Some(off) = hay.get(from..)?.iter().position(|&b| b == first) {
        let at = from + off;
        if hay.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

struct PartHeaders {
    name: String,
}

fn parse_part_headers(raw: &[u8]) -> Result<PartHeaders, FormFailure> {
    let text = String::from_utf8_lossy(raw);
    let mut name = None;
    for line in text.split("\r\n") {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if k.trim().eq_ignore_ascii_case("content-disposition") {
            for p in v.split(';').skip(1) {
                if let Some((pk, pv)) = p.split_once('=') {
                    let pv = pv.trim().trim_matches('"').to_owned();
                    if pk.trim().eq_ignore_ascii_case("name") {
                        name = Some(pv);
                    }
                }
            }
        }
    }
    Ok(PartHeaders {
        name: name.ok_or_else(|| malformed("a part has no Content-Disposition name"))?,
    })
}

/// Reads a multipart form: text fields, then the `file` part, which must be last.
///
/// `check` sees the fields that came before `file` and returns the size limit (or refuses).
/// The rest of the body is always drained, so the client gets the answer instead of a reset
/// connection. Returns the form and the number of bytes read.
pub(crate) async fn read_form<B, F>(
    body: B,
    boundary: &str,
    check: F,
) -> (Result<Form, FormFailure>, u64)
where
    B: Body<Data = Bytes> + Unpin,
    F: FnOnce(&[(String, String)]) -> Result<u64, OssError>,
{
    let mut pull = Pull {
        body,
        buf: Vec::new(),
        eof: false,
        total: 0,
        max_buffered: 0,
    };
    let mut result = read_form_inner(&mut pull, boundary, check).await;
    // Read the epilogue (or, after a failure, everything left) so the client can read our answer.
    pull.drain().await;
    if let Ok(form) = &mut result {
        form.max_buffered = pull.max_buffered;
    }
    (result, pull.total)
}

async fn read_form_inner<B, F>(
    pull: &mut Pull<B>,
    boundary: &str,
    check: F,
) -> Result<Form, FormFailure>
where
    B: Body<Data = Bytes> + Unpin,
    F: FnOnce(&[(String, String)]) -> Result<u64, OssError>,
{
    let dash_boundary = format!("--{boundary}").into_bytes();
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    // Preamble up to the first boundary.
    loop {
        if let Some(at) = find(&pull.buf, &dash_boundary) {
            pull.buf.drain(..at + dash_boundary.len());
            break;
        }
        if pull.buf.len() > MAX_FIELD_BYTES || !pull.more().await? {
            return Err(malformed("no opening boundary"));
        }
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut check = Some(check);
    loop {
        // After a boundary: `--` ends the form, CRLF starts a part.
        while pull.buf.len() < 2 {
            if !pull.more().await? {
                return Err(malformed("truncated after a boundary"));
            }
        }
        if pull.buf.starts_with(b"--") {
            return Err(FormFailure {
                error: OssError::new(
                    400,
                    "InvalidArgument",
                    "The form has no `file` field; add the file as the last form field.",
                ),
            });
        }
        if !pull.buf.starts_with(b"\r\n") {
            return Err(malformed("a boundary is not followed by CRLF"));
        }
        pull.buf.drain(..2);
        let headers = loop {
            if let Some(at) = find(&pull.buf, b"\r\n\r\n") {
                let h = parse_part_headers(&pull.buf[..at])?;
                pull.buf.drain(..at + 4);
                break h;
            }
            if pull.buf.len() > MAX_FIELD_BYTES || !pull.more().await? {
                return Err(malformed("part headers never end"));
            }
        };
        if headers.name != "file" {
            let value = loop {
                if let Some(at) = find(&pull.buf, &delimiter) {
                    let v = String::from_utf8_lossy(&pull.buf[..at]).into_owned();
                    pull.buf.drain(..at + delimiter.len());
                    break v;
                }
                if pull.buf.len() > MAX_FIELD_BYTES || !pull.more().await? {
                    return Err(malformed("a text field never ends"));
                }
            };
            fields.push((headers.name, value));
            continue;
        }
        // The file part.
        let Some(check) = check.take() else {
            return Err(malformed("two file parts"));
        };
        let max_bytes = check(&fields).map_err(|error| FormFailure { error })?;
        let mut hash = ContentHash::default();
        let mut head = Vec::new();
        let mut size: u64 = 0;
        let keep = delimiter.len() - 1;
        loop {
            if let Some(at) = find(&pull.buf, &delimiter) {
                consume(&pull.buf[..at], &mut hash, &mut head, &mut size);
                pull.buf.drain(..at + delimiter.len());
                break;
            }
            // Everything but a possible partial delimiter at the end is file data.
            if pull.buf.len() > keep {
                let upto = pull.buf.len() - keep;
                consume(&pull.buf[..upto], &mut hash, &mut head, &mut size);
                pull.buf.drain(..upto);
            }
            if size > max_bytes {
                return Err(too_large());
            }
            if !pull.more().await? {
                return Err(malformed("the file part never ends"));
            }
        }
        if size > max_bytes {
            return Err(too_large());
        }
        // Only the closing `--` may follow the file.
        while pull.buf.len() < 2 {
            if !pull.more().await? {
                return Err(malformed("truncated after the file"));
            }
        }
        if !pull.buf.starts_with(b"--") {
            return Err(FormFailure {
                error: OssError::new(
                    400,
                    "InvalidArgument",
                    "`file` must be the last form field; move the other fields before it.",
                ),
            });
        }
        return Ok(Form {
            fields,
            file: FilePart {
                size,
                hash: format!("{:016x}", hash.value()),
                head,
            },
            max_buffered: 0,
        });
    }
}

fn too_large() -> FormFailure {
    FormFailure {
        error: OssError::new(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size.",
        ),
    }
}

fn consume(data: &[u8], hash: &mut ContentHash, head: &mut Vec<u8>, size: &mut u64) {
    hash.update(data);
    if head.len() < HEAD_BYTES {
        let take = (HEAD_BYTES - head.len()).min(data.len());
        head.extend_from_slice(&data[..take]);
    }
    *size += data.len() as u64;
}

#[cfg(test)]
mod tests;
