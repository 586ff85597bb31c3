//! One test per validation rule: the error names the field, the rule and the fix.

use std::collections::BTreeMap;

use asr_types::{
    ContextContent, ContextContentType, ContextMessage, Model, QwenFiletransRequest,
    SpecialWordFilter, TranscriptionRequest, Validate, ValidationError,
};

const URL: &str = "https://example.com/a.wav";

fn req(model: Model) -> TranscriptionRequest {
    TranscriptionRequest::new(model, [URL])
}

/// Asserts the error is on `field` and its message contains every fragment.
#[track_caller]
fn assert_rejected(result: Result<(), ValidationError>, field: &str, fragments: &[&str]) {
    let err = result.expect_err("the request should be rejected");
    assert_eq!(err.field, field, "{err}");
    let message = err.to_string();
    assert!(message.starts_with(&format!("`{field}`: ")), "{message}");
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "`{fragment}` missing from: {message}"
        );
    }
}

#[test]
fn valid_requests_pass() {
    req(Model::FUN_ASR)
        .with_language_hints(["zh", "en"])
        .with_diarization(Some(2))
        .with_channels([0, 1])
        .with_vocabulary_id("vocab-x")
        .with_special_word_filter(SpecialWordFilter::default())
        .validate()
        .unwrap();
    req(Model::PARAFORMER_V2)
        .with_disfluency_removal(true)
        .with_timestamp_alignment(true)
        .with_language_hints(["yue"])
        .validate()
        .unwrap();
    req(Model::PARAFORMER_V1)
        .with_phrase_id("phrase-xyz")
        .validate()
        .unwrap();
    req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS)
        .with_hot_word("张三", 5)
        .with_hot_word("李四", 50)
        .with_context(vec![
            ContextMessage::user("你好啊"),
            ContextMessage::assistant("你好"),
        ])
        .with_language_hints(["zh", "en", "ja", "ko"])
        .validate()
        .unwrap();
    TranscriptionRequest::new(
        Model::FUN_ASR,
        ["oss://dashscope-instant/x/cat.wav", "http://e.com/b.mp3"],
    )
    .validate()
    .unwrap();
    QwenFiletransRequest::new(Model::QWEN3_ASR_FLASH_FILETRANS, URL)
        .with_language("fil")
        .with_words(true)
        .with_itn(false)
        .with_channels([0])
        .validate()
        .unwrap();
    // Through the trait too, as generic protocol code calls it.
    Validate::validate(&req(Model::FUN_ASR_MTL)).unwrap();
}

#[test]
fn no_url_is_rejected() {
    let r = TranscriptionRequest::new(Model::FUN_ASR, Vec::<String>::new());
    assert_rejected(r.validate(), "input.file_urls", &["no URL", "1 to 100"]);
}

#[test]
fn more_than_100_urls_are_rejected() {
    let urls: Vec<String> = (0..120).map(|i| format!("https://e.com/{i}.wav")).collect();
    let r = TranscriptionRequest::new(Model::FUN_ASR, urls);
    let err = r.validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "`input.file_urls`: at most 100 URLs per task, got 120; split the batch into several tasks"
    );
    let exactly_100: Vec<String> = (0..100).map(|i| format!("https://e.com/{i}.wav")).collect();
    TranscriptionRequest::new(Model::FUN_ASR, exactly_100)
        .validate()
        .unwrap();
}

#[test]
fn data_uri_is_rejected_with_upload_advice() {
    let r = TranscriptionRequest::new(Model::FUN_ASR, [URL, "data:audio/wav;base64,UklGRg=="]);
    assert_rejected(
        r.validate(),
        "input.file_urls[1]",
        &["data: URI", "upload it first", "oss://"],
    );
}

#[test]
fn local_paths_are_rejected_with_upload_advice() {
    for path in [
        "/tmp/a.wav",
        "a.wav",
        "file:///tmp/a.wav",
        "C:\\audio\\a.wav",
    ] {
        let r = TranscriptionRequest::new(Model::FUN_ASR, [path]);
        assert_rejected(
            r.validate(),
            "input.file_urls[0]",
            &["local", "upload it first"],
        );
    }
}

