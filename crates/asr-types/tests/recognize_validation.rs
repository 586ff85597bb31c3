//! One test per recognition validation rule, checking the field and the message.

use asr_types::recognize::{ChatPart, Content, MAX_DATA_URI_BYTES, Message, Role, check_duration};
use asr_types::{ChatCompletionRequest, FlashRequest, Model, QwenAsrRequest, ValidationError};

const URL: &str = "https://example.com/a.wav";

fn flash() -> FlashRequest {
    FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, URL, "wav")
}

fn err(result: Result<(), ValidationError>) -> ValidationError {
    result.expect_err("the request breaks a rule")
}

#[test]
fn builders_produce_valid_requests() {
    flash()
        .with_sample_rate(16000)
        .with_user_context("Bulge Bracket, Boutique")
        .with_assistant_context("好的")
        .with_vocabulary_id("vocab-x-1")
        .with_language_hints(["zh"])
        .validate()
        .expect("valid flash");
    let r = flash().with_user_context("terms");
    // Context goes before the audio, which stays last.
    assert_eq!(r.input.messages[0].role, Role::User);
    assert!(r.input.messages[1].content[0].input_audio.is_some());
    QwenAsrRequest::new(Model::QWEN3_ASR_FLASH, URL)
        .with_context("Bulge Bracket")
        .with_language("zh")
        .with_itn(true)
        .with_lid(true)
        .validate()
        .expect("valid qwen");
    ChatCompletionRequest::qwen_asr(Model::QWEN3_ASR_FLASH, URL)
        .with_system("terms")
        .with_language("en")
        .validate()
        .expect("valid compat");
    ChatCompletionRequest::omni(
        Model::QWEN3_OMNI_FLASH,
        "data:;base64,AAAA",
        "wav",
        "Transcribe.",
    )
    .validate()
    .expect("valid omni");
}

#[test]
fn sample_rate_is_sent_as_a_string() {
    let body = serde_json::to_value(flash().with_sample_rate(16000)).unwrap();
    assert_eq!(body["parameters"]["sample_rate"], "16000");
    let mut r = flash();
    r.parameters.sample_rate = Some("16k".into());
    let e = err(r.validate());
    assert_eq!(e.field, "parameters.sample_rate");
    assert!(e.problem.contains("\"16000\""), "{e}");
}

#[test]
fn flash_format_is_required() {
    let e = err(FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, URL, " ").validate());
    assert_eq!(e.field, "parameters.format");
    assert!(e.problem.contains("`wav`"), "{e}");
}

#[test]
fn at_most_five_context_messages_of_each_kind() {
    let mut users = flash();
    let mut assistants = flash();
    for i in 0..6 {
        users = users.with_user_context(format!("u{i}"));
        assistants = assistants.with_assistant_context(format!("a{i}"));
    }
    let e = err(users.validate());
    assert_eq!(e.field, "input.messages");
    assert!(e.problem.contains("at most 5 user context messages"), "{e}");
    assert!(e.problem.contains("got 6"), "{e}");
    let e = err(assistants.validate());
    assert!(e.problem.contains("at most 5 assistant"), "{e}");
    // Five of each is fine.
    let mut both = flash();
    for i in 0..5 {
        both = both
            .with_user_context(format!("u{i}"))
            .with_assistant_context(format!("a{i}"));
    }
    both.validate().expect("5 + 5");
}

#[test]
fn context_over_400_characters_says_what_would_be_cut() {
    let r = flash()
        .with_user_context("字".repeat(150))
        .with_assistant_context("b".repeat(251));
    let e = err(r.validate());
    assert_eq!(e.field, "input.messages");
    assert!(e.problem.contains("401 characters"), "{e}");
    assert!(e.problem.contains("cut the last 1 characters"), "{e}");
    assert!(e.problem.contains("`input.messages[1].content[0]`"), "{e}");
    assert!(e.problem.contains("after its first 250 characters"), "{e}");
    // Exactly 400 counts characters, not bytes, and passes.
    flash()
        .with_user_context("字".repeat(150))
        .with_assistant_context("b".repeat(250))
        .validate()
        .expect("400 characters");
}

