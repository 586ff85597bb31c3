//! Hot-word vocabularies (定制热词): the five `POST /services/audio/asr/customization` actions.
//!
//! Every request has the same envelope, `{"model": "speech-biasing", "parameters": {},
//! "input": {"action": …, …}}`; [`VocabularyRequest`] is that envelope and its `input` is one of
//! [`CreateVocabulary`], [`ListVocabularies`], [`QueryVocabulary`], [`UpdateVocabulary`] or
//! [`DeleteVocabulary`]. Every answer is `{"output": …, "usage": {"count": 1}, "request_id": …}`,
//! i.e. a [`VocabularyResponse`] over the action's output type.
//!
//! Validation follows the documented limits (protocol §6): at most [`MAX_ITEMS`] items, each
//! with a `text` of at most [`MAX_NON_ASCII_CHARS`] characters (or, for pure ASCII text, at most
//! [`MAX_ASCII_WORDS`] space-separated words), a `weight` in [`MIN_WEIGHT`]`..=`[`MAX_WEIGHT`]
//! and an optional `lang` the target model knows; a `prefix` of at most [`MAX_PREFIX_LEN`]
//! lowercase letters and digits; a `target_model` that takes a `vocabulary_id`; no text twice.
//! Item errors name the field with the item's index (`input.vocabulary[3].weight`), and
//! [`check_items`] reports every bad item at once with its index, so a CLI can point at the line
//! of the file each item came from.
//!
//! ## `lang` and the target model
//!
//! The docs list `zh en ja yue ko de fr ru` for Paraformer and `zh en ja` for Fun-ASR, but the
//! Fun-ASR models have since learned about 30 languages and the vocabulary page was not updated
//! (protocol §9 item 15). The rule used here: a code is accepted when the vocabulary docs list
//! it for the model's family *or* the model itself accepts it as a `language_hints` code — a
//! language the model recognises cannot be a wrong tag for one of its hot words. Anything else
//! (`cn`, `jp`, `EN`) is rejected, since those are typos the service would not match. For models
//! without a documented list (Flash, realtime, ids newer than this SDK) only the form is
//! checked: lowercase ASCII letters.

use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::model::Model;
use crate::task::{Extra, RequestId};
use crate::validate::{Validate, ValidationError};

mod validation;

pub use validation::{ItemIssue, check_items, check_prefix, lang_codes_for, prefix_from_name};

/// The `model` of every vocabulary request: the customization service, not the ASR model.
pub const SERVICE_MODEL: &str = "speech-biasing";
/// Most items in one vocabulary.
pub const MAX_ITEMS: usize = 500;
/// Most characters of an item `text` that contains any non-ASCII character.
pub const MAX_NON_ASCII_CHARS: usize = 15;
/// Most space-separated words of a pure-ASCII item `text`.
pub const MAX_ASCII_WORDS: usize = 7;
/// Lowest item weight.
pub const MIN_WEIGHT: u32 = 1;
/// Highest item weight. The docs recommend 4 and warn that high weights hurt other words.
pub const MAX_WEIGHT: u32 = 5;
/// Longest `prefix` (the docs say "at most 10"; the Python SDK's check is stricter, < 10).
pub const MAX_PREFIX_LEN: usize = 10;
/// Vocabularies one account may hold unless the quota was raised; creating one more fails with
/// `Throttling.AllocationQuota`.
pub const MAX_VOCABULARIES_PER_ACCOUNT: usize = 10;
/// `page_size` the service uses when none is sent.
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// Vocabulary language codes documented for Paraformer models.
pub const PARAFORMER_VOCABULARY_LANGS: &[&str] = &["zh", "en", "ja", "yue", "ko", "de", "fr", "ru"];
/// Vocabulary language codes documented for Fun-ASR models (see the module docs for what else
/// is accepted).
pub const FUN_ASR_VOCABULARY_LANGS: &[&str] = &["zh", "en", "ja"];

