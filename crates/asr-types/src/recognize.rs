//! Synchronous recognition: `POST /services/aigc/multimodal-generation/generation` (native) and
//! `POST /compatible-mode/v1/chat/completions` (OpenAI-compatible).
//!
//! Three request shapes exist (protocol §3, §4.1, §4.2, §5):
//!
//! - [`FlashRequest`]: `fun-asr-flash-*` and `qwen-audio-3.x-asr-flash`; messages carry an
//!   `input_audio` item plus optional context (`user` → `input_text`, `assistant` → `text`);
//!   `parameters.format` is required and `sample_rate` travels as a string.
//! - [`QwenAsrRequest`]: `qwen3-asr-flash` on the native endpoint; an optional `system` message
//!   carries context, the user message an `audio` item; options live in
//!   `parameters.asr_options`.
//! - [`ChatCompletionRequest`]: the OpenAI-compatible call for Qwen-ASR and Qwen-Omni (Omni only
//!   with `stream: true`).
//!
//! Native answers (JSON or one SSE event each) parse as [`RecognitionResponse`]; both Flash
//! nestings (`output.sentence` and `output.output.sentence`, protocol §9 item 1) are accepted.
//! OpenAI-compatible answers parse as [`ChatCompletion`] and stream chunks as
//! [`ChatCompletionChunk`]. Every type keeps unknown fields in `extra`. What a client keeps of a
//! recognition saves as a [`RecognitionDocument`], the shape of a file transcription's result.

use serde::{Deserialize, Serialize};
use serde_json::Number;

use crate::model::Model;
use crate::task::{Extra, RequestId};
use crate::validate::{Validate, ValidationError, is_oss_url};

mod chat;
mod document;
mod validation;

pub use chat::{
    ChatChoice, ChatChunkChoice, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest,
    ChatContent, ChatDelta, ChatInputAudio, ChatMessage, ChatPart, ChatPartType, ChatReply,
    ChatUsage, StreamOptions, TokenDetails,
};
pub use document::{RecognitionDocument, RecognitionSentence, RecognitionTranscript};
pub use validation::{
    MAX_AUDIO_MS, MAX_CONTEXT_CHARS, MAX_CONTEXT_PER_KIND, MAX_DATA_URI_BYTES, check_duration,
};

/// Who said a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// Context for Qwen3-ASR (`qwen3-asr-flash`) and Omni (instructions).
    System,
    /// The audio, and for Flash models previous recognition results or term lists.
    User,
    /// Flash models: a previous model reply, as context.
    Assistant,
}

/// Kind of a native content item; absent for Qwen3-ASR items (`{"audio"}`, `{"text"}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContentType {
    /// The audio to recognise (`input_audio.data`).
    InputAudio,
    /// User context text (a previous recognition result or a term list).
    InputText,
    /// Assistant context text (a previous model reply).
    Text,
}

/// `{data}` of an `input_audio` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InputAudio {
    /// A public http(s) URL, an `oss://` URL or a data URI `data:<mime>;base64,<payload>`.
    pub data: String,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One item of a native message's `content`.
///
/// One struct serves both native dialects, since an item is told apart by which keys it has:
/// Flash items are `{"type":"input_audio","input_audio":{"data"}}` or `{"type":"input_text"|"text",
/// "text"}`; Qwen3-ASR items are `{"audio": …}` or `{"text": …}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Content {
    /// Item kind (Flash only).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ContentType>,
    /// Flash audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_audio: Option<InputAudio>,
    /// Qwen3-ASR audio: URL, `oss://` URL or data URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    /// Context text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Content {
    /// Flash audio item.
    pub fn input_audio(data: impl Into<String>) -> Self {
        Content {
            kind: Some(ContentType::InputAudio),
            input_audio: Some(InputAudio {
                data: data.into(),
                extra: Extra::new(),
            }),
            ..Content::default()
        }
    }

    /// Flash user context item (`input_text`).
    pub fn input_text(text: impl Into<String>) -> Self {
        Content {
            kind: Some(ContentType::InputText),
            text: Some(text.into()),
            ..Content::default()
        }
    }

    /// Flash assistant context item (`text`).
    pub fn typed_text(text: impl Into<String>) -> Self {
        Content {
            kind: Some(ContentType::Text),
            text: Some(text.into()),
            ..Content::default()
        }
    }

    /// Qwen3-ASR audio item (`{"audio": …}`).
    pub fn audio(data: impl Into<String>) -> Self {
        Content {
            audio: Some(data.into()),
            ..Content::default()
        }
    }

    /// Qwen3-ASR system text item (`{"text": …}`).
    pub fn plain_text(text: impl Into<String>) -> Self {
        Content {
            text: Some(text.into()),
            ..Content::default()
        }
    }

    /// The audio reference of this item, in either dialect.
    pub fn audio_data(&self) -> Option<&str> {
        self.input_audio
            .as_ref()
            .map(|a| a.data.as_str())
            .or(self.audio.as_deref())
    }
}

