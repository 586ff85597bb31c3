use base64::Engine as _;
use http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::{chat_completions, multimodal_generation, split_pieces, token_estimate};
use crate::reply::Reply;
use crate::transcript::{AudioSource, SyncCtx, TranscribeOptions, transcribe};
use crate::uploads::Uploads;

const URL: &str = "https://example.com/audio/hello_world.wav";

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_static(v));
    }
    h
}

fn sse() -> HeaderMap {
    headers(&[("x-dashscope-sse", "enable")])
}

/// A WAV file of `secs` seconds at 1000 bytes per second (8-bit, 1 kHz: tiny but valid).
fn wav_bytes(secs: u32) -> Vec<u8> {
    let data_len = secs * 1000;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&1000u32.to_le_bytes()); // sample rate
    b.extend_from_slice(&1000u32.to_le_bytes()); // byte rate
    b.extend_from_slice(&1u16.to_le_bytes()); // block align
    b.extend_from_slice(&8u16.to_le_bytes()); // bits
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    b.resize(b.len() + data_len as usize, 0x80);
    b
}

fn data_uri(bytes: &[u8]) -> String {
    format!(
        "data:audio/wav;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn flash_body(model: &str, audio: &str) -> Value {
    json!({
        "model": model,
        "input": {"messages": [
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": audio}}]}
        ]},
        "parameters": {"format": "wav", "sample_rate": "16000"},
    })
}

fn qwen_body(audio: &str) -> Value {
    json!({
        "model": "qwen3-asr-flash",
        "input": {"messages": [
            {"role": "system", "content": [{"text": "Bulge Bracket, Boutique"}]},
            {"role": "user", "content": [{"audio": audio}]},
        ]},
        "parameters": {"asr_options": {"language": "en", "enable_itn": false}},
    })
}

fn compat_body(model: &str, audio: &str, stream: bool) -> Value {
    json!({
        "model": model,
        "messages": [{"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}}
        ]}],
        "stream": stream,
        "stream_options": {"include_usage": true},
    })
}

fn native(uploads: &Uploads, h: &HeaderMap, body: &Value) -> Reply {
    let ctx = SyncCtx {
        request_id: "rid-1",
        uploads,
    };
    multimodal_generation(&ctx, h, body)
}

fn compat(h: &HeaderMap, body: &Value) -> Reply {
    let uploads = Uploads::default();
    let ctx = SyncCtx {
        request_id: "rid-1",
        uploads: &uploads,
    };
    chat_completions(&ctx, h, body)
}

fn json_of(reply: Reply) -> (u16, Vec<(String, String)>, Value) {
    match reply {
        Reply::Json {
            status,
            headers,
            body,
        } => (status, headers, body),
        other => panic!("expected JSON, got {other:?}"),
    }
}

fn frames_of(reply: Reply) -> Vec<String> {
    match reply {
        Reply::Sse { status, frames } => {
            assert_eq!(status, 200);
            frames
        }
        other => panic!("expected SSE, got {other:?}"),
    }
}

fn error_of(reply: Reply) -> (u16, String, String) {
    let (status, _, body) = json_of(reply);
    let (code, message) = match body.get("error") {
        Some(e) => (&e["code"], &e["message"]),
        None => (&body["code"], &body["message"]),
    };
    (
        status,
        code.as_str().unwrap_or_default().to_owned(),
        message.as_str().unwrap_or_default().to_owned(),
    )
}

fn expected_text(audio: &str) -> String {
    transcribe(&AudioSource::from_url(audio), &TranscribeOptions::default()).channels[0]
        .text
        .clone()
}

/// Splits a native frame into (event, data JSON), checking the documented line order.
fn native_frame(frame: &str) -> (String, Value) {
    assert!(frame.ends_with("\n\n"), "{frame:?}");
    let lines: Vec<&str> = frame.trim_end().split('\n').collect();
    assert!(lines[0].starts_with("id:"), "{frame:?}");
    let event = lines[1]
        .strip_prefix("event:")
        .expect("event line")
        .to_owned();
    assert!(lines[2].starts_with(":HTTP_STATUS/"), "{frame:?}");
    let data = lines
        .last()
        .and_then(|l| l.strip_prefix("data:"))
        .expect("data line");
    (event, serde_json::from_str(data).expect("data is JSON"))
}

