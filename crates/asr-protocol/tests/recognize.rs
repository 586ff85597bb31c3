//! Synchronous recognition: the SSE decoder over `fixtures/sse/`, the two endpoints over
//! `fixtures/exchanges/{recognize_native,chat_completions}/`, and the accumulator over every stream.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{Value, json};

use asr_protocol::endpoints::{chat_completions, recognize_native};
use asr_protocol::recognition::{Accumulator, RecognitionEvent, Usage};
use asr_protocol::sse::{self, SseDecoder, SseError, SseEvent};
use asr_protocol::{RequestContext, ResponseError};

#[path = "shared/exchange.rs"]
mod exchange;

use exchange::{ALLOW_LISTED, Exchange, TEST_KEY, context, fixtures_dir};

/// Decodes `body` pushed in the given pieces, draining after every push.
fn decode_in_pieces<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        while let Some(event) = decoder.next_event() {
            events.push(event.expect("fixture decodes"));
        }
    }
    while let Some(event) = decoder.finish() {
        events.push(event.expect("fixture decodes"));
    }
    events
}

fn sse_events_json(events: &[SseEvent]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "event": e.event,
                    "http_status": e.http_status,
                    "status": e.status,
                    "data": serde_json::from_str::<Value>(&e.data).unwrap_or(Value::String(e.data.clone())),
                })
            })
            .collect(),
    )
}

#[test]
fn every_sse_fixture_decodes_the_same_at_every_split() {
    insta::glob!("../../../fixtures", "sse/*.sse", |path| {
        let body = std::fs::read(path).expect("fixture readable");
        let whole = decode_in_pieces([body.as_slice()]);
        assert!(!whole.is_empty(), "{}", path.display());
        for at in 0..=body.len() {
            let (a, b) = body.split_at(at);
            assert_eq!(decode_in_pieces([a, b]), whole, "split at byte {at}");
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(decode_in_pieces(bytes), whole, "byte by byte");
        // Three pieces, so CRLF pairs and multi-byte characters are also cut twice.
        for step in [2, 3, 7] {
            let pieces: Vec<&[u8]> = body.chunks(step).collect();
            assert_eq!(decode_in_pieces(pieces), whole, "chunks of {step}");
        }
        insta::assert_yaml_snapshot!(sse_events_json(&whole));
    });
}

#[test]
fn line_ends_bom_and_multi_line_data_are_equivalent() {
    let lf = b"id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"a\":1}\ndata:{\"b\":2}\n\n".to_vec();
    let crlf = String::from_utf8(lf.clone()).unwrap().replace('\n', "\r\n");
    let cr = String::from_utf8(lf.clone()).unwrap().replace('\n', "\r");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&lf);
    let reference = decode_in_pieces([lf.as_slice()]);
    assert_eq!(reference.len(), 1);
    assert_eq!(reference[0].data, "{\"a\":1}\n{\"b\":2}");
    assert_eq!(reference[0].http_status, Some(200));
    assert_eq!(reference[0].id.as_deref(), Some("1"));
    for body in [crlf.as_bytes(), cr.as_bytes(), bom.as_slice()] {
        for at in 0..=body.len() {
            let (a, b) = body.split_at(at);
            assert_eq!(decode_in_pieces([a, b]), reference, "split at {at}");
        }
    }
}

#[test]
fn status_line_and_done_marker_are_read() {
    let events = decode_in_pieces([&b"event:error\nstatus:429\ndata: {}\n\ndata: [DONE]\n\n"[..]]);
    assert_eq!(events[0].status, Some(429));
    assert_eq!(events[0].reported_status(), Some(429));
    assert!(events[0].is_error());
    assert!(events[1].is_done());
}

