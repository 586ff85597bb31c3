use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use super::{ResponseError, SNIPPET_LIMIT, parse_error, parse_json, snippet};
use crate::Retryability;

#[test]
fn snippet_is_bounded_and_cut_on_a_character() {
    let body = "é".repeat(SNIPPET_LIMIT);
    let s = snippet(body.as_bytes());
    assert!(s.len() <= SNIPPET_LIMIT);
    assert!(s.chars().all(|c| c == 'é'));
    assert_eq!(snippet(b"short"), "short");
    assert_eq!(snippet(&[0xff, b'a']), "\u{FFFD}a");
}

#[test]
fn html_error_body_is_kept_as_a_snippet() {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", "req-1".parse().expect("header"));
    let err = parse_error(
        StatusCode::BAD_GATEWAY,
        &headers,
        b"<html>bad gateway</html>",
    );
    match err {
        ResponseError::UnexpectedStatus {
            status,
            snippet,
            request_id,
            retryability,
        } => {
            assert_eq!(status, StatusCode::BAD_GATEWAY);
            assert_eq!(snippet, "<html>bad gateway</html>");
            assert_eq!(request_id.map(|r| r.to_string()).as_deref(), Some("req-1"));
            assert_eq!(retryability, Retryability::Backoff);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn request_id_falls_back_to_the_header() {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", "from-header".parse().expect("header"));
    let body = br#"{"code":"AccessDenied","msg":"Policy expired."}"#;
    let ResponseError::Api(api) = parse_error(StatusCode::FORBIDDEN, &headers, body) else {
        panic!("expected an API error");
    };
    assert_eq!(api.message, "Policy expired.");
    assert_eq!(
        api.request_id.map(|r| r.to_string()).as_deref(),
        Some("from-header")
    );
}

#[test]
fn openai_error_without_code_uses_its_type() {
    let body = br#"{"error":{"message":"m","type":"server_error","param":null,"code":null}}"#;
    let ResponseError::Api(api) =
        parse_error(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), body)
    else {
        panic!("expected an API error");
    };
    assert_eq!(api.code, "server_error");
}

#[test]
fn business_error_inside_http_200_is_an_api_error() {
    let response = http::Response::builder()
        .status(200)
        .body(Bytes::from_static(
            br#"{"request_id":"r","code":"Throttling.RateQuota","message":"slow down"}"#,
        ))
        .expect("response");
    let err = parse_json::<serde_json::Value>("get_task", response).expect_err("two-layer error");
    assert_eq!(err.code(), Some("Throttling.RateQuota"));
    assert_eq!(err.status(), StatusCode::OK);
    assert!(err.retryability().is_retryable());
}

#[test]
fn task_level_code_is_not_a_business_error() {
    let response = http::Response::builder()
        .status(200)
        .body(Bytes::from_static(
            br#"{"request_id":"r","output":{"code":"FILE_403_FORBIDDEN"}}"#,
        ))
        .expect("response");
    assert!(parse_json::<serde_json::Value>("get_task", response).is_ok());
}

#[test]
fn undecodable_success_keeps_a_snippet() {
    let response = http::Response::builder()
        .status(200)
        .body(Bytes::from_static(b"not json"))
        .expect("response");
    match parse_json::<serde_json::Value>("get_task", response) {
        Err(ResponseError::Decode {
            endpoint, snippet, ..
        }) => {
            assert_eq!(endpoint, "get_task");
            assert_eq!(snippet, "not json");
        }
        other => panic!("{other:?}"),
    }
}

fn ok(body: &'static str) -> http::Response<Bytes> {
    http::Response::builder()
        .status(200)
        .body(Bytes::from_static(body.as_bytes()))
        .expect("response")
}

/// A struct that a business-error body also decodes as: only the code check can refuse it.
#[derive(Debug, serde::Deserialize)]
struct Lenient {
    #[serde(default)]
    request_id: Option<String>,
}

#[test]
fn a_top_level_code_wins_even_when_the_body_decodes_as_the_target() {
    let err = parse_json::<Lenient>(
        "get_task",
        ok(r#"{"request_id":"r","message":"m","code":"InvalidApiKey"}"#),
    )
    .expect_err("two-layer error");
    assert_eq!(err.code(), Some("InvalidApiKey"));
    assert_eq!(err.request_id().map(|r| r.as_str()), Some("r"));
}

#[test]
fn an_empty_or_non_string_top_level_code_is_not_a_business_error() {
    for body in [
        r#"{"request_id":"r","code":""}"#,
        r#"{"request_id":"r","code":200}"#,
        r#"{"request_id":"r","code":null}"#,
    ] {
        let parsed = parse_json::<Lenient>("get_task", ok(body)).expect(body);
        assert_eq!(parsed.request_id.as_deref(), Some("r"), "{body}");
    }
}

#[test]
fn a_repeated_key_reads_as_it_always_has() {
    // The typed fast path refuses duplicate fields; the `Value` path keeps the last one.
    let parsed = parse_json::<Lenient>("get_task", ok(r#"{"request_id":"a","request_id":"b"}"#))
        .expect("last key wins");
    assert_eq!(parsed.request_id.as_deref(), Some("b"));
    let err = parse_json::<Lenient>(
        "get_task",
        ok(r#"{"code":"","message":"m","code":"Throttling"}"#),
    )
    .expect_err("the last code is the code");
    assert_eq!(err.code(), Some("Throttling"));
}
