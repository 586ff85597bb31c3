//! Every format of every recorded result document and recognition answer, as snapshots.

use std::path::{Path, PathBuf};

use asr_protocol::endpoints::{chat_completions, recognize_native};
use asr_protocol::recognition::{Accumulator, to_document};
use asr_protocol::sse::SseDecoder;
use asr_render::{Format, Json, Options};
use asr_types::RecognitionResponse;
use asr_types::recognize::{ChatCompletion, RecognitionDocument};
use asr_types::transcript::ResultDocument;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// `(case, exchange)` for every exchange of `endpoint`, sorted.
fn exchanges(endpoint: &str) -> Vec<(String, Value)> {
    let dir = fixtures().join("exchanges").join(endpoint);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let case = p.file_stem().unwrap().to_string_lossy().into_owned();
            (
                case,
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

fn text(outputs: &[asr_render::Output]) -> Vec<(String, String)> {
    outputs
        .iter()
        .map(|o| (o.file_suffix(), String::from_utf8(o.bytes.clone()).unwrap()))
        .collect()
}

const TEXT_FORMATS: [Format; 4] = [Format::Txt, Format::Srt, Format::Vtt, Format::Tsv];

#[test]
fn every_result_document_renders_in_every_format() {
    let cases = exchanges("fetch_result");
    assert_eq!(cases.len(), 3, "a fixture was added: review its snapshots");
    for (case, exchange) in cases {
        let raw = serde_json::to_vec_pretty(&exchange["response"]["body"]).unwrap();
        let outputs = asr_render::render(&Json(&raw), &Format::ALL, &Options::default()).unwrap();
        let suffixes: Vec<String> = outputs.iter().map(|o| o.file_suffix()).collect();
        assert_eq!(
            suffixes,
            [".txt", ".json", ".srt", ".vtt", ".tsv"],
            "{case}"
        );
        assert_eq!(
            outputs[1].bytes, raw,
            "{case}: json is the document byte for byte"
        );
        for (suffix, content) in text(&outputs) {
            if suffix != ".json" {
                insta::assert_snapshot!(format!("{case}{suffix}"), content);
            }
        }
        let words = Options::default().with_word_timestamps(true);
        let vtt = asr_render::render(&Json(&raw), &[Format::Vtt], &words).unwrap();
        insta::assert_snapshot!(format!("{case}.words.vtt"), text(&vtt)[0].1);

        // The typed document renders the same text, and its json is the document again.
        let doc: ResultDocument = serde_json::from_slice(&raw).unwrap();
        let typed = asr_render::render(&doc, &Format::ALL, &Options::default()).unwrap();
        for (a, b) in outputs.iter().zip(&typed) {
            if a.format == Format::Json {
                let again: Value = serde_json::from_slice(&b.bytes).unwrap();
                assert_eq!(again, exchange["response"]["body"], "{case}");
            } else {
                assert_eq!(a, b, "{case}");
            }
        }
        // Read from a reader, sentence by sentence: the same outputs.
        let streamed =
            asr_render::render_reader(&raw[..], &TEXT_FORMATS, &Options::default()).unwrap();
        let buffered = asr_render::render(&Json(&raw), &TEXT_FORMATS, &Options::default()).unwrap();
        assert_eq!(streamed, buffered, "{case}");
    }
}

/// The settled sentences of a recorded recognition answer (JSON or SSE), as a client saves
/// them.
fn recognition(endpoint: &str, exchange: &Value) -> Option<RecognitionDocument> {
    let response = &exchange["response"];
    if response["status"] != 200 {
        return None;
    }
    let mut acc = Accumulator::new();
    match response.get("body_file").and_then(Value::as_str) {
        None => {
            if endpoint == "chat_completions" {
                let c: ChatCompletion = serde_json::from_value(response["body"].clone()).unwrap();
                acc.handle_completion(&c);
            } else {
                let r: RecognitionResponse =
                    serde_json::from_value(response["body"].clone()).unwrap();
                acc.handle_native(&r);
            }
        }
        Some(file) => {
            let body = std::fs::read(fixtures().join(file)).unwrap();
            let mut decoder = SseDecoder::new();
            decoder.push(&body);
            let mut events = Vec::new();
            while let Some(e) = decoder.next_event() {
                events.push(e.unwrap());
            }
            events.extend(std::iter::from_fn(|| decoder.finish()).map(Result::unwrap));
            for event in events {
                if endpoint == "chat_completions" {
                    match chat_completions::parse_event(&event) {
                        Ok(chat_completions::StreamItem::Chunk(c)) => acc.handle_chunk(&c),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                } else {
                    match recognize_native::parse_event(&event) {
                        Ok(Some(r)) => acc.handle_native(&r),
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
            }
        }
    }
    acc.handle_end();
    Some(to_document(acc.sentences(), acc.usage()))
}

#[test]
fn every_recognition_renders_in_every_format_its_times_allow() {
    let mut seen = 0;
    for endpoint in ["recognize_native", "chat_completions"] {
        for (case, exchange) in exchanges(endpoint) {
            let Some(doc) = recognition(endpoint, &exchange) else {
                continue;
            };
            seen += 1;
            let timed = doc.transcripts[0]
                .sentences
                .iter()
                .all(|s| s.begin_time.is_some() && s.end_time.is_some());
            let options = Options::default();
            let formats: &[Format] = if timed {
                &Format::ALL
            } else {
                &[Format::Txt, Format::Json]
            };
            let outputs = asr_render::render(&doc, formats, &options).unwrap();
            for (suffix, content) in text(&outputs) {
                insta::assert_snapshot!(format!("{endpoint}.{case}{suffix}"), content);
            }
            if !timed {
                let err = asr_render::render(&doc, &[Format::Srt], &options).unwrap_err();
                assert!(
                    err.to_string().contains("`srt` needs sentence times"),
                    "{err}"
                );
            }
            // The saved json reads back into the same text.
            let json = outputs.iter().find(|o| o.format == Format::Json).unwrap();
            let again = asr_render::render(&Json(&json.bytes), formats, &options).unwrap();
            for (a, b) in outputs.iter().zip(&again) {
                assert_eq!(a.bytes, b.bytes, "{endpoint}/{case}");
            }
        }
    }
    assert!(seen >= 10, "{seen} recognition fixtures");
}