#[test]
fn a_data_uri_over_10_mb_is_refused() {
    let head = "data:audio/wav;base64,";
    let fits = format!("{head}{}", "A".repeat(MAX_DATA_URI_BYTES - head.len()));
    FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, fits.clone(), "wav")
        .validate()
        .expect("exactly 10 MB");
    let over = format!("{fits}A");
    let e = err(FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, over, "wav").validate());
    assert_eq!(e.field, "input.messages[0].content[0].input_audio.data");
    assert!(e.problem.contains("10485761 bytes"), "{e}");
    assert!(e.problem.contains("oss://"), "{e}");
    // Nor does the error repeat the 10 MB value.
    assert!(e.to_string().len() < 400);
    let e = err(
        FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, "data:audio/wav,abc", "wav").validate(),
    );
    assert!(e.problem.contains("base64"), "{e}");
}

#[test]
fn audio_must_be_last_and_alone() {
    let mut r = flash();
    r.input
        .messages
        .push(Message::new(Role::User, vec![Content::input_text("late")]));
    let e = err(r.validate());
    assert_eq!(e.field, "input.messages[0]");
    assert!(
        e.problem.contains("only the last message may hold audio"),
        "{e}"
    );

    let mut two = flash();
    two.input.messages[0]
        .content
        .push(Content::input_audio(URL));
    let e = err(two.validate());
    assert_eq!(e.field, "input.messages[0].content");
    assert!(e.problem.contains("exactly one audio"), "{e}");

    let mut none = flash();
    none.input.messages.clear();
    assert_eq!(err(none.validate()).field, "input.messages");

    let e =
        err(FlashRequest::new(Model::FUN_ASR_FLASH_2026_06_15, "/home/me/a.wav", "wav").validate());
    assert!(e.problem.contains("local path"), "{e}");
}

#[test]
fn flash_context_roles_and_kinds() {
    let mut r = flash();
    r.input.messages.insert(
        0,
        Message::new(Role::System, vec![Content::plain_text("x")]),
    );
    let e = err(r.validate());
    assert_eq!(e.field, "input.messages[0].role");
    assert!(e.problem.contains("no system message"), "{e}");

    let mut r = flash();
    r.input.messages.insert(
        0,
        Message::new(Role::Assistant, vec![Content::input_text("x")]),
    );
    let e = err(r.validate());
    assert_eq!(e.field, "input.messages[0].content[0].type");
    assert!(e.problem.contains("assistant messages carry `text`"), "{e}");
}

#[test]
fn instant_hot_words_only_on_qwen_audio_3_0() {
    let e = err(flash().with_hot_word("阿里巴巴", 4).validate());
    assert_eq!(e.field, "parameters.vocabulary");
    assert!(e.problem.contains("only qwen-audio-3.0-asr-flash"), "{e}");
    let ok =
        FlashRequest::new(Model::QWEN_AUDIO_3_0_ASR_FLASH, URL, "wav").with_hot_word("阿里巴巴", 4);
    ok.validate().expect("3.0 takes them");
    let e = err(
        FlashRequest::new(Model::QWEN_AUDIO_3_0_ASR_FLASH, URL, "wav")
            .with_hot_word("x", 7)
            .validate(),
    );
    assert_eq!(e.field, "parameters.vocabulary.x");
}

#[test]
fn flash_language_hints() {
    let e = err(flash().with_language_hints(["xx"]).validate());
    assert_eq!(e.field, "parameters.language_hints[0]");
    let e = err(
        FlashRequest::new(Model::QWEN_AUDIO_3_1_ASR_FLASH, URL, "wav")
            .with_language_hints(["zh", "en", "ja", "ko", "fr"])
            .validate(),
    );
    assert!(e.problem.contains("at most 4"), "{e}");
    // Fun-ASR-Flash reads only the first but accepts more.
    flash()
        .with_language_hints(["zh", "en"])
        .validate()
        .expect("several");
}

#[test]
fn each_request_shape_names_the_right_one_for_other_models() {
    let e = err(FlashRequest::new(Model::QWEN3_ASR_FLASH, URL, "wav").validate());
    assert_eq!(e.field, "model");
    assert!(e.problem.contains("QwenAsrRequest"), "{e}");
    let e = err(FlashRequest::new(Model::FUN_ASR, URL, "wav").validate());
    assert!(e.problem.contains("submit a transcription task"), "{e}");
    let e = err(QwenAsrRequest::new(Model::QWEN3_OMNI_FLASH, URL).validate());
    assert!(e.problem.contains("streaming ChatCompletionRequest"), "{e}");
    let e = err(ChatCompletionRequest::qwen_asr(Model::FUN_ASR_FLASH_2026_06_15, URL).validate());
    assert!(e.problem.contains("FlashRequest"), "{e}");
    // Unknown ids may be newer models: only model-independent rules apply.
    FlashRequest::new(Model::new("some-new-asr"), URL, "wav")
        .with_hot_word("x", 3)
        .validate()
        .expect("unknown model");
}