#[test]
fn other_schemes_are_rejected() {
    let r = TranscriptionRequest::new(Model::FUN_ASR, ["ftp://e.com/a.wav"]);
    assert_rejected(
        r.validate(),
        "input.file_urls[0]",
        &["`ftp`", "http, https, oss"],
    );
}

#[test]
fn unencoded_urls_are_rejected() {
    let r = TranscriptionRequest::new(Model::FUN_ASR, ["https://e.com/my file.wav"]);
    assert_rejected(r.validate(), "input.file_urls[0]", &["percent-encode"]);
    let r = TranscriptionRequest::new(Model::FUN_ASR, ["https://e.com/录音.wav"]);
    assert_rejected(r.validate(), "input.file_urls[0]", &["percent-encode"]);
}

#[test]
fn urls_without_host_are_rejected() {
    let r = TranscriptionRequest::new(Model::FUN_ASR, ["https://"]);
    assert_rejected(r.validate(), "input.file_urls[0]", &["no host", "full URL"]);
    let r = TranscriptionRequest::new(Model::FUN_ASR, ["oss://"]);
    assert_rejected(
        r.validate(),
        "input.file_urls[0]",
        &["oss://", "returned by the upload"],
    );
}

#[test]
fn speaker_count_must_be_2_to_100() {
    for bad in [0, 1, 101] {
        let r = req(Model::FUN_ASR).with_diarization(Some(bad));
        assert_rejected(
            r.validate(),
            "parameters.speaker_count",
            &["2 to 100", &format!("got {bad}")],
        );
    }
    req(Model::FUN_ASR)
        .with_diarization(Some(100))
        .validate()
        .unwrap();
}

#[test]
fn speaker_count_needs_diarization() {
    let mut r = req(Model::FUN_ASR);
    r.parameters.speaker_count = Some(2);
    assert_rejected(
        r.validate(),
        "parameters.speaker_count",
        &["diarization_enabled: true"],
    );
    r.parameters.diarization_enabled = Some(false);
    assert_rejected(
        r.validate(),
        "parameters.speaker_count",
        &["diarization_enabled: true"],
    );
}

#[test]
fn diarization_only_on_fun_asr_paraformer_and_qwen_audio_3_1_filetrans() {
    // Speaker separation is documented for 3.1 (protocol §11 item 5), not for 3.0.
    req(Model::QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS)
        .with_diarization(None)
        .validate()
        .unwrap();
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS).with_diarization(None);
    assert_rejected(
        r.validate(),
        "parameters.diarization_enabled",
        &[
            "qwen-audio-3.0-asr-flash-filetrans",
            "Fun-ASR or Paraformer model or qwen-audio-3.1-asr-flash-filetrans",
        ],
    );
}

#[test]
fn language_codes_follow_the_model() {
    let r = req(Model::FUN_ASR).with_language_hints(["zh", "xx"]);
    assert_rejected(
        r.validate(),
        "parameters.language_hints[1]",
        &["`xx`", "`fun-asr`", "use one of"],
    );
    // fun-asr-2025-08-25 knows only zh and en.
    let r = req(Model::FUN_ASR_2025_08_25).with_language_hints(["ja"]);
    assert_rejected(r.validate(), "parameters.language_hints[0]", &["zh en"]);
    // Cantonese is a paraformer-v2 code, not a Fun-ASR one.
    let r = req(Model::FUN_ASR).with_language_hints(["yue"]);
    assert_rejected(r.validate(), "parameters.language_hints[0]", &["`yue`"]);
}

#[test]
fn language_hints_not_taken_by_older_paraformers() {
    let r = req(Model::PARAFORMER_8K_V2).with_language_hints(["zh"]);
    assert_rejected(
        r.validate(),
        "parameters.language_hints",
        &["paraformer-8k-v2", "only paraformer-v2"],
    );
}

