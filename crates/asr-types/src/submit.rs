//! Submit bodies for async file transcription (`POST /services/audio/asr/transcription`).
//!
//! Two shapes share the endpoint: [`TranscriptionRequest`] (`input.file_urls`, Fun-ASR,
//! Paraformer, Qwen-Audio filetrans) and [`QwenFiletransRequest`] (`input.file_url`,
//! Qwen3-ASR-Flash-Filetrans). Both serialise like the official SDK: `parameters` is always
//! present (possibly `{}`) and unset options are omitted.

use std::collections::BTreeMap;
use std::fmt;
use std::io;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{Model, ModelFamily, QWEN3_ASR_LANGUAGES};
use crate::task::Extra;
use crate::validate::{
    Validate, ValidationError, check_channel_ids, check_hot_words, check_media_url, is_oss_url,
    snippet,
};
use crate::warning::Warning;

mod validation;

/// Most URLs one task takes.
pub const MAX_FILE_URLS: usize = 100;

/// Body of a `file_urls` submit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TranscriptionRequest {
    /// The model, e.g. [`Model::FUN_ASR`].
    pub model: Model,
    /// Options; always serialised, as `{}` when empty.
    #[serde(default)]
    pub parameters: TranscriptionParameters,
    /// Legacy phrase hot words (Paraformer v1 family only); top level, not in `parameters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<Resource>>,
    /// The files.
    pub input: TranscriptionInput,
    /// Top-level fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TranscriptionRequest {
    /// A request for `model` over `file_urls`, with default options.
    pub fn new<I, S>(model: impl Into<Model>, file_urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        TranscriptionRequest {
            model: model.into(),
            parameters: TranscriptionParameters::default(),
            resources: None,
            input: TranscriptionInput::new(file_urls),
            extra: Extra::new(),
        }
    }

    /// Sets `parameters.language_hints`.
    pub fn with_language_hints<I, S>(mut self, hints: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.parameters.language_hints = Some(hints.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `parameters.vocabulary_id` (a hot-word list created for this model).
    pub fn with_vocabulary_id(mut self, id: impl Into<String>) -> Self {
        self.parameters.vocabulary_id = Some(id.into());
        self
    }

    /// Adds one instant hot word (`parameters.vocabulary`) with `weight` 1–5, or 50.
    pub fn with_hot_word(mut self, text: impl Into<String>, weight: u32) -> Self {
        self.parameters
            .vocabulary
            .get_or_insert_with(BTreeMap::new)
            .insert(text.into(), weight);
        self
    }

    /// Sets `parameters.channel_id`: the audio tracks to transcribe (each billed).
    pub fn with_channels(mut self, channels: impl IntoIterator<Item = i64>) -> Self {
        self.parameters.channel_id = Some(channels.into_iter().collect());
        self
    }

    /// Enables speaker diarization, optionally with a reference speaker count (2–100).
    pub fn with_diarization(mut self, speaker_count: Option<u32>) -> Self {
        self.parameters.diarization_enabled = Some(true);
        self.parameters.speaker_count = speaker_count;
        self
    }

    /// Sets `parameters.special_word_filter`.
    pub fn with_special_word_filter(mut self, filter: SpecialWordFilter) -> Self {
        self.parameters.special_word_filter = Some(filter);
        self
    }

    /// Sets `parameters.disfluency_removal_enabled` (Paraformer only).
    pub fn with_disfluency_removal(mut self, enabled: bool) -> Self {
        self.parameters.disfluency_removal_enabled = Some(enabled);
        self
    }

    /// Sets `parameters.timestamp_alignment_enabled` (Paraformer only).
    pub fn with_timestamp_alignment(mut self, enabled: bool) -> Self {
        self.parameters.timestamp_alignment_enabled = Some(enabled);
        self
    }

    /// Sets `input.context` (Qwen-Audio filetrans only).
    pub fn with_context(mut self, context: Vec<ContextMessage>) -> Self {
        self.input.context = Some(context);
        self
    }

    /// Adds a legacy phrase resource (Paraformer v1 family only).
    pub fn with_phrase_id(mut self, phrase_id: impl Into<String>) -> Self {
        self.resources
            .get_or_insert_with(Vec::new)
            .push(Resource::asr_phrase(phrase_id));
        self
    }

    /// Whether any input URL is an `oss://` temporary-upload URL, which needs the header
    /// `X-DashScope-OssResourceResolve: enable`.
    pub fn uses_oss_urls(&self) -> bool {
        self.input.file_urls.iter().any(|u| is_oss_url(u))
    }

    /// Checks the request against the documented rules for its model.
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found; see the crate docs for the rules.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validation::transcription(self)
    }

    /// What the request is sent with although the documentation does not vouch for it: an
    /// undocumented model id, a language hint only one page lists (see [`Warning`]). Check it
    /// after [`TranscriptionRequest::validate`]; the CLI prints each before submitting.
    pub fn warnings(&self) -> Vec<Warning> {
        validation::transcription_warnings(self)
    }
}

