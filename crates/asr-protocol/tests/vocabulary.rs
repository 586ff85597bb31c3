//! The five vocabulary endpoints: built requests against the fixtures, parsed responses, and the
//! two vocabulary-specific errors (full quota, unknown id).

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};

use asr_protocol::endpoints::{
    create_vocabulary, delete_vocabulary, get_vocabulary, list_vocabularies, update_vocabulary,
};
use asr_protocol::retry::{Operation, Outcome, may_resend};
use asr_protocol::{BuildError, RequestContext, ResponseError, Retryability};
use asr_types::{Model, VocabularyItem, VocabularyStatus, WorkspaceId};

#[path = "shared/exchange.rs"]
mod exchange;

use exchange::{ALLOW_LISTED, Exchange, TEST_KEY, context};

fn parse_body<T: serde::de::DeserializeOwned>(ex: &Exchange) -> T {
    serde_json::from_value(ex.request_body())
        .unwrap_or_else(|e| panic!("{}/{}: body is not a request: {e}", ex.endpoint, ex.case))
}

/// Builds the fixture's request from its typed form with `endpoint`'s `build`.
fn rebuild(ex: &Exchange, ctx: &RequestContext) -> Result<http::Request<Vec<u8>>, BuildError> {
    match ex.endpoint.as_str() {
        "create_vocabulary" => create_vocabulary::build(&parse_body(ex), ctx),
        "list_vocabularies" => list_vocabularies::build(&parse_body(ex), ctx),
        "get_vocabulary" => get_vocabulary::build(&parse_body(ex), ctx),
        "update_vocabulary" => update_vocabulary::build(&parse_body(ex), ctx),
        "delete_vocabulary" => delete_vocabulary::build(&parse_body(ex), ctx),
        other => panic!("not a vocabulary endpoint: {other}"),
    }
}

fn ok<T: Serialize>(value: T) -> Result<Value, ResponseError> {
    Ok(serde_json::to_value(value).expect("serializable"))
}

/// Parses the fixture's response with `endpoint`'s `parse`, as JSON for comparison.
fn parse(ex: &Exchange) -> Result<Value, ResponseError> {
    let response = ex.response();
    match ex.endpoint.as_str() {
        "create_vocabulary" => create_vocabulary::parse(response).and_then(ok),
        "list_vocabularies" => list_vocabularies::parse(response).and_then(ok),
        "get_vocabulary" => get_vocabulary::parse(response).and_then(ok),
        "update_vocabulary" => update_vocabulary::parse(response).and_then(ok),
        "delete_vocabulary" => delete_vocabulary::parse(response).and_then(ok),
        other => panic!("not a vocabulary endpoint: {other}"),
    }
}

