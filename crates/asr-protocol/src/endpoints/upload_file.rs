//! `POST {upload_host}` (`multipart/form-data`) — upload one local file to the temporary OSS
//! bucket, as a streaming form.
//!
//! Protocol §7 step 2; <https://help.aliyun.com/zh/model-studio/get-temporary-file-url>.
//! The form is split into a head (every text field, then the `file` part's header), the file
//! bytes, and a tail, so the caller streams `head`, the file, `tail` and never holds the file in
//! memory. The request goes to the storage host, so it carries no `Authorization`.

use bytes::Bytes;
use http::Method;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT};

use asr_types::UploadPolicy;

use crate::context::RequestContext;
use crate::endpoints::{JSON, parse_uri, user_agent};
use crate::error::{BuildError, ResponseError, parse_error};

/// Largest file the temporary upload takes, whatever the model (1 GiB, protocol §7 limits).
pub const MAX_UPLOAD_BYTES: u64 = 1 << 30;

/// `Content-Type` of the file part when none is given.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// What to upload.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// The credential from [`get_upload_policy`](super::get_upload_policy).
    pub policy: UploadPolicy,
    /// The object's file name (no directories); the object key is `upload_dir/<file_name>`.
    pub file_name: String,
    /// MIME type of the file part and of `x-oss-content-type`.
    pub content_type: String,
    /// Exact file length in bytes.
    pub file_len: u64,
}

impl Request {
    /// Uploads `file_len` bytes as `file_name`, with a content type guessed from the extension
    /// ([`content_type_for`]).
    pub fn new(policy: UploadPolicy, file_name: impl Into<String>, file_len: u64) -> Self {
        let file_name = file_name.into();
        let content_type = content_type_for(&file_name).to_owned();
        Request {
            policy,
            file_name,
            content_type,
            file_len,
        }
    }

    /// Overrides the content type.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }
}

/// Everything the transport needs to stream the upload.
#[derive(Debug)]
#[non_exhaustive]
pub struct UploadForm {
    /// Method, URI (`upload_host`) and headers; the body is `head`, the file, `tail`.
    pub request: http::Request<()>,
    /// Every text field in SDK order, then the `file` part's header.
    pub head: Bytes,
    /// The closing boundary.
    pub tail: Bytes,
    /// `head.len() + file_len + tail.len()`, also set as the `Content-Length` header.
    pub content_length: u64,
    /// The object key, `upload_dir/<file_name>`.
    pub object_key: String,
    /// `oss://<object_key>`: the URL to submit once the upload succeeded.
    pub oss_url: String,
}

/// Checks a file length against the policy's `max_file_size_mb` and the 1 GiB overall limit.
///
/// # Errors
///
/// [`BuildError::InvalidInput`] naming the limit, for an empty or too-large file.
pub fn check_size(policy: &UploadPolicy, len: u64) -> Result<(), BuildError> {
    if len == 0 {
        return Err(BuildError::InvalidInput {
            field: "file",
            problem: "the file is empty; pass an audio or video file".to_owned(),
        });
    }
    // The doc writes "MB"; OSS policies count bytes, and MiB is the reading that matches the
    // SDK's own checks.
    let (limit, what) = match policy.max_file_size_mb {
        Some(mb) if mb.saturating_mul(1 << 20) < MAX_UPLOAD_BYTES => (
            mb.saturating_mul(1 << 20),
            format!("{mb} MB for this model (upload policy `max_file_size_mb`)"),
        ),
        _ => (MAX_UPLOAD_BYTES, "1 GB for temporary uploads".to_owned()),
    };
    if len > limit {
        return Err(BuildError::InvalidInput {
            field: "file",
            problem: format!(
                "the file is {len} bytes, over the limit of {what}; host the file yourself and \
                 pass its https URL (async transcription reads files up to 2 GB from a URL)"
            ),
        });
    }
    Ok(())
}

/// Guesses the MIME type of a media file from its extension (the formats of protocol §8),
/// else `application/octet-stream`.
pub fn content_type_for(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "aac" => "audio/aac",
        "amr" => "audio/amr",
        "avi" => "video/x-msvideo",
        "flac" => "audio/flac",
        "flv" => "video/x-flv",
        "m4a" => "audio/mp4",
        "mkv" => "video/x-matroska",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "mpeg" => "video/mpeg",
        "ogg" => "audio/ogg",
        "opus" => "audio/opus",
        "wav" => "audio/wav",
        "webm" => "video/webm",
        "wma" => "audio/x-ms-wma",
        "wmv" => "video/x-ms-wmv",
        _ => OCTET_STREAM,
    }
}