#[test]
fn qwen_audio_filetrans_takes_at_most_four_hints() {
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS)
        .with_language_hints(["zh", "en", "ja", "ko", "fr"]);
    assert_rejected(
        r.validate(),
        "parameters.language_hints",
        &["at most 4", "got 5"],
    );
}

#[test]
fn empty_language_hints_are_rejected() {
    let r = req(Model::FUN_ASR).with_language_hints(Vec::<String>::new());
    assert_rejected(
        r.validate(),
        "parameters.language_hints",
        &["omit the field"],
    );
}

#[test]
fn channel_ids_are_non_negative_unique_and_non_empty() {
    let r = req(Model::FUN_ASR).with_channels([0, -1]);
    assert_rejected(
        r.validate(),
        "parameters.channel_id[1]",
        &["got -1", "non-negative"],
    );
    let r = req(Model::FUN_ASR).with_channels([0, 1, 0]);
    assert_rejected(
        r.validate(),
        "parameters.channel_id[2]",
        &["twice", "list each track once"],
    );
    let r = req(Model::FUN_ASR).with_channels([]);
    assert_rejected(
        r.validate(),
        "parameters.channel_id",
        &["empty", "default [0]"],
    );
}

#[test]
fn disfluency_removal_only_on_paraformer() {
    let r = req(Model::FUN_ASR).with_disfluency_removal(true);
    assert_rejected(
        r.validate(),
        "parameters.disfluency_removal_enabled",
        &["`fun-asr`", "Paraformer"],
    );
    // Explicitly off is the default and harmless.
    req(Model::FUN_ASR)
        .with_disfluency_removal(false)
        .validate()
        .unwrap();
}

#[test]
fn timestamp_alignment_only_on_paraformer() {
    let r = req(Model::FUN_ASR_MTL).with_timestamp_alignment(true);
    assert_rejected(
        r.validate(),
        "parameters.timestamp_alignment_enabled",
        &["`fun-asr-mtl`", "Paraformer-only"],
    );
}

#[test]
fn instant_vocabulary_only_on_qwen_audio_3_0_filetrans() {
    let r = req(Model::QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS).with_hot_word("张三", 4);
    assert_rejected(
        r.validate(),
        "parameters.vocabulary",
        &["qwen-audio-3.1-asr-flash-filetrans", "vocabulary_id"],
    );
}

#[test]
fn instant_vocabulary_weights_are_1_to_5_or_50() {
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS).with_hot_word("张三", 6);
    assert_rejected(
        r.validate(),
        "parameters.vocabulary.张三",
        &["1 to 5, or 50", "got 6"],
    );
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS).with_hot_word("张三", 0);
    assert_rejected(r.validate(), "parameters.vocabulary.张三", &["got 0"]);
}

#[test]
fn at_most_50_super_hot_words() {
    let mut r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS);
    r.parameters.vocabulary = Some(
        (0..51)
            .map(|i| (format!("w{i}"), 50))
            .collect::<BTreeMap<_, _>>(),
    );
    assert_rejected(
        r.validate(),
        "parameters.vocabulary",
        &["at most 50", "got 51"],
    );
}

#[test]
fn vocabulary_id_not_on_paraformer_v1() {
    let r = req(Model::PARAFORMER_V1).with_vocabulary_id("vocab-x");
    assert_rejected(
        r.validate(),
        "parameters.vocabulary_id",
        &["paraformer-v1", "resources"],
    );
    let r = req(Model::FUN_ASR).with_vocabulary_id(" ");
    assert_rejected(r.validate(), "parameters.vocabulary_id", &["empty"]);
}

#[test]
fn resources_only_on_paraformer_v1_family() {
    let r = req(Model::FUN_ASR).with_phrase_id("phrase-xyz");
    assert_rejected(r.validate(), "resources", &["`fun-asr`", "vocabulary_id"]);
    let r = req(Model::PARAFORMER_MTL_V1).with_phrase_id("");
    assert_rejected(r.validate(), "resources[0].resource_id", &["empty"]);
}