#[test]
fn an_event_over_the_limit_is_an_error_not_memory() {
    let mut decoder = SseDecoder::new().with_max_event_bytes(64);
    // Many short lines of one event add up past the limit, as does one long line.
    for _ in 0..10 {
        decoder.push(b"data: 0123456789\n");
    }
    assert_eq!(
        decoder.next_event(),
        Some(Err(SseError::EventTooLarge { limit: 64 }))
    );
    assert_eq!(decoder.next_event(), None);

    let mut decoder = SseDecoder::new().with_max_event_bytes(64);
    decoder.push(&[b'x'; 65]);
    assert!(matches!(
        decoder.next_event(),
        Some(Err(SseError::EventTooLarge { .. }))
    ));
}

impl Exchange {
    fn recorded_headers(&self) -> &serde_json::Map<String, Value> {
        self.json["request"]["headers"]
            .as_object()
            .expect("headers")
    }

    fn is_sdk_capture(&self) -> bool {
        self.json["source"]
            .as_str()
            .is_some_and(|s| s.contains("SDK-capture"))
    }

    fn streams(&self) -> bool {
        self.recorded_headers()["accept"] == "text/event-stream"
    }
}

fn build(ex: &Exchange, ctx: &RequestContext) -> http::Request<Vec<u8>> {
    let body = ex.request_body();
    let built = match ex.endpoint.as_str() {
        "recognize_native" => {
            let request = if body["model"]
                .as_str()
                .is_some_and(|m| m.starts_with("qwen3-asr"))
            {
                recognize_native::Request::qwen_asr(
                    serde_json::from_value(body).expect("qwen body"),
                )
            } else {
                recognize_native::Request::flash(serde_json::from_value(body).expect("flash body"))
            };
            recognize_native::build(&request.with_stream(ex.streams()), ctx)
        }
        "chat_completions" => {
            let request: chat_completions::Request =
                serde_json::from_value(body).expect("chat body");
            chat_completions::build(&request, ctx)
        }
        other => panic!("no endpoint {other}"),
    };
    built.unwrap_or_else(|e| panic!("{}/{}: {e}", ex.endpoint, ex.case))
}

#[test]
fn built_requests_equal_the_fixture_requests() {
    insta::glob!(
        "../../../fixtures",
        "exchanges/{recognize_native,chat_completions}/*.json",
        |file| {
            let ex = Exchange::load(file);
            let ctx = context();
            let built = build(&ex, &ctx);
            let body: Value = serde_json::from_slice(built.body()).expect("JSON body");
            assert_eq!(body, ex.request_body(), "{}/{}", ex.endpoint, ex.case);

            let base = match ex.endpoint.as_str() {
                "chat_completions" => &ctx.compatible_base,
                _ => &ctx.native_base,
            };
            let path = ex.json["request"]["path"].as_str().expect("path");
            assert_eq!(built.uri().to_string(), format!("{base}{path}"));
            assert_eq!(built.method(), "POST");

            let mut headers = BTreeMap::new();
            for (name, value) in built.headers() {
                let value = value.to_str().expect("ascii").to_owned();
                let shown = match name.as_str() {
                    "authorization" => {
                        assert_eq!(value, format!("Bearer {TEST_KEY}"));
                        "[redacted]".to_owned()
                    }
                    "user-agent" => "[user-agent]".to_owned(),
                    _ => value,
                };
                headers.insert(name.as_str().to_owned(), shown);
            }
            assert!(
                !headers.contains_key("x-dashscope-async"),
                "sync calls never send it"
            );
            if ex.streams() {
                assert_eq!(headers["x-accel-buffering"], "no");
            }
            for (name, value) in &headers {
                if !ALLOW_LISTED.contains(&name.as_str()) {
                    continue;
                }
                let recorded = ex.recorded_headers().get(name);
                assert!(
                    recorded.is_some(),
                    "{}/{}: we send {name}",
                    ex.endpoint,
                    ex.case
                );
                // SDK captures keep the SDK's `; charset=utf-8`; ours is the documented value.
                if !ex.is_sdk_capture() {
                    assert_eq!(
                        recorded.and_then(Value::as_str),
                        Some(value.as_str()),
                        "{name}"
                    );
                }
            }
            for name in ex.recorded_headers().keys() {
                assert!(
                    headers.contains_key(name),
                    "{}/{}: we omit {name}",
                    ex.endpoint,
                    ex.case
                );
            }
            let text = format!("{built:?}{headers:?}");
            assert!(!text.contains(TEST_KEY), "the key leaked");
            insta::assert_json_snapshot!(json!({
                "method": built.method().as_str(),
                "uri": built.uri().to_string(),
                "headers": headers,
                "body": body,
            }));
        }
    );
}