/// The id of a vocabulary, `vocab-<prefix>-<32 hex digits>`, as returned by `create_vocabulary`
/// and passed as `parameters.vocabulary_id` to a transcription.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VocabularyId(String);

impl VocabularyId {
    /// Wraps an id as received from the service.
    pub fn new(id: impl Into<String>) -> Self {
        VocabularyId(id.into())
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owned id.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The prefix the vocabulary was created with, read from an id of the documented shape
    /// `vocab-<prefix>-<suffix>`; `None` for any other shape.
    ///
    /// `list_vocabulary` filters by prefix, and whether its filter is an exact match is not
    /// documented, so callers that own a prefix compare this value exactly.
    pub fn prefix(&self) -> Option<&str> {
        let rest = self.0.strip_prefix("vocab-")?;
        let (prefix, suffix) = rest.split_once('-')?;
        (!prefix.is_empty() && !suffix.is_empty()).then_some(prefix)
    }
}

impl fmt::Display for VocabularyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for VocabularyId {
    fn from(id: String) -> Self {
        VocabularyId(id)
    }
}

impl From<&str> for VocabularyId {
    fn from(id: &str) -> Self {
        VocabularyId(id.to_owned())
    }
}

impl AsRef<str> for VocabularyId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Whether a vocabulary can be used yet (`status`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum VocabularyStatus {
    /// Deployed: transcriptions may use it.
    Ok,
    /// Created or updated but not deployed yet; poll `query_vocabulary` until `OK`.
    Undeployed,
    /// A status string this SDK does not know, kept verbatim.
    Other(String),
}

impl VocabularyStatus {
    /// The status as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            VocabularyStatus::Ok => "OK",
            VocabularyStatus::Undeployed => "UNDEPLOYED",
            VocabularyStatus::Other(s) => s,
        }
    }

    /// Parses a wire status; unseen strings become `Other`.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "OK" => VocabularyStatus::Ok,
            "UNDEPLOYED" => VocabularyStatus::Undeployed,
            other => VocabularyStatus::Other(other.to_owned()),
        }
    }

    /// Whether transcriptions may use the vocabulary now. Only `OK` says so: an unseen status
    /// is not assumed usable, so a waiter keeps waiting until its deadline.
    pub fn is_ready(&self) -> bool {
        *self == VocabularyStatus::Ok
    }
}

impl fmt::Display for VocabularyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for VocabularyStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for VocabularyStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| VocabularyStatus::from_wire(&s))
    }
}

/// One hot word: `{"text", "weight", "lang"?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VocabularyItem {
    /// The word or phrase: at most 15 characters if it contains non-ASCII text, else at most 7
    /// space-separated words. Real words only.
    pub text: String,
    /// 1–5; 4 is the documented starting point.
    pub weight: u32,
    /// Language of the text; omitted means detected automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Fields this SDK does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VocabularyItem {
    /// An item without `lang`.
    pub fn new(text: impl Into<String>, weight: u32) -> Self {
        VocabularyItem {
            text: text.into(),
            weight,
            lang: None,
            extra: Extra::new(),
        }
    }

    /// Sets `lang`.
    pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }
}

/// The `input` of one customization action; ties the type to its `input.action` string.
pub trait VocabularyAction: Serialize + DeserializeOwned {
    /// `input.action` on the wire, e.g. `create_vocabulary`.
    const ACTION: &'static str;
}

/// A customization request: `{"model": "speech-biasing", "parameters"?, "input": {"action", …}}`.
///
/// Serialises in the official SDK's key order (`model, parameters, input`, `action` first in
/// `input`). The constructors set `parameters` to `{}` as the SDK does; a body parsed without
/// `parameters` (the docs' examples) keeps it absent, so parsing and serialising again loses
/// nothing.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VocabularyRequest<I> {
    /// `parameters`: `Some({})` from the constructors; the service defines no keys here.
    pub parameters: Option<Extra>,
    /// The action and its fields.
    pub input: I,
    /// Top-level fields this SDK does not know, sent as is.
    pub extra: Extra,
}

