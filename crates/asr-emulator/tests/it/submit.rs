//! Async submit, task query and result documents.

use asr_emulator::{AllFailedStatus, EmulatorConfig};
use http::Method;
use serde_json::json;

use crate::client::{Http, KEY, fast, start};

#[tokio::test]
async fn fun_asr_lifecycle_and_result_document() {
    let (emu, http) = start(fast()).await;
    let id = http
        .submit_ok(
            &emu,
            &json!({"model": "fun-asr",
                "input": {"file_urls": ["https://example.com/talk.wav", "https://files.example.invalid/b.wav"]},
                "parameters": {"diarization_enabled": true, "speaker_count": 2}}),
        )
        .await;
    let first = http.task(&emu, &id).await;
    assert_eq!(first["output"]["task_status"], "PENDING");
    assert_eq!(first["output"]["task_metrics"]["TOTAL"], 2);
    assert!(
        first["output"]["submit_time"]
            .as_str()
            .is_some_and(|t| t.len() == 23)
    );
    let done = http.wait(&emu, &id).await;
    let out = &done["output"];
    assert_eq!(out["task_status"], "SUCCEEDED");
    assert_eq!(
        out["task_metrics"],
        json!({"TOTAL": 2, "SUCCEEDED": 1, "FAILED": 1})
    );
    assert!(out["end_time"].is_string());
    assert!(done["usage"]["duration"].as_u64().is_some_and(|d| d > 0));
    let results = out["results"].as_array().expect("results");
    assert_eq!(results[1]["subtask_status"], "FAILED");
    assert_eq!(results[1]["code"], "InvalidFile.DownloadFailed");
    assert_eq!(
        results[1]["message"],
        "The audio file cannot be downloaded."
    );
    assert_eq!(results[0]["subtask_status"], "SUCCEEDED");
    let url = results[0]["transcription_url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/results/", emu.base_url())),
        "{url}"
    );
    assert!(
        url.contains("Expires=") && url.contains("OSSAccessKeyId=") && url.contains("Signature=")
    );
    let doc = http.plain_get(url).await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert_eq!(doc["file_url"], "https://example.com/talk.wav");
    assert_eq!(
        doc["properties"]["original_duration_in_milliseconds"],
        10_000
    );
    let t = &doc["transcripts"][0];
    assert_eq!(t["channel_id"], 0);
    assert!(
        t["text"]
            .as_str()
            .is_some_and(|s| s.starts_with("[emulated]")),
        "{t}"
    );
    let s0 = &t["sentences"][0];
    assert_eq!(s0["sentence_id"], 1);
    assert_eq!(s0["speaker_id"], 0);
    assert!(s0["words"].as_array().is_some_and(|w| !w.is_empty()));
}

#[tokio::test]
async fn qwen_filetrans_shape() {
    let (emu, http) = start(fast()).await;
    let id = http
        .submit_ok(
            &emu,
            &json!({"model": "qwen3-asr-flash-filetrans",
                "input": {"file_url": "https://example.com/welcome.mp3"},
                "parameters": {"channel_id": [0], "enable_words": true, "language": "zh"}}),
        )
        .await;
    let done = http.wait(&emu, &id).await;
    assert_eq!(done["output"]["task_status"], "SUCCEEDED");
    assert!(done["output"]["results"].is_null());
    assert!(done["usage"]["seconds"].as_u64().is_some_and(|s| s > 0));
    let url = done["output"]["result"]["transcription_url"]
        .as_str()
        .expect("url");
    let doc = http.plain_get(url).await.json();
    assert_eq!(doc["audio_info"]["format"], "mp3");
    let s0 = &doc["transcripts"][0]["sentences"][0];
    assert_eq!(s0["sentence_id"], 0);
    assert!(s0["language"].is_string() && s0["emotion"].is_string());
    assert!(s0["words"].is_array());

    // Without enable_words there are no words.
    let id = http
        .submit_ok(&emu, &json!({"model": "qwen3-asr-flash-filetrans", "input": {"file_url": "https://e/a.mp3"}}))
        .await;
    let done = http.wait(&emu, &id).await;
    let url = done["output"]["result"]["transcription_url"]
        .as_str()
        .expect("url");
    let doc = http.plain_get(url).await.json();
    assert!(doc["transcripts"][0]["sentences"][0]["words"].is_null());
}

#[tokio::test]
async fn qwen_filetrans_download_failure_fails_the_task() {
    let (emu, http) = start(fast()).await;
    let id = http
        .submit_ok(&emu, &json!({"model": "qwen3-asr-flash-filetrans", "input": {"file_url": "https://nowhere.invalid/a.mp3"}}))
        .await;
    let done = http.wait(&emu, &id).await;
    assert_eq!(done["output"]["task_status"], "FAILED");
    assert_eq!(done["output"]["code"], "InvalidFile.DownloadFailed");
    assert!(done["output"]["result"].is_null());
}