/// One message of `input.messages`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// Its items.
    pub content: Vec<Content>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    /// A message from `role` with `content`.
    pub fn new(role: Role, content: Vec<Content>) -> Self {
        Message {
            role,
            content,
            extra: Extra::new(),
        }
    }
}

/// `input` of a native request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecognitionInput {
    /// Context messages first, the audio message last.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of a Fun-ASR-Flash / Qwen-Audio-3.x-ASR-Flash call (protocol §3.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlashRequest {
    /// The model, e.g. [`Model::FUN_ASR_FLASH_2026_06_15`].
    pub model: Model,
    /// Options; `format` is required.
    pub parameters: FlashParameters,
    /// The messages.
    pub input: RecognitionInput,
    /// Top-level fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl FlashRequest {
    /// A request for `model` over one audio (URL, `oss://` URL or data URI) in `format`
    /// (`wav`, `mp3`, `opus`, …).
    pub fn new(
        model: impl Into<Model>,
        audio: impl Into<String>,
        format: impl Into<String>,
    ) -> Self {
        FlashRequest {
            model: model.into(),
            parameters: FlashParameters {
                format: format.into(),
                ..FlashParameters::default()
            },
            input: RecognitionInput {
                messages: vec![Message::new(Role::User, vec![Content::input_audio(audio)])],
                extra: Extra::new(),
            },
            extra: Extra::new(),
        }
    }

    /// Sets `parameters.sample_rate` (sent as the string the service expects, e.g. `"16000"`).
    pub fn with_sample_rate(mut self, hz: u32) -> Self {
        self.parameters.sample_rate = Some(hz.to_string());
        self
    }

    /// Sets `parameters.vocabulary_id`.
    pub fn with_vocabulary_id(mut self, id: impl Into<String>) -> Self {
        self.parameters.vocabulary_id = Some(id.into());
        self
    }

    /// Adds one instant hot word (`qwen-audio-3.0-asr-flash` only), weight 1–5 or 50.
    pub fn with_hot_word(mut self, text: impl Into<String>, weight: u32) -> Self {
        self.parameters
            .vocabulary
            .get_or_insert_with(Default::default)
            .insert(text.into(), weight);
        self
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

    /// Adds a user context message (`input_text`: a previous recognition result or a term
    /// list) before the audio message.
    pub fn with_user_context(self, text: impl Into<String>) -> Self {
        self.with_context_message(Message::new(Role::User, vec![Content::input_text(text)]))
    }

    /// Adds an assistant context message (`text`: a previous model reply) before the audio.
    pub fn with_assistant_context(self, text: impl Into<String>) -> Self {
        self.with_context_message(Message::new(
            Role::Assistant,
            vec![Content::typed_text(text)],
        ))
    }

    fn with_context_message(mut self, message: Message) -> Self {
        let at = self.input.messages.len().saturating_sub(1);
        self.input.messages.insert(at, message);
        self
    }

    /// The audio references of every message.
    pub fn audio_data(&self) -> impl Iterator<Item = &str> {
        audio_refs(&self.input.messages)
    }

    /// Whether an audio reference is an `oss://` URL (needs `X-DashScope-OssResourceResolve`).
    pub fn uses_oss_urls(&self) -> bool {
        self.audio_data().any(is_oss_url)
    }

    /// Checks the request against the documented rules.
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validation::flash(self)
    }

    /// What the request is sent with although the documentation does not vouch for it (an
    /// undocumented model id, see [`crate::Warning`]).
    pub fn warnings(&self) -> Vec<crate::Warning> {
        self.model.warning().into_iter().collect()
    }
}

impl Validate for FlashRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        FlashRequest::validate(self)
    }
}

