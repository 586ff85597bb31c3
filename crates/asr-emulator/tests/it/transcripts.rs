//! Known recordings (fixtures/audio) by name and by content, diarization, channels.

use serde_json::{Value, json};

use crate::client::{Http, fast, start};
use crate::uploads::{policy, sdk_fields, upload};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../fixtures/audio/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn manifest_text(name: &str, channel: usize) -> String {
    let text = include_str!("../../../../fixtures/audio/transcripts.json");
    let v: Value = serde_json::from_str(text).expect("manifest");
    let file = v["files"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["name"] == name))
        .unwrap_or_else(|| panic!("{name} in manifest"));
    file["channels"][channel]["text"]
        .as_str()
        .expect("text")
        .to_owned()
}

async fn transcribe(
    http: &Http,
    emu: &asr_emulator::EmulatorHandle,
    body: Value,
    oss: bool,
) -> Value {
    let url = format!("{}/services/audio/asr/transcription", emu.native_base());
    let mut headers = vec![("x-dashscope-async", "enable")];
    if oss {
        headers.push(("x-dashscope-ossresourceresolve", "enable"));
    }
    let r = http.post_json(&url, &body, &headers).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["output"]["task_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let done = http.wait(emu, &id).await;
    let out = &done["output"];
    let url = out["results"][0]["transcription_url"]
        .as_str()
        .or_else(|| out["result"]["transcription_url"].as_str())
        .unwrap_or_else(|| panic!("no result: {done}"));
    http.plain_get(url).await.json()
}

async fn upload_as(
    http: &Http,
    emu: &asr_emulator::EmulatorHandle,
    name: &str,
    bytes: &[u8],
) -> String {
    let data = policy(http, emu).await;
    let key = format!("{}/{name}", data["upload_dir"].as_str().expect("dir"));
    let r = upload(http, &data, &sdk_fields(&data, &key), name, bytes, false).await;
    assert_eq!(r.status, 200, "{}", r.text());
    format!("oss://{key}")
}

#[tokio::test]
async fn known_by_url_name() {
    let (emu, http) = start(fast()).await;
    let doc = transcribe(
        &http,
        &emu,
        json!({"model": "fun-asr", "input": {"file_urls": ["https://example.com/audio/hello_en.wav?x=1"]}}),
        false,
    )
    .await;
    assert_eq!(
        doc["transcripts"][0]["text"],
        manifest_text("hello_en.wav", 0)
    );
    assert!(doc["transcripts"][0]["sentences"][0]["speaker_id"].is_null());
    assert_eq!(doc["properties"]["original_sampling_rate"], 16_000);
}

#[tokio::test]
async fn known_by_content_with_diarization() {
    let (emu, http) = start(fast()).await;
    let oss = upload_as(&http, &emu, "renamed.wav", &fixture("dialogue_en.wav")).await;
    let doc = transcribe(
        &http,
        &emu,
        json!({"model": "fun-asr", "input": {"file_urls": [oss]}, "parameters": {"diarization_enabled": true}}),
        true,
    )
    .await;
    let t = &doc["transcripts"][0];
    assert_eq!(t["text"], manifest_text("dialogue_en.wav", 0));
    let speakers: Vec<u64> = t["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .filter_map(|s| s["speaker_id"].as_u64())
        .collect();
    assert_eq!(speakers, vec![0, 1, 0]);
    assert_eq!(doc["properties"]["original_duration_in_milliseconds"], 5947);
}

#[tokio::test]
async fn stereo_gives_one_transcript_per_channel() {
    let (emu, http) = start(fast()).await;
    let doc = transcribe(
        &http,
        &emu,
        json!({"model": "fun-asr", "input": {"file_urls": ["https://e/stereo_en.wav"]}, "parameters": {"channel_id": [0, 1]}}),
        false,
    )
    .await;
    let ts = doc["transcripts"].as_array().expect("transcripts");
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0]["text"], manifest_text("stereo_en.wav", 0));
    assert_eq!(ts[1]["channel_id"], 1);
    assert_eq!(ts[1]["text"], manifest_text("stereo_en.wav", 1));
    assert_eq!(doc["properties"]["channels"], json!([0, 1]));
}

#[tokio::test]
async fn name_match_needs_matching_content() {
    let (emu, http) = start(fast()).await;
    let oss = upload_as(&http, &emu, "hello_en.wav", b"not the fixture at all").await;
    let doc = transcribe(
        &http,
        &emu,
        json!({"model": "fun-asr", "input": {"file_urls": [oss]}}),
        true,
    )
    .await;
    let text = doc["transcripts"][0]["text"].as_str().expect("text");
    assert!(text.starts_with("[emulated]"), "{text}");
}

#[tokio::test]
async fn qwen_filetrans_on_known_mandarin() {
    let (emu, http) = start(fast()).await;
    let doc = transcribe(
        &http,
        &emu,
        json!({"model": "qwen3-asr-flash-filetrans", "input": {"file_url": "https://e/welcome_zh.wav"}, "parameters": {"enable_words": true}}),
        false,
    )
    .await;
    let t = &doc["transcripts"][0];
    assert_eq!(t["text"], "欢迎使用阿里云。");
    assert_eq!(t["sentences"][0]["language"], "zh");
    assert_eq!(t["sentences"][0]["words"][6]["punctuation"], "。");
    assert_eq!(
        doc["audio_info"],
        json!({"format": "wav", "sample_rate": 16000})
    );
}
