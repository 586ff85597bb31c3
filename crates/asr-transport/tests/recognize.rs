//! Synchronous recognition against `asr-emulator` on 127.0.0.1: every family, streaming and
//! not, context, errors in mid-stream, local files and the resend rules of streams.

// Test helpers panic on setup failures by design.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Endpoint, FaultRule};
use asr_transport::{
    ChatCompletionRequest, Client, Config, Error, FlashRequest, Model, QwenAsrRequest,
    RecognitionEvent, RecognizeRequest, Usage,
};
use futures_util::StreamExt;
use serde_json::Value;

const HELLO: &str = "Hello world, this is the speech emulator.";
const WELCOME: &str = "欢迎使用阿里云。";
const DIALOGUE: &str =
    "Good morning, how can I help? I want to check my order. Sure, one moment please.";
/// Audio at this host fails half-way through a stream (emulator rule).
const MIDSTREAM: &str = "https://error-midstream.invalid/hello_en.wav";

async fn setup() -> (EmulatorHandle, Client) {
    setup_with(EmulatorConfig::new()).await
}

async fn setup_with(config: EmulatorConfig) -> (EmulatorHandle, Client) {
    let emu = Emulator::start(config).await.unwrap();
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .with_backoff(Duration::from_millis(10), Duration::from_millis(100), false)
        .with_attempt_timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    (emu, client)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/audio")
        .join(name)
}

/// The logged requests to `endpoint`.
fn logged(emu: &EmulatorHandle, endpoint: Endpoint) -> Vec<Value> {
    let log = emu.requests();
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["endpoint"] == endpoint.name())
        .cloned()
        .collect()
}

async fn collect(
    client: &Client,
    request: impl Into<RecognizeRequest>,
) -> Vec<Result<RecognitionEvent, Error>> {
    client.recognize_stream(request).collect().await
}

fn sentences(events: &[Result<RecognitionEvent, Error>]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Ok(RecognitionEvent::Sentence(s)) => Some(s.text.clone()),
            _ => None,
        })
        .collect()
}

/// A silent 8 kHz mono 8-bit WAV of `secs` seconds: long enough audio makes Flash stream
/// several events, and the emulator reads the length from the header.
fn long_wav(secs: u32) -> Vec<u8> {
    let data_len = 8000 * secs;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&8000u32.to_le_bytes());
    bytes.extend_from_slice(&8000u32.to_le_bytes()); // byte rate
    bytes.extend_from_slice(&1u16.to_le_bytes()); // block align
    bytes.extend_from_slice(&8u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    bytes.resize(44 + data_len as usize, 0x80);
    bytes
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "asr-transport-recognize-{tag}-{}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn the_guides_flash_request_returns_timed_sentences() {
    let (emu, client) = setup().await;
    let request = FlashRequest::new(
        Model::FUN_ASR_FLASH_2026_06_15,
        "https://dashscope.example/audio/hello_en.wav",
        "wav",
    )
    .with_sample_rate(16000);
    let got = client.recognize(request).await.unwrap();
    assert_eq!(got.text(), HELLO);
    assert_eq!(got.sentences.len(), 1);
    let s = &got.sentences[0];
    assert_eq!((s.begin_ms, s.end_ms), (Some(300), Some(2575)));
    assert_eq!(s.words.len(), 7);
    assert!(got.has_times());
    assert_eq!(got.audio_seconds(), Some(3.0));
    assert!(got.request_id.is_some());

    let sent = logged(&emu, Endpoint::MultimodalGeneration);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["body"]["parameters"]["sample_rate"], "16000");
    assert_eq!(sent[0]["body"]["parameters"]["format"], "wav");
    assert!(sent[0]["headers"].get("x-dashscope-sse").is_none());
}