#[test]
fn special_word_filter_only_on_fun_asr_and_paraformer() {
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS)
        .with_special_word_filter(SpecialWordFilter::default());
    assert_rejected(
        r.validate(),
        "parameters.special_word_filter",
        &["qwen-audio-3.0-asr-flash-filetrans", "remove it"],
    );
}

#[test]
fn context_only_on_qwen_audio_filetrans() {
    let r = req(Model::FUN_ASR).with_context(vec![ContextMessage::user("terms")]);
    assert_rejected(
        r.validate(),
        "input.context",
        &["`fun-asr`", "qwen-audio-3.0-asr-flash-filetrans"],
    );
}

#[test]
fn context_text_is_limited_to_400_characters() {
    let long = "字".repeat(401);
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS)
        .with_context(vec![ContextMessage::user(long)]);
    assert_rejected(
        r.validate(),
        "input.context",
        &["400 characters", "got 401", "shorten"],
    );
    let exactly = "字".repeat(400);
    req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS)
        .with_context(vec![ContextMessage::user(exactly)])
        .validate()
        .unwrap();
}

#[test]
fn context_keeps_at_most_five_messages_per_kind() {
    let six = (0..6)
        .map(|i| ContextMessage::assistant(format!("r{i}")))
        .collect();
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS).with_context(six);
    assert_rejected(
        r.validate(),
        "input.context",
        &["at most 5 assistant", "got 6", "most recent"],
    );
}

#[test]
fn context_items_match_their_role_and_are_not_empty() {
    let mut wrong = ContextMessage::user("x");
    wrong.content = vec![ContextContent::new(ContextContentType::Text, "x")];
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS).with_context(vec![wrong]);
    assert_rejected(
        r.validate(),
        "input.context[0].content[0].type",
        &["`input_text`"],
    );

    let mut empty = ContextMessage::user("x");
    empty.content.clear();
    let r = req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS).with_context(vec![empty]);
    assert_rejected(r.validate(), "input.context[0].content", &["no content"]);

    let r =
        req(Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS).with_context(vec![ContextMessage::user("")]);
    assert_rejected(r.validate(), "input.context[0].content[0].text", &["empty"]);
}

#[test]
fn synchronous_models_are_rejected_naming_the_call() {
    let cases = [
        (Model::QWEN3_ASR_FLASH, "multimodal-generation"),
        (Model::FUN_ASR_FLASH_2026_06_15, "multimodal-generation"),
        (Model::QWEN_AUDIO_3_0_ASR_FLASH, "multimodal-generation"),
        (Model::QWEN3_OMNI_FLASH, "chat/completions"),
        (Model::FUN_ASR_REALTIME, "WebSocket"),
    ];
    for (model, call) in cases {
        let name = model.to_string();
        assert_rejected(req(model.clone()).validate(), "model", &[&name, call]);
        assert_rejected(
            QwenFiletransRequest::new(model, URL).validate(),
            "model",
            &[call],
        );
    }
}

#[test]
fn request_shape_must_match_the_model() {
    let r = req(Model::QWEN3_ASR_FLASH_FILETRANS);
    assert_rejected(
        r.validate(),
        "model",
        &["input.file_url", "QwenFiletransRequest"],
    );
    let q = QwenFiletransRequest::new(Model::FUN_ASR, URL);
    assert_rejected(
        q.validate(),
        "model",
        &["input.file_urls", "TranscriptionRequest"],
    );
}

#[test]
fn empty_model_is_rejected() {
    assert_rejected(
        req(Model::new("")).validate(),
        "model",
        &["empty", "fun-asr"],
    );
}

#[test]
fn unknown_models_skip_model_specific_checks() {
    let mut r = req(Model::new("fun-new-model-2027"))
        .with_disfluency_removal(true)
        .with_hot_word("x", 3)
        .with_phrase_id("p")
        .with_language_hints(["tlh"]);
    r.parameters.diarization_enabled = Some(true);
    r.validate().unwrap();
    // Model-independent rules still apply.
    let r = TranscriptionRequest::new(Model::new("fun-new-model-2027"), ["/tmp/a.wav"]);
    assert_rejected(r.validate(), "input.file_urls[0]", &["upload it first"]);
}

