//! Every fault, set in-process, by JSON, and reproducible by seed.

use std::time::{Duration, Instant};

use asr_emulator::{Endpoint, FaultConfig, FaultRule};
use http::Method;
use serde_json::json;

use crate::client::{Http, KEY, fast, start};

fn submit_body() -> serde_json::Value {
    json!({"model": "fun-asr", "input": {"file_urls": ["https://example.com/a.wav"]}})
}

async fn submit_raw(
    http: &Http,
    emu: &asr_emulator::EmulatorHandle,
) -> Result<crate::client::Resp, String> {
    let auth = format!("Bearer {KEY}");
    http.try_send(
        Method::POST,
        &format!("{}/services/audio/asr/transcription", emu.native_base()),
        &[("authorization", &auth), ("x-dashscope-async", "enable")],
        submit_body().to_string().into_bytes(),
    )
    .await
}

async fn task_count(http: &Http, emu: &asr_emulator::EmulatorHandle) -> u64 {
    let v = http
        .get(&format!("{}/tasks", emu.native_base()))
        .await
        .json();
    v["total"].as_u64().expect("total")
}

#[tokio::test]
async fn throttle_with_retry_after_then_success() {
    let (emu, http) = start(
        fast().with_fault(
            Endpoint::Submit,
            FaultRule::new()
                .with_throttle(1.0)
                .with_retry_after(Duration::from_secs(2))
                .with_limit(1),
        ),
    )
    .await;
    let r = submit_raw(&http, &emu).await.expect("answer");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(r.json()["code"], "Throttling.RateQuota");
    assert_eq!(
        r.json()["message"],
        "Requests rate limit exceeded, please try again later."
    );
    assert_eq!(
        task_count(&http, &emu).await,
        0,
        "a throttled submit creates nothing"
    );
    let r = submit_raw(&http, &emu).await.expect("answer");
    assert_eq!(r.status, 200, "the limit spent, the retry succeeds");
    let log = emu.requests();
    assert_eq!(log["counts"]["submit"], 2);
    assert_eq!(log["requests"][0]["fault"], "throttle");
    assert_eq!(log["requests"][0]["status"], 429);
}

#[tokio::test]
async fn server_errors() {
    let (emu, http) = start(fast()).await;
    emu.set_faults(
        FaultConfig::new().with(Endpoint::GetTask, FaultRule::new().with_server_error(1.0)),
    );
    let r = http.get(&format!("{}/tasks/x", emu.native_base())).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (500, Some("InternalError"))
    );
    emu.set_faults(
        FaultConfig::new().with(Endpoint::GetTask, FaultRule::new().with_unavailable(1.0)),
    );
    let r = http.get(&format!("{}/tasks/x", emu.native_base())).await;
    assert_eq!(r.status, 503);
    assert!(r.json()["request_id"].is_string());
    // Other endpoints are untouched.
    assert_eq!(
        http.get(&format!("{}/tasks", emu.native_base()))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn dropped_connection_has_no_effect() {
    let (emu, http) =
        start(fast().with_fault(Endpoint::Submit, FaultRule::new().with_drop(1.0))).await;
    let e = submit_raw(&http, &emu)
        .await
        .expect_err("connection dropped");
    assert!(!e.is_empty());
    assert_eq!(task_count(&http, &emu).await, 0);
    let log = emu.requests();
    assert_eq!(log["requests"][0]["fault"], "drop");
    assert!(log["requests"][0]["status"].is_null());
}

#[tokio::test]
async fn lost_response_still_creates_the_task() {
    let (emu, http) =
        start(fast().with_fault(Endpoint::Submit, FaultRule::new().with_lose_response(1.0))).await;
    submit_raw(&http, &emu).await.expect_err("no answer");
    assert_eq!(task_count(&http, &emu).await, 1, "the submit was processed");
    let log = emu.requests();
    assert_eq!(log["requests"][0]["fault"], "lose_response");
    assert!(log["requests"][0]["status"].is_null());
}

#[tokio::test]
async fn truncated_body() {
    let (emu, http) =
        start(fast().with_fault(Endpoint::ListTasks, FaultRule::new().with_truncate(1.0))).await;
    let auth = format!("Bearer {KEY}");
    let e = http
        .try_send(
            Method::GET,
            &format!("{}/tasks", emu.native_base()),
            &[("authorization", &auth)],
            Vec::new(),
        )
        .await
        .expect_err("body cut short");
    assert!(
        e.starts_with("body"),
        "the headers arrived, the body did not: {e}"
    );
}

#[tokio::test]
async fn delay_holds_the_answer_back() {
    let (emu, http) = start(fast().with_fault(
        Endpoint::GetTask,
        FaultRule::new().with_delay(Duration::from_millis(300), 1.0),
    ))
    .await;
    let t0 = Instant::now();
    let r = http.get(&format!("{}/tasks/x", emu.native_base())).await;
    assert_eq!(r.status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_by_json_endpoint() {
    let (emu, http) = start(fast()).await;
    let url = format!("{}/__emulator/faults", emu.base_url());
    let cfg = json!({"*": {"throttle": 1, "retry_after_secs": 3}, "get_task": {}});
    let r = http
        .send(
            Method::POST,
            &url,
            &[("content-type", "application/json")],
            cfg.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let current = http.send(Method::GET, &url, &[], Vec::new()).await.json();
    assert_eq!(current["*"]["throttle"], 1.0);
    assert_eq!(current["*"]["retry_after_secs"], 3);
    assert_eq!(
        http.get(&format!("{}/tasks/x", emu.native_base()))
            .await
            .status,
        200
    );
    let r = http.get(&format!("{}/tasks", emu.native_base())).await;
    assert_eq!((r.status, r.header("retry-after")), (429, Some("3")));
    // Compatible mode gets the OpenAI envelope.
    let auth = format!("Bearer {KEY}");
    let r = http
        .send(
            Method::POST,
            &format!("{}/chat/completions", emu.compatible_base()),
            &[("authorization", &auth)],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.json()["error"]["message"].is_string());
    // The OSS host answers like OSS.
    let r = http
        .send(
            Method::POST,
            &format!("{}/oss-upload", emu.base_url()),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 503);
    assert!(r.text().contains("<Code>SlowDown</Code>"));

    let bad = http
        .send(
            Method::POST,
            &url,
            &[],
            br#"{"submit": {"throttle": 7}}"#.to_vec(),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("submit.throttle"))
    );
    let bad = http
        .send(Method::POST, &url, &[], br#"{"sumbit": {}}"#.to_vec())
        .await;
    assert!(
        bad.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("sumbit"))
    );
    // Clearing.
    let r = http.send(Method::POST, &url, &[], b"{}".to_vec()).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        http.get(&format!("{}/tasks", emu.native_base()))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn same_seed_same_faults() {
    let rule = FaultRule::new().with_throttle(0.4).with_server_error(0.2);
    let mut runs = Vec::new();
    for seed in [9, 9, 10] {
        let (emu, http) = start(
            fast()
                .with_seed(seed)
                .with_fault(Endpoint::GetTask, rule.clone()),
        )
        .await;
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(
                http.get(&format!("{}/tasks/x", emu.native_base()))
                    .await
                    .status,
            );
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert_ne!(runs[0], runs[2]);
    assert!(runs[0].contains(&429) && runs[0].contains(&200));
}
