//! The request log and reset.

use asr_emulator::Endpoint;
use http::Method;
use serde_json::json;

use crate::client::{KEY, fast, start};

#[tokio::test]
async fn log_redacts_and_counts() {
    let (emu, http) = start(fast()).await;
    let id = http
        .submit_ok(
            &emu,
            &json!({"model": "fun-asr", "input": {"file_urls": ["https://e/a.wav"]}}),
        )
        .await;
    http.task(&emu, &id).await;
    http.task(&emu, &id).await;
    let url = format!("{}/__emulator/requests", emu.base_url());
    let r = http.send(Method::GET, &url, &[], Vec::new()).await;
    assert_eq!(r.status, 200);
    assert!(
        !r.text().contains(KEY),
        "the API key never appears in the log"
    );
    let v = r.json();
    assert_eq!(v["counts"], json!({"submit": 1, "get_task": 2}));
    let first = &v["requests"][0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "/api/v1/services/audio/asr/transcription");
    assert_eq!(first["endpoint"], "submit");
    assert_eq!(first["status"], 200);
    assert_eq!(first["headers"]["authorization"], "Bearer ****");
    assert_eq!(first["headers"]["x-dashscope-async"], "enable");
    assert_eq!(first["body"]["model"], "fun-asr");
    assert!(first["body_size"].as_u64().is_some_and(|n| n > 0));
    let only = http
        .send(
            Method::GET,
            &format!("{url}?endpoint=get_task"),
            &[],
            Vec::new(),
        )
        .await
        .json();
    assert_eq!(only["requests"].as_array().map(Vec::len), Some(2));
    assert_eq!(emu.count(Endpoint::GetTask), 2);
    let bad = http
        .send(
            Method::GET,
            &format!("{url}?endpoint=nope"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn reset_forgets_everything() {
    let (emu, http) = start(fast()).await;
    let id = http
        .submit_ok(
            &emu,
            &json!({"model": "fun-asr", "input": {"file_urls": ["https://e/a.wav"]}}),
        )
        .await;
    let r = http
        .send(
            Method::POST,
            &format!("{}/__emulator/reset", emu.base_url()),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(emu.count(Endpoint::Submit), 0);
    assert_eq!(
        http.task(&emu, &id).await["output"]["task_status"],
        "UNKNOWN"
    );
    emu.reset();
    assert_eq!(emu.count(Endpoint::GetTask), 0);
    let r = http
        .send(
            Method::GET,
            &format!("{}/__emulator/nope", emu.base_url()),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let (emu, http) = start(fast()).await;
    let url = format!("{}/tasks/x", emu.native_base());
    assert_eq!(http.get(&url).await.status, 200);
    emu.shutdown().await;
    let auth = format!("Bearer {KEY}");
    assert!(
        http.try_send(Method::GET, &url, &[("authorization", &auth)], Vec::new())
            .await
            .is_err()
    );
}