fn event_json(event: &RecognitionEvent) -> Value {
    match event {
        RecognitionEvent::Interim(text) => json!({ "interim": text }),
        RecognitionEvent::Sentence(s) => json!({ "sentence": {
            "index": s.index,
            "text": s.text,
            "begin_ms": s.begin_ms,
            "end_ms": s.end_ms,
            "words": s.words.len(),
            "language": s.language,
            "emotion": s.emotion,
        }}),
        RecognitionEvent::Usage(Usage::Native(u)) => json!({ "usage": u }),
        RecognitionEvent::Usage(Usage::Chat(u)) => json!({ "usage": u }),
        RecognitionEvent::Done => json!("done"),
        other => json!(format!("{other:?}")),
    }
}

fn error_json(error: &ResponseError) -> Value {
    match error {
        ResponseError::Api(api) => json!({ "error": {
            "status": api.status.as_u16(),
            "code": api.code,
            "message": api.message,
            "request_id": api.request_id,
        }}),
        other => json!({ "error": other.to_string() }),
    }
}

/// Runs a whole stream body through decoder, event parser and accumulator, as the transport
/// does, recording every recognition event and a final error if any.
fn run_stream(body: &[u8], dialect: &str) -> Vec<Value> {
    let mut acc = Accumulator::new().with_incremental_output(dialect == "qwen_native_incremental");
    let mut out = Vec::new();
    let mut decoder = SseDecoder::new();
    decoder.push(body);
    let mut failed = false;
    while let Some(event) = decoder.finish() {
        let event = event.expect("decodes");
        let step = match dialect {
            "chat" => chat_completions::parse_event(&event).map(|item| match item {
                chat_completions::StreamItem::Chunk(chunk) => acc.handle_chunk(&chunk),
                chat_completions::StreamItem::Done => acc.handle_end(),
                _ => {}
            }),
            _ => recognize_native::parse_event(&event).map(|answer| {
                if let Some(answer) = answer {
                    acc.handle_native(&answer);
                }
            }),
        };
        out.extend(std::iter::from_fn(|| acc.poll_event()).map(|e| event_json(&e)));
        if let Err(error) = step {
            out.push(error_json(&error));
            failed = true;
            break;
        }
    }
    if !failed {
        acc.handle_end();
        out.extend(std::iter::from_fn(|| acc.poll_event()).map(|e| event_json(&e)));
    }
    out
}

fn dialect_of(file_name: &str) -> &'static str {
    match file_name {
        "omni.sse" | "qwen_asr_openai.sse" => "chat",
        // Recorded from a request with `incremental_output: true` (the SDK forces it).
        "qwen_asr_native.sse" => "qwen_native_incremental",
        _ => "native",
    }
}

#[test]
fn accumulator_over_every_stream() {
    insta::glob!("../../../fixtures", "sse/*.sse", |path| {
        let body = std::fs::read(path).expect("readable");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let events = run_stream(&body, dialect_of(name));
        let last = events.last().expect("events");
        assert!(
            *last == json!("done") || last.get("error").is_some(),
            "{name}: a stream ends in Done or an error: {last}"
        );
        insta::assert_yaml_snapshot!(events);
    });
}