/// `parameters` of a [`FlashRequest`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlashParameters {
    /// Audio format, required: `wav`, `mp3`, `opus`, …
    #[serde(default)]
    pub format: String,
    /// Sample rate in Hz as a decimal string (the service's documented type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<String>,
    /// Id of a hot-word list created for this model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary_id: Option<String>,
    /// Instant hot words `{text: weight}` (only `qwen-audio-3.0-asr-flash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<std::collections::BTreeMap<String, u32>>,
    /// Language codes; Fun-ASR-Flash reads the first, Qwen-Audio-3.x up to four.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_hints: Option<Vec<String>>,
    /// Parameters this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of a native `qwen3-asr-flash` call (protocol §4.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenAsrRequest {
    /// The model, e.g. [`Model::QWEN3_ASR_FLASH`].
    pub model: Model,
    /// Options; always sent, as `{}` when empty.
    #[serde(default)]
    pub parameters: QwenAsrParameters,
    /// The messages: an optional system context message, then the audio message.
    pub input: RecognitionInput,
    /// Top-level fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl QwenAsrRequest {
    /// A request for `model` over one audio (URL, `oss://` URL or data URI).
    pub fn new(model: impl Into<Model>, audio: impl Into<String>) -> Self {
        QwenAsrRequest {
            model: model.into(),
            parameters: QwenAsrParameters::default(),
            input: RecognitionInput {
                messages: vec![Message::new(Role::User, vec![Content::audio(audio)])],
                extra: Extra::new(),
            },
            extra: Extra::new(),
        }
    }

    /// Sets the system context (background text, names, terms); replaces an earlier one.
    pub fn with_context(mut self, text: impl Into<String>) -> Self {
        let message = Message::new(Role::System, vec![Content::plain_text(text)]);
        match self.input.messages.first_mut() {
            Some(first) if first.role == Role::System => *first = message,
            _ => self.input.messages.insert(0, message),
        }
        self
    }

    /// Sets `asr_options.language` (one code of protocol §4.1).
    pub fn with_language(mut self, code: impl Into<String>) -> Self {
        self.asr_options().language = Some(code.into());
        self
    }

    /// Sets `asr_options.enable_itn`.
    pub fn with_itn(mut self, enabled: bool) -> Self {
        self.asr_options().enable_itn = Some(enabled);
        self
    }

    /// Sets `asr_options.enable_lid` (used by SDK examples, not in the reference table).
    pub fn with_lid(mut self, enabled: bool) -> Self {
        self.asr_options().enable_lid = Some(enabled);
        self
    }

    /// Sets `parameters.incremental_output`: with SSE, each event then carries only new text.
    pub fn with_incremental_output(mut self, enabled: bool) -> Self {
        self.parameters.incremental_output = Some(enabled);
        self
    }

    fn asr_options(&mut self) -> &mut AsrOptions {
        self.parameters
            .asr_options
            .get_or_insert_with(AsrOptions::default)
    }

    /// The audio references of every message.
    pub fn audio_data(&self) -> impl Iterator<Item = &str> {
        audio_refs(&self.input.messages)
    }

    /// Whether an audio reference is an `oss://` URL.
    pub fn uses_oss_urls(&self) -> bool {
        self.audio_data().any(is_oss_url)
    }

    /// Checks the request against the documented rules.
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validation::qwen_asr(self)
    }

    /// What the request is sent with although the documentation does not vouch for it (an
    /// undocumented model id, see [`crate::Warning`]).
    pub fn warnings(&self) -> Vec<crate::Warning> {
        self.model.warning().into_iter().collect()
    }
}

impl Validate for QwenAsrRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        QwenAsrRequest::validate(self)
    }
}

/// `parameters` of a [`QwenAsrRequest`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenAsrParameters {
    /// Recognition options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asr_options: Option<AsrOptions>,
    /// `message`: the SDK always sends it; answers use `choices` either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_format: Option<String>,
    /// With SSE, each event carries only the new text instead of the whole text so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental_output: Option<bool>,
    /// Parameters this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `asr_options` of Qwen3-ASR, native (`parameters.asr_options`) and OpenAI-compatible
/// (top-level `asr_options`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AsrOptions {
    /// One language code; omit for unknown or mixed languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Inverse text normalisation (zh/en only; default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_itn: Option<bool>,
    /// Language identification; used by SDK examples, absent from the reference (§9 item 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_lid: Option<bool>,
    /// Word timestamps; seen only in third-party code (§9 item 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_words: Option<bool>,
    /// Options this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A native answer (JSON body or one SSE event's data) of either native dialect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecognitionResponse {
    /// The result so far.
    #[serde(default)]
    pub output: RecognitionOutput,
    /// Billing usage; Flash sends it on sentence-end results only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<RecognitionUsage>,
    /// Id of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl RecognitionResponse {
    /// The recognised text: Flash `output.text` (cumulative), or the Qwen3-ASR message text.
    pub fn text(&self) -> String {
        if let Some(text) = &self.output.text {
            return text.clone();
        }
        self.output
            .choices
            .iter()
            .flatten()
            .take(1)
            .flat_map(|c| c.message.content.iter())
            .filter_map(|c| c.text.as_deref())
            .collect()
    }

    /// The Flash sentence of this answer, from either nesting (§9 item 1).
    pub fn sentence(&self) -> Option<&FlashSentence> {
        self.output.sentence.as_ref().or_else(|| {
            self.output
                .output
                .as_ref()
                .and_then(|o| o.sentence.as_ref())
        })
    }

    /// The first Qwen3-ASR choice, if this is a Qwen3-ASR answer.
    pub fn choice(&self) -> Option<&NativeChoice> {
        self.output.choices.as_ref().and_then(|c| c.first())
    }
}