#[tokio::test]
async fn flash_context_goes_before_the_audio_in_conversation_order() {
    let (emu, client) = setup().await;
    // The user guide's context-enhancement example: a previous user text and model reply.
    let request = FlashRequest::new(
        Model::QWEN_AUDIO_3_0_ASR_FLASH,
        "https://dashscope.example/audio/welcome_zh.wav",
        "wav",
    )
    .with_sample_rate(16000)
    .with_user_context("你好啊")
    .with_assistant_context("你好啊，我是通义千问，有什么可以帮助你的？");
    let got = client.recognize(request).await.unwrap();
    assert_eq!(got.text(), WELCOME);

    let body = &logged(&emu, Endpoint::MultimodalGeneration)[0]["body"];
    let roles: Vec<&str> = body["input"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(
        body["input"]["messages"][0]["content"][0]["type"],
        "input_text"
    );
    assert_eq!(body["input"]["messages"][1]["content"][0]["type"], "text");
}

#[tokio::test]
async fn too_much_context_is_refused_before_anything_is_sent() {
    let (emu, client) = setup().await;
    let mut request = FlashRequest::new(
        Model::FUN_ASR_FLASH_2026_06_15,
        "https://dashscope.example/audio/hello_en.wav",
        "wav",
    );
    for i in 0..6 {
        request = request.with_user_context(format!("term {i}"));
    }
    let err = client.recognize(request.clone()).await.unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err:?}");
    assert!(err.to_string().contains("at most 5 user context"), "{err}");
    let streamed = collect(&client, request).await;
    assert!(matches!(streamed.as_slice(), [Err(Error::Build(_))]));

    let long = "术语".repeat(201);
    let request = FlashRequest::new(
        Model::FUN_ASR_FLASH_2026_06_15,
        "https://dashscope.example/audio/hello_en.wav",
        "wav",
    )
    .with_user_context(long);
    let err = client.recognize(request).await.unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
    assert_eq!(emu.count(Endpoint::MultimodalGeneration), 0);
}

#[tokio::test]
async fn a_single_flash_answer_keeps_the_text_before_its_last_sentence() {
    let (_emu, client) = setup().await;
    let request = FlashRequest::new(
        Model::FUN_ASR_FLASH_2026_06_15,
        "https://dashscope.example/audio/dialogue_en.wav",
        "wav",
    );
    let got = client.recognize(request).await.unwrap();
    assert_eq!(got.text(), DIALOGUE);
    // Only the last sentence of a short audio comes with times (protocol §3.3).
    assert_eq!(
        got.sentences.last().unwrap().text,
        "Sure, one moment please."
    );
    assert!(!got.has_times());
}

#[tokio::test]
async fn long_flash_audio_streams_sentences_as_they_settle() {
    let (emu, client) = setup().await;
    let wav = long_wav(75);
    let uri = asr_protocol::recognition::local_file::data_uri("audio/wav", &wav);
    let request = FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, uri, "wav");
    let events = collect(&client, request.clone()).await;
    let settled = sentences(&events);
    assert!(settled.len() >= 2, "{events:?}");
    // Interim text precedes each sentence and never repeats what settled before it.
    let first_sentence = events
        .iter()
        .position(|e| matches!(e, Ok(RecognitionEvent::Sentence(_))))
        .unwrap();
    assert!(matches!(&events[0], Ok(RecognitionEvent::Interim(t)) if !t.is_empty()));
    assert!(first_sentence > 0);
    for e in &events {
        if let Ok(RecognitionEvent::Interim(t)) = e {
            assert!(!t.contains(&settled[0]), "interim {t:?} repeats a sentence");
        }
    }
    let tail: Vec<_> = events.iter().rev().take(2).collect();
    assert!(matches!(tail[0], Ok(RecognitionEvent::Done)));
    assert!(matches!(
        tail[1],
        Ok(RecognitionEvent::Usage(Usage::Native(_)))
    ));
    let times: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Ok(RecognitionEvent::Sentence(s)) => Some((s.begin_ms.unwrap(), s.end_ms.unwrap())),
            _ => None,
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0].1 <= w[1].0), "{times:?}");

    let sent = logged(&emu, Endpoint::MultimodalGeneration);
    assert_eq!(sent[0]["headers"]["x-dashscope-sse"], "enable");
    assert_eq!(sent[0]["headers"]["accept"], "text/event-stream");

    // The whole-result call over the same stream gathers the same sentences.
    let whole = client
        .recognize(RecognizeRequest::from(request).with_stream(true))
        .await
        .unwrap();
    assert!(whole.has_times());
    assert_eq!(
        whole
            .sentences
            .iter()
            .map(|s| s.text.clone())
            .collect::<Vec<_>>(),
        settled
    );
}

#[tokio::test]
async fn qwen3_asr_native_reports_language_and_emotion_streaming_or_not() {
    let (emu, client) = setup().await;
    let request = QwenAsrRequest::new(
        Model::QWEN3_ASR_FLASH,
        "https://dashscope.example/audios/welcome_zh.wav",
    )
    .with_context("阿里云")
    .with_itn(false);
    let got = client.recognize(request.clone()).await.unwrap();
    assert_eq!(got.text(), WELCOME);
    assert_eq!(got.sentences[0].language.as_deref(), Some("zh"));
    assert_eq!(got.sentences[0].emotion.as_deref(), Some("neutral"));
    assert!(got.audio_seconds().is_some());

    let events = collect(&client, request.with_incremental_output(true)).await;
    assert_eq!(sentences(&events), [WELCOME]);
    assert!(
        events
            .iter()
            .filter(|e| matches!(e, Ok(RecognitionEvent::Interim(t)) if !t.is_empty()))
            .count()
            >= 2,
        "{events:?}"
    );
    let sent = logged(&emu, Endpoint::MultimodalGeneration);
    assert_eq!(sent[0]["body"]["input"]["messages"][0]["role"], "system");
    assert_eq!(sent[1]["body"]["parameters"]["incremental_output"], true);
}