fn compat_chunk(frame: &str) -> Option<Value> {
    let data = frame
        .strip_prefix("data: ")
        .and_then(|f| f.strip_suffix("\n\n"))
        .expect("`data: …` frame");
    (data != "[DONE]").then(|| serde_json::from_str(data).expect("chunk JSON"))
}

// --- Flash ----------------------------------------------------------------------------------

#[test]
fn flash_json_answer_has_sentence_text_and_usage() {
    let (status, headers, body) = json_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &flash_body("fun-asr-flash-2026-06-15", URL),
    ));
    assert_eq!(status, 200, "{body}");
    assert!(headers.is_empty(), "no context, no report header");
    assert_eq!(body["request_id"], "rid-1");
    assert_eq!(body["output"]["text"], expected_text(URL));
    let sentence = &body["output"]["sentence"];
    assert_eq!(sentence["sentence_end"], true);
    assert!(sentence["end_time"].is_u64());
    assert!(sentence["words"][0]["fixed"].as_bool().unwrap());
    assert!(
        body["output"]["text"]
            .as_str()
            .unwrap()
            .ends_with(sentence["text"].as_str().unwrap())
    );
    assert!(body["usage"]["duration"].as_u64().unwrap() >= 1);
}

#[test]
fn flash_requires_parameters_format() {
    let mut body = flash_body("qwen-audio-3.0-asr-flash", URL);
    body["parameters"] = json!({"sample_rate": "16000"});
    let (status, code, message) = error_of(native(&Uploads::default(), &HeaderMap::new(), &body));
    assert_eq!((status, code.as_str()), (400, "InvalidParameter"));
    assert!(message.contains("parameters.format"), "{message}");
    body.as_object_mut().unwrap().remove("parameters");
    let (status, _, message) = error_of(native(&Uploads::default(), &HeaderMap::new(), &body));
    assert_eq!(status, 400);
    assert!(message.contains("parameters.format"), "{message}");
}

#[test]
fn flash_parameter_checks_name_the_field() {
    let cases = [
        (
            json!({"format": "wav", "language_hints": ["xx"]}),
            "language_hints",
        ),
        (
            json!({"format": "wav", "sample_rate": "fast"}),
            "sample_rate",
        ),
        (
            json!({"format": "wav", "vocabulary": {"通义": 7}}),
            "parameters.vocabulary",
        ),
    ];
    for (params, field) in cases {
        let mut body = flash_body("qwen-audio-3.0-asr-flash", URL);
        body["parameters"] = params;
        let (status, code, message) =
            error_of(native(&Uploads::default(), &HeaderMap::new(), &body));
        assert_eq!(
            (status, code.as_str()),
            (400, "InvalidParameter"),
            "{field}"
        );
        assert!(message.contains(field), "{message}");
    }
    let mut body = flash_body("qwen-audio-3.0-asr-flash", URL);
    body["parameters"] = json!({"format": "wav", "vocabulary": {"通义千问": 50, "Qwen": 4}});
    let (status, _, _) = json_of(native(&Uploads::default(), &HeaderMap::new(), &body));
    assert_eq!(status, 200);
}

fn with_context(context: Vec<Value>) -> Value {
    let mut body = flash_body("qwen-audio-3.0-asr-flash", URL);
    let audio = body["input"]["messages"][0].clone();
    let mut messages = context;
    messages.push(audio);
    body["input"]["messages"] = Value::Array(messages);
    body
}

fn user_text(t: &str) -> Value {
    json!({"role": "user", "content": [{"type": "input_text", "text": t}]})
}

fn assistant_text(t: &str) -> Value {
    json!({"role": "assistant", "content": [{"type": "text", "text": t}]})
}