impl Validate for TranscriptionRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        TranscriptionRequest::validate(self)
    }
}

/// `input` of a [`TranscriptionRequest`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TranscriptionInput {
    /// 1–100 public http(s) URLs or `oss://` temporary URLs. Omitted from the JSON when empty
    /// (such a request fails validation; parsing one back keeps the field absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_urls: Vec<String>,
    /// Conversation context (Qwen-Audio filetrans only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<ContextMessage>>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TranscriptionInput {
    /// An input over `file_urls` without context.
    pub fn new<I, S>(file_urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        TranscriptionInput {
            file_urls: file_urls.into_iter().map(Into::into).collect(),
            context: None,
            extra: Extra::new(),
        }
    }
}

/// `parameters` of a [`TranscriptionRequest`] (protocol §2.2). Unset fields are omitted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TranscriptionParameters {
    /// Audio tracks to transcribe, 0-based; default `[0]`; each listed track is billed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<Vec<i64>>,
    /// Id of a hot-word list whose `target_model` equals this request's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary_id: Option<String>,
    /// Instant hot words `{text: weight}`, weight 1–5 or 50 (`qwen-audio-3.0-asr-flash-filetrans`
    /// only); wins over `vocabulary_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<BTreeMap<String, u32>>,
    /// Language codes; Fun-ASR reads only the first, Qwen-Audio filetrans up to four.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_hints: Option<Vec<String>>,
    /// Speaker diarization (mono audio only; Fun-ASR and Paraformer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diarization_enabled: Option<bool>,
    /// Reference speaker count, 2–100; only with `diarization_enabled = true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_count: Option<u32>,
    /// Sensitive-word filter, sent as a JSON string (Fun-ASR and Paraformer).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "special_word_filter_as_string"
    )]
    pub special_word_filter: Option<SpecialWordFilter>,
    /// Remove filler words (Paraformer only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disfluency_removal_enabled: Option<bool>,
    /// Timestamp calibration (Paraformer only; Fun-ASR timestamps are always on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_alignment_enabled: Option<bool>,
    /// Audio event detection; appears only in the Python SDK's docstring, undocumented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_event_detection_enabled: Option<bool>,
    /// Parameters this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `special_word_filter` parameter (protocol §2.3).
///
/// Typed here, but sent as a JSON *string* as the docs require, formatted like the official SDK
/// (`{"key": value, …}`). Accepted back from either a string or an object, since some clients
/// send the object (protocol §9 item 5).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpecialWordFilter {
    /// Words replaced by the same number of `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_with_signed: Option<WordList>,
    /// Words deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_with_empty: Option<WordList>,
    /// Apply the built-in sensitive-word list (service default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_reserved_filter: Option<bool>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl SpecialWordFilter {
    /// The value as the JSON string sent on the wire.
    pub fn to_wire_string(&self) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, SdkFormatter);
        // Serialising plain strings, bools and maps into a Vec cannot fail.
        if self.serialize(&mut ser).is_err() {
            return String::from("{}");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// Parses the JSON string form.
    ///
    /// # Errors
    ///
    /// A [`serde_json::Error`] if `s` is not a JSON object of this shape.
    pub fn from_wire_string(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }
}

/// `{"word_list": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WordList {
    /// The words.
    pub word_list: Vec<String>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl WordList {
    /// A list of words.
    pub fn new<I, S>(words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        WordList {
            word_list: words.into_iter().map(Into::into).collect(),
            extra: Extra::new(),
        }
    }
}

/// Formats JSON with `", "` and `": "` separators, as Python's `json.dumps` does, so the filter
/// string is byte-for-byte what the official SDK sends.
struct SdkFormatter;

impl serde_json::ser::Formatter for SdkFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

mod special_word_filter_as_string {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        value: &Option<SpecialWordFilter>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(filter) => serializer.serialize_str(&filter.to_wire_string()),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SpecialWordFilter>, D::Error> {
        deserializer.deserialize_any(FilterVisitor)
    }

    struct FilterVisitor;

    impl<'de> Visitor<'de> for FilterVisitor {
        type Value = Option<SpecialWordFilter>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a special_word_filter object, or a string holding one as JSON")
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            SpecialWordFilter::from_wire_string(s)
                .map(Some)
                .map_err(|e| E::custom(format_args!("special_word_filter string: {e}")))
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            SpecialWordFilter::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
}

/// Who said a context message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ContextRole {
    /// A previous recognition result or a term list (content type `input_text`).
    User,
    /// A previous model reply (content type `text`).
    Assistant,
}