#[tokio::test]
async fn qwen3_asr_compatible_mode_streaming_or_not() {
    let (emu, client) = setup().await;
    let request = ChatCompletionRequest::qwen_asr(
        Model::QWEN3_ASR_FLASH,
        "https://dashscope.example/audios/welcome_zh.wav",
    )
    .with_language("zh");
    let got = client.recognize(request.clone()).await.unwrap();
    assert_eq!(got.text(), WELCOME);
    assert_eq!(got.sentences[0].language.as_deref(), Some("zh"));
    assert!(matches!(got.usage, Some(Usage::Chat(_))));

    let events = collect(&client, request).await;
    assert_eq!(sentences(&events), [WELCOME]);
    assert!(matches!(events.last(), Some(Ok(RecognitionEvent::Done))));
    let sent = logged(&emu, Endpoint::ChatCompletions);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["body"]["stream"], false);
    assert_eq!(sent[1]["body"]["stream"], true);
    assert_eq!(sent[1]["body"]["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn omni_transcribes_only_as_a_stream() {
    let (emu, client) = setup().await;
    // The user guide's Omni transcription, as the default request of the model.
    let request = RecognizeRequest::for_model(
        Model::QWEN3_OMNI_FLASH,
        "https://dashscope.example/audio/welcome_zh.wav",
        Some("wav"),
    )
    .unwrap();
    let got = client.recognize(request.clone()).await.unwrap();
    assert_eq!(got.text(), WELCOME);
    assert!(matches!(got.usage, Some(Usage::Chat(_))));
    let events = collect(&client, request.clone()).await;
    assert_eq!(sentences(&events), [WELCOME]);

    let body = &logged(&emu, Endpoint::ChatCompletions)[0]["body"];
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["modalities"][0], "text");
    assert_eq!(
        body["messages"][1]["content"][0]["input_audio"]["format"],
        "wav"
    );

    let err = client
        .recognize(request.with_stream(false))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err:?}");
    assert!(err.to_string().contains("stream"), "{err}");
    assert_eq!(emu.count(Endpoint::ChatCompletions), 2);
}

#[tokio::test]
async fn a_native_error_in_mid_stream_keeps_the_services_code_and_is_not_retried() {
    let (emu, client) = setup().await;
    let request = FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, MIDSTREAM, "wav");
    let events = collect(&client, request.clone()).await;
    let (last, before) = events.split_last().unwrap();
    let Err(err) = last else {
        panic!("the stream should end with the error: {events:?}")
    };
    assert_eq!(err.code(), Some("InternalError"));
    assert!(err.message().unwrap().contains("Emulated failure"), "{err}");
    assert!(err.to_string().contains("InternalError"), "{err}");
    assert!(before.iter().all(Result::is_ok));
    assert!(
        !before.is_empty(),
        "events before the failure are delivered"
    );
    assert!(
        !before
            .iter()
            .any(|e| matches!(e, Ok(RecognitionEvent::Done)))
    );
    assert_eq!(emu.count(Endpoint::MultimodalGeneration), 1);

    let err = client
        .recognize(RecognizeRequest::from(request).with_stream(true))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
}

#[tokio::test]
async fn a_compatible_error_in_mid_stream_keeps_the_services_code() {
    let (emu, client) = setup().await;
    let request = ChatCompletionRequest::omni(
        Model::QWEN3_OMNI_FLASH,
        MIDSTREAM,
        "wav",
        "Transcribe this audio.",
    );
    let events = collect(&client, request).await;
    let Some(Err(err)) = events.last() else {
        panic!("the stream should end with the error: {events:?}")
    };
    assert_eq!(err.code(), Some("InternalError"));
    assert!(events.len() > 1, "{events:?}");
    assert_eq!(emu.count(Endpoint::ChatCompletions), 1);
}