#[test]
fn flash_context_is_accepted_and_reported() {
    // Two `input_text` items in one message count as one context message.
    let user = json!({"role": "user", "content": [
        {"type": "input_text", "text": "你好啊"},
        {"type": "input_text", "text": "Qwen"},
    ]});
    let body = with_context(vec![user, assistant_text("你好啊，我是通义千问")]);
    let (status, headers, _) = json_of(native(&Uploads::default(), &HeaderMap::new(), &body));
    assert_eq!(status, 200);
    assert_eq!(
        headers,
        vec![(
            "x-emulator-context".to_owned(),
            "input_text=1/1; text=1/1; chars=17/17".to_owned()
        )]
    );
}

#[test]
fn flash_context_limits_keep_five_per_kind_and_400_chars() {
    let long = "x".repeat(100);
    let mut context = Vec::new();
    for _ in 0..6 {
        context.push(user_text(&long));
        context.push(assistant_text("ok"));
    }
    let (status, headers, _) = json_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &with_context(context),
    ));
    assert_eq!(status, 200);
    // Five of six user items (500 chars) and five of six assistant items (10 chars) are kept,
    // then the 510 characters are cut to 400.
    assert_eq!(headers[0].1, "input_text=5/6; text=5/6; chars=400/510");
}

#[test]
fn flash_context_in_the_wrong_shape_is_rejected() {
    let cases = [
        (vec![assistant_text("first")], "must follow the user"),
        (
            vec![json!({"role": "user", "content": [{"type": "text", "text": "t"}]})],
            "must be `input_text`",
        ),
        (
            vec![json!({"role": "assistant", "content": [{"type": "input_text", "text": "t"}]})],
            "must follow the user",
        ),
        (
            vec![
                user_text("a"),
                json!({"role": "assistant", "content": [{"type": "input_text", "text": "t"}]}),
            ],
            "must be `text`",
        ),
        (
            vec![json!({"role": "system", "content": [{"type": "text", "text": "t"}]})],
            "Role must be user or assistant",
        ),
        (
            vec![json!({"role": "user", "content": []})],
            "Content length must be greater than 0",
        ),
        (
            vec![json!({"role": "user", "content": [
                {"type": "input_audio", "input_audio": {"data": URL}}]})],
            "belongs in the last message",
        ),
    ];
    for (context, needle) in cases {
        let (status, code, message) = error_of(native(
            &Uploads::default(),
            &HeaderMap::new(),
            &with_context(context),
        ));
        assert_eq!(
            (status, code.as_str()),
            (400, "InvalidParameter"),
            "{needle}"
        );
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    // The audio message must be last and hold only the audio.
    let mut body = flash_body("qwen-audio-3.0-asr-flash", URL);
    body["input"]["messages"][0]["content"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "input_text", "text": "late"}));
    let (status, _, message) = error_of(native(&Uploads::default(), &HeaderMap::new(), &body));
    assert_eq!(status, 400);
    assert!(
        message.contains("input.messages[0].content[1]"),
        "{message}"
    );
}

#[test]
fn flash_short_audio_streams_one_final_event() {
    let frames = frames_of(native(
        &Uploads::default(),
        &sse(),
        &flash_body("fun-asr-flash-2026-06-15", URL),
    ));
    assert_eq!(frames.len(), 1);
    let (event, data) = native_frame(&frames[0]);
    assert_eq!(event, "result");
    assert!(frames[0].starts_with("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{"));
    assert_eq!(data["output"]["text"], expected_text(URL));
    assert_eq!(data["output"]["sentence"]["sentence_end"], true);
}