/// Builds the streaming form.
///
/// Text fields come in the order the official SDK sends them: `OSSAccessKeyId`, `Signature`,
/// `policy`, `key`, `x-oss-object-acl`, `x-oss-forbid-overwrite`, `success_action_status`
/// (`200`), `x-oss-content-type`; the `file` part is last, as OSS requires.
///
/// # Errors
///
/// [`BuildError::InvalidInput`] for a file too large or empty ([`check_size`]), a file name
/// that is empty, has a directory part, quotes or control characters, an invalid content type,
/// a policy value that would break the form, or an `upload_host` that is not an absolute
/// http(s) URL.
pub fn build(request: &Request, ctx: &RequestContext) -> Result<UploadForm, BuildError> {
    let policy = &request.policy;
    check_size(policy, request.file_len)?;
    check_file_name(&request.file_name)?;
    check_content_type(&request.content_type)?;
    let boundary = ctx.multipart_boundary.as_str();
    let object_key = policy.object_key(&request.file_name);
    let oss_url = format!("oss://{object_key}");

    let fields = [
        ("OSSAccessKeyId", policy.oss_access_key_id.as_str()),
        ("Signature", policy.signature.as_str()),
        ("policy", policy.policy.as_str()),
        ("key", object_key.as_str()),
        ("x-oss-object-acl", policy.x_oss_object_acl.as_str()),
        (
            "x-oss-forbid-overwrite",
            policy.x_oss_forbid_overwrite.as_str(),
        ),
        ("success_action_status", "200"),
        ("x-oss-content-type", request.content_type.as_str()),
    ];
    let mut head = String::new();
    for (name, value) in fields {
        if value.contains(['\r', '\n']) || value.contains(boundary) {
            return Err(BuildError::InvalidInput {
                field: "upload_policy",
                problem: format!(
                    "the `{name}` value contains a line break or the multipart boundary; fetch a \
                     new upload policy"
                ),
            });
        }
        head.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    head.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
         Content-Type: {}\r\n\r\n",
        request.file_name, request.content_type
    ));
    let tail = format!("\r\n--{boundary}--\r\n");
    let content_length = (head.len() as u64)
        .saturating_add(request.file_len)
        .saturating_add(tail.len() as u64);

    let uri = parse_uri(policy.upload_host.trim())?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(BuildError::InvalidInput {
            field: "upload_host",
            problem: "the policy's upload host is not an absolute http(s) URL; fetch a new upload \
                      policy"
                .to_owned(),
        });
    }
    let request = http::Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(ACCEPT, JSON)
        .header(CONTENT_LENGTH, content_length)
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(USER_AGENT, user_agent(ctx)?)
        .body(())?;
    Ok(UploadForm {
        request,
        head: Bytes::from(head),
        tail: Bytes::from(tail),
        content_length,
        object_key,
        oss_url,
    })
}

fn check_file_name(name: &str) -> Result<(), BuildError> {
    let problem = if name.is_empty() {
        Some("the file name is empty")
    } else if name == "." || name == ".." || name.contains(['/', '\\']) {
        Some("the file name has a directory part")
    } else if name.contains('"') || name.chars().any(char::is_control) {
        Some("the file name contains a quote or a control character (such as a line break)")
    } else if name.len() > 255 {
        Some("the file name is longer than 255 bytes")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(BuildError::InvalidInput {
            field: "file_name",
            problem: format!(
                "{problem}; pass the base name only, e.g. `meeting.wav`, or rename the file"
            ),
        }),
        None => Ok(()),
    }
}

fn check_content_type(value: &str) -> Result<(), BuildError> {
    let valid = value
        .split_once('/')
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if valid {
        Ok(())
    } else {
        Err(BuildError::InvalidInput {
            field: "content_type",
            problem: format!("`{value}` is not a MIME type; pass e.g. `audio/wav`"),
        })
    }
}

/// Parses the upload answer: any 2xx is success (OSS answers 200 with an empty body).
///
/// # Errors
///
/// [`ResponseError::Api`] (e.g. 403 `AccessDenied` "Policy expired": fetch a new policy) or
/// [`ResponseError::UnexpectedStatus`] with the OSS XML body as the snippet.
pub fn parse(response: http::Response<Bytes>) -> Result<(), ResponseError> {
    let (parts, body) = response.into_parts();
    if parts.status.is_success() {
        Ok(())
    } else {
        Err(parse_error(parts.status, &parts.headers, &body))
    }
}
