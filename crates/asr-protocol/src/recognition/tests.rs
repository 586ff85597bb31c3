use asr_types::RecognitionResponse;
use serde_json::json;

use super::*;

fn native(value: serde_json::Value) -> RecognitionResponse {
    serde_json::from_value(value).expect("answer")
}

#[test]
fn a_revised_cumulative_text_replaces_the_interim() {
    let mut acc = Accumulator::new();
    acc.handle_native(&native(json!({"output": {"text": "helo", "sentence": {"sentence_id": 1, "sentence_end": false, "text": "helo"}}})));
    acc.handle_native(&native(json!({"output": {"text": "hello", "sentence": {"sentence_id": 1, "sentence_end": false, "text": "hello"}}})));
    acc.handle_end();
    let events: Vec<_> = std::iter::from_fn(|| acc.poll_event()).collect();
    assert_eq!(events[0], RecognitionEvent::Interim("helo".into()));
    assert_eq!(events[1], RecognitionEvent::Interim("hello".into()));
    // The stream ended before the sentence was final: its text is kept as a sentence.
    assert!(matches!(&events[2], RecognitionEvent::Sentence(s) if s.text == "hello"));
    assert_eq!(events[3], RecognitionEvent::Interim(String::new()));
    assert_eq!(events[4], RecognitionEvent::Done);
}

#[test]
fn incremental_qwen_text_is_appended() {
    let mut acc = Accumulator::new().with_incremental_output(true);
    for (piece, finish) in [("欢迎", "null"), ("使用", "stop")] {
        acc.handle_native(&native(json!({"output": {"choices": [{"finish_reason": finish, "message": {"role": "assistant", "content": [{"text": piece}]}}]}})));
    }
    assert_eq!(acc.sentences()[0].text, "欢迎使用");
    assert_eq!(acc.interim(), "");
}