#[test]
fn flash_stream_settles_sentences_and_revises_interim() {
    let body = std::fs::read(fixtures_dir().join("sse/flash_multi_crlf.sse")).expect("fixture");
    let events = run_stream(&body, "native");
    let interims: Vec<&str> = events
        .iter()
        .filter_map(|e| e["interim"].as_str())
        .collect();
    // The revision "天汽" → "天气" arrives as a settled sentence, and the interim is cleared.
    assert_eq!(interims, ["今天", "今天天汽", "", "我们去", ""]);
    let sentences: Vec<&str> = events
        .iter()
        .filter_map(|e| e["sentence"]["text"].as_str())
        .collect();
    assert_eq!(sentences, ["今天天气很好。", "我们去公园吧。"]);
    assert_eq!(
        events[events.len() - 2],
        json!({ "usage": { "duration": 64 } })
    );
}

#[test]
fn an_error_event_mid_stream_carries_the_service_code() {
    let body =
        std::fs::read(fixtures_dir().join("sse/flash_error_midstream.sse")).expect("fixture");
    let events = run_stream(&body, "native");
    assert_eq!(events[0], json!({ "interim": "今天天气" }));
    assert_eq!(
        events[1]["error"],
        json!({
            "status": 500,
            "code": "InternalError.Algo",
            "message": "Internal algorithm error.",
            "request_id": "5d1f6a2e-7c3b-4e8a-9f10-2b6c8d4e0a17",
        })
    );
    assert_eq!(events.len(), 2, "nothing after the error");
}

#[test]
fn an_error_object_in_an_openai_stream_is_an_api_error() {
    let mut event = SseEvent::default();
    event.data = r#"{"error":{"code":"Throttling.RateQuota","message":"Requests rate limit exceeded","type":"rate_limit","param":null},"request_id":"r1"}"#.into();
    let error = chat_completions::parse_event(&event).expect_err("an error");
    assert_eq!(error.code(), Some("Throttling.RateQuota"));
}

#[test]
fn a_non_200_event_stream_body_yields_the_service_error() {
    let body = "event:error\n:HTTP_STATUS/401\ndata:{\"code\":\"InvalidApiKey\",\"message\":\"Invalid API-key provided.\",\"request_id\":\"r2\"}\n\n";
    let response = http::Response::builder()
        .status(401)
        .header("content-type", "text/event-stream;charset=UTF-8")
        .body(Bytes::from(body))
        .expect("response");
    let error = recognize_native::parse(response).expect_err("401");
    match error {
        ResponseError::Api(api) => {
            assert_eq!(api.status, 401);
            assert_eq!(api.code, "InvalidApiKey");
            assert_eq!(api.message, "Invalid API-key provided.");
            assert_eq!(
                api.request_id.map(|r| r.into_string()).as_deref(),
                Some("r2")
            );
        }
        other => panic!("{other:?}"),
    }
    let plain = http::Response::builder()
        .status(502)
        .header("content-type", "text/event-stream")
        .body(Bytes::from_static(b"<html>bad gateway</html>"))
        .expect("response");
    assert!(matches!(
        chat_completions::parse(plain),
        Err(ResponseError::UnexpectedStatus { .. })
    ));
}

#[test]
fn responses_parse_and_lose_nothing() {
    insta::glob!(
        "../../../fixtures",
        "exchanges/{recognize_native,chat_completions}/*.json",
        |file| {
            let ex = Exchange::load(file);
            if ex.json["response"]["status"]
                .as_u64()
                .is_some_and(|s| s >= 400)
            {
                // Error envelopes are parsed with the other error fixtures (`tests/it`).
                return;
            }
            let response = ex.response();
            let events = if ex.json["response"]["body_file"].is_string() {
                let dialect = match ex.endpoint.as_str() {
                    "chat_completions" => "chat",
                    _ if ex.request_body()["parameters"]["incremental_output"] == true => {
                        "qwen_native_incremental"
                    }
                    _ => "native",
                };
                run_stream(response.body(), dialect)
            } else if ex.endpoint == "chat_completions" {
                let parsed = chat_completions::parse(response).expect("parses");
                assert_eq!(
                    serde_json::to_value(&parsed).expect("ser"),
                    ex.json["response"]["body"]
                );
                let mut acc = Accumulator::new();
                acc.handle_completion(&parsed);
                std::iter::from_fn(|| acc.poll_event())
                    .map(|e| event_json(&e))
                    .collect()
            } else {
                let parsed = recognize_native::parse(response).expect("parses");
                assert_eq!(
                    serde_json::to_value(&parsed).expect("ser"),
                    ex.json["response"]["body"]
                );
                let mut acc = Accumulator::new();
                acc.handle_native(&parsed);
                acc.handle_end();
                std::iter::from_fn(|| acc.poll_event())
                    .map(|e| event_json(&e))
                    .collect()
            };
            insta::assert_yaml_snapshot!(events);
        }
    );
}

