//! What the second reading of the API reference added (protocol §11): the async header on
//! task queries, temporary API keys, the Qwen-Audio 3.1 models, errors that must not be
//! retried, and the vocabulary rules.

use http::Method;
use serde_json::json;

use crate::client::{KEY, fast, start};

#[tokio::test]
async fn task_queries_are_answered_with_and_without_the_async_header() {
    let (emu, http) = start(fast()).await;
    let body = json!({"model": "fun-asr", "input": {"file_urls": ["https://example.com/a.wav"]}});
    let id = http.submit_ok(&emu, &body).await;
    let url = format!("{}/tasks/{id}", emu.native_base());
    let auth = format!("Bearer {KEY}");
    let with = http
        .send(
            Method::GET,
            &url,
            &[("authorization", &auth), ("x-dashscope-async", "enable")],
            Vec::new(),
        )
        .await;
    let without = http
        .send(Method::GET, &url, &[("authorization", &auth)], Vec::new())
        .await;
    for r in [&with, &without] {
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["output"]["task_id"], id.as_str());
    }
}