#[test]
fn flash_long_audio_streams_partial_and_final_events_with_cumulative_text() {
    let audio = data_uri(&wav_bytes(90));
    let frames = frames_of(native(
        &Uploads::default(),
        &sse(),
        &flash_body("fun-asr-flash-2026-06-15", &audio),
    ));
    assert!(frames.len() >= 4, "{} frames", frames.len());
    assert_eq!(
        frames.len() % 2,
        0,
        "a partial and a final event per sentence"
    );
    let mut previous_final = String::new();
    for (i, frame) in frames.iter().enumerate() {
        assert!(frame.starts_with(&format!("id:{}\n", i + 1)));
        let (event, data) = native_frame(frame);
        assert_eq!(event, "result");
        let sentence = &data["output"]["sentence"];
        let text = data["output"]["text"].as_str().unwrap().to_owned();
        assert_eq!(sentence["sentence_id"], i / 2 + 1);
        assert!(
            text.starts_with(&previous_final),
            "output.text is cumulative"
        );
        if i % 2 == 0 {
            assert_eq!(sentence["sentence_end"], false);
            assert!(sentence.get("end_time").is_none());
            assert!(data.get("usage").is_none());
            assert_eq!(sentence["words"][0]["fixed"], false);
        } else {
            assert_eq!(sentence["sentence_end"], true);
            assert!(sentence["end_time"].is_u64());
            assert!(data["usage"]["duration"].is_u64());
            previous_final = text;
        }
    }
    let (_, last) = native_frame(frames.last().unwrap());
    assert_eq!(last["usage"]["duration"], 90);
}

#[test]
fn error_midstream_host_fails_streams_halfway_and_plain_calls_with_500() {
    let audio = "https://error-midstream.invalid/a.wav";
    let frames = frames_of(native(
        &Uploads::default(),
        &sse(),
        &flash_body("fun-asr-flash-2026-06-15", audio),
    ));
    assert!(frames.len() >= 2);
    let (event, data) = native_frame(frames.last().unwrap());
    assert_eq!(event, "error");
    assert!(frames.last().unwrap().contains("\nstatus:500\n"));
    assert_eq!(data["code"], "InternalError");
    assert_eq!(data["request_id"], "rid-1");
    assert!(
        frames[..frames.len() - 1]
            .iter()
            .all(|f| native_frame(f).0 == "result")
    );

    let frames = frames_of(native(&Uploads::default(), &sse(), &qwen_body(audio)));
    assert_eq!(native_frame(frames.last().unwrap()).0, "error");
    assert!(frames.len() >= 2);

    let frames = frames_of(compat(
        &HeaderMap::new(),
        &compat_body("qwen3-omni-flash", audio, true),
    ));
    let last = compat_chunk(frames.last().unwrap()).expect("error chunk, not [DONE]");
    assert_eq!(last["error"]["code"], "InternalError");
    assert!(!frames.iter().any(|f| f.contains("[DONE]")));

    let (status, code, _) = error_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &flash_body("fun-asr-flash-2026-06-15", audio),
    ));
    assert_eq!((status, code.as_str()), (500, "InternalError"));
}

// --- audio references -----------------------------------------------------------------------

#[test]
fn invalid_host_is_download_failed() {
    let (status, code, message) = error_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &qwen_body("https://nowhere.invalid/a.wav"),
    ));
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (
            400,
            "InvalidFile.DownloadFailed",
            "The audio file cannot be downloaded."
        )
    );
}

#[test]
fn oss_urls_need_the_resolve_header_and_an_upload() {
    let mut uploads = Uploads::default();
    let wav = wav_bytes(3);
    uploads.insert_bytes("dashscope-instant/u/2026-01-01/x/up.wav", &wav);
    let url = "oss://dashscope-instant/u/2026-01-01/x/up.wav";
    let (status, code, _) = error_of(native(&uploads, &HeaderMap::new(), &qwen_body(url)));
    assert_eq!((status, code.as_str()), (400, "invalid_parameter_error"));

    let resolve = headers(&[("x-dashscope-ossresourceresolve", "enable")]);
    let (status, code, _) = error_of(native(
        &uploads,
        &resolve,
        &qwen_body("oss://dashscope-instant/u/never.wav"),
    ));
    assert_eq!((status, code.as_str()), (400, "InvalidFile.DownloadFailed"));

    let (status, _, body) = json_of(native(&uploads, &resolve, &qwen_body(url)));
    assert_eq!(status, 200, "{body}");
    let uploaded = AudioSource::from_bytes(Some("up.wav"), &wav);
    let want = transcribe(&uploaded, &TranscribeOptions::default());
    assert_eq!(
        body["output"]["choices"][0]["message"]["content"][0]["text"],
        want.channels[0].text
    );
    assert_eq!(body["usage"]["seconds"], 3);
}