#[test]
fn qwen_asr_message_layout_and_language() {
    let e = err(QwenAsrRequest::new(Model::QWEN3_ASR_FLASH, URL)
        .with_language("xx")
        .validate());
    assert_eq!(e.field, "asr_options.language");
    let mut r = QwenAsrRequest::new(Model::QWEN3_ASR_FLASH, URL).with_context("a");
    r.input.messages.insert(
        1,
        Message::new(Role::System, vec![Content::plain_text("b")]),
    );
    let e = err(r.validate());
    assert_eq!(e.field, "input.messages[1].role");
    let mut flash_style = QwenAsrRequest::new(Model::QWEN3_ASR_FLASH, URL);
    flash_style.input.messages[0].content[0] = Content::input_audio(URL);
    let e = err(flash_style.validate());
    assert!(e.problem.contains("of this model's kind"), "{e}");
}

#[test]
fn omni_only_streams() {
    let omni = ChatCompletionRequest::omni(Model::QWEN3_OMNI_FLASH, URL, "wav", "Transcribe.");
    let e = err(omni.clone().with_stream(false).validate());
    assert_eq!(e.field, "stream");
    assert!(e.problem.contains("set `stream: true`"), "{e}");
    let mut no_stream_field = omni.clone();
    no_stream_field.stream = None;
    no_stream_field.stream_options = None;
    assert_eq!(err(no_stream_field.validate()).field, "stream");
}

#[test]
fn chat_options_match_the_model() {
    let omni = ChatCompletionRequest::omni(Model::QWEN3_OMNI_FLASH, URL, "wav", "Transcribe.");
    let e = err(omni.clone().with_language("zh").validate());
    assert_eq!(e.field, "asr_options");
    let mut qwen = ChatCompletionRequest::qwen_asr(Model::QWEN3_ASR_FLASH, URL);
    qwen.modalities = Some(vec!["text".into()]);
    assert_eq!(err(qwen.validate()).field, "modalities");
    let mut opts = ChatCompletionRequest::qwen_asr(Model::QWEN3_ASR_FLASH, URL);
    opts.stream_options = Some(Default::default());
    assert_eq!(err(opts.validate()).field, "stream_options");
    let e = err(
        ChatCompletionRequest::omni(Model::QWEN3_OMNI_FLASH, "data:;base64,AAAA", "", "x")
            .validate(),
    );
    assert_eq!(e.field, "messages[0].content[0].input_audio.format");
    let mut text = ChatCompletionRequest::qwen_asr(Model::QWEN3_ASR_FLASH, URL);
    if let asr_types::recognize::ChatContent::Parts(parts) = &mut text.messages[0].content {
        parts.push(ChatPart::text("hint"));
    }
    let e = err(text.validate());
    assert!(e.problem.contains("system message"), "{e}");
    let mut none = ChatCompletionRequest::qwen_asr(Model::QWEN3_ASR_FLASH, URL);
    none.messages[0].content = asr_types::recognize::ChatContent::Parts(vec![]);
    assert!(
        err(none.validate())
            .problem
            .contains("exactly one `input_audio`")
    );
}

#[test]
fn duration_limits() {
    check_duration(&Model::FUN_ASR_FLASH_2026_06_15, 300_000).expect("5 min");
    err(check_duration(&Model::QWEN3_ASR_FLASH, 300_001));
    let e = err(check_duration(&Model::QWEN3_ASR_FLASH, 301_500));
    assert_eq!(e.field, "audio");
    assert!(
        e.problem.contains("at most 5m00.0s of audio, got 5m01.5s"),
        "{e}"
    );
    err(check_duration(&Model::QWEN_OMNI_TURBO, 180_001));
    check_duration(&Model::QWEN3_OMNI_FLASH, 20 * 60 * 1000).expect("20 min reading");
    check_duration(&Model::new("future-model"), u64::MAX).expect("unknown models unchecked");
}
