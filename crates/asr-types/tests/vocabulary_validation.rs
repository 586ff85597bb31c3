//! One test per vocabulary validation rule: the error names the field (with the item index for
//! item rules), the rule, and the fix.

use asr_types::vocabulary::{MAX_ITEMS, check_items, check_prefix, lang_codes_for};
use asr_types::{
    CreateVocabularyRequest, DeleteVocabularyRequest, ItemIssue, ListVocabulariesRequest, Model,
    QueryVocabularyRequest, UpdateVocabularyRequest, Validate, ValidationError, VocabularyItem,
};

fn item(text: &str, weight: u32) -> VocabularyItem {
    VocabularyItem::new(text, weight)
}

fn create(model: Model, items: Vec<VocabularyItem>) -> CreateVocabularyRequest {
    CreateVocabularyRequest::new(model, "hotwords", items)
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

/// Asserts that item `index` of an otherwise valid Fun-ASR list is rejected on `name`.
#[track_caller]
fn assert_item_rejected(bad: VocabularyItem, name: &str, fragments: &[&str]) {
    let items = vec![item("通义千问", 4), item("Model Studio", 4), bad];
    let field = format!("input.vocabulary[2].{name}");
    assert_rejected(
        create(Model::FUN_ASR, items.clone()).validate(),
        &field,
        fragments,
    );
    let issues = check_items(Some(&Model::FUN_ASR), &items);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].index, Some(2));
    assert_eq!(issues[0].error.field, field);
}

#[test]
fn valid_requests_pass() {
    create(
        Model::FUN_ASR,
        vec![
            item("赛德克巴莱", 4).with_lang("zh"),
            item("one two three four five six seven", 1),
            item("一二三四五六七八九十一二三四五", 5),
            item("Qwen 大模型", 3).with_lang("en"),
        ],
    )
    .validate()
    .unwrap();
    create(
        Model::PARAFORMER_V2,
        vec![item("粤语词", 4).with_lang("yue")],
    )
    .validate()
    .unwrap();
    ListVocabulariesRequest::new(0, 10)
        .with_prefix("hotwords")
        .validate()
        .unwrap();
    QueryVocabularyRequest::new("vocab-hotwords-0123")
        .validate()
        .unwrap();
    DeleteVocabularyRequest::new("vocab-hotwords-0123")
        .validate()
        .unwrap();
    UpdateVocabularyRequest::new("vocab-hotwords-0123", [item("Qwen", 4)])
        .validate()
        .unwrap();
    // `Validate` is implemented too, for generic callers.
    Validate::validate(&create(Model::FUN_ASR, vec![item("Qwen", 4)])).unwrap();
}

#[test]
fn text_must_not_be_empty() {
    assert_item_rejected(item("  ", 4), "text", &["empty", "remove the item"]);
}

#[test]
fn text_must_not_hold_tabs_or_line_breaks() {
    assert_item_rejected(
        item("Qwen\t4", 4),
        "text",
        &["control character", "without tabs"],
    );
}

#[test]
fn text_must_not_start_or_end_with_whitespace() {
    assert_item_rejected(item(" Qwen", 4), "text", &["whitespace", "remove it"]);
}

#[test]
fn ascii_text_is_at_most_seven_words() {
    assert_item_rejected(
        item("one two three four five six seven eight", 4),
        "text",
        &["8 words", "at most 7", "split it"],
    );
}

#[test]
fn non_ascii_text_is_at_most_fifteen_characters() {
    assert_item_rejected(
        item("一二三四五六七八九十一二三四五六", 4),
        "text",
        &["16 characters", "at most 15", "shorten it"],
    );
}

#[test]
fn weight_is_one_to_five() {
    assert_item_rejected(
        item("Qwen", 0),
        "weight",
        &["1 to 5, got 0", "start with 4"],
    );
    assert_item_rejected(item("Qwen", 6), "weight", &["1 to 5, got 6"]);
    // 50 is an instant-hot-word weight, not a vocabulary one.
    assert_item_rejected(item("Qwen", 50), "weight", &["got 50"]);
}