#[test]
fn a_collected_stream_body_parses_into_answers() {
    let body = std::fs::read(fixtures_dir().join("sse/flash_multi_crlf.sse")).expect("fixture");
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "text/event-stream")
        .body(Bytes::from(body))
        .expect("response");
    let answers = recognize_native::parse_stream_body(response).expect("parses");
    assert_eq!(answers.len(), 5);
    assert_eq!(answers[4].text(), "今天天气很好。我们去公园吧。");
    assert!(sse::is_event_stream(&{
        let mut h = http::HeaderMap::new();
        h.insert(
            "content-type",
            "Text/Event-Stream; charset=utf-8".parse().expect("value"),
        );
        h
    }));
}

#[test]
fn streaming_headers_follow_the_request() {
    let ctx = context();
    let flash = asr_types::FlashRequest::new(
        asr_types::Model::FUN_ASR_FLASH_2026_06_15,
        "oss://dashscope-instant/x/a.wav",
        "wav",
    );
    let plain = recognize_native::build(&recognize_native::Request::flash(flash.clone()), &ctx)
        .expect("builds");
    assert_eq!(plain.headers()["accept"], "application/json");
    assert!(plain.headers().get("x-dashscope-sse").is_none());
    assert_eq!(plain.headers()["x-dashscope-ossresourceresolve"], "enable");
    let streaming = recognize_native::build(
        &recognize_native::Request::flash(flash).with_stream(true),
        &ctx,
    )
    .expect("builds");
    assert_eq!(streaming.headers()["accept"], "text/event-stream");
    assert_eq!(streaming.headers()["x-dashscope-sse"], "enable");

    let omni = asr_types::ChatCompletionRequest::omni(
        asr_types::Model::QWEN3_OMNI_FLASH,
        "https://example.com/a.wav",
        "wav",
        "Transcribe this audio.",
    );
    let built = chat_completions::build(&omni, &ctx).expect("builds");
    assert_eq!(built.headers()["accept"], "text/event-stream");
    assert!(
        built.headers().get("x-dashscope-sse").is_none(),
        "stream is in the body"
    );
    let refused =
        chat_completions::build(&omni.with_stream(false), &ctx).expect_err("Omni must stream");
    assert!(refused.to_string().contains("`stream`"), "{refused}");
}

/// The service's own final text of a stream body: the last `output.text` of native Flash
/// answers, the reply pieces joined for Qwen3-ASR increments and OpenAI deltas; answers after
/// an error are not read.
fn service_text(body: &[u8], dialect: &str) -> String {
    let mut decoder = SseDecoder::new();
    decoder.push(body);
    let mut text = String::new();
    while let Some(event) = decoder.finish() {
        let event = event.expect("decodes");
        match dialect {
            "chat" => match chat_completions::parse_event(&event) {
                Ok(chat_completions::StreamItem::Chunk(chunk)) => {
                    if let Some(piece) = chunk.choices.first().and_then(|c| c.delta.content.clone())
                    {
                        text.push_str(&piece);
                    }
                }
                _ => break,
            },
            _ => match recognize_native::parse_event(&event) {
                Ok(Some(answer)) if dialect == "qwen_native_incremental" => {
                    text.push_str(&answer.text());
                }
                Ok(Some(answer)) => text = answer.text(),
                Ok(None) => {}
                Err(_) => break,
            },
        }
    }
    text
}