#[tokio::test]
async fn all_failed_status_both_readings() {
    let body =
        json!({"model": "paraformer-v2", "input": {"file_urls": ["https://x.invalid/a.wav"]}});
    let (emu, http) = start(fast()).await;
    let id = http.submit_ok(&emu, &body).await;
    let done = http.wait(&emu, &id).await;
    assert_eq!(done["output"]["task_status"], "SUCCEEDED");
    assert_eq!(
        done["output"]["task_metrics"],
        json!({"TOTAL": 1, "SUCCEEDED": 0, "FAILED": 1})
    );

    let (emu, http) = start(fast().with_all_failed_status(AllFailedStatus::Failed)).await;
    let id = http.submit_ok(&emu, &body).await;
    let done = http.wait(&emu, &id).await;
    assert_eq!(done["output"]["task_status"], "FAILED");
    assert_eq!(done["output"]["code"], "InvalidFile.DownloadFailed");
}

#[tokio::test]
async fn submit_errors() {
    let (emu, http) = start(fast()).await;
    let url = format!("{}/services/audio/asr/transcription", emu.native_base());
    let good = json!({"model": "fun-asr", "input": {"file_urls": ["https://e/a.wav"]}});

    // Missing X-DashScope-Async.
    let r = http.post_json(&url, &good, &[]).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["code"], "AccessDenied");
    assert_eq!(
        r.json()["message"],
        "current user api does not support synchronous calls"
    );
    assert!(r.json()["request_id"].is_string());

    let async_h = [("x-dashscope-async", "enable")];
    let auth = format!("Bearer {KEY}");
    let r = http
        .send(
            Method::POST,
            &url,
            &[("authorization", &auth), ("x-dashscope-async", "enable")],
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (400, Some("InvalidParameter"))
    );

    let r = http
        .post_json(&url, &json!({"model": "fun-asr", "input": {}}), &async_h)
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "input must contain file_urls");

    let r = http
        .post_json(
            &url,
            &json!({"model": "no-such-model", "input": {}}),
            &async_h,
        )
        .await;
    assert_eq!(r.status, 404);

    let r = http
        .post_json(
            &url,
            &json!({"model": "qwen3-asr-flash", "input": {}}),
            &async_h,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (403, Some("AccessDenied"))
    );
    assert_eq!(
        r.json()["message"],
        "Current user api does not support asynchronous calls."
    );

    let oss =
        json!({"model": "fun-asr", "input": {"file_urls": ["oss://dashscope-instant/x/a.wav"]}});
    let r = http.post_json(&url, &oss, &async_h).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "invalid_parameter_error");

    let r = http
        .post_json(
            &url,
            &json!({"model": "fun-asr", "input": {"file_urls": ["https://e/a.wav"]}, "parameters": {"speaker_count": 101}}),
            &async_h,
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("speaker_count"))
    );
}

#[tokio::test]
async fn auth_is_checked_on_dashscope_endpoints() {
    let (emu, http) = start(fast().with_api_key(KEY)).await;
    let base = emu.native_base();
    for (method, path) in [
        (Method::POST, "/services/audio/asr/transcription"),
        (Method::GET, "/tasks/abc"),
        (Method::POST, "/tasks/abc/cancel"),
        (Method::GET, "/tasks"),
        (Method::GET, "/uploads?action=getPolicy&model=fun-asr"),
        (Method::POST, "/services/audio/asr/customization"),
        (
            Method::POST,
            "/services/aigc/multimodal-generation/generation",
        ),
    ] {
        let url = format!("{base}{path}");
        for headers in [
            vec![],
            vec![("authorization", "Bearer sk-wrong")],
            vec![("authorization", KEY)],
        ] {
            let r = http
                .send(method.clone(), &url, &headers, b"{}".to_vec())
                .await;
            assert_eq!(r.status, 401, "{method} {path} {headers:?}");
            assert_eq!(r.json()["code"], "InvalidApiKey", "{path}");
            assert!(r.json()["request_id"].is_string());
        }
    }
    let r = http
        .send(
            Method::POST,
            &format!("{}/chat/completions", emu.compatible_base()),
            &[("authorization", "Bearer sk-no")],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "invalid_api_key");
    assert_eq!(r.json()["error"]["type"], "invalid_request_error");

    // The right key passes.
    let r = http.get(&format!("{base}/tasks/abc")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn any_sk_key_is_accepted_by_default() {
    let (emu, http) = start(EmulatorConfig::new()).await;
    let url = format!("{}/tasks/whatever", emu.native_base());
    let r = http
        .send(
            Method::GET,
            &url,
            &[("authorization", "Bearer sk-anything")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = http
        .send(
            Method::GET,
            &url,
            &[("authorization", "Bearer nope")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn unknown_task_is_unknown() {
    let (emu, http) = start(fast()).await;
    let v = http.task(&emu, "no-such-task").await;
    assert_eq!(
        v["output"],
        json!({"task_id": "no-such-task", "task_status": "UNKNOWN"})
    );
    assert!(v["request_id"].is_string());
}

#[tokio::test]
async fn unknown_path_is_404() {
    let (emu, http) = start(fast()).await;
    let r = http.get(&format!("{}/nope", emu.native_base())).await;
    assert_eq!(r.status, 404);
    assert!(r.json()["code"].is_string());
    let _ = Http::new();
}
