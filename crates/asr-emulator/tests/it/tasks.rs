//! Cancel, list, and result URL expiry.

use std::time::Duration;

use http::Method;
use serde_json::json;

use crate::client::{KEY, fast, start};

fn body(model: &str) -> serde_json::Value {
    json!({"model": model, "input": {"file_urls": ["https://example.com/a.wav"]}})
}

#[tokio::test]
async fn cancel_only_while_pending() {
    let (emu, http) = start(fast().with_processing_time(Duration::from_secs(600))).await;
    let id = http.submit_ok(&emu, &body("fun-asr")).await;
    let auth = format!("Bearer {KEY}");
    let url = format!("{}/tasks/{id}/cancel", emu.native_base());
    let r = http
        .send(Method::POST, &url, &[("authorization", &auth)], Vec::new())
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["request_id"].is_string());
    let v = http.task(&emu, &id).await;
    assert_eq!(v["output"]["task_status"], "CANCELED");
    // A second cancel: no longer pending.
    let r = http
        .send(Method::POST, &url, &[("authorization", &auth)], Vec::new())
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "UnsupportedOperation");

    // A finished task cannot be cancelled either.
    let (emu, http) = start(fast()).await;
    let id = http.submit_ok(&emu, &body("fun-asr")).await;
    http.wait(&emu, &id).await;
    let url = format!("{}/tasks/{id}/cancel", emu.native_base());
    let r = http
        .send(Method::POST, &url, &[("authorization", &auth)], Vec::new())
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (400, Some("UnsupportedOperation"))
    );
    assert_eq!(
        r.json()["message"],
        "Failed to cancel the task, please confirm if the task is in PENDING status."
    );
}

#[tokio::test]
async fn list_filters_and_pages() {
    let (emu, http) = start(fast().with_processing_time(Duration::from_secs(600))).await;
    let a = http.submit_ok(&emu, &body("fun-asr")).await;
    let b = http.submit_ok(&emu, &body("paraformer-v2")).await;
    let c = http.submit_ok(&emu, &body("fun-asr")).await;
    let base = emu.native_base();
    let page1 = http
        .get(&format!("{base}/tasks?page_no=1&page_size=2"))
        .await
        .json();
    assert_eq!(page1["total"], 3);
    assert_eq!(page1["total_page"], 2);
    assert_eq!(page1["page_no"], 1);
    assert_eq!(page1["page_size"], 2);
    assert!(page1["output"].is_null(), "flat response");
    let ids: Vec<&str> = page1["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|t| t["task_id"].as_str())
        .collect();
    assert_eq!(ids, vec![c.as_str(), b.as_str()], "newest first");
    let item = &page1["data"][0];
    assert_eq!(item["model_name"], "fun-asr");
    assert_eq!(item["status"], "PENDING");
    assert_eq!(
        item["user_api_unique_key"],
        "apikey:v1:audio:asr:transcription:fun-asr"
    );
    assert!(item["gmt_create"].is_i64());
    let page2 = http
        .get(&format!("{base}/tasks?page_no=2&page_size=2"))
        .await
        .json();
    assert_eq!(page2["data"][0]["task_id"], a.as_str());

    let by_model = http
        .get(&format!("{base}/tasks?model_name=paraformer-v2"))
        .await
        .json();
    assert_eq!(by_model["total"], 1);
    assert_eq!(by_model["data"][0]["task_id"], b.as_str());
    let by_status = http
        .get(&format!("{base}/tasks?status=SUCCEEDED"))
        .await
        .json();
    assert_eq!(by_status["total"], 0);
    let by_id = http.get(&format!("{base}/tasks?task_id={a}")).await.json();
    assert_eq!(by_id["total"], 1);
    // Empty values are ignored, as the SDK sends them.
    let empty = http
        .get(&format!(
            "{base}/tasks?model_name=&status=&page_no=1&page_size=10"
        ))
        .await
        .json();
    assert_eq!(empty["total"], 3);
    // A window in the past holds nothing.
    let old = http
        .get(&format!(
            "{base}/tasks?start_time=20200101000000&end_time=20200101120000"
        ))
        .await
        .json();
    assert_eq!(old["total"], 0);

    for bad in [
        "start_time=2020",
        "start_time=20200101000000&end_time=20200103000000",
        "page_no=0",
        "page_size=x",
    ] {
        let r = http.get(&format!("{base}/tasks?{bad}")).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["code"], "InvalidParameter");
    }
}

#[tokio::test]
async fn result_urls_expire_and_a_new_query_gives_a_fresh_one() {
    let (emu, http) = start(fast().with_result_url_ttl(Duration::from_millis(300))).await;
    let id = http.submit_ok(&emu, &body("fun-asr")).await;
    let done = http.wait(&emu, &id).await;
    let url = done["output"]["results"][0]["transcription_url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert_eq!(http.plain_get(&url).await.status, 200);
    // Poll until the URL expires (bounded).
    let mut expired = None;
    for _ in 0..200 {
        let r = http.plain_get(&url).await;
        if r.status != 200 {
            expired = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = expired.expect("URL expires");
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert!(
        r.text().contains("<Code>AccessDenied</Code>"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("Request has expired."));
    // Recovery: query the task again.
    let again = http.task(&emu, &id).await;
    let fresh = again["output"]["results"][0]["transcription_url"]
        .as_str()
        .expect("url");
    assert_ne!(fresh, url);
    assert_eq!(http.plain_get(fresh).await.status, 200);
}

#[tokio::test]
async fn tampered_result_urls_are_refused() {
    let (emu, http) = start(fast()).await;
    let id = http.submit_ok(&emu, &body("fun-asr")).await;
    let done = http.wait(&emu, &id).await;
    let url = done["output"]["results"][0]["transcription_url"]
        .as_str()
        .expect("url");
    let (doc, _) = url.split_once('?').expect("query");
    let r = http.plain_get(doc).await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("SignatureDoesNotMatch"));
    let forged = url.replace("Expires=", "Expires=9");
    assert_eq!(http.plain_get(&forged).await.status, 403);
    let missing = format!("{}/results/nope.json", emu.base_url());
    assert_eq!(http.plain_get(&missing).await.status, 404);
}
