//! Every fixture body this crate has a type for parses into it and serialises back to the same
//! JSON value.

use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

use asr_types::{
    ApiErrorBody, CancelResponse, OpenAiErrorBody, QwenFiletransRequest, ResultDocument,
    SubmitResponse, TaskListResponse, TaskResponse, TranscriptionRequest, UploadPolicyResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn exchanges_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/exchanges")
}

/// Parses `body` as `T`, serialises it again and describes any difference.
fn round_trip<T: DeserializeOwned + Serialize + Debug>(body: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(body.clone()).map_err(|e| format!("parse: {e}"))?;
    let back = serde_json::to_value(&typed).map_err(|e| format!("serialise: {e}"))?;
    if &back == body {
        Ok(())
    } else {
        Err(format!(
            "round trip changed the body\n  before: {body}\n  after:  {back}"
        ))
    }
}

type Check = fn(&Value) -> Result<(), String>;

/// The type of a request body, by endpoint directory; `None` for bodies another crate owns.
fn request_check(endpoint: &str) -> Option<Check> {
    match endpoint {
        "submit_transcription" => Some(round_trip::<TranscriptionRequest>),
        "submit_qwen_filetrans" => Some(round_trip::<QwenFiletransRequest>),
        _ => None,
    }
}

/// The type of a 2xx response body, by endpoint directory.
fn success_check(endpoint: &str) -> Option<Check> {
    match endpoint {
        "submit_transcription" | "submit_qwen_filetrans" => Some(round_trip::<SubmitResponse>),
        "get_task" => Some(round_trip::<TaskResponse>),
        "cancel_task" => Some(round_trip::<CancelResponse>),
        "list_tasks" => Some(round_trip::<TaskListResponse>),
        "get_upload_policy" => Some(round_trip::<UploadPolicyResponse>),
        "fetch_result" => Some(round_trip::<ResultDocument>),
        _ => None,
    }
}

/// Endpoints whose fixtures this test must find, so an emptied or moved folder fails loudly.
const REQUIRED: &[&str] = &[
    "submit_transcription",
    "submit_qwen_filetrans",
    "get_task",
    "cancel_task",
    "list_tasks",
    "get_upload_policy",
    "fetch_result",
];

#[test]
fn every_fixture_body_round_trips_through_its_type() {
    let root = exchanges_dir();
    let endpoints =
        fs::read_dir(&root).unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()));
    let mut checked_per_endpoint = std::collections::BTreeMap::<String, usize>::new();
    let mut error_bodies = 0;
    let mut failures = Vec::new();

    for endpoint in endpoints {
        let endpoint = endpoint.unwrap().path();
        if !endpoint.is_dir() {
            continue;
        }
        let name = endpoint.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = fs::read_dir(&endpoint)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let exchange: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
            let mut fail = |what: &str, result: Result<(), String>| {
                if let Err(e) = result {
                    failures.push(format!("{} ({what}): {e}", file.display()));
                }
            };

            let request_body = &exchange["request"]["body"];
            if !request_body.is_null()
                && let Some(check) = request_check(&name)
            {
                fail("request", check(request_body));
                *checked_per_endpoint.entry(name.clone()).or_default() += 1;
            }

            let status = exchange["response"]["status"]
                .as_u64()
                .unwrap_or_else(|| panic!("{}: response.status missing", file.display()));
            let body = &exchange["response"]["body"];
            if body.is_null() {
                continue;
            }
            if (200..300).contains(&status) {
                if let Some(check) = success_check(&name) {
                    fail("response", check(body));
                    *checked_per_endpoint.entry(name.clone()).or_default() += 1;
                }
            } else if body.get("error").is_some() {
                fail("error response", round_trip::<OpenAiErrorBody>(body));
                error_bodies += 1;
            } else {
                fail("error response", round_trip::<ApiErrorBody>(body));
                error_bodies += 1;
            }
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for endpoint in REQUIRED {
        assert!(
            checked_per_endpoint.get(*endpoint).copied().unwrap_or(0) > 0,
            "no fixture body checked for `{endpoint}` under {}; checked: {checked_per_endpoint:?}",
            root.display()
        );
    }
    assert!(error_bodies > 0, "no error response fixture found");
}

fn fixture_body(relative: &str, part: &str) -> Value {
    let path = exchanges_dir().join(relative);
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let exchange: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    exchange[part]["body"].clone()
}

#[test]
fn result_documents_are_detected_by_shape() {
    let fun: ResultDocument =
        serde_json::from_value(fixture_body("fetch_result/transcription.json", "response"))
            .unwrap();
    assert!(matches!(fun, ResultDocument::Transcription(_)), "{fun:?}");
    let qwen: ResultDocument =
        serde_json::from_value(fixture_body("fetch_result/qwen_filetrans.json", "response"))
            .unwrap();
    assert!(matches!(qwen, ResultDocument::Qwen(_)), "{qwen:?}");
}

#[test]
fn sdk_wire_filter_string_is_reproduced_byte_for_byte() {
    let body = fixture_body("submit_transcription/funasr_sdk_wire.json", "request");
    let wire = body["parameters"]["special_word_filter"]
        .as_str()
        .expect("the SDK sends the filter as a string")
        .to_owned();
    let request: TranscriptionRequest = serde_json::from_value(body).unwrap();
    let filter = request.parameters.special_word_filter.clone().unwrap();
    assert_eq!(
        filter.filter_with_signed.as_ref().unwrap().word_list,
        ["测试"]
    );
    assert_eq!(filter.to_wire_string(), wire);
}

/// Submit fixtures the service accepted (2xx) that our validation rejects on purpose, with why.
const ACCEPTED_BUT_REJECTED: &[(&str, &str)] = &[(
    "submit_transcription/funasr_doc.json",
    // The doc example sends speaker_count with diarization off; the count has no effect then,
    // so we reject it to surface the mistake.
    "parameters.speaker_count",
)];

#[test]
fn accepted_submit_fixtures_pass_validation() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for endpoint in ["submit_transcription", "submit_qwen_filetrans"] {
        let dir = exchanges_dir().join(endpoint);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let relative = format!("{endpoint}/{}", file.file_name().unwrap().to_string_lossy());
            let exchange: Value =
                serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
            let status = exchange["response"]["status"].as_u64().unwrap();
            if !(200..300).contains(&status) {
                continue;
            }
            let body = exchange["request"]["body"].clone();
            let result = if endpoint == "submit_transcription" {
                serde_json::from_value::<TranscriptionRequest>(body)
                    .unwrap()
                    .validate()
            } else {
                serde_json::from_value::<QwenFiletransRequest>(body)
                    .unwrap()
                    .validate()
            };
            checked += 1;
            let expected = ACCEPTED_BUT_REJECTED
                .iter()
                .find(|(f, _)| *f == relative)
                .map(|(_, field)| *field);
            match (result, expected) {
                (Ok(()), None) => {}
                (Err(e), Some(field)) if e.field == field => {}
                (result, expected) => failures.push(format!(
                    "{relative}: got {result:?}, expected error on {expected:?}"
                )),
            }
        }
    }
    assert!(checked > 0, "no accepted submit fixture found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
