#![allow(clippy::unwrap_used)]

use asr_protocol::endpoints::recognize_native;

use super::{Recognition, RecognizeRequest, RecognizedSentence, wav_duration_ms};
use crate::{Error, Model};

fn sentence(text: &str) -> RecognizedSentence {
    let mut s = RecognizedSentence::default();
    s.text = text.to_owned();
    s
}

#[test]
fn recognition_text_uses_the_protocol_joining() {
    // The cases of the rule itself are protocol tests (`recognition::join_sentences`).
    let sentences = ["Good morning.", "How are you?", "欢迎。", "使用。"].map(sentence);
    let got = Recognition::new(Model::FUN_ASR_FLASH_2026_06_15, sentences.to_vec(), None);
    assert_eq!(got.text(), "Good morning. How are you? 欢迎。使用。");
}

#[test]
fn for_model_routes_each_family_and_refuses_file_models() {
    let flash = RecognizeRequest::for_model(
        Model::FUN_ASR_FLASH_2026_06_15,
        "https://x/a.wav",
        Some("wav"),
    )
    .unwrap();
    let is_flash = |r: &RecognizeRequest| match r {
        RecognizeRequest::Native(n) => matches!(n.body, recognize_native::Body::Flash(_)),
        _ => false,
    };
    assert!(is_flash(&flash));
    let qwen =
        RecognizeRequest::for_model(Model::QWEN3_ASR_FLASH, "https://x/a.wav", None).unwrap();
    assert!(matches!(qwen, RecognizeRequest::Native(_)) && !is_flash(&qwen));
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