#[test]
fn qwen_filetrans_language_must_be_a_qwen3_code() {
    let q = QwenFiletransRequest::new(Model::QWEN3_ASR_FLASH_FILETRANS_2025_11_17, URL)
        .with_language("zh-CN");
    assert_rejected(
        q.validate(),
        "parameters.language",
        &["`zh-CN`", "use one of", "omit the field"],
    );
}

#[test]
fn qwen_filetrans_url_and_channels_are_checked() {
    let q = QwenFiletransRequest::new(
        Model::QWEN3_ASR_FLASH_FILETRANS,
        "data:audio/mp3;base64,AA==",
    );
    assert_rejected(
        q.validate(),
        "input.file_url",
        &["data: URI", "upload it first"],
    );
    let q = QwenFiletransRequest::new(Model::QWEN3_ASR_FLASH_FILETRANS, URL).with_channels([1, 1]);
    assert_rejected(q.validate(), "parameters.channel_id[1]", &["twice"]);
}

#[test]
fn long_values_are_shortened_in_messages() {
    let huge = format!("data:audio/wav;base64,{}", "A".repeat(100_000));
    let r = TranscriptionRequest::new(Model::FUN_ASR, [format!("/{huge}")]);
    let err = r.validate().unwrap_err();
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
}

fn list(start: Option<&str>, end: Option<&str>) -> asr_types::ListTasksQuery {
    let mut q = asr_types::ListTasksQuery::default();
    q.start_time = start.map(str::to_owned);
    q.end_time = end.map(str::to_owned);
    q
}

#[test]
fn list_query_times_use_the_documented_format() {
    list(Some("20230426210000"), Some("20230427090000"))
        .validate()
        .unwrap();
    for bad in [
        "2023-04-26",
        "20230431000000",
        "20231301000000",
        "20230426250000",
    ] {
        assert_rejected(
            list(Some(bad), None).validate(),
            "start_time",
            &["YYYYMMDDhhmmss"],
        );
    }
    // 29 February exists in leap years only.
    list(Some("20240229000000"), None).validate().unwrap();
    assert_rejected(
        list(None, Some("20230229000000")).validate(),
        "end_time",
        &["YYYYMMDDhhmmss"],
    );
}

#[test]
fn list_query_window_is_at_most_24_hours() {
    // Across a month boundary: exactly 24 h is fine, one second more is not.
    list(Some("20240131120000"), Some("20240201120000"))
        .validate()
        .unwrap();
    assert_rejected(
        list(Some("20240131120000"), Some("20240201120001")).validate(),
        "end_time",
        &["at most 24 hours", "day by day"],
    );
    assert_rejected(
        list(Some("20240201120000"), Some("20240131120000")).validate(),
        "end_time",
        &["swap"],
    );
}

#[test]
fn list_query_pages_start_at_1() {
    let mut q = asr_types::ListTasksQuery::default();
    q.page_no = Some(0);
    assert_rejected(q.validate(), "page_no", &["from 1"]);
    q.page_no = Some(1);
    q.page_size = Some(0);
    assert_rejected(q.validate(), "page_size", &["from 1"]);
}

#[test]
fn temporary_key_lifetime_is_1_to_1800_seconds() {
    use asr_types::CreateTemporaryKeyRequest;
    for ok in [1, 60, 1800] {
        CreateTemporaryKeyRequest::new(ok).validate().unwrap();
    }
    CreateTemporaryKeyRequest::default().validate().unwrap();
    for bad in [0, 1801, 3600] {
        assert_rejected(
            CreateTemporaryKeyRequest::new(bad).validate(),
            "expire_in_seconds",
            &["1 to 1800 seconds", &format!("got {bad}"), "mint a new key"],
        );
    }
}