/// One message of `input.context`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContextMessage {
    /// Who said it.
    pub role: ContextRole,
    /// Its text items.
    pub content: Vec<ContextContent>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ContextMessage {
    /// A `user` message with one `input_text` item.
    pub fn user(text: impl Into<String>) -> Self {
        ContextMessage {
            role: ContextRole::User,
            content: vec![ContextContent::new(ContextContentType::InputText, text)],
            extra: Extra::new(),
        }
    }

    /// An `assistant` message with one `text` item.
    pub fn assistant(text: impl Into<String>) -> Self {
        ContextMessage {
            role: ContextRole::Assistant,
            content: vec![ContextContent::new(ContextContentType::Text, text)],
            extra: Extra::new(),
        }
    }
}

/// Kind of a context item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContextContentType {
    /// `input_text`, used by `user` messages.
    InputText,
    /// `text`, used by `assistant` messages.
    Text,
}

/// `{type, text}` item of a [`ContextMessage`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContextContent {
    /// Item kind.
    #[serde(rename = "type")]
    pub kind: ContextContentType,
    /// The text.
    pub text: String,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ContextContent {
    /// A text item.
    pub fn new(kind: ContextContentType, text: impl Into<String>) -> Self {
        ContextContent {
            kind,
            text: text.into(),
            extra: Extra::new(),
        }
    }
}

/// A top-level `resources` entry: a legacy Paraformer v1 phrase list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Resource {
    /// The phrase id.
    pub resource_id: String,
    /// `asr_phrase`.
    pub resource_type: String,
}

impl Resource {
    /// The `resource_type` of phrase lists.
    pub const ASR_PHRASE: &'static str = "asr_phrase";

    /// A phrase-list resource.
    pub fn asr_phrase(phrase_id: impl Into<String>) -> Self {
        Resource {
            resource_id: phrase_id.into(),
            resource_type: Resource::ASR_PHRASE.to_owned(),
        }
    }
}

/// Body of a Qwen3-ASR-Flash-Filetrans submit (`input.file_url`, protocol §4.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenFiletransRequest {
    /// The model, e.g. [`Model::QWEN3_ASR_FLASH_FILETRANS`].
    pub model: Model,
    /// Options; always serialised, as `{}` when empty.
    #[serde(default)]
    pub parameters: QwenFiletransParameters,
    /// The file.
    pub input: QwenFiletransInput,
    /// Top-level fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl QwenFiletransRequest {
    /// A request for `model` over one URL, with default options.
    pub fn new(model: impl Into<Model>, file_url: impl Into<String>) -> Self {
        QwenFiletransRequest {
            model: model.into(),
            parameters: QwenFiletransParameters::default(),
            input: QwenFiletransInput {
                file_url: file_url.into(),
                extra: Extra::new(),
            },
            extra: Extra::new(),
        }
    }

    /// Sets `parameters.language` (one code of protocol §4.1).
    pub fn with_language(mut self, code: impl Into<String>) -> Self {
        self.parameters.language = Some(code.into());
        self
    }

    /// Sets `parameters.enable_itn` (inverse text normalisation, zh/en only).
    pub fn with_itn(mut self, enabled: bool) -> Self {
        self.parameters.enable_itn = Some(enabled);
        self
    }

    /// Sets `parameters.enable_words` (word timestamps and VAD sentence splitting).
    pub fn with_words(mut self, enabled: bool) -> Self {
        self.parameters.enable_words = Some(enabled);
        self
    }

    /// Sets `parameters.channel_id`.
    pub fn with_channels(mut self, channels: impl IntoIterator<Item = i64>) -> Self {
        self.parameters.channel_id = Some(channels.into_iter().collect());
        self
    }

    /// Whether the URL is an `oss://` temporary-upload URL.
    pub fn uses_oss_urls(&self) -> bool {
        is_oss_url(&self.input.file_url)
    }

    /// Checks the request against the documented rules.
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validation::qwen_filetrans(self)
    }

    /// What the request is sent with although the documentation does not vouch for it (an
    /// undocumented model id, see [`Warning`]).
    pub fn warnings(&self) -> Vec<Warning> {
        self.model.warning().into_iter().collect()
    }
}

impl Validate for QwenFiletransRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        QwenFiletransRequest::validate(self)
    }
}

/// `input` of a [`QwenFiletransRequest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenFiletransInput {
    /// Exactly one public http(s) URL or `oss://` temporary URL.
    pub file_url: String,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `parameters` of a [`QwenFiletransRequest`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenFiletransParameters {
    /// One language code (protocol §4.1); omit for unknown or mixed languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Inverse text normalisation (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_itn: Option<bool>,
    /// Word-level timestamps (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_words: Option<bool>,
    /// Audio tracks, 0-based; default `[0]`; each billed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<Vec<i64>>,
    /// Context text; only in commented-out doc code, unverified (protocol §9 item 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<Corpus>,
    /// Parameters this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `parameters.corpus` of a [`QwenFiletransRequest`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Corpus {
    /// Background text biasing recognition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Corpus {
    /// A corpus with `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Corpus {
            text: Some(text.into()),
            extra: Extra::new(),
        }
    }
}
