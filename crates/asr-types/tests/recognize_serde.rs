//! Every recognition body under `fixtures/exchanges/` parses into its type and serialises back unchanged;
//! the accepted requests pass validation.

use std::path::{Path, PathBuf};

use asr_types::{
    ChatCompletion, ChatCompletionRequest, FlashRequest, QwenAsrRequest, RecognitionResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn recognize_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/exchanges")
}

fn round_trip<T: DeserializeOwned + Serialize>(body: &Value) -> T {
    let typed: T = serde_json::from_value(body.clone()).expect("parses");
    assert_eq!(&serde_json::to_value(&typed).expect("serialises"), body);
    typed
}

#[test]
fn fixture_bodies_round_trip_and_validate() {
    let mut checked = 0;
    for endpoint in ["recognize_native", "chat_completions"] {
        let mut files: Vec<_> = std::fs::read_dir(recognize_dir().join(endpoint))
            .expect("fixture dir")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for file in files {
            let ex: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let request = &ex["request"]["body"];
            let response = &ex["response"]["body"];
            let name = file.display().to_string();
            // Error answers are error envelopes, covered with the other error fixtures.
            let response = if ex["response"]["status"].as_u64().is_some_and(|s| s >= 400) {
                &Value::Null
            } else {
                response
            };
            if endpoint == "chat_completions" {
                let r: ChatCompletionRequest = round_trip(request);
                r.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
                if !response.is_null() {
                    round_trip::<ChatCompletion>(response);
                }
            } else {
                if request["model"].as_str().unwrap().starts_with("qwen3-asr") {
                    let r: QwenAsrRequest = round_trip(request);
                    r.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
                } else {
                    let r: FlashRequest = round_trip(request);
                    r.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                if !response.is_null() {
                    round_trip::<RecognitionResponse>(response);
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "found {checked} recognition fixtures");
}

#[test]
fn both_flash_nestings_give_text_and_sentence() {
    let doc: RecognitionResponse = serde_json::from_str(
        r#"{"output":{"sentence":{"sentence_id":1,"sentence_end":true,"text":"a"},"text":"a"},"usage":{"duration":4}}"#,
    )
    .unwrap();
    assert_eq!(doc.text(), "a");
    assert!(doc.sentence().unwrap().is_final());
    assert_eq!(doc.usage.unwrap().audio_seconds(), Some(4.0));
    let variant: RecognitionResponse =
        serde_json::from_str(r#"{"output":{"output":{"sentence":{"text":"b"}},"text":"c"}}"#)
            .unwrap();
    assert_eq!(variant.text(), "c");
    assert_eq!(variant.sentence().unwrap().text, "b");
}

#[test]
fn qwen_text_and_finish_reason_string_null() {
    let r: RecognitionResponse = serde_json::from_str(
        r#"{"output":{"choices":[{"finish_reason":"null","message":{"content":[{"text":"欢迎"},{"text":"与"}],"role":"assistant"}}]}}"#,
    )
    .unwrap();
    assert_eq!(r.text(), "欢迎与");
    assert!(!r.choice().unwrap().is_finished());
}