impl<I> VocabularyRequest<I> {
    /// Wraps an action's input in the envelope the SDK sends.
    pub fn from_input(input: I) -> Self {
        VocabularyRequest {
            parameters: Some(Extra::new()),
            input,
            extra: Extra::new(),
        }
    }
}

impl<I: VocabularyAction> Serialize for VocabularyRequest<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Input<'a, I> {
            action: &'static str,
            #[serde(flatten)]
            fields: &'a I,
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("model", SERVICE_MODEL)?;
        if let Some(parameters) = &self.parameters {
            map.serialize_entry("parameters", parameters)?;
        }
        map.serialize_entry(
            "input",
            &Input {
                action: I::ACTION,
                fields: &self.input,
            },
        )?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de, I: VocabularyAction> Deserialize<'de> for VocabularyRequest<I> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            model: String,
            #[serde(default)]
            parameters: Option<Extra>,
            input: Map<String, Value>,
            #[serde(flatten)]
            extra: Extra,
        }
        let mut wire = Wire::deserialize(deserializer)?;
        if wire.model != SERVICE_MODEL {
            return Err(D::Error::custom(format!(
                "`model` is `{}`, but vocabulary requests use `{SERVICE_MODEL}` (the ASR model \
                 goes in `input.target_model`)",
                wire.model
            )));
        }
        match wire.input.remove("action") {
            Some(Value::String(action)) if action == I::ACTION => {}
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "`input.action` is {other}, expected `{}`",
                    I::ACTION
                )));
            }
            None => {
                return Err(D::Error::custom(format!(
                    "`input.action` is missing, expected `{}`",
                    I::ACTION
                )));
            }
        }
        let input = I::deserialize(Value::Object(wire.input)).map_err(D::Error::custom)?;
        Ok(VocabularyRequest {
            parameters: wire.parameters,
            input,
            extra: wire.extra,
        })
    }
}

impl<I: Validate> Validate for VocabularyRequest<I> {
    fn validate(&self) -> Result<(), ValidationError> {
        self.input.validate()
    }
}

impl<I: Validate> VocabularyRequest<I> {
    /// Checks the request against the documented limits (see the module docs).
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found; item errors name `input.vocabulary[<index>]`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.input.validate()
    }
}

/// `input` of `create_vocabulary`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateVocabulary {
    /// The ASR model that will use the list; a transcription's `model` must equal it.
    pub target_model: Model,
    /// 1–10 lowercase letters and digits; becomes part of the id (`vocab-<prefix>-…`).
    pub prefix: String,
    /// The items, 1–500.
    pub vocabulary: Vec<VocabularyItem>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VocabularyAction for CreateVocabulary {
    const ACTION: &'static str = "create_vocabulary";
}

impl Validate for CreateVocabulary {
    fn validate(&self) -> Result<(), ValidationError> {
        validation::create(self)
    }
}

/// `input` of `list_vocabulary`. The service returns one page per call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListVocabularies {
    /// Only vocabularies created with this prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Page number, from 0.
    #[serde(default)]
    pub page_index: u32,
    /// Page size, 10 unless set.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl VocabularyAction for ListVocabularies {
    const ACTION: &'static str = "list_vocabulary";
}

impl Validate for ListVocabularies {
    fn validate(&self) -> Result<(), ValidationError> {
        validation::list(self)
    }
}

/// `input` of `query_vocabulary`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueryVocabulary {
    /// The vocabulary to read.
    pub vocabulary_id: VocabularyId,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VocabularyAction for QueryVocabulary {
    const ACTION: &'static str = "query_vocabulary";
}

impl Validate for QueryVocabulary {
    fn validate(&self) -> Result<(), ValidationError> {
        validation::check_id(&self.vocabulary_id)
    }
}