#[test]
fn data_uris_are_decoded_and_limited_to_10_mb() {
    let wav = wav_bytes(2);
    let (status, _, body) = json_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &flash_body("qwen-audio-3.0-asr-flash", &data_uri(&wav)),
    ));
    assert_eq!(status, 200);
    assert_eq!(body["usage"]["duration"], 2);

    let big = format!("data:audio/wav;base64,{}", "A".repeat(14_000_000));
    let (status, code, message) = error_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &flash_body("qwen-audio-3.0-asr-flash", &big),
    ));
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (
            400,
            "InternalError.Algo.InvalidParameter",
            "Exceeded limit on max bytes per data-uri item : 10485760"
        )
    );
    let (status, _, _) = error_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &flash_body("qwen-audio-3.0-asr-flash", "data:audio/wav;base64,@@@"),
    ));
    assert_eq!(status, 400);
}

#[test]
fn audio_over_five_minutes_is_rejected() {
    let (status, code, _) = error_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &qwen_body(&data_uri(&wav_bytes(301))),
    ));
    assert_eq!(
        (status, code.as_str()),
        (400, "InvalidFile.AudioLengthError")
    );
}

// --- model routing --------------------------------------------------------------------------

#[test]
fn model_routing_errors() {
    let up = Uploads::default();
    let async_header = headers(&[("x-dashscope-async", "enable")]);
    let (status, code, message) = error_of(native(&up, &async_header, &qwen_body(URL)));
    assert_eq!((status, code.as_str()), (403, "AccessDenied"));
    assert!(message.contains("asynchronous"), "{message}");

    for model in ["qwen3-asr-flash-filetrans", "fun-asr", "paraformer-v2"] {
        let (status, code, message) =
            error_of(native(&up, &HeaderMap::new(), &flash_body(model, URL)));
        assert_eq!((status, code.as_str()), (403, "AccessDenied"), "{model}");
        assert!(message.contains("synchronous"), "{message}");
    }
    for model in ["gpt-4o", "fun-asr-realtime"] {
        let (status, code, message) =
            error_of(native(&up, &HeaderMap::new(), &flash_body(model, URL)));
        assert_eq!(
            (status, code.as_str()),
            (400, "InvalidParameter"),
            "{model}"
        );
        assert!(message.contains("Model not exist"), "{message}");
    }

    let (status, code, _) = error_of(compat(
        &HeaderMap::new(),
        &compat_body("fun-asr-flash-2026-06-15", URL, false),
    ));
    assert_eq!((status, code.as_str()), (404, "model_not_found"));
}

// --- Qwen3-ASR-Flash native -----------------------------------------------------------------

#[test]
fn qwen_native_answer_has_choices_annotations_and_seconds() {
    let (status, _, body) = json_of(native(
        &Uploads::default(),
        &HeaderMap::new(),
        &qwen_body(URL),
    ));
    assert_eq!(status, 200, "{body}");
    let choice = &body["output"]["choices"][0];
    assert_eq!(choice["finish_reason"], "stop");
    assert_eq!(choice["message"]["role"], "assistant");
    assert_eq!(choice["message"]["content"][0]["text"], expected_text(URL));
    assert_eq!(
        choice["message"]["annotations"][0],
        json!({"type": "audio_info", "language": "en", "emotion": "neutral"})
    );
    assert_eq!(body["usage"]["seconds"], 10);
    assert_eq!(body["usage"]["input_tokens_details"]["text_tokens"], 3);
    assert_eq!(body["request_id"], "rid-1");
}