#[tokio::test]
async fn a_refused_stream_is_resent_but_a_broken_one_is_not() {
    let (emu, client) = setup_with(
        EmulatorConfig::new().with_fault(
            Endpoint::MultimodalGeneration,
            FaultRule::new()
                .with_throttle(1.0)
                .with_retry_after(Duration::ZERO)
                .with_limit(1),
        ),
    )
    .await;
    let request = QwenAsrRequest::new(Model::QWEN3_ASR_FLASH, "https://x.example/welcome_zh.wav");
    let events = collect(&client, request.clone()).await;
    assert_eq!(sentences(&events), [WELCOME]);
    assert_eq!(emu.count(Endpoint::MultimodalGeneration), 2);

    // Half the body, then the connection drops: the answer had begun, so no second try.
    emu.reset();
    emu.set_faults(asr_emulator::FaultConfig::new().with(
        Endpoint::MultimodalGeneration,
        FaultRule::new().with_truncate(1.0).with_limit(1),
    ));
    let events = collect(&client, request).await;
    assert!(
        matches!(events.last(), Some(Err(Error::Network { .. }))),
        "{events:?}"
    );
    assert_eq!(emu.count(Endpoint::MultimodalGeneration), 1);
}

#[tokio::test]
async fn a_rejected_recognition_keeps_the_services_code() {
    let (_emu, client) = setup().await;
    let request = FlashRequest::new(
        Model::FUN_ASR_FLASH_2026_06_15,
        "https://gone.invalid/a.wav",
        "wav",
    );
    let err = client.recognize(request.clone()).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidFile.DownloadFailed"));
    let events = collect(&client, request).await;
    assert!(
        matches!(events.as_slice(), [Err(e)] if e.code() == Some("InvalidFile.DownloadFailed")),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_small_local_file_travels_as_a_data_uri() {
    let (emu, client) = setup().await;
    let path = fixture("hello_en.wav");
    let audio = client
        .prepare_audio(&path, &Model::FUN_ASR_FLASH_2026_06_15)
        .await
        .unwrap();
    assert!(audio.reference.starts_with("data:audio/wav;base64,UklGR"));
    assert_eq!(audio.format.as_deref(), Some("wav"));
    assert!(!audio.uploaded);
    assert!(
        format!("{audio:?}").len() < 300,
        "Debug shows no whole data URI"
    );

    let got = client
        .recognize_file(&path, Model::FUN_ASR_FLASH_2026_06_15)
        .await
        .unwrap();
    assert_eq!(got.text(), HELLO);
    let omni = client
        .prepare_audio(&path, &Model::QWEN3_OMNI_FLASH)
        .await
        .unwrap();
    assert!(omni.reference.starts_with("data:;base64,"));
    let got = client
        .recognize_file(fixture("welcome_zh.wav"), Model::QWEN3_OMNI_FLASH)
        .await
        .unwrap();
    assert_eq!(got.text(), WELCOME);
    assert_eq!(emu.count(Endpoint::Upload), 0);
}

#[tokio::test]
async fn a_local_file_over_the_data_uri_limit_is_uploaded() {
    let (emu, client) = setup().await;
    let dir = TempDir::new("big");
    let path = dir.0.join("big.wav");
    // 8 MB encode to more than the 10 MB a data URI may hold.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(8 * 1024 * 1024).unwrap();
    drop(file);
    let audio = client
        .prepare_audio(&path, &Model::QWEN3_ASR_FLASH)
        .await
        .unwrap();
    assert!(audio.uploaded);
    assert!(audio.reference.starts_with("oss://"), "{}", audio.reference);
    let got = client
        .recognize(QwenAsrRequest::new(Model::QWEN3_ASR_FLASH, audio.reference))
        .await
        .unwrap();
    assert!(!got.text().is_empty());
    assert_eq!(emu.count(Endpoint::Upload), 1);
    let sent = logged(&emu, Endpoint::MultimodalGeneration);
    assert_eq!(
        sent[0]["headers"]["x-dashscope-ossresourceresolve"],
        "enable"
    );
}

#[tokio::test]
async fn a_missing_local_file_is_an_io_error() {
    let (_emu, client) = setup().await;
    let err = client
        .prepare_audio("/nonexistent/a.wav", &Model::QWEN3_ASR_FLASH)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

#[tokio::test]
async fn a_local_wav_over_five_minutes_is_refused_before_sending() {
    let (emu, client) = setup().await;
    let dir = TempDir::new("long");
    let path = dir.0.join("long.wav");
    std::fs::write(&path, long_wav(301)).unwrap();
    let err = client
        .recognize_file(&path, Model::FUN_ASR_FLASH_2026_06_15)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err:?}");
    assert!(err.to_string().contains("at most 5m00.0s"), "{err}");
    assert_eq!(emu.count(Endpoint::MultimodalGeneration), 0);
    // Omni models take longer audio.
    let audio = client
        .prepare_audio(&path, &Model::QWEN3_OMNI_FLASH)
        .await
        .unwrap();
    assert!(!audio.uploaded);
}
