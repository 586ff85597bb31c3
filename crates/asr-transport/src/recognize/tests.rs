#![allow(clippy::unwrap_used)]

use asr_protocol::recognition::{Accumulator, RecognitionEvent};
use asr_types::RecognitionResponse;
use serde_json::json;

use super::{RecognizeRequest, flash_text, join_sentences, wav_duration_ms};
use crate::{Error, Model};

fn answer(value: serde_json::Value) -> RecognitionResponse {
    serde_json::from_value(value).unwrap()
}

fn partial(id: u64, text: &str, full: &str) -> RecognitionResponse {
    answer(json!({"output": {"text": full, "sentence": {
        "sentence_id": id, "sentence_end": false, "begin_time": id * 1000, "text": text}}}))
}

fn last(id: u64, text: &str, full: &str) -> RecognitionResponse {
    answer(json!({"output": {"text": full, "sentence": {
        "sentence_id": id, "sentence_end": true, "begin_time": id * 1000,
        "end_time": id * 1000 + 900, "text": text}}, "usage": {"duration": 3}}))
}

/// Feeds answers through the shim, as the driver does, and returns every event.
fn run(answers: &[RecognitionResponse]) -> (Accumulator, Vec<RecognitionEvent>) {
    let mut acc = Accumulator::new();
    let mut events = Vec::new();
    for a in answers {
        for piece in flash_text::prepare(a, acc.sentences()) {
            acc.handle_native(&piece);
        }
        events.extend(std::iter::from_fn(|| acc.poll_event()));
    }
    acc.handle_end();
    events.extend(std::iter::from_fn(|| acc.poll_event()));
    (acc, events)
}

fn texts(acc: &Accumulator) -> Vec<&str> {
    acc.sentences().iter().map(|s| s.text.as_str()).collect()
}

#[test]
fn space_joined_cumulative_text_settles_each_sentence_once() {
    let (acc, events) = run(&[
        partial(1, "Good", "Good"),
        last(1, "Good morning.", "Good morning."),
        partial(2, "How", "Good morning. How"),
        last(2, "How are you?", "Good morning. How are you?"),
    ]);
    assert_eq!(texts(&acc), ["Good morning.", "How are you?"]);
    let interims: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RecognitionEvent::Interim(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    // The interim never repeats settled text, nor carries the joining space.
    assert_eq!(interims, ["Good", "", "How", ""]);
    assert!(acc.sentences().iter().all(|s| s.end_ms.is_some()));
}

#[test]
fn a_single_answer_with_the_last_sentence_keeps_the_earlier_text_as_a_sentence() {
    let (acc, _) = run(&[last(
        3,
        "Sure, one moment please.",
        "Good morning, how can I help? I want to check my order. Sure, one moment please.",
    )]);
    assert_eq!(
        texts(&acc),
        [
            "Good morning, how can I help? I want to check my order.",
            "Sure, one moment please."
        ]
    );
    assert_eq!(acc.sentences()[0].begin_ms, None);
    assert_eq!(acc.sentences()[1].begin_ms, Some(3000));
    assert_eq!(acc.sentences()[1].index, 3);
}

#[test]
fn a_single_answer_whose_sentence_is_the_whole_text_passes_unchanged() {
    let (acc, events) = run(&[last(1, "欢迎使用阿里云。", "欢迎使用阿里云。")]);
    assert_eq!(texts(&acc), ["欢迎使用阿里云。"]);
    assert_eq!(events.last(), Some(&RecognitionEvent::Done));
}

#[test]
fn joining_puts_spaces_only_between_spaced_scripts() {
    assert_eq!(
        join_sentences(["Hello.", " World. ", "", "欢迎。", "使用。"].into_iter()),
        "Hello. World. 欢迎。使用。"
    );
}

#[test]
fn for_model_routes_each_family_and_refuses_file_models() {
    let flash = RecognizeRequest::for_model(
        Model::FUN_ASR_FLASH_2026_06_15,
        "https://x/a.wav",
        Some("wav"),
    )
    .unwrap();
    assert!(flash.is_flash());
    let qwen =
        RecognizeRequest::for_model(Model::QWEN3_ASR_FLASH, "https://x/a.wav", None).unwrap();
    assert!(matches!(qwen, RecognizeRequest::Native(_)) && !qwen.is_flash());
    let omni =
        RecognizeRequest::for_model(Model::QWEN3_OMNI_FLASH, "https://x/a.wav", None).unwrap();
    assert!(matches!(omni, RecognizeRequest::Compatible(_)) && omni.is_stream());
    assert!(omni.validate().is_ok());

    let err =
        RecognizeRequest::for_model(Model::FUN_ASR, "https://x/a.wav", Some("wav")).unwrap_err();
    assert!(matches!(err, Error::Build(_)));
    assert!(err.to_string().contains("`model`"), "{err}");
    let err = RecognizeRequest::for_model(Model::FUN_ASR_FLASH_2026_06_15, "https://x/a", None)
        .unwrap_err();
    assert!(err.to_string().contains("parameters.format"), "{err}");
}

fn wav_header(byte_rate: u32, data_len: u32, extra_chunk: bool) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&[1, 0, 1, 0]);
    h.extend_from_slice(&(byte_rate / 2).to_le_bytes());
    h.extend_from_slice(&byte_rate.to_le_bytes());
    h.extend_from_slice(&[2, 0, 16, 0]);
    if extra_chunk {
        h.extend_from_slice(b"LIST");
        h.extend_from_slice(&3u32.to_le_bytes());
        h.extend_from_slice(b"abc\0");
    }
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

#[test]
fn wav_durations_come_from_the_header() {
    let head = wav_header(32_000, 64_000, false);
    assert_eq!(
        wav_duration_ms(&head, head.len() as u64 + 64_000),
        Some(2000)
    );
    // An odd-sized chunk before `data` is padded to an even length.
    let head = wav_header(32_000, 32_000, true);
    assert_eq!(
        wav_duration_ms(&head, head.len() as u64 + 32_000),
        Some(1000)
    );
    // A streamed WAV (length 0) is measured by the file size; a short file by what is there.
    let head = wav_header(32_000, 0, false);
    assert_eq!(
        wav_duration_ms(&head, head.len() as u64 + 16_000),
        Some(500)
    );
    let head = wav_header(32_000, 64_000, false);
    assert_eq!(wav_duration_ms(&head, head.len() as u64 + 3_200), Some(100));
    assert_eq!(wav_duration_ms(b"ID3 not a wav", 100), None);
}