#[test]
fn qwen_native_checks_messages_and_options() {
    let mut bad_language = qwen_body(URL);
    bad_language["parameters"]["asr_options"]["language"] = json!("klingon");
    let mut input_audio_key = qwen_body(URL);
    input_audio_key["input"]["messages"][1]["content"] =
        json!([{"type": "input_audio", "input_audio": {"data": URL}}]);
    let mut late_system = qwen_body(URL);
    late_system["input"]["messages"]
        .as_array_mut()
        .unwrap()
        .reverse();
    let mut bad_flag = qwen_body(URL);
    bad_flag["parameters"]["asr_options"]["enable_itn"] = json!("no");
    let cases = [
        (bad_language, "parameters.asr_options.language"),
        (input_audio_key, "the native key is `audio`"),
        (late_system, "must be the first message"),
        (bad_flag, "parameters.asr_options.enable_itn"),
    ];
    for (body, needle) in cases {
        let (status, code, message) =
            error_of(native(&Uploads::default(), &HeaderMap::new(), &body));
        assert_eq!(
            (status, code.as_str()),
            (400, "InvalidParameter"),
            "{needle}"
        );
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
}

#[test]
fn qwen_native_stream_incremental_and_cumulative() {
    let full = expected_text(URL);
    let mut body = qwen_body(URL);
    body["parameters"]["incremental_output"] = json!(true);
    let frames = frames_of(native(&Uploads::default(), &sse(), &body));
    assert!(frames.len() >= 2);
    let mut joined = String::new();
    for (i, frame) in frames.iter().enumerate() {
        let (event, data) = native_frame(frame);
        assert_eq!(event, "result");
        let choice = &data["output"]["choices"][0];
        let want = if i + 1 == frames.len() {
            "stop"
        } else {
            "null"
        };
        assert_eq!(choice["finish_reason"], want);
        joined.push_str(choice["message"]["content"][0]["text"].as_str().unwrap());
    }
    assert_eq!(joined, full);

    let frames = frames_of(native(&Uploads::default(), &sse(), &qwen_body(URL)));
    let (_, last) = native_frame(frames.last().unwrap());
    assert_eq!(
        last["output"]["choices"][0]["message"]["content"][0]["text"],
        full
    );
}

// --- compatible mode ------------------------------------------------------------------------

#[test]
fn compat_qwen_asr_json_answer() {
    let mut body = compat_body("qwen3-asr-flash", URL, false);
    body["asr_options"] = json!({"language": "zh", "enable_itn": false});
    let (status, _, body) = json_of(compat(&HeaderMap::new(), &body));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["id"], "chatcmpl-rid-1");
    assert_eq!(body["model"], "qwen3-asr-flash");
    let message = &body["choices"][0]["message"];
    assert_eq!(message["content"], expected_text(URL));
    assert_eq!(message["annotations"][0]["language"], "zh");
    assert_eq!(body["usage"]["prompt_tokens_details"]["audio_tokens"], 250);
    assert_eq!(body["usage"]["seconds"], 10);
    let u = &body["usage"];
    assert_eq!(
        u["total_tokens"].as_u64(),
        Some(u["prompt_tokens"].as_u64().unwrap() + u["completion_tokens"].as_u64().unwrap())
    );
}

#[test]
fn compat_qwen_asr_stream_chunks_usage_and_done() {
    let frames = frames_of(compat(
        &HeaderMap::new(),
        &compat_body("qwen3-asr-flash", URL, true),
    ));
    assert_eq!(frames.last().map(String::as_str), Some("data: [DONE]\n\n"));
    let chunks: Vec<Value> = frames.iter().filter_map(|f| compat_chunk(f)).collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let usage = chunks.last().unwrap();
    assert_eq!(usage["choices"], json!([]));
    assert!(usage["usage"]["total_tokens"].is_u64());
    let finish = &chunks[chunks.len() - 2];
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(content, expected_text(URL));
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk")
    );
    assert!(chunks[1]["choices"][0]["delta"]["annotations"][0]["type"] == "audio_info");

    // Without include_usage there is no usage chunk.
    let mut body = compat_body("qwen3-asr-flash", URL, true);
    body.as_object_mut().unwrap().remove("stream_options");
    let frames = frames_of(compat(&HeaderMap::new(), &body));
    let chunks: Vec<Value> = frames.iter().filter_map(|f| compat_chunk(f)).collect();
    assert!(chunks.iter().all(|c| c["choices"] != json!([])));
}