/// `output` of a [`RecognitionResponse`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecognitionOutput {
    /// Flash: the whole text so far; each event replaces the previous one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Flash: the current sentence (help.aliyun.com nesting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<FlashSentence>,
    /// Flash: `output.output.sentence` (platform.qianwenai.com nesting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<NestedOutput>,
    /// Qwen3-ASR: the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<NativeChoice>>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output.output` of the alternative Flash nesting.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NestedOutput {
    /// The current sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<FlashSentence>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A Flash sentence (`output.sentence`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlashSentence {
    /// Sentence number, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_id: Option<u64>,
    /// `true` once the sentence is final (stable words, `end_time`, usage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_end: Option<bool>,
    /// Start, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_time: Option<u64>,
    /// End, ms (only when `sentence_end`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<u64>,
    /// The sentence text.
    #[serde(default)]
    pub text: String,
    /// Audio track.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<u32>,
    /// Words with timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<FlashWord>>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl FlashSentence {
    /// Whether the sentence is final.
    pub fn is_final(&self) -> bool {
        self.sentence_end == Some(true)
    }
}

/// A word of a [`FlashSentence`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlashWord {
    /// The word (English words may carry a leading space).
    #[serde(default)]
    pub text: String,
    /// Start, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_time: Option<u64>,
    /// End, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<u64>,
    /// Punctuation following the word, possibly empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punctuation: Option<String>,
    /// `false` while the word may still change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<bool>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A Qwen3-ASR native choice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NativeChoice {
    /// `stop`/`length` when done; `null` or the *string* `"null"` while generating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// The reply.
    #[serde(default)]
    pub message: NativeReply,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl NativeChoice {
    /// Whether generation has finished (a reason other than `null`/`"null"`).
    pub fn is_finished(&self) -> bool {
        self.finish_reason
            .as_deref()
            .is_some_and(|r| !r.is_empty() && r != "null")
    }
}

/// `message` of a [`NativeChoice`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NativeReply {
    /// `assistant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Text items `{text}`.
    #[serde(default)]
    pub content: Vec<Content>,
    /// Detected language and emotion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Annotation>>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `{"type":"audio_info","language","emotion"}` annotation of Qwen3-ASR answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Annotation {
    /// `audio_info`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Detected language code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Detected emotion: `surprised`, `neutral`, `happy`, `sad`, `disgusted`, `angry`,
    /// `fearful`, or a value added since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emotion: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `usage` of a native answer: Flash `duration`, Qwen3-ASR `seconds` and token details.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecognitionUsage {
    /// Flash: processed audio seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Number>,
    /// Qwen3-ASR: audio seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<Number>,
    /// Qwen3-ASR: input token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens_details: Option<TokenDetails>,
    /// Qwen3-ASR: output token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_details: Option<TokenDetails>,
    /// Input tokens, for models whose usage is counted in tokens (`qwen-audio-3.1-asr-flash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens, for models whose usage is counted in tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl RecognitionUsage {
    /// Audio seconds billed, from whichever field the dialect uses.
    pub fn audio_seconds(&self) -> Option<f64> {
        self.duration
            .as_ref()
            .or(self.seconds.as_ref())
            .and_then(Number::as_f64)
    }

    /// The tokens of a call counted in tokens (`input_tokens`/`output_tokens`); `None` when the
    /// answer names neither. Qwen3-ASR's `*_tokens_details` are informational (it is billed per
    /// second) and are not counted here.
    pub fn billed_tokens(&self) -> Option<crate::TokenUsage> {
        crate::TokenUsage::from_parts(self.input_tokens, self.output_tokens)
    }
}

fn audio_refs(messages: &[Message]) -> impl Iterator<Item = &str> {
    messages
        .iter()
        .flat_map(|m| m.content.iter())
        .filter_map(Content::audio_data)
}
