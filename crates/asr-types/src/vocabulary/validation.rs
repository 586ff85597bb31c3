//! The rules behind the vocabulary requests' `validate` and [`check_items`].

use std::collections::BTreeMap;
use std::fmt;

use super::{
    CreateVocabulary, FUN_ASR_VOCABULARY_LANGS, ListVocabularies, MAX_ASCII_WORDS, MAX_ITEMS,
    MAX_NON_ASCII_CHARS, MAX_PREFIX_LEN, MAX_WEIGHT, MIN_WEIGHT, PARAFORMER_VOCABULARY_LANGS,
    SERVICE_MODEL, VocabularyId, VocabularyItem,
};
use crate::model::{Model, ModelFamily};
use crate::validate::{ValidationError, snippet};

/// One problem of a vocabulary item list, with the index of the item it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemIssue {
    /// Index (from 0) of the offending item in the list; `None` for a problem of the whole
    /// list (empty, too long).
    pub index: Option<usize>,
    /// The problem; its field is `input.vocabulary[<index>].<field>` or `input.vocabulary`.
    pub error: ValidationError,
}

impl fmt::Display for ItemIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for ItemIssue {}

/// Checks a whole item list and returns every problem, in item order, so that a tool can report
/// all bad lines of a file at once.
///
/// `target_model` decides which `lang` codes are accepted (see the module docs); with `None`
/// (an update, whose body does not name the model) only their form is checked. List-level
/// problems (no items, more than [`MAX_ITEMS`]) come first, with `index: None`.
pub fn check_items(target_model: Option<&Model>, items: &[VocabularyItem]) -> Vec<ItemIssue> {
    let mut issues = Vec::new();
    if items.is_empty() {
        issues.push(ItemIssue {
            index: None,
            error: ValidationError::new(
                "input.vocabulary",
                "the list has no items; add at least one `{text, weight}` item (to drop every \
                 word, delete the vocabulary instead)",
            ),
        });
    }
    if items.len() > MAX_ITEMS {
        issues.push(ItemIssue {
            index: None,
            error: ValidationError::new(
                "input.vocabulary",
                format!(
                    "at most {MAX_ITEMS} items per vocabulary, got {}; keep the words that matter \
                     most or split them over several vocabularies",
                    items.len()
                ),
            ),
        });
    }
    let langs = target_model.map(lang_codes_for);
    let mut first_seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let field = |name: &str| format!("input.vocabulary[{index}].{name}");
        let mut push = |error: ValidationError| {
            issues.push(ItemIssue {
                index: Some(index),
                error,
            });
        };
        if let Err(e) = check_text(&field("text"), &item.text) {
            push(e);
        } else if let Some(&first) = first_seen.get(item.text.as_str()) {
            push(ValidationError::new(
                field("text"),
                format!(
                    "`{}` is already item {first}; list each text once (keep the item with the \
                     weight you want and remove the other)",
                    snippet(&item.text)
                ),
            ));
        } else {
            first_seen.insert(&item.text, index);
        }
        if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&item.weight) {
            push(ValidationError::new(
                field("weight"),
                format!(
                    "the weight must be {MIN_WEIGHT} to {MAX_WEIGHT}, got {}; start with 4 and \
                     raise it only if the word is still missed (high weights hurt other words)",
                    item.weight
                ),
            ));
        }
        if let Some(lang) = &item.lang {
            let allowed = langs.as_ref().and_then(|l| l.as_deref());
            if let Err(e) = check_lang(&field("lang"), lang, target_model, allowed) {
                push(e);
            }
        }
    }
    issues
}