/// Feeds a whole stream body as [`run_stream`] does and returns the accumulator.
fn accumulate(body: &[u8], dialect: &str) -> Accumulator {
    let mut acc = Accumulator::new().with_incremental_output(dialect == "qwen_native_incremental");
    let mut decoder = SseDecoder::new();
    decoder.push(body);
    while let Some(event) = decoder.finish() {
        let event = event.expect("decodes");
        let fed = match dialect {
            "chat" => chat_completions::parse_event(&event).map(|item| {
                if let chat_completions::StreamItem::Chunk(chunk) = item {
                    acc.handle_chunk(&chunk);
                }
            }),
            _ => recognize_native::parse_event(&event).map(|answer| {
                if let Some(answer) = answer {
                    acc.handle_native(&answer);
                }
            }),
        };
        if fed.is_err() {
            // The text so far is kept; an error ends the stream without `handle_end`.
            return acc;
        }
    }
    acc.handle_end();
    acc
}

/// No sentence is settled twice: indexes are unique and no text repeats.
fn assert_each_sentence_once(acc: &Accumulator, what: &str) {
    let mut seen = BTreeMap::new();
    for s in acc.sentences() {
        assert!(
            seen.insert(s.index, &s.text).is_none(),
            "{what}: index {} twice",
            s.index
        );
    }
    let texts: Vec<&str> = acc.sentences().iter().map(|s| s.text.as_str()).collect();
    for (i, text) in texts.iter().enumerate() {
        assert!(
            !texts[..i].contains(text),
            "{what}: {text:?} twice in {texts:?}"
        );
    }
}

#[test]
fn every_stream_accumulates_to_the_service_text() {
    insta::glob!("../../../fixtures", "sse/*.sse", |path| {
        let body = std::fs::read(path).expect("readable");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let dialect = dialect_of(name);
        let acc = accumulate(&body, dialect);
        let expected = service_text(&body, dialect);
        assert!(!expected.is_empty(), "{name}");
        assert_eq!(acc.text(), expected, "{name}");
        assert_each_sentence_once(&acc, name);
    });
}

#[test]
fn every_json_answer_accumulates_to_the_service_text() {
    insta::glob!(
        "../../../fixtures",
        "exchanges/{recognize_native,chat_completions}/*.json",
        |file| {
            let ex = Exchange::load(file);
            let what = format!("{}/{}", ex.endpoint, ex.case);
            if ex.json["response"]["status"].as_u64() != Some(200)
                || ex.json["response"]["body_file"].is_string()
            {
                // Errors have no text; stream bodies are the `sse/` fixtures above.
                return;
            }
            let response = ex.response();
            let mut acc = Accumulator::new();
            let expected = if ex.endpoint == "chat_completions" {
                let parsed = chat_completions::parse(response).expect("parses");
                acc.handle_completion(&parsed);
                parsed.choices[0].message.content.clone().expect("content")
            } else {
                let parsed = recognize_native::parse(response).expect("parses");
                acc.handle_native(&parsed);
                acc.handle_end();
                parsed.text()
            };
            assert!(!expected.is_empty(), "{what}");
            assert_eq!(acc.text(), expected, "{what}");
            assert_each_sentence_once(&acc, &what);
        }
    );
}

/// One native SSE event carrying `answer`.
fn sse_event(id: usize, answer: &Value) -> String {
    format!("id:{id}\nevent:result\n:HTTP_STATUS/200\ndata:{answer}\n\n")
}

fn flash_answer(id: u64, end: bool, sentence: &str, full: &str) -> Value {
    let mut sentence = json!({
        "sentence_id": id, "sentence_end": end, "begin_time": id * 10_000,
        "text": sentence, "channel_id": 0,
    });
    let mut answer = json!({ "output": { "sentence": sentence.clone(), "text": full } });
    if end {
        sentence["end_time"] = json!(id * 10_000 + 9_000);
        answer = json!({
            "output": { "sentence": sentence, "text": full },
            "usage": { "duration": id * 10 },
        });
    }
    answer
}

