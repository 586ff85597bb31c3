//! Parsed responses: every recorded response goes through its endpoint's `parse`.

use serde::Serialize;
use serde_json::{Value, json};

use asr_protocol::endpoints::{
    cancel_task, create_temporary_key, create_vocabulary, delete_vocabulary, fetch_result,
    get_task, get_upload_policy, get_vocabulary, list_tasks, list_vocabularies,
    submit_qwen_filetrans, submit_transcription, update_vocabulary, upload_file,
};
use asr_protocol::error::parse_error;
use asr_protocol::{ResponseError, Retryability};

use crate::Exchange;

fn ok<T: Serialize>(value: T) -> Value {
    json!({ "ok": serde_json::to_value(value).expect("serializable") })
}

fn retryability(r: Retryability) -> Value {
    match r {
        Retryability::No => json!("no"),
        Retryability::Backoff => json!("backoff"),
        Retryability::After(d) => json!({ "after_ms": d.as_millis() as u64 }),
        other => json!(format!("{other:?}")),
    }
}

fn err(error: &ResponseError) -> Value {
    let detail = match error {
        ResponseError::Api(api) => json!({
            "kind": "api",
            "status": api.status.as_u16(),
            "code": api.code,
            "category": format!("{:?}", api.category()),
            "message": api.message,
            "request_id": api.request_id,
            "retryability": retryability(api.retryability),
        }),
        ResponseError::Decode {
            endpoint,
            status,
            snippet,
            ..
        } => json!({
            "kind": "decode",
            "endpoint": endpoint,
            "status": status.as_u16(),
            "snippet": snippet,
        }),
        ResponseError::UnexpectedStatus {
            status,
            snippet,
            request_id,
            retryability: r,
        } => json!({
            "kind": "unexpected_status",
            "status": status.as_u16(),
            "snippet": snippet,
            "request_id": request_id,
            "retryability": retryability(*r),
        }),
        other => json!({ "kind": format!("{other:?}") }),
    };
    json!({ "err": detail, "display": error.to_string() })
}

/// Parses the fixture's response with its endpoint's `parse` (or the generic error reader for
/// endpoints this crate does not model yet).
fn parse(ex: &Exchange) -> Value {
    let response = ex.response();
    let result = match ex.endpoint.as_str() {
        "submit_transcription" => submit_transcription::parse(response).map(ok),
        "submit_qwen_filetrans" => submit_qwen_filetrans::parse(response).map(ok),
        "get_task" => get_task::parse(response).map(ok),
        "cancel_task" => cancel_task::parse(response).map(ok),
        "list_tasks" => list_tasks::parse(response).map(ok),
        "get_upload_policy" => get_upload_policy::parse(response).map(ok),
        "fetch_result" => fetch_result::parse(response).map(ok),
        "upload_file" => upload_file::parse(response).map(|()| json!({ "ok": null })),
        "create_vocabulary" => create_vocabulary::parse(response).map(ok),
        "list_vocabularies" => list_vocabularies::parse(response).map(ok),
        "get_vocabulary" => get_vocabulary::parse(response).map(ok),
        "update_vocabulary" => update_vocabulary::parse(response).map(ok),
        "delete_vocabulary" => delete_vocabulary::parse(response).map(ok),
        // The key type has no `Serialize` (it is a secret); this is its explicit JSON form.
        "create_temporary_key" => {
            create_temporary_key::parse(response).map(|key| json!({ "ok": key.to_exposed_json() }))
        }
        _ => {
            let (parts, body) = response.into_parts();
            assert!(
                !parts.status.is_success(),
                "{}: only error exchanges",
                ex.case
            );
            Err(parse_error(parts.status, &parts.headers, &body))
        }
    };
    match result {
        Ok(value) => value,
        Err(error) => err(&error),
    }
}

#[test]
fn parsed_responses() {
    insta::glob!("../../../../fixtures", "exchanges/*/*.json", |file| {
        let ex = Exchange::load(file);
        // Recognition answers (JSON and SSE) are parsed, and snapshotted, by `tests/recognize.rs`.
        if matches!(
            ex.endpoint.as_str(),
            "recognize_native" | "chat_completions"
        ) && ex.status() < 400
        {
            return;
        }
        let parsed = parse(&ex);
        let body = &ex.response_json()["body"];
        if ex.status() < 400 {
            // Success parses, and the typed value loses nothing: it serializes back to the body.
            let value = parsed
                .get("ok")
                .unwrap_or_else(|| panic!("{}/{}: {parsed}", ex.endpoint, ex.case));
            assert_eq!(value, body, "{}/{}", ex.endpoint, ex.case);
        } else {
            let error = &parsed["err"];
            assert_eq!(error["status"], ex.status(), "{}/{}", ex.endpoint, ex.case);
            // Every recorded error body is a known envelope, so it becomes an API error with the
            // body's code.
            assert_eq!(
                error["kind"], "api",
                "{}/{}: {parsed}",
                ex.endpoint, ex.case
            );
            let code = body["code"]
                .as_str()
                .or_else(|| body["error"]["code"].as_str());
            assert_eq!(error["code"].as_str(), code);
        }
        insta::with_settings!({ sort_maps => true }, {
            // Values a re-recording changes; result-document `end_time`s are audio offsets, not
            // clock times, so only the task's own times are redacted.
            insta::assert_yaml_snapshot!(parsed, {
                ".**.request_id" => insta::dynamic_redaction(present("[request_id]")),
                ".**.task_id" => insta::dynamic_redaction(present("[task_id]")),
                ".ok.output.submit_time" => "[time]",
                ".ok.output.scheduled_time" => "[time]",
                ".ok.output.end_time" => "[time]",
                ".**.gmt_create" => "[time]",
                ".**.gmt_modified" => "[time]",
                ".ok.data[].start_time" => "[time]",
                ".ok.data[].end_time" => "[time]",
                ".**.transcription_url" => insta::dynamic_redaction(redact_signed_url),
            });
        });
    });
}

/// Replaces a present value with `label`, keeping an absent (null) one visible.
fn present(
    label: &'static str,
) -> impl Fn(insta::internals::Content, insta::internals::ContentPath<'_>) -> insta::internals::Content
+ Send
+ Sync
+ 'static {
    move |value, _path| match value {
        insta::internals::Content::None | insta::internals::Content::Unit => value,
        _ => label.into(),
    }
}

/// Keeps the URL's path (which says which document it is) and hides the signature, after
/// checking that the value really is a URL.
fn redact_signed_url(
    value: insta::internals::Content,
    _path: insta::internals::ContentPath<'_>,
) -> String {
    let url = value.as_str().expect("transcription_url is a string");
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "{url}"
    );
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?[signature]"),
        None => url.to_owned(),
    }
}