#[test]
fn lang_must_be_a_lowercase_code() {
    assert_item_rejected(
        item("Qwen", 4).with_lang("EN"),
        "lang",
        &["`EN` is not a language code", "lowercase"],
    );
    assert_item_rejected(
        item("Qwen", 4).with_lang(""),
        "lang",
        &["empty", "omit `lang`"],
    );
}

#[test]
fn lang_must_be_one_the_target_model_takes() {
    // `yue` is documented for Paraformer vocabularies, not Fun-ASR ones.
    assert_item_rejected(
        item("粤语词", 4).with_lang("yue"),
        "lang",
        &[
            "`yue` is not a language vocabularies for `fun-asr` take",
            "zh en ja",
        ],
    );
    // A common typo is caught for every documented family.
    assert_item_rejected(item("中文", 4).with_lang("cn"), "lang", &["`cn`"]);
    let paraformer = check_items(
        Some(&Model::PARAFORMER_V2),
        &[item("Qwen", 4).with_lang("es")],
    );
    assert_eq!(paraformer.len(), 1, "{paraformer:?}");
    assert!(
        paraformer[0]
            .error
            .problem
            .contains("zh en ja yue ko de fr ru"),
        "{}",
        paraformer[0]
    );
}

#[test]
fn fun_asr_also_takes_the_languages_the_model_recognises() {
    // §9 item 15: the vocabulary docs list zh en ja for Fun-ASR, but `fun-asr` recognises about
    // 30 languages; a code it takes as a language hint is accepted.
    let korean = [item("안녕하세요", 4).with_lang("ko")];
    assert!(check_items(Some(&Model::FUN_ASR), &korean).is_empty());
    // The older snapshot only knows zh and en, so Korean stays rejected there.
    let old = check_items(Some(&Model::FUN_ASR_2025_08_25), &korean);
    assert_eq!(old.len(), 1, "{old:?}");
    assert_eq!(old[0].error.field, "input.vocabulary[0].lang");
    // Without a documented list only the form is checked.
    assert_eq!(lang_codes_for(&Model::FUN_ASR_FLASH_2026_06_15), None);
    assert!(check_items(Some(&Model::FUN_ASR_FLASH_2026_06_15), &korean).is_empty());
    assert!(check_items(None, &korean).is_empty());
}

#[test]
fn the_same_text_is_listed_once() {
    let items = vec![item("Qwen", 4), item("通义", 4), item("Qwen", 2)];
    assert_rejected(
        create(Model::FUN_ASR, items).validate(),
        "input.vocabulary[2].text",
        &["`Qwen` is already item 0", "list each text once"],
    );
}

#[test]
fn a_list_has_at_least_one_item() {
    assert_rejected(
        create(Model::FUN_ASR, Vec::new()).validate(),
        "input.vocabulary",
        &["no items", "delete the vocabulary instead"],
    );
    assert_rejected(
        UpdateVocabularyRequest::new("vocab-a-1", []).validate(),
        "input.vocabulary",
        &["no items"],
    );
}

#[test]
fn a_list_has_at_most_five_hundred_items() {
    let items: Vec<VocabularyItem> = (0..=MAX_ITEMS)
        .map(|i| item(&format!("word{i}"), 4))
        .collect();
    assert_rejected(
        create(Model::FUN_ASR, items.clone()).validate(),
        "input.vocabulary",
        &["at most 500 items", "got 501", "split them"],
    );
    create(Model::FUN_ASR, items[..MAX_ITEMS].to_vec())
        .validate()
        .unwrap();
}

#[test]
fn check_items_reports_every_problem_with_its_index() {
    let items = vec![
        item("ok", 4),
        item("bad weight", 9),
        item("ok", 4),
        item("x", 4).with_lang("xx"),
        item("", 0),
    ];
    let issues = check_items(Some(&Model::FUN_ASR), &items);
    let summary: Vec<(Option<usize>, &str)> = issues
        .iter()
        .map(|i: &ItemIssue| (i.index, i.error.field.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Some(1), "input.vocabulary[1].weight"),
            (Some(2), "input.vocabulary[2].text"),
            (Some(3), "input.vocabulary[3].lang"),
            (Some(4), "input.vocabulary[4].text"),
            (Some(4), "input.vocabulary[4].weight"),
        ]
    );
    // Display is the error's, so a CLI can prefix it with the file line of the index.
    assert!(
        issues[0]
            .to_string()
            .starts_with("`input.vocabulary[1].weight`: ")
    );
}