#[test]
fn omni_requires_stream_true() {
    let (status, _, body) = json_of(compat(
        &HeaderMap::new(),
        &compat_body("qwen3-omni-flash", URL, false),
    ));
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_parameter_error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(body["error"]["param"].is_null());
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stream")
    );
    assert_eq!(body["request_id"], "rid-1");
}

#[test]
fn omni_stream_with_base64_audio_and_text_prompt() {
    let wav = wav_bytes(4);
    let audio = format!(
        "data:;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&wav)
    );
    let body = json!({
        "model": "qwen3.5-omni-plus",
        "messages": [
            {"role": "system", "content": "Transcribe exactly."},
            {"role": "user", "content": [
                {"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}},
                {"type": "text", "text": "Transcribe this audio."},
            ]},
        ],
        "modalities": ["text"],
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    let frames = frames_of(compat(&HeaderMap::new(), &body));
    assert_eq!(frames.last().map(String::as_str), Some("data: [DONE]\n\n"));
    let chunks: Vec<Value> = frames.iter().filter_map(|f| compat_chunk(f)).collect();
    assert!(
        chunks
            .iter()
            .all(|c| c["system_fingerprint"].is_null() && c.get("system_fingerprint").is_some())
    );
    let finish = &chunks[chunks.len() - 2]["choices"][0];
    assert_eq!(finish["finish_reason"], "stop");
    assert_eq!(finish["delta"]["content"], "");
    let usage = &chunks.last().unwrap()["usage"];
    assert_eq!(usage["prompt_tokens_details"]["audio_tokens"], 100);
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    let want = transcribe(
        &AudioSource::from_bytes(None, &wav),
        &TranscribeOptions::default(),
    );
    assert_eq!(content, want.channels[0].text);
}

#[test]
fn omni_rejects_bad_modalities_and_missing_audio() {
    let mut body = compat_body("qwen3-omni-flash", URL, true);
    body["modalities"] = json!(["video"]);
    let (status, code, message) = error_of(compat(&HeaderMap::new(), &body));
    assert_eq!((status, code.as_str()), (400, "invalid_parameter_error"));
    assert!(message.contains("modalities"), "{message}");
    let mut body = compat_body("qwen3-omni-flash", URL, true);
    body["messages"][0]["content"] = json!([{"type": "text", "text": "hi"}]);
    let (status, _, message) = error_of(compat(&HeaderMap::new(), &body));
    assert_eq!(status, 400);
    assert!(message.contains("input_audio"), "{message}");
}

// --- helpers --------------------------------------------------------------------------------

#[test]
fn pieces_concatenate_to_the_text_and_stay_few() {
    for text in [
        "Hello World，这里是阿里巴巴语音实验室。",
        "[emulated] The audio emulator speaks clearly.",
        "",
        "a",
    ] {
        assert_eq!(split_pieces(text).concat(), text);
    }
    assert_eq!(split_pieces("one two three"), vec!["one", " two", " three"]);
    assert_eq!(
        split_pieces("欢迎使用阿里云。"),
        vec!["欢迎", "使用", "阿里", "云。"]
    );
    let long = "word ".repeat(1000);
    let pieces = split_pieces(&long);
    assert!(pieces.len() <= 32, "{}", pieces.len());
    assert_eq!(pieces.concat(), long);
}

#[test]
fn token_estimate_counts_words_and_cjk_characters() {
    assert_eq!(token_estimate("Bulge Bracket, Boutique"), 3);
    assert_eq!(token_estimate("欢迎使用阿里云。"), 7);
    assert_eq!(token_estimate(""), 0);
}