/// The `lang` codes vocabularies for `model` take, or `None` when no list is documented for it
/// (then any lowercase code is accepted).
///
/// Paraformer: the documented `zh en ja yue ko de fr ru`. Fun-ASR and Qwen-Audio filetrans: the
/// documented `zh en ja` plus every code the model accepts in `language_hints` (protocol §9
/// item 15; see the module docs). Flash, realtime and unrecognised ids: `None`.
pub fn lang_codes_for(model: &Model) -> Option<Vec<&'static str>> {
    let hinted = || model.language_hints().map(|h| h.codes).unwrap_or_default();
    match model.family() {
        ModelFamily::Paraformer => Some(PARAFORMER_VOCABULARY_LANGS.to_vec()),
        ModelFamily::FunAsr => {
            let mut codes = FUN_ASR_VOCABULARY_LANGS.to_vec();
            codes.extend(
                hinted()
                    .iter()
                    .filter(|c| !FUN_ASR_VOCABULARY_LANGS.contains(c)),
            );
            Some(codes)
        }
        ModelFamily::QwenAudioFiletrans => {
            let codes = hinted();
            (!codes.is_empty()).then(|| codes.to_vec())
        }
        _ => None,
    }
}

/// Checks a vocabulary `prefix`: 1 to [`MAX_PREFIX_LEN`] lowercase ASCII letters and digits.
///
/// # Errors
///
/// A [`ValidationError`] on `input.prefix` saying what is wrong and how to fix it.
pub fn check_prefix(prefix: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "input.prefix";
    if prefix.is_empty() {
        return Err(ValidationError::new(
            FIELD,
            "the prefix is empty; pass 1 to 10 lowercase letters and digits naming the list, \
             e.g. `meetings`",
        ));
    }
    if let Some(c) = prefix
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "`{}` contains {c:?}, but a prefix is only lowercase letters a-z and digits; \
                 e.g. `{}`",
                snippet(prefix),
                prefix_from_name(prefix).unwrap_or_else(|| "meetings".to_owned())
            ),
        ));
    }
    let len = prefix.chars().count();
    if len > MAX_PREFIX_LEN {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "`{prefix}` has {len} characters, the limit is {MAX_PREFIX_LEN}; shorten it, \
                 e.g. `{}`",
                &prefix[..MAX_PREFIX_LEN]
            ),
        ));
    }
    Ok(())
}

/// A valid prefix made from `name` (a file stem, a project name): its ASCII letters and digits,
/// lowercased, cut to [`MAX_PREFIX_LEN`]; `None` if nothing is left.
pub fn prefix_from_name(name: &str) -> Option<String> {
    let prefix: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(MAX_PREFIX_LEN)
        .collect();
    (!prefix.is_empty()).then_some(prefix)
}

pub(super) fn create(input: &CreateVocabulary) -> Result<(), ValidationError> {
    check_target_model(&input.target_model)?;
    check_prefix(&input.prefix)?;
    first_item_issue(Some(&input.target_model), &input.vocabulary)
}

pub(super) fn list(input: &ListVocabularies) -> Result<(), ValidationError> {
    if let Some(prefix) = &input.prefix {
        check_prefix(prefix)?;
    }
    if input.page_size == 0 {
        return Err(ValidationError::new(
            "input.page_size",
            "the page size is 0; pass 1 or more, or omit it for the default of 10",
        ));
    }
    Ok(())
}

pub(super) fn first_item_issue(
    target_model: Option<&Model>,
    items: &[VocabularyItem],
) -> Result<(), ValidationError> {
    match check_items(target_model, items).into_iter().next() {
        Some(issue) => Err(issue.error),
        None => Ok(()),
    }
}

pub(super) fn check_id(id: &VocabularyId) -> Result<(), ValidationError> {
    const FIELD: &str = "input.vocabulary_id";
    let id = id.as_str();
    if id.trim().is_empty() {
        return Err(ValidationError::new(
            FIELD,
            "the id is empty; pass the `vocabulary_id` returned by create_vocabulary (list \
             them with list_vocabulary)",
        ));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "`{}` contains whitespace; pass the id exactly as returned, e.g. \
                 `vocab-meetings-0123456789abcdef0123456789abcdef`",
                snippet(id)
            ),
        ));
    }
    Ok(())
}