#[test]
fn an_english_stream_with_spaces_settles_each_sentence_once() {
    let answers = [
        flash_answer(1, false, "Good morning,", "Good morning,"),
        flash_answer(
            1,
            true,
            "Good morning, how can I help?",
            "Good morning, how can I help?",
        ),
        flash_answer(2, false, "I want", "Good morning, how can I help? I want"),
        flash_answer(
            2,
            true,
            "I want to check my order.",
            "Good morning, how can I help? I want to check my order.",
        ),
        flash_answer(
            3,
            false,
            "Sure, one",
            "Good morning, how can I help? I want to check my order. Sure, one",
        ),
        flash_answer(
            3,
            true,
            "Sure, one moment please.",
            "Good morning, how can I help? I want to check my order. Sure, one moment please.",
        ),
    ];
    let body: String = answers
        .iter()
        .enumerate()
        .map(|(i, a)| sse_event(i + 1, a))
        .collect();
    let events = run_stream(body.as_bytes(), "native");
    let interims: Vec<&str> = events
        .iter()
        .filter_map(|e| e["interim"].as_str())
        .collect();
    assert_eq!(
        interims,
        ["Good morning,", "", "I want", "", "Sure, one", ""]
    );
    let acc = accumulate(body.as_bytes(), "native");
    assert_each_sentence_once(&acc, "english");
    assert_eq!(acc.sentences().len(), 3);
    assert!(acc.sentences().iter().all(|s| s.end_ms.is_some()));
    assert_eq!(acc.text(), service_text(body.as_bytes(), "native"));
}

#[test]
fn a_short_audio_single_event_yields_the_whole_text_once() {
    let full = "Good morning, how can I help? I want to check my order. Sure, one moment please.";
    let body = sse_event(1, &flash_answer(3, true, "Sure, one moment please.", full));
    let events = run_stream(body.as_bytes(), "native");
    let sentences: Vec<(u64, &str)> = events
        .iter()
        .filter_map(|e| {
            Some((
                e["sentence"]["index"].as_u64()?,
                e["sentence"]["text"].as_str()?,
            ))
        })
        .collect();
    assert_eq!(
        sentences,
        [
            (1, "Good morning, how can I help? I want to check my order."),
            (3, "Sure, one moment please."),
        ]
    );
    assert!(
        events.iter().all(|e| e.get("interim").is_none()),
        "{events:?}"
    );
    assert_eq!(accumulate(body.as_bytes(), "native").text(), full);
}

#[test]
fn a_cjk_stream_with_revised_partials_joins_without_spaces() {
    let answers = [
        flash_answer(1, false, "欢迎", "欢迎"),
        flash_answer(1, false, "欢迎实用", "欢迎实用"),
        flash_answer(1, true, "欢迎使用阿里云。", "欢迎使用阿里云。"),
        flash_answer(2, false, "今天", "欢迎使用阿里云。今天"),
        flash_answer(2, false, "今天天汽", "欢迎使用阿里云。今天天汽"),
        flash_answer(2, true, "今天天气很好。", "欢迎使用阿里云。今天天气很好。"),
        // A repeated final answer for a settled sentence changes nothing.
        flash_answer(2, true, "今天天气很好。", "欢迎使用阿里云。今天天气很好。"),
    ];
    let body: String = answers
        .iter()
        .enumerate()
        .map(|(i, a)| sse_event(i + 1, a))
        .collect();
    let events = run_stream(body.as_bytes(), "native");
    let interims: Vec<&str> = events
        .iter()
        .filter_map(|e| e["interim"].as_str())
        .collect();
    assert_eq!(interims, ["欢迎", "欢迎实用", "", "今天", "今天天汽", ""]);
    let acc = accumulate(body.as_bytes(), "native");
    assert_each_sentence_once(&acc, "cjk");
    assert_eq!(acc.text(), "欢迎使用阿里云。今天天气很好。");
}
