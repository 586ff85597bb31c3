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

#[tokio::test]
async fn fault_rules_answer_any_documented_refusal() {
    let (emu, http) = start(fast()).await;
    let body = json!({"model": "fun-asr", "input": {"file_urls": ["https://example.com/a.wav"]}});
    let set = |faults: serde_json::Value| {
        let url = format!("{}/__emulator/faults", emu.base_url());
        let http = &http;
        async move {
            http.send(Method::POST, &url, &[], faults.to_string().into_bytes())
                .await
        }
    };
    for e in asr_emulator::SERVICE_ERRORS {
        let r = set(json!({"submit": {"error": e.code, "limit": 1}})).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let refused = http.submit(&emu, &body).await;
        assert_eq!(refused.status, e.status, "{}", refused.text());
        assert_eq!(refused.json()["code"], e.code);
        assert_eq!(refused.json()["message"], e.message);
        assert!(refused.json()["request_id"].is_string());
        // The limit spent, the next submit goes through.
        assert_eq!(http.submit(&emu, &body).await.status, 200);
    }
    // The OpenAI-compatible endpoint answers in its own envelope.
    set(json!({"chat_completions": {"error": "DataInspectionFailed"}})).await;
    let url = format!("{}/chat/completions", emu.compatible_base());
    let r = http
        .post_json(&url, &json!({"model": "qwen3-asr-flash"}), &[])
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "DataInspectionFailed");
    // An unknown code is refused with the list of known ones.
    let r = set(json!({"submit": {"error": "NoSuchCode"}})).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("Arrearage"), "{}", r.text());
    let log = emu.requests();
    let faulted = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["fault"] == "error")
        .count();
    assert_eq!(faulted, asr_emulator::SERVICE_ERRORS.len() + 1);
}

#[tokio::test]
async fn a_temporary_key_works_until_it_expires_and_cannot_mint_another() {
    let (emu, http) = start(fast().with_api_key(KEY)).await;
    let mint = |key: String, query: &'static str| {
        let url = format!("{}/tokens{query}", emu.native_base());
        let http = &http;
        async move {
            let auth = format!("Bearer {key}");
            http.send(Method::POST, &url, &[("authorization", &auth)], Vec::new())
                .await
        }
    };
    let r = mint(KEY.to_owned(), "?expire_in_seconds=1800").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let token = v["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("st-"), "{v}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expires_at = v["expires_at"].as_i64().unwrap();
    assert!((now + 1790..=now + 1810).contains(&expires_at), "{v}");
    // The temporary key acts as the key that minted it...
    let auth = format!("Bearer {token}");
    let tasks = format!("{}/tasks", emu.native_base());
    let r = http
        .send(Method::GET, &tasks, &[("authorization", &auth)], Vec::new())
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // ...but cannot mint another.
    let r = mint(token.clone(), "").await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (403, Some("AccessDenied"))
    );
    // Out of range, and a key that is not the configured one.
    let r = mint(KEY.to_owned(), "?expire_in_seconds=1801").await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (400, Some("InvalidParameter"))
    );
    let r = mint("sk-not-the-key".to_owned(), "").await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (401, Some("InvalidApiKey"))
    );
    // The request log never holds a key, temporary or not.
    assert!(!emu.requests().to_string().contains(&token[3..]));

    // A one-second key stops working once its second is over.
    let short = mint(KEY.to_owned(), "?expire_in_seconds=1").await.json();
    let auth = format!("Bearer {}", short["token"].as_str().unwrap());
    let mut refused = None;
    for _ in 0..100 {
        let r = http
            .send(Method::GET, &tasks, &[("authorization", &auth)], Vec::new())
            .await;
        if r.status != 200 {
            refused = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let refused = refused.expect("the one-second key never expired");
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (401, Some("InvalidApiKey"))
    );
}

#[tokio::test]
async fn qwen_audio_3_1_usage_is_counted_in_tokens() {
    let (emu, http) = start(fast()).await;
    let submit = |model: &str| {
        json!({"model": model, "input": {"file_urls": ["https://example.com/audio/dialogue_en.wav"]},
               "parameters": {"diarization_enabled": true, "speaker_count": 2}})
    };
    let id = http
        .submit_ok(&emu, &submit("qwen-audio-3.1-asr-flash-filetrans"))
        .await;
    let done = http.wait(&emu, &id).await;
    assert_eq!(done["output"]["task_status"], "SUCCEEDED", "{done}");
    let usage = &done["usage"];
    assert!(usage["input_tokens"].as_u64().unwrap() > 0, "{done}");
    assert!(usage["output_tokens"].as_u64().unwrap() > 0, "{done}");
    assert!(usage.get("duration").is_none(), "{done}");
    let url = done["output"]["results"][0]["transcription_url"]
        .as_str()
        .unwrap();
    let doc = http.plain_get(url).await.json();
    assert!(
        doc["transcripts"][0]["sentences"][0]["speaker_id"].is_u64(),
        "{doc}"
    );
    // 3.0 stays billed per second.
    let id = http
        .submit_ok(&emu, &submit("qwen-audio-3.0-asr-flash-filetrans"))
        .await;
    let done = http.wait(&emu, &id).await;
    assert!(done["usage"]["duration"].is_u64(), "{done}");

    let url = format!(
        "{}/services/aigc/multimodal-generation/generation",
        emu.native_base()
    );
    for (model, tokens) in [
        ("qwen-audio-3.1-asr-flash", true),
        ("qwen-audio-3.0-asr-flash", false),
    ] {
        let body = json!({"model": model, "parameters": {"format": "wav"}, "input": {"messages": [
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "https://example.com/audio/hello_en.wav"}}]}]}});
        let r = http.post_json(&url, &body, &[]).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let usage = &r.json()["usage"];
        assert!(usage["duration"].is_u64(), "{usage}");
        assert_eq!(usage["input_tokens"].is_u64(), tokens, "{model}: {usage}");
        assert_eq!(usage["output_tokens"].is_u64(), tokens, "{model}: {usage}");
    }
}

#[tokio::test]
async fn updates_of_one_vocabulary_are_five_minutes_apart() {
    let (emu, http) = start(fast()).await;
    let url = format!("{}/services/audio/asr/customization", emu.native_base());
    let call = |input: serde_json::Value| {
        let body = json!({"model": "speech-biasing", "input": input});
        let (http, url) = (&http, &url);
        async move { http.post_json(url, &body, &[]).await }
    };
    let created = call(
        json!({"action": "create_vocabulary", "target_model": "fun-asr",
        "prefix": "names", "vocabulary": [{"text": "Kubernetes", "weight": 4}]}),
    )
    .await
    .json();
    let id = created["output"]["vocabulary_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let update = || {
        json!({"action": "update_vocabulary", "vocabulary_id": id,
               "vocabulary": [{"text": "Kubernetes", "weight": 5}]})
    };
    // Right after the create: not deployed, and the first update goes through.
    let queried = call(json!({"action": "query_vocabulary", "vocabulary_id": id}))
        .await
        .json();
    assert_eq!(queried["output"]["status"], "UNDEPLOYED");
    assert_eq!(call(update()).await.status, 200);
    let refused = call(update()).await;
    assert_eq!(
        (refused.status, refused.json()["code"].as_str()),
        (400, Some("InvalidParameter"))
    );
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("300 seconds")
    );
    // The list results carry no target model (protocol §11 item 8).
    let listed = call(json!({"action": "list_vocabulary"})).await.json();
    assert!(
        listed["output"]["vocabulary_list"][0]
            .get("target_model")
            .is_none(),
        "{listed}"
    );
}