/// `input` of `update_vocabulary`: replaces the whole item list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateVocabulary {
    /// The vocabulary to change.
    pub vocabulary_id: VocabularyId,
    /// The new items, 1–500; they replace every existing item.
    pub vocabulary: Vec<VocabularyItem>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VocabularyAction for UpdateVocabulary {
    const ACTION: &'static str = "update_vocabulary";
}

impl Validate for UpdateVocabulary {
    /// The update body does not name the target model, so `lang` is only checked for form here;
    /// call [`check_items`] with the model from `query_vocabulary` for the full check.
    fn validate(&self) -> Result<(), ValidationError> {
        validation::check_id(&self.vocabulary_id)?;
        validation::first_item_issue(None, &self.vocabulary)
    }
}

/// `input` of `delete_vocabulary`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeleteVocabulary {
    /// The vocabulary to delete.
    pub vocabulary_id: VocabularyId,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VocabularyAction for DeleteVocabulary {
    const ACTION: &'static str = "delete_vocabulary";
}

impl Validate for DeleteVocabulary {
    fn validate(&self) -> Result<(), ValidationError> {
        validation::check_id(&self.vocabulary_id)
    }
}

/// Body of `create_vocabulary`.
pub type CreateVocabularyRequest = VocabularyRequest<CreateVocabulary>;
/// Body of `list_vocabulary`.
pub type ListVocabulariesRequest = VocabularyRequest<ListVocabularies>;
/// Body of `query_vocabulary`.
pub type QueryVocabularyRequest = VocabularyRequest<QueryVocabulary>;
/// Body of `update_vocabulary`.
pub type UpdateVocabularyRequest = VocabularyRequest<UpdateVocabulary>;
/// Body of `delete_vocabulary`.
pub type DeleteVocabularyRequest = VocabularyRequest<DeleteVocabulary>;

impl VocabularyRequest<CreateVocabulary> {
    /// Creates a vocabulary of `items` for `target_model`, named `vocab-<prefix>-…`.
    pub fn new(
        target_model: impl Into<Model>,
        prefix: impl Into<String>,
        items: impl IntoIterator<Item = VocabularyItem>,
    ) -> Self {
        VocabularyRequest::from_input(CreateVocabulary {
            target_model: target_model.into(),
            prefix: prefix.into(),
            vocabulary: items.into_iter().collect(),
            extra: Extra::new(),
        })
    }
}

impl VocabularyRequest<ListVocabularies> {
    /// Lists page `page_index` (from 0) of `page_size` vocabularies.
    pub fn new(page_index: u32, page_size: u32) -> Self {
        VocabularyRequest::from_input(ListVocabularies {
            prefix: None,
            page_index,
            page_size,
            extra: Extra::new(),
        })
    }

    /// Only lists vocabularies created with `prefix`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.input.prefix = Some(prefix.into());
        self
    }

    /// The request for the page after this one.
    pub fn next_page(&self) -> Self {
        let mut next = self.clone();
        next.input.page_index = next.input.page_index.saturating_add(1);
        next
    }
}

impl VocabularyRequest<QueryVocabulary> {
    /// Reads vocabulary `id`.
    pub fn new(id: impl Into<VocabularyId>) -> Self {
        VocabularyRequest::from_input(QueryVocabulary {
            vocabulary_id: id.into(),
            extra: Extra::new(),
        })
    }
}

impl VocabularyRequest<UpdateVocabulary> {
    /// Replaces every item of vocabulary `id` with `items`.
    pub fn new(
        id: impl Into<VocabularyId>,
        items: impl IntoIterator<Item = VocabularyItem>,
    ) -> Self {
        VocabularyRequest::from_input(UpdateVocabulary {
            vocabulary_id: id.into(),
            vocabulary: items.into_iter().collect(),
            extra: Extra::new(),
        })
    }
}

impl VocabularyRequest<DeleteVocabulary> {
    /// Deletes vocabulary `id`.
    pub fn new(id: impl Into<VocabularyId>) -> Self {
        VocabularyRequest::from_input(DeleteVocabulary {
            vocabulary_id: id.into(),
            extra: Extra::new(),
        })
    }
}

