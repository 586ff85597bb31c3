use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::submit::{model_kind, never_resolves};
use super::*;
use crate::config::AllFailedStatus;
use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::rng::Rng;
use crate::uploads::Uploads;

fn ctx(now: Instant, request_id: &str) -> RequestCtx<'_> {
    RequestCtx {
        now,
        wall_ms: 0,
        request_id,
        api_key_id: "k",
    }
}

fn err(body: Value, oss: bool) -> (u16, &'static str, String) {
    parse_submit(&body, oss).expect_err("invalid")
}

#[test]
fn model_families() {
    assert_eq!(model_kind("fun-asr"), ModelKind::Async(Shape::FileUrls));
    assert_eq!(
        model_kind("fun-asr-mtl-2025-08-25"),
        ModelKind::Async(Shape::FileUrls)
    );
    assert_eq!(
        model_kind("paraformer-v2"),
        ModelKind::Async(Shape::FileUrls)
    );
    assert_eq!(
        model_kind("qwen-audio-3.1-asr-flash-filetrans"),
        ModelKind::Async(Shape::FileUrls)
    );
    assert_eq!(
        model_kind("qwen3-asr-flash-filetrans-2025-11-17"),
        ModelKind::Async(Shape::FileUrl)
    );
    assert_eq!(model_kind("fun-asr-flash-2026-06-15"), ModelKind::SyncOnly);
    assert_eq!(model_kind("qwen3-asr-flash"), ModelKind::SyncOnly);
    assert_eq!(model_kind("whisper"), ModelKind::Unknown);
}

#[test]
fn submit_validation_messages() {
    assert_eq!(
        err(json!({"model": "fun-asr", "input": {}}), false).2,
        "input must contain file_urls"
    );
    assert_eq!(
        err(
            json!({"model": "qwen3-asr-flash-filetrans", "input": {"file_urls": ["http://a/b"]}}),
            false
        )
        .2,
        "input must contain file_url"
    );
    assert_eq!(err(json!({"model": "nope", "input": {}}), false).0, 404);
    assert_eq!(
        err(json!({"model": "qwen3-asr-flash", "input": {}}), false).0,
        403
    );
    let many: Vec<String> = (0..101).map(|i| format!("http://a/{i}.wav")).collect();
    assert!(
        err(
            json!({"model": "fun-asr", "input": {"file_urls": many}}),
            false
        )
        .2
        .contains("1 to 100")
    );
    let oss =
        json!({"model": "fun-asr", "input": {"file_urls": ["oss://dashscope-instant/x/a.wav"]}});
    assert_eq!(err(oss.clone(), false).1, "invalid_parameter_error");
    assert!(parse_submit(&oss, true).is_ok());
    assert_eq!(
        err(
            json!({"model": "fun-asr", "input": {"file_urls": ["ftp://a/b"]}}),
            false
        )
        .1,
        "invalid_parameter_error"
    );
    let p = |params: Value| {
        err(json!({"model": "fun-asr", "input": {"file_urls": ["http://a/b"]}, "parameters": params}), false).2
    };
    assert!(p(json!({"speaker_count": 1})).contains("speaker_count"));
    assert!(p(json!({"channel_id": [0, -1]})).contains("channel_id"));
    assert!(p(json!({"diarization_enabled": "yes"})).contains("diarization_enabled"));
    assert!(p(json!({"special_word_filter": "not json"})).contains("special_word_filter"));
    assert!(p(json!({"vocabulary": {"w": 6}})).contains("weight"));
    assert!(p(json!({"language_hints": "zh"})).contains("language_hints"));
}

#[test]
fn submit_accepts_documented_bodies() {
    let sdk_wire = json!({
        "model": "fun-asr",
        "parameters": {"language_hints": ["zh"], "channel_id": [0], "diarization_enabled": true,
            "speaker_count": 2, "vocabulary_id": "vocab-testpfx-xxxx",
            "special_word_filter": "{\"filter_with_signed\": {\"word_list\": [\"测试\"]}, \"system_reserved_filter\": true}"},
        "input": {"file_urls": ["https://example.com/a.wav", "https://example.com/b.wav"]}
    });
    let spec = parse_submit(&sdk_wire, false).expect("valid");
    assert_eq!(spec.urls.len(), 2);
    assert!(spec.opts.diarization);
    let qwen = json!({"model": "qwen3-asr-flash-filetrans",
        "parameters": {"channel_id": [0], "enable_itn": false, "enable_words": true, "language": "zh"},
        "input": {"file_url": "https://example.com/a.mp3"}});
    assert!(parse_submit(&qwen, false).expect("valid").enable_words);
    let hot = json!({"model": "qwen-audio-3.0-asr-flash-filetrans",
        "input": {"file_urls": ["https://e/a.wav"]}, "parameters": {"vocabulary": {"张三": 5, "李四": 50}}});
    assert!(parse_submit(&hot, false).is_ok());
}

#[test]
fn invalid_hosts() {
    assert!(never_resolves("https://files.example.invalid/a.wav"));
    assert!(never_resolves("http://invalid/a.wav"));
    assert!(!never_resolves("https://invalid.example.com/a.wav"));
}

fn settings(pt_ms: u64) -> TaskSettings {
    TaskSettings {
        processing_time: Duration::from_millis(pt_ms),
        result_url_ttl: Duration::from_secs(60),
        all_failed_status: AllFailedStatus::Succeeded,
        fetch: false,
        base_url: "http://h".to_owned(),
    }
}

#[test]
fn lifecycle_with_a_hand_advanced_clock() {
    let mut rng = Rng::new(0);
    let mut tasks = Tasks::new(settings(900), &mut rng);
    let uploads = Uploads::default();
    let spec = parse_submit(
        &json!({"model": "fun-asr", "input": {"file_urls": ["https://e/a.wav"]}}),
        false,
    )
    .expect("valid");
    let t0 = Instant::now();
    let (reply, jobs) = tasks.submit(ctx(t0, "r0"), spec, &uploads, &mut rng);
    assert!(jobs.is_empty());
    let Reply::Json { body, .. } = reply else {
        panic!("json")
    };
    let id = body["output"]["task_id"].as_str().expect("id").to_owned();
    let status = |tasks: &mut Tasks, rng: &mut Rng, ms: u64| {
        let Reply::Json { body, .. } =
            tasks.query(ctx(t0 + Duration::from_millis(ms), "r"), &id, rng)
        else {
            panic!("json")
        };
        body
    };
    assert_eq!(
        status(&mut tasks, &mut rng, 0)["output"]["task_status"],
        "PENDING"
    );
    assert_eq!(
        status(&mut tasks, &mut rng, 400)["output"]["task_status"],
        "RUNNING"
    );
    let done = status(&mut tasks, &mut rng, 900);
    assert_eq!(done["output"]["task_status"], "SUCCEEDED");
    assert!(done["usage"]["duration"].as_u64().is_some_and(|d| d > 0));
    // Cancel only while pending.
    let Reply::Json {
        status: s, body, ..
    } = tasks.cancel(ctx(t0 + Duration::from_millis(900), "r"), &id)
    else {
        panic!("json")
    };
    assert_eq!(
        (s, body["code"].as_str()),
        (400, Some("UnsupportedOperation"))
    );
}
