use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Vocabularies;
use crate::reply::Reply;

const READY: Duration = Duration::from_secs(2);

fn call(v: &mut Vocabularies, now: Instant, input: Value) -> (u16, Value) {
    let body = json!({"model": "speech-biasing", "parameters": {}, "input": input});
    match v.handle(now, "req-1", &body) {
        Reply::Json { status, body, .. } => (status, body),
        other => panic!("expected a JSON reply, got {other:?}"),
    }
}

fn create(v: &mut Vocabularies, now: Instant, prefix: &str) -> String {
    let (status, body) = call(
        v,
        now,
        json!({"action": "create_vocabulary", "target_model": "fun-asr", "prefix": prefix,
               "vocabulary": [{"text": "赛德克巴莱", "weight": 4, "lang": "zh"}]}),
    );
    assert_eq!(status, 200, "{body}");
    body["output"]["vocabulary_id"]
        .as_str()
        .expect("vocabulary_id")
        .to_owned()
}

fn error_code(v: &mut Vocabularies, now: Instant, input: Value) -> (u16, String, String) {
    let (status, body) = call(v, now, input);
    (
        status,
        body["code"].as_str().unwrap_or_default().to_owned(),
        body["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn create_returns_id_usage_and_request_id() {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let t0 = Instant::now();
    let (status, body) = call(
        &mut v,
        t0,
        json!({"action": "create_vocabulary", "target_model": "fun-asr", "prefix": "testpfx",
               "vocabulary": [{"text": "赛德克巴莱", "weight": 4}]}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["usage"], json!({"count": 1}));
    assert_eq!(body["request_id"], "req-1");
    let id = body["output"]["vocabulary_id"].as_str().unwrap();
    let hex = id.strip_prefix("vocab-testpfx-").expect("id prefix");
    assert_eq!(hex.len(), 32);
    assert!(
        hex.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
}

#[test]
fn status_turns_ok_after_ready_delay_and_update_redeploys() {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let t0 = Instant::now();
    let id = create(&mut v, t0, "abc");
    let query = json!({"action": "query_vocabulary", "vocabulary_id": id});
    let (_, body) = call(&mut v, t0 + Duration::from_millis(1999), query.clone());
    assert_eq!(body["output"]["status"], "UNDEPLOYED");
    let (_, body) = call(&mut v, t0 + READY, query.clone());
    assert_eq!(body["output"]["status"], "OK");
    assert_eq!(body["output"]["target_model"], "fun-asr");
    assert_eq!(
        body["output"]["vocabulary"],
        json!([{"text": "赛德克巴莱", "weight": 4, "lang": "zh"}])
    );

    let t1 = t0 + Duration::from_secs(10);
    let (status, body) = call(
        &mut v,
        t1,
        json!({"action": "update_vocabulary", "vocabulary_id": id,
               "vocabulary": [{"text": "hello world", "weight": 5, "lang": "en"}]}),
    );
    assert_eq!((status, &body["output"]), (200, &json!({})));
    let (_, body) = call(&mut v, t1, query.clone());
    assert_eq!(body["output"]["status"], "UNDEPLOYED");
    assert_eq!(
        body["output"]["vocabulary"],
        json!([{"text": "hello world", "weight": 5, "lang": "en"}])
    );
    assert_ne!(body["output"]["gmt_create"], body["output"]["gmt_modified"]);
    let (_, body) = call(&mut v, t1 + READY, query);
    assert_eq!(body["output"]["status"], "OK");
}

#[test]
fn delete_then_unknown_id_is_resource_not_exist() {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let t0 = Instant::now();
    let id = create(&mut v, t0, "abc");
    let (status, body) = call(
        &mut v,
        t0,
        json!({"action": "delete_vocabulary", "vocabulary_id": id}),
    );
    assert_eq!((status, &body["output"]), (200, &json!({})));
    assert!(v.lists.is_empty());
    for action in ["query_vocabulary", "delete_vocabulary"] {
        let got = error_code(&mut v, t0, json!({"action": action, "vocabulary_id": id}));
        assert_eq!(
            got,
            (
                400,
                "BadRequest.ResourceNotExist".into(),
                "The Required resource not exist.".into()
            ),
            "{action}"
        );
    }
    let got = error_code(
        &mut v,
        t0,
        json!({"action": "update_vocabulary", "vocabulary_id": id,
               "vocabulary": [{"text": "x", "weight": 1}]}),
    );
    assert_eq!(got.1, "BadRequest.ResourceNotExist");
}

#[test]
fn quota_rejects_the_eleventh_list_until_one_is_deleted() {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let t0 = Instant::now();
    let ids: Vec<String> = (0..10)
        .map(|i| create(&mut v, t0, &format!("p{i}")))
        .collect();
    let eleventh = json!({"action": "create_vocabulary", "target_model": "fun-asr",
                          "prefix": "extra", "vocabulary": [{"text": "x", "weight": 1}]});
    let got = error_code(&mut v, t0, eleventh.clone());
    assert_eq!(
        got,
        (
            400,
            "Throttling.AllocationQuota".into(),
            "Free allocated quota exceeded.".into()
        )
    );
    call(
        &mut v,
        t0,
        json!({"action": "delete_vocabulary", "vocabulary_id": ids[3]}),
    );
    let (status, _) = call(&mut v, t0, eleventh);
    assert_eq!(status, 200);
}

#[test]
fn list_filters_by_prefix_pages_and_puts_newest_first() {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let t0 = Instant::now();
    let a1 = create(&mut v, t0, "aaa");
    let _b = create(&mut v, t0, "bbb");
    let a2 = create(&mut v, t0 + READY, "aaa");
    let a3 = create(&mut v, t0 + READY, "aaa");
    let ids = |body: &Value| -> Vec<String> {
        body["output"]["vocabulary_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["vocabulary_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let now = t0 + READY;
    let (_, body) = call(&mut v, now, json!({"action": "list_vocabulary"}));
    assert_eq!(ids(&body).len(), 4);
    let (_, body) = call(
        &mut v,
        now,
        json!({"action": "list_vocabulary", "prefix": "aaa", "page_index": 0, "page_size": 2}),
    );
    assert_eq!(ids(&body), vec![a3, a2]);
    let first = &body["output"]["vocabulary_list"][0];
    assert_eq!(first["status"], "UNDEPLOYED");
    for key in ["gmt_create", "gmt_modified"] {
        let s = first[key].as_str().unwrap();
        assert_eq!(s.len(), 19, "{key}: {s}");
        assert_eq!(&s[4..5], "-");
        assert_eq!(&s[10..11], " ");
    }
    let (_, body) = call(
        &mut v,
        now,
        json!({"action": "list_vocabulary", "prefix": "aaa", "page_index": 1, "page_size": 2}),
    );
    assert_eq!(ids(&body), vec![a1]);
    assert_eq!(body["output"]["vocabulary_list"][0]["status"], "OK");
    let (_, body) = call(
        &mut v,
        now,
        json!({"action": "list_vocabulary", "prefix": "aaa", "page_index": 2, "page_size": 2}),
    );
    assert!(ids(&body).is_empty());
    let got = error_code(
        &mut v,
        now,
        json!({"action": "list_vocabulary", "page_size": 0}),
    );
    assert_eq!((got.0, got.1.as_str()), (400, "InvalidParameter"));
    assert!(got.2.contains("page_size"), "{}", got.2);
}

#[test]
fn model_other_than_speech_biasing_is_rejected() {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let body = json!({"model": "fun-asr", "input": {"action": "list_vocabulary"}});
    let Reply::Json { status, body, .. } = v.handle(Instant::now(), "r", &body) else {
        panic!("json expected")
    };
    assert_eq!(status, 400);
    assert_eq!(body["code"], "InvalidParameter");
    assert!(body["message"].as_str().unwrap().contains("speech-biasing"));
}

#[test]
fn unknown_or_missing_action_names_the_field() {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let t0 = Instant::now();
    for input in [json!({"action": "rename_vocabulary"}), json!({})] {
        let got = error_code(&mut v, t0, input);
        assert_eq!((got.0, got.1.as_str()), (400, "InvalidParameter"));
        assert!(got.2.contains("input.action"), "{}", got.2);
    }
}

fn create_error(prefix: &str, target_model: &str, items: Value) -> (u16, String, String) {
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    error_code(
        &mut v,
        Instant::now(),
        json!({"action": "create_vocabulary", "target_model": target_model, "prefix": prefix,
               "vocabulary": items}),
    )
}

fn assert_invalid(got: (u16, String, String), needle: &str) {
    assert_eq!(got.0, 400, "{got:?}");
    assert_eq!(got.1, "InvalidParameter", "{got:?}");
    assert!(
        got.2.contains(needle),
        "message {:?} lacks {needle:?}",
        got.2
    );
}

#[test]
fn prefix_rules() {
    let ok = json!([{"text": "x", "weight": 1}]);
    assert_invalid(
        create_error("abcdefghijk", "fun-asr", ok.clone()),
        "longer than 10",
    );
    assert_invalid(create_error("Abc", "fun-asr", ok.clone()), "lowercase");
    assert_invalid(create_error("a-b", "fun-asr", ok.clone()), "input.prefix");
    assert_invalid(create_error("", "fun-asr", ok.clone()), "input.prefix");
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let id = create(&mut v, Instant::now(), "abcdefgh10");
    assert!(id.starts_with("vocab-abcdefgh10-"));
}

#[test]
fn item_text_limits() {
    let fifteen = "一二三四五六七八九十一二三四五";
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let (status, body) = call(
        &mut v,
        Instant::now(),
        json!({"action": "create_vocabulary", "target_model": "fun-asr", "prefix": "a",
               "vocabulary": [{"text": fifteen, "weight": 4},
                              {"text": "one two three four five six seven", "weight": 4}]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_invalid(
        create_error(
            "a",
            "fun-asr",
            json!([{"text": format!("{fifteen}六"), "weight": 4}]),
        ),
        "input.vocabulary[0].text",
    );
    assert_invalid(
        create_error(
            "a",
            "fun-asr",
            json!([{"text": "ok", "weight": 4},
                   {"text": "one two three four five six seven eight", "weight": 4}]),
        ),
        "input.vocabulary[1].text` has 8 words",
    );
    assert_invalid(
        create_error("a", "fun-asr", json!([{"weight": 4}])),
        "input.vocabulary[0].text",
    );
}

#[test]
fn item_weight_and_count_limits() {
    for weight in [json!(0), json!(6), json!(2.5), json!("4"), Value::Null] {
        assert_invalid(
            create_error("a", "fun-asr", json!([{"text": "x", "weight": weight}])),
            "input.vocabulary[0].weight",
        );
    }
    let too_many: Vec<Value> = (0..501)
        .map(|i| json!({"text": format!("w{i}"), "weight": 4}))
        .collect();
    assert_invalid(
        create_error("a", "fun-asr", Value::Array(too_many)),
        "vocabulary is too large",
    );
    assert_invalid(create_error("a", "fun-asr", json!([])), "input.vocabulary");
    assert_invalid(create_error("a", "fun-asr", json!("x")), "input.vocabulary");
}

#[test]
fn lang_depends_on_target_model_family() {
    let yue = json!([{"text": "x", "weight": 4, "lang": "yue"}]);
    assert_invalid(
        create_error("a", "fun-asr", yue.clone()),
        "input.vocabulary[0].lang",
    );
    let mut v = Vocabularies::new(READY, 10, Duration::ZERO);
    let (status, body) = call(
        &mut v,
        Instant::now(),
        json!({"action": "create_vocabulary", "target_model": "paraformer-v2", "prefix": "a",
               "vocabulary": yue}),
    );
    assert_eq!(status, 200, "{body}");
    assert_invalid(
        create_error(
            "a",
            "paraformer-v2",
            json!([{"text": "x", "weight": 4, "lang": "es"}]),
        ),
        "input.vocabulary[0].lang",
    );
}

#[test]
fn target_model_must_support_vocabularies() {
    let ok = json!([{"text": "x", "weight": 1}]);
    assert_invalid(
        create_error("a", "qwen3-asr-flash", ok.clone()),
        "input.target_model",
    );
    assert_invalid(create_error("a", "", ok), "input.target_model");
}

#[test]
fn two_updates_of_one_list_are_five_minutes_apart() {
    let interval = Duration::from_secs(300);
    let mut v = Vocabularies::new(READY, 10, interval);
    let t0 = Instant::now();
    let id = create(&mut v, t0, "abc");
    let other = create(&mut v, t0, "xyz");
    let update = |id: &str| {
        json!({"action": "update_vocabulary", "vocabulary_id": id,
               "vocabulary": [{"text": "hello", "weight": 4}]})
    };
    // The create is not an update: the first update may follow at once.
    assert_eq!(call(&mut v, t0, update(&id)).0, 200);
    let (status, code, message) = error_code(&mut v, t0 + interval / 2, update(&id));
    assert_eq!((status, code.as_str()), (400, "InvalidParameter"));
    assert!(message.contains("300 seconds"), "{message}");
    // Other lists have their own clock, and a refused update changes nothing.
    assert_eq!(call(&mut v, t0 + interval / 2, update(&other)).0, 200);
    assert_eq!(call(&mut v, t0 + interval, update(&id)).0, 200);
}