#[test]
fn prefix_is_required_lowercase_alphanumeric_and_short() {
    let with_prefix = |prefix: &str| {
        let mut request = create(Model::FUN_ASR, vec![item("Qwen", 4)]);
        request.input.prefix = prefix.to_owned();
        request.validate()
    };
    assert_rejected(
        with_prefix(""),
        "input.prefix",
        &["empty", "lowercase letters and digits"],
    );
    assert_rejected(
        with_prefix("HotWords"),
        "input.prefix",
        &["contains 'H'", "e.g. `hotwords`"],
    );
    assert_rejected(with_prefix("hot-words"), "input.prefix", &["contains '-'"]);
    assert_rejected(
        with_prefix("abcdefghijk"),
        "input.prefix",
        &["11 characters", "limit is 10", "e.g. `abcdefghij`"],
    );
    with_prefix("abcdefghij").unwrap();
    with_prefix("2024names").unwrap();
    check_prefix("a1").unwrap();
}

#[test]
fn list_prefix_and_page_size_are_checked() {
    assert_rejected(
        ListVocabulariesRequest::new(0, 10)
            .with_prefix("Bad Prefix")
            .validate(),
        "input.prefix",
        &["contains 'B'"],
    );
    assert_rejected(
        ListVocabulariesRequest::new(0, 0).validate(),
        "input.page_size",
        &["0", "default of 10"],
    );
}

#[test]
fn target_model_is_required() {
    assert_rejected(
        create(Model::new(""), vec![item("Qwen", 4)]).validate(),
        "input.target_model",
        &["required", "e.g. `fun-asr`"],
    );
    assert_rejected(
        create(Model::new("speech-biasing"), vec![item("Qwen", 4)]).validate(),
        "input.target_model",
        &["customization service itself", "fun-asr"],
    );
}

#[test]
fn target_model_must_take_a_vocabulary_id() {
    for model in [
        Model::QWEN3_ASR_FLASH,
        Model::QWEN3_ASR_FLASH_FILETRANS,
        Model::QWEN3_OMNI_FLASH,
    ] {
        assert_rejected(
            create(model, vec![item("Qwen", 4)]).validate(),
            "input.target_model",
            &["does not take a hot-word list", "paraformer-v2"],
        );
    }
    assert_rejected(
        create(Model::PARAFORMER_V1, vec![item("Qwen", 4)]).validate(),
        "input.target_model",
        &["legacy phrase lists", "paraformer-v2"],
    );
}

#[test]
fn target_model_accepts_async_flash_realtime_and_newer_models() {
    for model in [
        Model::FUN_ASR,
        Model::FUN_ASR_MTL,
        Model::PARAFORMER_V2,
        Model::PARAFORMER_8K_V2,
        Model::QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS,
        Model::FUN_ASR_FLASH_2026_06_15,
        Model::QWEN_AUDIO_3_0_ASR_FLASH,
        // Realtime recognition shares vocabularies with file transcription.
        Model::FUN_ASR_REALTIME,
        // An id this SDK does not know may be a newer model.
        Model::new("fun2-asr"),
    ] {
        create(model.clone(), vec![item("Qwen", 4)])
            .validate()
            .unwrap_or_else(|e| panic!("{model}: {e}"));
    }
}

#[test]
fn vocabulary_id_is_required_and_has_no_whitespace() {
    assert_rejected(
        QueryVocabularyRequest::new("").validate(),
        "input.vocabulary_id",
        &["empty", "list_vocabulary"],
    );
    assert_rejected(
        DeleteVocabularyRequest::new("vocab-a-1 ").validate(),
        "input.vocabulary_id",
        &["whitespace", "exactly as returned"],
    );
    assert_rejected(
        UpdateVocabularyRequest::new(" ", [item("Qwen", 4)]).validate(),
        "input.vocabulary_id",
        &["empty"],
    );
}