#[test]
fn built_requests() {
    insta::glob!(
        "../../../fixtures",
        "exchanges/*_vocabular*/*.json",
        |file| {
            let ex = Exchange::load(file);
            let label = format!("{}/{}", ex.endpoint, ex.case);
            let ctx = context();
            let built = rebuild(&ex, &ctx).unwrap_or_else(|e| panic!("{label}: {e}"));

            assert_eq!(
                built.uri().to_string(),
                format!(
                    "{}{}",
                    ctx.native_base,
                    ex.json["request"]["path"].as_str().expect("path")
                ),
                "{label}"
            );
            assert_eq!(
                built.method().as_str(),
                ex.json["request"]["method"],
                "{label}"
            );

            let mut headers = BTreeMap::new();
            for (name, value) in built.headers() {
                let value = value.to_str().expect("ascii header");
                let shown = match name.as_str() {
                    "authorization" => {
                        assert_eq!(value, format!("Bearer {TEST_KEY}"), "{label}");
                        "[redacted]".to_owned()
                    }
                    "user-agent" => {
                        assert!(value.starts_with("dashscope-asr-rust/"), "{value}");
                        "[user-agent]".to_owned()
                    }
                    _ => value.to_owned(),
                };
                assert!(
                    headers.insert(name.as_str().to_owned(), shown).is_none(),
                    "duplicate {name}"
                );
            }
            // Exactly the recorded allow-listed headers: JSON accept and content type, and no
            // async header on these synchronous calls.
            let ours: Vec<&str> = headers
                .keys()
                .map(String::as_str)
                .filter(|n| ALLOW_LISTED.contains(n))
                .collect();
            let recorded: Vec<&str> = ex.json["request"]["headers"]
                .as_object()
                .expect("headers")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(ours, recorded, "{label}");

            let body: Value = serde_json::from_slice(built.body()).expect("built body is JSON");
            assert_eq!(body, ex.request_body(), "{label}");
            // The official SDK's key order: model, [parameters], input, with `action` first.
            let text = std::str::from_utf8(built.body()).expect("utf-8");
            assert!(text.starts_with(r#"{"model":"speech-biasing","#), "{text}");
            assert!(text.contains(r#""input":{"action":"#), "{text}");
            if let Some(at) = text.find(r#""parameters":"#) {
                assert!(at < text.find(r#""input":"#).expect("input"), "{text}");
            }

            let snapshot = json!({
                "method": built.method().as_str(),
                "uri": built.uri().to_string(),
                "headers": headers,
                "body": body,
            });
            assert!(
                !snapshot.to_string().contains(TEST_KEY),
                "the key leaked into the snapshot"
            );
            insta::with_settings!({ sort_maps => true }, {
                insta::assert_json_snapshot!(snapshot);
            });
        }
    );
}

fn retryability(r: Retryability) -> Value {
    match r {
        Retryability::No => json!("no"),
        Retryability::Backoff => json!("backoff"),
        Retryability::After(d) => json!({ "after_ms": d.as_millis() as u64 }),
        other => json!(format!("{other:?}")),
    }
}

#[test]
fn parsed_responses() {
    insta::glob!(
        "../../../fixtures",
        "exchanges/*_vocabular*/*.json",
        |file| {
            let ex = Exchange::load(file);
            let label = format!("{}/{}", ex.endpoint, ex.case);
            let body = &ex.json["response"]["body"];
            let parsed = match parse(&ex) {
                Ok(value) => {
                    assert!(ex.status() < 400, "{label}");
                    // The typed value loses nothing: it serializes back to the recorded body.
                    assert_eq!(&value, body, "{label}");
                    json!({ "ok": value })
                }
                Err(error) => {
                    let ResponseError::Api(api) = &error else {
                        panic!("{label}: every recorded error is a known envelope: {error:?}");
                    };
                    assert_eq!(api.status.as_u16(), ex.status(), "{label}");
                    assert_eq!(api.code, body["code"], "{label}");
                    json!({ "err": {
                    "status": api.status.as_u16(),
                    "code": api.code,
                    "message": api.message,
                    "request_id": api.request_id,
                    "retryability": retryability(api.retryability),
                    "quota_exhausted": error.is_quota_exhausted(),
                    "unknown_vocabulary": error.is_unknown_vocabulary(),
                    "hint": error.vocabulary_hint(),
                }, "display": error.to_string() })
                }
            };
            insta::with_settings!({ sort_maps => true }, {
                insta::assert_yaml_snapshot!(parsed, { ".**.request_id" => "[request_id]" });
            });
        }
    );
}

#[test]
fn typed_answers_carry_the_documented_values() {
    let created = create_vocabulary::parse(Exchange::named("create_vocabulary", "doc").response())
        .expect("create answer");
    assert_eq!(created.output.vocabulary_id.prefix(), Some("testpfx"));

    let page = list_vocabularies::parse(Exchange::named("list_vocabularies", "doc").response())
        .expect("list answer");
    let statuses: Vec<_> = page
        .output
        .vocabulary_list
        .iter()
        .map(|v| v.status.clone())
        .collect();
    assert_eq!(
        statuses,
        [Some(VocabularyStatus::Ok), Some(VocabularyStatus::Ok)]
    );

    let details = get_vocabulary::parse(Exchange::named("get_vocabulary", "doc").response())
        .expect("query answer");
    assert!(details.output.is_ready());
    assert_eq!(details.output.target_model, Some(Model::FUN_ASR));
    assert_eq!(details.output.vocabulary[0].lang.as_deref(), Some("zh"));
    assert_eq!(details.usage.and_then(|u| u.count), Some(1));
}

fn error_response(
    status: u16,
    code: &str,
    message: &str,
    headers: &[(&str, &str)],
) -> http::Response<Bytes> {
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = json!({ "request_id": "r-1", "code": code, "message": message });
    builder
        .body(Bytes::from(body.to_string()))
        .expect("response")
}

#[test]
fn a_full_quota_is_recognised_and_never_retried() {
    let recorded =
        create_vocabulary::parse(Exchange::named("create_vocabulary", "error_quota").response())
            .expect_err("quota error");
    assert!(recorded.is_quota_exhausted());
    assert!(!recorded.is_unknown_vocabulary());
    assert_eq!(recorded.retryability(), Retryability::No);
    let hint = recorded.vocabulary_hint().expect("hint");
    assert!(
        hint.contains("delete one") && hint.contains("larger quota"),
        "{hint}"
    );

    // The same code also comes as HTTP 429, even with a Retry-After: still a quota, not a rate.
    let as_429 = create_vocabulary::parse(error_response(
        429,
        "Throttling.AllocationQuota",
        "Allocated quota exceeded, please increase your quota limit.",
        &[("retry-after", "2")],
    ))
    .expect_err("quota error");
    assert!(as_429.is_quota_exhausted());
    assert_eq!(as_429.retryability(), Retryability::No);

    // A rate limit on the same endpoint is retried, so the rule above is about the code.
    let rate = create_vocabulary::parse(error_response(
        429,
        "Throttling.RateQuota",
        "Requests rate limit exceeded, please try again later.",
        &[("retry-after", "2")],
    ))
    .expect_err("rate error");
    assert!(!rate.is_quota_exhausted());
    assert_eq!(rate.vocabulary_hint(), None);
    assert_eq!(
        rate.retryability(),
        Retryability::After(Duration::from_secs(2))
    );
}

#[test]
fn an_unknown_id_is_recognised_on_every_id_endpoint() {
    let recorded =
        get_vocabulary::parse(Exchange::named("get_vocabulary", "error_not_exist").response())
            .expect_err("unknown id");
    assert!(recorded.is_unknown_vocabulary());
    assert!(!recorded.is_quota_exhausted());
    assert_eq!(recorded.retryability(), Retryability::No);
    assert!(
        recorded
            .vocabulary_hint()
            .expect("hint")
            .contains("list the vocabularies")
    );

    let not_exist = || {
        error_response(
            400,
            "BadRequest.ResourceNotExist",
            "The Required resource not exist.",
            &[],
        )
    };
    for error in [
        update_vocabulary::parse(not_exist()).expect_err("update"),
        delete_vocabulary::parse(not_exist()).expect_err("delete"),
    ] {
        assert!(error.is_unknown_vocabulary(), "{error}");
    }
}

#[test]
fn a_business_error_inside_http_200_is_an_error() {
    let response = http::Response::builder()
        .status(200)
        .body(Bytes::from_static(
            br#"{"code":"Throttling.AllocationQuota","message":"Free allocated quota exceeded.","request_id":"r-2"}"#,
        ))
        .expect("response");
    let error = create_vocabulary::parse(response).expect_err("two-layer error");
    assert!(error.is_quota_exhausted(), "{error}");
}

#[test]
fn create_is_only_resent_when_nothing_reached_the_service() {
    assert_eq!(create_vocabulary::OPERATION, Operation::Submit);
    // A lost answer may hide a created vocabulary that takes one of the ten slots.
    assert_eq!(
        may_resend(create_vocabulary::OPERATION, Outcome::NoResponse),
        Retryability::No
    );
    assert_eq!(
        may_resend(create_vocabulary::OPERATION, Outcome::ConnectFailed),
        Retryability::Backoff
    );
    for operation in [
        list_vocabularies::OPERATION,
        get_vocabulary::OPERATION,
        update_vocabulary::OPERATION,
        delete_vocabulary::OPERATION,
    ] {
        assert_eq!(
            may_resend(operation, Outcome::NoResponse),
            Retryability::Backoff
        );
    }
}

#[test]
fn invalid_requests_are_not_built() {
    let request = create_vocabulary::Request::new(
        Model::FUN_ASR,
        "hotwords",
        [
            VocabularyItem::new("Qwen", 4),
            VocabularyItem::new("通义", 9),
        ],
    );
    let error = create_vocabulary::build(&request, &context()).expect_err("weight 9");
    let BuildError::Validation(validation) = &error else {
        panic!("expected a validation error: {error:?}");
    };
    assert_eq!(validation.field, "input.vocabulary[1].weight");
    assert!(error.to_string().contains("1 to 5, got 9"), "{error}");
    assert!(!format!("{error:?}").contains(TEST_KEY));

    let update = update_vocabulary::Request::new("vocab-a-1", []);
    assert!(matches!(
        update_vocabulary::build(&update, &context()),
        Err(BuildError::Validation(e)) if e.field == "input.vocabulary"
    ));
    let list = list_vocabularies::Request::new(0, 10).with_prefix("NO");
    assert!(matches!(
        list_vocabularies::build(&list, &context()),
        Err(BuildError::Validation(e)) if e.field == "input.prefix"
    ));
    let get = get_vocabulary::Request::new("");
    assert!(matches!(
        get_vocabulary::build(&get, &context()),
        Err(BuildError::Validation(e)) if e.field == "input.vocabulary_id"
    ));
    let delete = delete_vocabulary::Request::new("");
    assert!(matches!(
        delete_vocabulary::build(&delete, &context()),
        Err(BuildError::Validation(e)) if e.field == "input.vocabulary_id"
    ));
}

#[test]
fn requests_built_from_constructors_match_the_sdk_capture() {
    let request = create_vocabulary::Request::new(
        Model::FUN_ASR,
        "testpfx",
        [VocabularyItem::new("赛德克巴莱", 4).with_lang("zh")],
    );
    let built = create_vocabulary::build(&request, &context()).expect("valid");
    let body: Value = serde_json::from_slice(built.body()).expect("JSON");
    assert_eq!(
        body,
        Exchange::named("create_vocabulary", "sdk_wire").request_body()
    );
}

#[test]
fn the_workspace_header_is_sent_when_set() {
    let ctx = context().with_workspace(WorkspaceId::new("ws-1").expect("workspace id"));
    let request = list_vocabularies::Request::new(1, 20).with_prefix("hotwords");
    let built = list_vocabularies::build(&request, &ctx).expect("valid");
    assert_eq!(built.headers()["x-dashscope-workspace"], "ws-1");
    let body: Value = serde_json::from_slice(built.body()).expect("JSON");
    assert_eq!(
        body["input"],
        json!({"action": "list_vocabulary", "prefix": "hotwords", "page_index": 1, "page_size": 20})
    );
}
