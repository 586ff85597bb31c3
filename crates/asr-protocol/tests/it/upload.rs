//! The streaming upload form (protocol §7).

use asr_protocol::BuildError;
use asr_protocol::endpoints::upload_file;
use asr_types::UploadPolicyResponse;

use crate::{Exchange, TEST_KEY, context};

fn policy() -> asr_types::UploadPolicy {
    let ex = Exchange::named("get_upload_policy", "ok");
    let response: UploadPolicyResponse =
        serde_json::from_value(ex.response_json()["body"].clone()).expect("policy fixture");
    response.data
}

const FILE_LEN: u64 = 1234;

fn form() -> upload_file::UploadForm {
    let request = upload_file::Request::new(policy(), "cat.wav", FILE_LEN);
    upload_file::build(&request, &context()).expect("form builds")
}

#[test]
fn head_and_tail_bytes() {
    let form = form();
    let head = std::str::from_utf8(&form.head).expect("utf-8 head");
    let tail = std::str::from_utf8(&form.tail).expect("utf-8 tail");
    insta::assert_snapshot!(format!("{head}<{FILE_LEN} file bytes>{tail}"));
}

#[test]
fn content_length_is_head_plus_file_plus_tail() {
    let form = form();
    let expected = form.head.len() as u64 + FILE_LEN + form.tail.len() as u64;
    assert_eq!(form.content_length, expected);
    let header = form.request.headers()["content-length"]
        .to_str()
        .expect("ascii");
    assert_eq!(header, expected.to_string());
}

#[test]
fn fields_in_sdk_order_with_file_last() {
    let form = form();
    let head = std::str::from_utf8(&form.head).expect("utf-8");
    let order = [
        "OSSAccessKeyId",
        "Signature",
        "policy",
        "key",
        "x-oss-object-acl",
        "x-oss-forbid-overwrite",
        "success_action_status",
        "x-oss-content-type",
        "file",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|name| {
            head.find(&format!("name=\"{name}\""))
                .unwrap_or_else(|| panic!("{name}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert!(head.contains("name=\"key\"\r\n\r\ndashscope-instant/xxx/2024-07-18/xxx/cat.wav\r\n"));
    assert!(head.contains("name=\"success_action_status\"\r\n\r\n200\r\n"));
    assert!(head.ends_with("filename=\"cat.wav\"\r\nContent-Type: audio/wav\r\n\r\n"));
    // Nine parts, each opened by the boundary, then the closing delimiter in the tail.
    let boundary = context().multipart_boundary;
    assert_eq!(head.matches(&format!("--{boundary}\r\n")).count(), 9);
    assert_eq!(&form.tail[..], format!("\r\n--{boundary}--\r\n").as_bytes());
}

#[test]
fn request_head_goes_to_the_upload_host_without_the_key() {
    let form = form();
    let request = &form.request;
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(
        request.uri().to_string(),
        "https://dashscope-file-xxx.oss-cn-beijing.aliyuncs.com/"
    );
    assert!(request.headers().get("authorization").is_none());
    assert!(!format!("{request:?}").contains(TEST_KEY));
    let boundary = context().multipart_boundary;
    assert_eq!(
        request.headers()["content-type"].to_str().expect("ascii"),
        format!("multipart/form-data; boundary={boundary}")
    );
    assert_eq!(
        form.object_key,
        "dashscope-instant/xxx/2024-07-18/xxx/cat.wav"
    );
    assert_eq!(
        form.oss_url,
        "oss://dashscope-instant/xxx/2024-07-18/xxx/cat.wav"
    );
}

#[test]
fn a_custom_boundary_is_used_everywhere() {
    let ctx = context()
        .with_multipart_boundary("b0undary")
        .expect("valid");
    let request = upload_file::Request::new(policy(), "cat.wav", FILE_LEN);
    let form = upload_file::build(&request, &ctx).expect("builds");
    assert!(form.head.starts_with(b"--b0undary\r\n"));
    assert_eq!(&form.tail[..], b"\r\n--b0undary--\r\n");
    assert!(
        context()
            .with_multipart_boundary("bad boundary\r\n")
            .is_err()
    );
}

#[test]
fn a_two_gigabyte_file_is_never_materialised() {
    // Only the length matters to the encoder; the policy's limit decides, not memory.
    let request = upload_file::Request::new(policy(), "big.wav", 2 << 30);
    let error = upload_file::build(&request, &context()).expect_err("over the limit");
    let text = error.to_string();
    assert!(text.contains("100 MB"), "{text}");
    assert!(text.contains("max_file_size_mb"), "{text}");
}

#[test]
fn check_size_names_the_limit() {
    let policy = policy();
    assert!(upload_file::check_size(&policy, 100 << 20).is_ok());
    let over = upload_file::check_size(&policy, (100 << 20) + 1).expect_err("over");
    assert!(over.to_string().contains("100 MB"), "{over}");
    let empty = upload_file::check_size(&policy, 0).expect_err("empty");
    assert!(empty.to_string().contains("empty"), "{empty}");
    let mut unlimited = policy.clone();
    unlimited.max_file_size_mb = None;
    let huge = upload_file::check_size(&unlimited, (1 << 30) + 1).expect_err("over 1 GB");
    assert!(huge.to_string().contains("1 GB"), "{huge}");
}

#[test]
fn dangerous_file_names_are_rejected() {
    for name in [
        "",
        "a\"b.wav",
        "a\r\nContent-Type: x.wav",
        "dir/a.wav",
        "..",
        "a\\b.wav",
        "tab\t.wav",
    ] {
        let request = upload_file::Request::new(policy(), name, FILE_LEN);
        match upload_file::build(&request, &context()) {
            Err(BuildError::InvalidInput { field, problem }) => {
                assert_eq!(field, "file_name", "{name:?}");
                assert!(problem.contains("base name"), "{problem}");
            }
            other => panic!("{name:?}: expected a file name error, got {other:?}"),
        }
    }
    // Non-ASCII names are fine: OSS keys are UTF-8.
    let request = upload_file::Request::new(policy(), "会议 录音.mp3", FILE_LEN);
    let form = upload_file::build(&request, &context()).expect("unicode name");
    assert!(form.oss_url.ends_with("/会议 录音.mp3"));
}

#[test]
fn content_type_is_guessed_and_checked() {
    assert_eq!(upload_file::content_type_for("a.MP3"), "audio/mpeg");
    assert_eq!(
        upload_file::content_type_for("noext"),
        "application/octet-stream"
    );
    let request =
        upload_file::Request::new(policy(), "a.wav", FILE_LEN).with_content_type("bad\r\n");
    assert!(matches!(
        upload_file::build(&request, &context()),
        Err(BuildError::InvalidInput {
            field: "content_type",
            ..
        })
    ));
}