/// Checks `input.target_model`: set, and a model that takes `vocabulary_id`.
///
/// Realtime models share vocabularies with file transcription, and unrecognised ids may be
/// models newer than this SDK, so both are accepted.
fn check_target_model(model: &Model) -> Result<(), ValidationError> {
    const FIELD: &str = "input.target_model";
    let id = model.as_str();
    if id.trim().is_empty() {
        return Err(ValidationError::new(
            FIELD,
            "the target model is required; pass the ASR model that will use the list, e.g. \
             `fun-asr` (transcriptions must use exactly this model)",
        ));
    }
    if id == SERVICE_MODEL {
        return Err(ValidationError::new(
            FIELD,
            format!(
                "`{SERVICE_MODEL}` is the customization service itself; pass the ASR model that \
                 will use the list, e.g. `fun-asr`"
            ),
        ));
    }
    let family = model.family();
    if matches!(family, ModelFamily::Realtime | ModelFamily::Other) || model.accepts_vocabulary_id()
    {
        return Ok(());
    }
    let fix = if model.accepts_resources() {
        format!(
            "`{id}` takes legacy phrase lists (`resources`), not vocabularies; target \
             `paraformer-v2` or a Fun-ASR model instead"
        )
    } else {
        format!(
            "`{id}` does not take a hot-word list (`vocabulary_id`); target a model that does: \
             fun-asr, paraformer-v2, qwen-audio-3.x-asr-flash(-filetrans) or fun-asr-flash"
        )
    };
    Err(ValidationError::new(FIELD, fix))
}

fn check_text(field: &str, text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::new(
            field,
            "the text is empty; write the word or phrase, or remove the item",
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            format!(
                "{:?} contains a control character (a tab or line break?); put one word or \
                 phrase per item, without tabs or line breaks",
                snippet(text)
            ),
        ));
    }
    if text.trim() != text {
        return Err(ValidationError::new(
            field,
            format!(
                "{:?} starts or ends with whitespace; remove it, so that the same word is \
                 always written the same way",
                snippet(text)
            ),
        ));
    }
    if text.is_ascii() {
        let words = text.split_whitespace().count();
        if words > MAX_ASCII_WORDS {
            return Err(ValidationError::new(
                field,
                format!(
                    "`{}` has {words} words, but an ASCII hot word is at most {MAX_ASCII_WORDS} \
                     space-separated words; shorten it or split it into several items",
                    snippet(text)
                ),
            ));
        }
    } else {
        let chars = text.chars().count();
        if chars > MAX_NON_ASCII_CHARS {
            return Err(ValidationError::new(
                field,
                format!(
                    "`{}` has {chars} characters, but a hot word with non-ASCII characters is at \
                     most {MAX_NON_ASCII_CHARS} characters (spaces included); shorten it or \
                     split it into several items",
                    snippet(text)
                ),
            ));
        }
    }
    Ok(())
}

fn check_lang(
    field: &str,
    lang: &str,
    model: Option<&Model>,
    allowed: Option<&[&str]>,
) -> Result<(), ValidationError> {
    if lang.is_empty() {
        return Err(ValidationError::new(
            field,
            "the language code is empty; use a code such as `zh` or `en`, or omit `lang` for \
             automatic detection",
        ));
    }
    if !lang.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(ValidationError::new(
            field,
            format!(
                "`{}` is not a language code; use a lowercase code such as `zh` or `en`, or omit \
                 `lang` for automatic detection",
                snippet(lang)
            ),
        ));
    }
    match (model, allowed) {
        (Some(model), Some(codes)) if !codes.contains(&lang) => Err(ValidationError::new(
            field,
            format!(
                "`{lang}` is not a language vocabularies for `{model}` take; use one of {}, or \
                 omit `lang` for automatic detection",
                codes.join(" ")
            ),
        )),
        _ => Ok(()),
    }
}