/// Every customization answer: `{"output": O, "usage": {"count": 1}, "request_id"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VocabularyResponse<O> {
    /// Id of this HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// The action's result.
    pub output: O,
    /// Usage; `{"count": 1}` in every documented answer (vocabularies are free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<VocabularyUsage>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `usage` of a customization answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VocabularyUsage {
    /// Number of calls counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output` of `create_vocabulary`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedVocabulary {
    /// The new vocabulary; usually `UNDEPLOYED` for a while, so wait for `OK` before use.
    pub vocabulary_id: VocabularyId,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output` of `list_vocabulary`: one page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VocabularyList {
    /// The vocabularies on this page; fewer than `page_size` means it is the last page.
    #[serde(default)]
    pub vocabulary_list: Vec<VocabularySummary>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One vocabulary of a [`VocabularyList`] (items not included; query it for those).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VocabularySummary {
    /// The vocabulary id.
    pub vocabulary_id: VocabularyId,
    /// Creation time, `YYYY-MM-DD HH:MM:SS` in an unstated time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_create: Option<String>,
    /// Last change, same format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_modified: Option<String>,
    /// Whether it can be used yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<VocabularyStatus>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output` of `query_vocabulary`: the whole vocabulary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VocabularyDetails {
    /// Creation time, `YYYY-MM-DD HH:MM:SS` in an unstated time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_create: Option<String>,
    /// Last change, same format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_modified: Option<String>,
    /// Whether it can be used yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<VocabularyStatus>,
    /// The model the vocabulary was created for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_model: Option<Model>,
    /// The items.
    #[serde(default)]
    pub vocabulary: Vec<VocabularyItem>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl VocabularyDetails {
    /// Whether transcriptions may use the vocabulary now (status `OK`).
    pub fn is_ready(&self) -> bool {
        self.status.as_ref().is_some_and(VocabularyStatus::is_ready)
    }

    /// When the list was last updated, in seconds since 1970-01-01 UTC, reading `gmt_modified`
    /// as UTC+8 like the task times ([`crate::task::parse_task_time`]); `None` when it was
    /// never updated (`gmt_modified` equals `gmt_create`) or the time does not parse. Should the zone be another, the time reads as earlier than it is, so a
    /// rule built on it errs on the side of letting the service decide.
    ///
    /// ```
    /// let details: asr_types::VocabularyDetails = serde_json::from_str(
    ///     r#"{"gmt_create": "2024-09-12 15:11:40", "gmt_modified": "2024-09-12 16:00:00"}"#,
    /// )?;
    /// assert_eq!(details.last_update_epoch_secs(), Some(1_726_128_000));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn last_update_epoch_secs(&self) -> Option<i64> {
        let modified = self.gmt_modified.as_deref()?;
        if self.gmt_create.as_deref() == Some(modified) {
            return None;
        }
        crate::task::parse_task_time(modified).map(|ms| ms.div_euclid(1000))
    }
}

/// Shortest time between two updates of one vocabulary: 5 minutes (protocol §11 item 8).
pub const MIN_SECONDS_BETWEEN_UPDATES: i64 = 300;

/// `output` of `update_vocabulary` and `delete_vocabulary`: `{}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmptyOutput {
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Answer to `create_vocabulary`.
pub type CreateVocabularyResponse = VocabularyResponse<CreatedVocabulary>;
/// Answer to `list_vocabulary`.
pub type ListVocabulariesResponse = VocabularyResponse<VocabularyList>;
/// Answer to `query_vocabulary`.
pub type QueryVocabularyResponse = VocabularyResponse<VocabularyDetails>;
/// Answer to `update_vocabulary`.
pub type UpdateVocabularyResponse = VocabularyResponse<EmptyOutput>;
/// Answer to `delete_vocabulary`.
pub type DeleteVocabularyResponse = VocabularyResponse<EmptyOutput>;
