//! Protocol §11 in the types: the Qwen-Audio 3.1 models and their token usage, the union of
//! the two Fun-ASR language lists, and the warnings for what the documentation does not vouch
//! for.

use asr_types::{
    FlashRequest, Model, ModelFamily, QwenFiletransRequest, RecognitionUsage, TaskResponse,
    TokenUsage, TranscriptionRequest, Warning,
};

const URL: &str = "https://example.com/a.wav";

#[test]
fn the_qwen_audio_3_1_models_have_their_families_and_request_shapes() {
    let filetrans = Model::QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS;
    assert_eq!(filetrans.as_str(), "qwen-audio-3.1-asr-flash-filetrans");
    assert_eq!(filetrans.family(), ModelFamily::QwenAudioFiletrans);
    assert!(filetrans.is_documented() && filetrans.warning().is_none());
    // Speaker separation and hot words with context; no instant hot words (3.0 only).
    let request = TranscriptionRequest::new(filetrans.clone(), [URL])
        .with_diarization(Some(3))
        .with_vocabulary_id("vocab-names-0123")
        .with_context(vec![asr_types::ContextMessage::user("Kubernetes, Qwen")])
        .with_language_hints(["en", "zh"]);
    request.validate().unwrap();
    assert!(request.warnings().is_empty());
    let err = TranscriptionRequest::new(filetrans.clone(), [URL])
        .with_hot_word("Kubernetes", 4)
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "parameters.vocabulary");
    // 3.0 documents no speaker separation.
    let err = TranscriptionRequest::new(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS, [URL])
        .with_diarization(None)
        .validate()
        .unwrap_err();
    assert!(
        err.problem.contains("qwen-audio-3.1-asr-flash-filetrans"),
        "{err}"
    );

    let flash = Model::QWEN_AUDIO_3_1_ASR_FLASH;
    assert_eq!(flash.family(), ModelFamily::Flash);
    let request = FlashRequest::new(flash.clone(), URL, "wav").with_language_hints(["en"]);
    request.validate().unwrap();
    assert!(request.warnings().is_empty());
    let err = FlashRequest::new(flash, URL, "wav")
        .with_hot_word("Kubernetes", 4)
        .validate()
        .unwrap_err();
    assert_eq!(err.field, "parameters.vocabulary");
}

#[test]
fn token_usage_is_carried_beside_seconds() {
    let task: TaskResponse = serde_json::from_value(serde_json::json!({
        "output": {"task_id": "t", "task_status": "SUCCEEDED"},
        "usage": {"input_tokens": 2500, "output_tokens": 180},
        "request_id": "r",
    }))
    .unwrap();
    let usage = task.usage.as_ref().unwrap();
    assert_eq!(usage.billed_tokens(), Some(TokenUsage::new(2500, 180)));
    assert_eq!(usage.billed_seconds(), None);
    // Round trip: nothing lost.
    let back = serde_json::to_value(&task).unwrap();
    assert_eq!(back["usage"]["input_tokens"], 2500);

    let seconds: asr_types::TaskUsage = serde_json::from_str(r#"{"duration": 9}"#).unwrap();
    assert_eq!(
        (seconds.billed_seconds(), seconds.billed_tokens()),
        (Some(9), None)
    );

    let sync: RecognitionUsage =
        serde_json::from_str(r#"{"duration": 4, "input_tokens": 100, "output_tokens": 12}"#)
            .unwrap();
    assert_eq!(sync.billed_tokens(), Some(TokenUsage::new(100, 12)));
    assert_eq!(sync.audio_seconds(), Some(4.0));
    let qwen3: RecognitionUsage = serde_json::from_str(
        r#"{"seconds": 3, "input_tokens_details": {"text_tokens": 0}, "output_tokens_details": {"text_tokens": 9}}"#,
    )
    .unwrap();
    assert_eq!(
        qwen3.billed_tokens(),
        None,
        "Qwen3-ASR is billed per second"
    );

    let sum = [TokenUsage::new(1, 2), TokenUsage::new(3, 4)]
        .into_iter()
        .fold(TokenUsage::default(), |a, b| a + b);
    assert_eq!((sum, sum.total()), (TokenUsage::new(4, 6), 10));
    assert_eq!(
        serde_json::to_value(sum).unwrap(),
        serde_json::json!({"input_tokens": 4, "output_tokens": 6})
    );
}

#[test]
fn fun_asr_accepts_both_pages_languages_and_warns_on_those_one_page_lists() {
    for code in ["et", "ga", "lv", "lt", "mt", "sl"] {
        for model in [Model::FUN_ASR, Model::FUN_ASR_2025_11_07] {
            let request =
                TranscriptionRequest::new(model.clone(), [URL]).with_language_hints([code]);
            request.validate().unwrap();
            let warnings = request.warnings();
            assert_eq!(
                warnings,
                vec![Warning::LanguageListedOnce {
                    field: "parameters.language_hints[0]".to_owned(),
                    code: code.to_owned(),
                    model: model.clone(),
                }]
            );
            let text = warnings[0].to_string();
            assert!(
                text.contains(&format!("`{code}`")) && text.contains("service decides"),
                "{text}"
            );
        }
        // Only `fun-asr` is listed with them; the multilingual model still refuses them.
        let err = TranscriptionRequest::new(Model::FUN_ASR_MTL, [URL])
            .with_language_hints([code])
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "parameters.language_hints[0]");
    }
    // Codes both pages list carry no warning; unknown codes are still refused, naming all.
    let request = TranscriptionRequest::new(Model::FUN_ASR, [URL]).with_language_hints(["zh"]);
    assert!(request.warnings().is_empty());
    let err = TranscriptionRequest::new(Model::FUN_ASR, [URL])
        .with_language_hints(["xx"])
        .validate()
        .unwrap_err();
    assert!(err.problem.ends_with("hr sk et ga lv lt mt sl"), "{err}");
}

#[test]
fn an_undocumented_model_is_sent_with_a_warning_not_refused() {
    let newer = Model::new("qwen-audio-3.2-asr-flash-filetrans");
    let request = TranscriptionRequest::new(newer.clone(), [URL]).with_diarization(Some(2));
    request.validate().unwrap();
    let warnings = request.warnings();
    assert_eq!(
        warnings,
        vec![Warning::UndocumentedModel {
            model: newer,
            family: ModelFamily::QwenAudioFiletrans
        }]
    );
    assert!(
        warnings[0]
            .to_string()
            .contains("sent as a Qwen-Audio filetrans model"),
        "{}",
        warnings[0]
    );

    let snapshot = Model::new("fun-asr-2027-01-01");
    let request = TranscriptionRequest::new(snapshot.clone(), [URL]).with_language_hints(["et"]);
    request.validate().unwrap();
    assert_eq!(
        request.warnings().len(),
        1,
        "no language list is known for the snapshot"
    );

    let unknown = Model::new("whisper-large");
    let request = TranscriptionRequest::new(unknown, [URL]);
    request.validate().unwrap();
    assert!(
        request.warnings()[0]
            .to_string()
            .contains("matches no known family")
    );

    let request = QwenFiletransRequest::new("qwen3-asr-flash-filetrans-2027-01-01", URL);
    request.validate().unwrap();
    assert_eq!(request.warnings().len(), 1);
    let flash = FlashRequest::new("qwen-audio-3.2-asr-flash", URL, "wav");
    flash.validate().unwrap();
    assert_eq!(flash.warnings().len(), 1);
}
