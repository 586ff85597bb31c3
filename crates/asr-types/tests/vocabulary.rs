//! Vocabulary wire types: every vocabulary fixture body round-trips through its type, and the
//! envelope, statuses and ids behave as the protocol notes say.

use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

use asr_types::vocabulary::{SERVICE_MODEL, prefix_from_name};
use asr_types::{
    ApiErrorBody, CreateVocabularyRequest, CreateVocabularyResponse, DeleteVocabularyRequest,
    DeleteVocabularyResponse, ListVocabulariesRequest, ListVocabulariesResponse, Model,
    QueryVocabularyRequest, QueryVocabularyResponse, UpdateVocabularyRequest,
    UpdateVocabularyResponse, VocabularyId, VocabularyItem, VocabularyStatus,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

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

/// Request and success-response types of each vocabulary endpoint directory.
const ENDPOINTS: &[(&str, Check, Check)] = &[
    (
        "create_vocabulary",
        round_trip::<CreateVocabularyRequest>,
        round_trip::<CreateVocabularyResponse>,
    ),
    (
        "list_vocabularies",
        round_trip::<ListVocabulariesRequest>,
        round_trip::<ListVocabulariesResponse>,
    ),
    (
        "get_vocabulary",
        round_trip::<QueryVocabularyRequest>,
        round_trip::<QueryVocabularyResponse>,
    ),
    (
        "update_vocabulary",
        round_trip::<UpdateVocabularyRequest>,
        round_trip::<UpdateVocabularyResponse>,
    ),
    (
        "delete_vocabulary",
        round_trip::<DeleteVocabularyRequest>,
        round_trip::<DeleteVocabularyResponse>,
    ),
];

#[test]
fn every_vocabulary_fixture_body_round_trips_through_its_type() {
    let mut failures = Vec::new();
    for (endpoint, request_check, response_check) in ENDPOINTS {
        let dir = exchanges_dir().join(endpoint);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let mut successes = 0;
        for file in &files {
            let exchange: Value = serde_json::from_str(&fs::read_to_string(file).unwrap())
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
            let mut fail = |what: &str, result: Result<(), String>| {
                if let Err(e) = result {
                    failures.push(format!("{} ({what}): {e}", file.display()));
                }
            };
            fail("request", request_check(&exchange["request"]["body"]));
            let body = &exchange["response"]["body"];
            if (200..300).contains(&exchange["response"]["status"].as_u64().unwrap()) {
                fail("response", response_check(body));
                successes += 1;
            } else {
                fail("error response", round_trip::<ApiErrorBody>(body));
            }
        }
        assert!(
            successes > 0,
            "no successful exchange under {}",
            dir.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn requests_serialise_like_the_sdk() {
    let request = CreateVocabularyRequest::new(
        Model::FUN_ASR,
        "testpfx",
        [VocabularyItem::new("赛德克巴莱", 4).with_lang("zh")],
    );
    // Key order of the SDK capture: model, parameters, input; `action` first in `input`;
    // text, weight, lang in an item.
    let text = serde_json::to_string(&request).unwrap();
    assert_eq!(
        text,
        r#"{"model":"speech-biasing","parameters":{},"input":{"action":"create_vocabulary","target_model":"fun-asr","prefix":"testpfx","vocabulary":[{"text":"赛德克巴莱","weight":4,"lang":"zh"}]}}"#
    );
}

#[test]
fn each_action_writes_its_own_action_name() {
    let cases = [
        (
            serde_json::to_value(ListVocabulariesRequest::new(2, 50).with_prefix("abc")).unwrap(),
            json!({"action": "list_vocabulary", "prefix": "abc", "page_index": 2, "page_size": 50}),
        ),
        (
            serde_json::to_value(QueryVocabularyRequest::new("vocab-abc-1")).unwrap(),
            json!({"action": "query_vocabulary", "vocabulary_id": "vocab-abc-1"}),
        ),
        (
            serde_json::to_value(UpdateVocabularyRequest::new(
                "vocab-abc-1",
                [VocabularyItem::new("Qwen", 3)],
            ))
            .unwrap(),
            json!({"action": "update_vocabulary", "vocabulary_id": "vocab-abc-1",
                   "vocabulary": [{"text": "Qwen", "weight": 3}]}),
        ),
        (
            serde_json::to_value(DeleteVocabularyRequest::new("vocab-abc-1")).unwrap(),
            json!({"action": "delete_vocabulary", "vocabulary_id": "vocab-abc-1"}),
        ),
    ];
    for (body, input) in cases {
        assert_eq!(body["model"], SERVICE_MODEL);
        assert_eq!(body["parameters"], json!({}));
        assert_eq!(body["input"], input);
    }
}

#[test]
fn list_without_a_prefix_omits_it_and_pages_on() {
    let first = ListVocabulariesRequest::new(0, 10);
    let body = serde_json::to_value(&first).unwrap();
    assert!(body["input"].get("prefix").is_none(), "{body}");
    let next = serde_json::to_value(first.next_page()).unwrap();
    assert_eq!(next["input"]["page_index"], 1);
    assert_eq!(next["input"]["page_size"], 10);
}

#[test]
fn a_body_of_another_action_is_rejected() {
    let query = json!({"model": "speech-biasing",
                       "input": {"action": "query_vocabulary", "vocabulary_id": "vocab-a-1"}});
    let err = serde_json::from_value::<DeleteVocabularyRequest>(query).unwrap_err();
    assert!(
        err.to_string().contains("expected `delete_vocabulary`"),
        "{err}"
    );
    let missing = json!({"model": "speech-biasing", "input": {"vocabulary_id": "vocab-a-1"}});
    let err = serde_json::from_value::<DeleteVocabularyRequest>(missing).unwrap_err();
    assert!(
        err.to_string().contains("`input.action` is missing"),
        "{err}"
    );
}

#[test]
fn a_body_naming_the_asr_model_as_model_is_rejected() {
    let body = json!({"model": "fun-asr",
                      "input": {"action": "delete_vocabulary", "vocabulary_id": "vocab-a-1"}});
    let err = serde_json::from_value::<DeleteVocabularyRequest>(body).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("speech-biasing"), "{message}");
    assert!(message.contains("input.target_model"), "{message}");
}

#[test]
fn list_defaults_apply_when_parsing_a_bare_body() {
    let body = json!({"model": "speech-biasing", "input": {"action": "list_vocabulary"}});
    let request: ListVocabulariesRequest = serde_json::from_value(body).unwrap();
    assert_eq!(request.input.page_index, 0);
    assert_eq!(request.input.page_size, 10);
    assert_eq!(request.input.prefix, None);
    assert_eq!(request.parameters, None);
}

#[test]
fn statuses_keep_unseen_strings_and_only_ok_is_ready() {
    let parsed: Vec<VocabularyStatus> =
        serde_json::from_value(json!(["OK", "UNDEPLOYED", "DEPLOYING"])).unwrap();
    assert_eq!(
        parsed,
        [
            VocabularyStatus::Ok,
            VocabularyStatus::Undeployed,
            VocabularyStatus::Other("DEPLOYING".into())
        ]
    );
    assert_eq!(
        parsed
            .iter()
            .map(VocabularyStatus::is_ready)
            .collect::<Vec<_>>(),
        [true, false, false]
    );
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        json!(["OK", "UNDEPLOYED", "DEPLOYING"])
    );
}

#[test]
fn query_details_report_readiness_and_keep_unknown_fields() {
    let body = json!({
        "output": {"status": "UNDEPLOYED", "target_model": "paraformer-v2", "vocabulary": [],
                   "region": "cn-beijing"},
        "usage": {"count": 1},
        "request_id": "r-1"
    });
    let response: QueryVocabularyResponse = serde_json::from_value(body.clone()).unwrap();
    assert!(!response.output.is_ready());
    assert_eq!(response.output.target_model, Some(Model::PARAFORMER_V2));
    assert_eq!(response.output.extra["region"], "cn-beijing");
    assert_eq!(serde_json::to_value(&response).unwrap(), body);

    let ready: QueryVocabularyResponse =
        serde_json::from_value(json!({"output": {"status": "OK"}})).unwrap();
    assert!(ready.output.is_ready());
}

#[test]
fn vocabulary_ids_expose_their_prefix() {
    let id = VocabularyId::new("vocab-testpfx-5112c3de3705486baxxxxxxx");
    assert_eq!(id.prefix(), Some("testpfx"));
    assert_eq!(id.to_string(), "vocab-testpfx-5112c3de3705486baxxxxxxx");
    for odd in [
        "vocab-nodash",
        "vocab--abc",
        "vocab-abc-",
        "phrase-abc-123",
        "",
    ] {
        assert_eq!(VocabularyId::new(odd).prefix(), None, "{odd}");
    }
}

#[test]
fn prefixes_derived_from_names_are_valid() {
    assert_eq!(
        prefix_from_name("Hot-Words_2024.tsv").as_deref(),
        Some("hotwords20")
    );
    assert_eq!(prefix_from_name("médical").as_deref(), Some("mdical"));
    assert_eq!(prefix_from_name("热词"), None);
    let derived = prefix_from_name("Customer Names").unwrap();
    asr_types::vocabulary::check_prefix(&derived).unwrap();
}
