use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::Frame;

use super::*;

/// A body delivered in the given pieces.
struct Pieces(VecDeque<Bytes>);

impl Body for Pieces {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

fn form(fields: &[(&str, &str)], file: Option<&[u8]>, after: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    let part = |out: &mut Vec<u8>, name: &str, value: &[u8], file: bool| {
        out.extend_from_slice(b"--BOUND\r\n");
        if file {
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n").as_bytes(),
            );
        } else {
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    for (k, v) in fields {
        part(&mut out, k, v.as_bytes(), false);
    }
    if let Some(f) = file {
        part(&mut out, "file", f, true);
    }
    for (k, v) in after {
        part(&mut out, k, v.as_bytes(), false);
    }
    out.extend_from_slice(b"--BOUND--\r\n");
    out
}

fn split(bytes: &[u8], at: usize) -> Pieces {
    let at = at.min(bytes.len());
    Pieces(VecDeque::from([
        Bytes::copy_from_slice(&bytes[..at]),
        Bytes::copy_from_slice(&bytes[at..]),
    ]))
}

#[tokio::test]
async fn parses_at_every_split_point() {
    // The file content contains a near-boundary to exercise the delimiter search.
    let file = b"RIFF....\r\n--BOUN not yet\r\n-BOUND\r--BOUND no";
    let body = form(&[("key", "d/x.wav"), ("policy", "p")], Some(file), &[]);
    for at in 0..=body.len() {
        let (res, size) = read_form(split(&body, at), "BOUND", |_| Ok(1000)).await;
        let f = res.unwrap_or_else(|e| panic!("split at {at}: {:?}", e.error));
        assert_eq!(size, body.len() as u64);
        assert_eq!(
            f.fields,
            vec![
                ("key".to_owned(), "d/x.wav".to_owned()),
                ("policy".to_owned(), "p".to_owned())
            ]
        );
        assert_eq!(f.file.size, file.len() as u64);
        assert_eq!(f.file.hash, ContentHash::hex_of(file));
        assert_eq!(f.file.head, file.to_vec());
    }
}

#[tokio::test]
async fn file_must_be_last() {
    let body = form(&[("key", "k")], Some(b"abc"), &[("policy", "p")]);
    let (res, _) = read_form(split(&body, 7), "BOUND", |_| Ok(1000)).await;
    let e = res.expect_err("field after file").error;
    assert_eq!((e.status, e.code), (400, "InvalidArgument"));
    assert!(e.message.contains("last"), "{}", e.message);
}

#[tokio::test]
async fn missing_file_is_refused() {
    let body = form(&[("key", "k")], None, &[]);
    let (res, _) = read_form(split(&body, 3), "BOUND", |_| Ok(1000)).await;
    assert_eq!(res.expect_err("no file").error.code, "InvalidArgument");
}

#[tokio::test]
async fn too_large_is_refused_after_draining() {
    let file = vec![7u8; 5000];
    let body = form(&[("key", "k")], Some(&file), &[]);
    let (res, size) = read_form(split(&body, 100), "BOUND", |_| Ok(4999)).await;
    assert_eq!(res.expect_err("too large").error.code, "EntityTooLarge");
    assert_eq!(size, body.len() as u64);
}

#[tokio::test]
async fn check_sees_fields_before_file() {
    let body = form(&[("OSSAccessKeyId", "a"), ("key", "k")], Some(b"x"), &[]);
    let (res, _) = read_form(split(&body, 1), "BOUND", |fields| {
        assert_eq!(fields.len(), 2);
        Err(OssError::new(403, "AccessDenied", "no"))
    })
    .await;
    assert_eq!(res.expect_err("refused").error.status, 403);
}

#[test]
fn boundary_from_content_type() {
    assert_eq!(
        boundary("multipart/form-data; boundary=abc").as_deref(),
        Some("abc")
    );
    assert_eq!(
        boundary("multipart/form-data; charset=x; boundary=\"q r\"").as_deref(),
        Some("q r")
    );
    assert_eq!(boundary("application/json"), None);
    assert_eq!(boundary("multipart/form-data"), None);
}

fn policy_fields(data: &Value, key: &str) -> Vec<(String, String)> {
    let s = |k: &str| data[k].as_str().unwrap_or_default().to_owned();
    vec![
        ("OSSAccessKeyId".into(), s("oss_access_key_id")),
        ("Signature".into(), s("signature")),
        ("policy".into(), s("policy")),
        ("key".into(), key.to_owned()),
        ("x-oss-forbid-overwrite".into(), "true".into()),
    ]
}

#[test]
fn policy_checks() {
    let mut up = Uploads::default();
    let mut rng = Rng::new(1);
    let t0 = Instant::now();
    let data = up.issue_policy(
        &mut rng,
        t0,
        1_700_000_000_000,
        "http://h/oss-upload",
        Duration::from_secs(300),
        2,
    );
    assert_eq!(data["upload_host"], "http://h/oss-upload");
    assert_eq!(data["max_file_size_mb"], 2);
    let dir = data["upload_dir"].as_str().expect("dir").to_owned();
    let good = policy_fields(&data, &format!("{dir}/a.wav"));
    assert_eq!(up.check_form(&good, t0), Ok(2 * 1024 * 1024));
    // Expired.
    let e = up
        .check_form(&good, t0 + Duration::from_secs(300))
        .expect_err("expired");
    assert_eq!(
        (e.status, e.code, e.message.as_str()),
        (
            403,
            "AccessDenied",
            "Invalid according to Policy: Policy expired."
        )
    );
    // Wrong signature.
    let mut bad = good.clone();
    bad[1].1 = "forged".into();
    assert_eq!(
        up.check_form(&bad, t0).expect_err("sig").code,
        "SignatureDoesNotMatch"
    );
    // Key outside the upload dir.
    let outside = policy_fields(&data, "elsewhere/a.wav");
    assert_eq!(
        up.check_form(&outside, t0).expect_err("dir").code,
        "AccessDenied"
    );
    // Missing field.
    assert_eq!(
        up.check_form(&good[1..], t0).expect_err("missing").code,
        "InvalidArgument"
    );
    // Overwrite forbidden.
    up.insert_bytes(&format!("{dir}/a.wav"), b"x");
    assert_eq!(
        up.check_form(&good, t0).expect_err("exists").code,
        "FileAlreadyExists"
    );
}

#[test]
fn oss_error_is_xml() {
    let Reply::Bytes {
        status,
        content_type,
        body,
    } = oss_error(403, "AccessDenied", "a<b", "rid")
    else {
        panic!("bytes reply expected");
    };
    assert_eq!((status, content_type.as_str()), (403, "application/xml"));
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("<Code>AccessDenied</Code>") && text.contains("a&lt;b"),
        "{text}"
    );
}

#[tokio::test]
async fn memory_stays_bounded_for_large_files() {
    // 64 MiB of file data in 64 KiB frames: the reader must never hold more than a frame or two.
    let frame = 64 * 1024;
    let frames = 1024;
    let mut head = form(&[("key", "k")], Some(b""), &[]);
    // Split the prepared form around the (empty) file content and stream the file in between.
    let tail_at = head.len() - b"\r\n--BOUND--\r\n".len();
    let tail = head.split_off(tail_at);
    let mut pieces = VecDeque::from([Bytes::from(head)]);
    for i in 0..frames {
        pieces.push_back(Bytes::from(vec![u8::try_from(i % 251).unwrap_or(0); frame]));
    }
    pieces.push_back(Bytes::from(tail));
    let (res, size) = read_form(Pieces(pieces), "BOUND", |_| Ok(u64::MAX)).await;
    let f = res.expect("valid");
    assert_eq!(f.file.size, (frame * frames) as u64);
    assert!(size > f.file.size);
    assert_eq!(f.file.head.len(), HEAD_BYTES);
    assert!(
        f.max_buffered <= 2 * frame + 1024,
        "held {} bytes at once",
        f.max_buffered
    );
}
