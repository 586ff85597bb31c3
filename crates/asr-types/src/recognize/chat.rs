//! The OpenAI-compatible chat completion shapes used by Qwen-ASR (§4.2) and Qwen-Omni (§5).

use serde::{Deserialize, Serialize};
use serde_json::Number;

use super::{Annotation, AsrOptions, Role, validation};
use crate::model::Model;
use crate::task::{Extra, RequestId};
use crate::validate::{Validate, ValidationError, is_oss_url};

/// Body of `POST /compatible-mode/v1/chat/completions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatCompletionRequest {
    /// `qwen3-asr-flash` or an Omni model such as `qwen3-omni-flash`.
    pub model: Model,
    /// Optional system message, then one user message with the audio.
    pub messages: Vec<ChatMessage>,
    /// Stream chunks (`data:` lines); mandatory `true` for Omni.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// `{"include_usage": true}` adds a final usage-only chunk (streaming only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Qwen-ASR options; top level here, not inside `parameters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asr_options: Option<AsrOptions>,
    /// Omni output modalities; `["text"]` for transcription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modalities: Option<Vec<String>>,
    /// Top-level fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatCompletionRequest {
    /// A Qwen-ASR request (non-streaming, `asr_options` unset) over one audio URL or data URI.
    pub fn qwen_asr(model: impl Into<Model>, audio: impl Into<String>) -> Self {
        ChatCompletionRequest {
            model: model.into(),
            messages: vec![ChatMessage::user(vec![ChatPart::input_audio(audio, None)])],
            stream: Some(false),
            stream_options: None,
            asr_options: None,
            modalities: None,
            extra: Extra::new(),
        }
    }

    /// An Omni transcription: streaming with usage, text output, the audio in `format`
    /// (`wav`, `mp3`, …) followed by the instruction `prompt` in the same user message.
    pub fn omni(
        model: impl Into<Model>,
        audio: impl Into<String>,
        format: impl Into<String>,
        prompt: impl Into<String>,
    ) -> Self {
        ChatCompletionRequest {
            model: model.into(),
            messages: vec![ChatMessage::user(vec![
                ChatPart::input_audio(audio, Some(format.into())),
                ChatPart::text(prompt),
            ])],
            stream: Some(true),
            stream_options: Some(StreamOptions::with_usage()),
            asr_options: None,
            modalities: Some(vec!["text".to_owned()]),
            extra: Extra::new(),
        }
    }

    /// Puts a system message first (Qwen-ASR context; Omni instructions); replaces an earlier one.
    pub fn with_system(mut self, text: impl Into<String>) -> Self {
        let message = ChatMessage {
            role: Role::System,
            content: ChatContent::Text(text.into()),
            extra: Extra::new(),
        };
        match self.messages.first_mut() {
            Some(first) if first.role == Role::System => *first = message,
            _ => self.messages.insert(0, message),
        }
        self
    }

    /// Sets `stream`, and `stream_options.include_usage` along with it.
    pub fn with_stream(mut self, stream: bool) -> Self {
        self.stream = Some(stream);
        self.stream_options = stream.then(StreamOptions::with_usage);
        self
    }

    /// Sets `asr_options.language` (Qwen-ASR only).
    pub fn with_language(mut self, code: impl Into<String>) -> Self {
        self.asr_options
            .get_or_insert_with(AsrOptions::default)
            .language = Some(code.into());
        self
    }

    /// Sets `asr_options.enable_itn` (Qwen-ASR only).
    pub fn with_itn(mut self, enabled: bool) -> Self {
        self.asr_options
            .get_or_insert_with(AsrOptions::default)
            .enable_itn = Some(enabled);
        self
    }

    /// Whether the answer will be a stream of chunks.
    pub fn is_stream(&self) -> bool {
        self.stream == Some(true)
    }

    /// The audio references of every message.
    pub fn audio_data(&self) -> impl Iterator<Item = &str> {
        self.messages
            .iter()
            .filter_map(|m| match &m.content {
                ChatContent::Parts(parts) => Some(parts.iter()),
                ChatContent::Text(_) => None,
            })
            .flatten()
            .filter_map(|p| p.input_audio.as_ref().map(|a| a.data.as_str()))
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
        validation::chat(self)
    }
}

impl Validate for ChatCompletionRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        ChatCompletionRequest::validate(self)
    }
}

/// `stream_options`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamOptions {
    /// Adds a final `choices: []` chunk carrying usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_usage: Option<bool>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl StreamOptions {
    /// `{"include_usage": true}`.
    pub fn with_usage() -> Self {
        StreamOptions {
            include_usage: Some(true),
            extra: Extra::new(),
        }
    }
}

/// One chat message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatMessage {
    /// Who said it.
    pub role: Role,
    /// A string (Omni system prompts) or a list of parts.
    pub content: ChatContent,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatMessage {
    /// A user message with `parts`.
    pub fn user(parts: Vec<ChatPart>) -> Self {
        ChatMessage {
            role: Role::User,
            content: ChatContent::Parts(parts),
            extra: Extra::new(),
        }
    }
}

/// `content` of a [`ChatMessage`]: a plain string or a list of parts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ChatContent {
    /// Plain text.
    Text(String),
    /// Typed parts.
    Parts(Vec<ChatPart>),
}

/// Kind of a [`ChatPart`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChatPartType {
    /// Audio.
    InputAudio,
    /// Text (Omni instruction, Qwen-ASR system context).
    Text,
}

/// One part of a [`ChatMessage`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatPart {
    /// Part kind.
    #[serde(rename = "type")]
    pub kind: ChatPartType,
    /// The audio, for `input_audio` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_audio: Option<ChatInputAudio>,
    /// The text, for `text` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatPart {
    /// An audio part; `format` is the codec (Omni).
    pub fn input_audio(data: impl Into<String>, format: Option<String>) -> Self {
        ChatPart {
            kind: ChatPartType::InputAudio,
            input_audio: Some(ChatInputAudio {
                data: data.into(),
                format,
                extra: Extra::new(),
            }),
            text: None,
            extra: Extra::new(),
        }
    }

    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        ChatPart {
            kind: ChatPartType::Text,
            input_audio: None,
            text: Some(text.into()),
            extra: Extra::new(),
        }
    }
}

/// `input_audio` of a [`ChatPart`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatInputAudio {
    /// URL or data URI (Omni documents `data:;base64,<b64>` with an empty MIME type).
    pub data: String,
    /// Codec (`wav`, `mp3`, …); Omni.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Fields this SDK does not know, sent as is.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A non-streaming answer (`object: chat.completion`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatCompletion {
    /// `chatcmpl-…`.
    #[serde(default)]
    pub id: String,
    /// `chat.completion`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// The model that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// The replies (one).
    #[serde(default)]
    pub choices: Vec<ChatChoice>,
    /// Token and audio usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ChatUsage>,
    /// DashScope request id, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ChatCompletion {
    /// The text of the first choice.
    pub fn text(&self) -> &str {
        self.choices
            .first()
            .and_then(|c| c.message.content.as_deref())
            .unwrap_or_default()
    }
}

/// A choice of a [`ChatCompletion`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatChoice {
    /// `stop`, `length`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Index, 0.
    #[serde(default)]
    pub index: u32,
    /// The reply.
    pub message: ChatReply,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `message` of a [`ChatChoice`]: `content` is a string here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatReply {
    /// `assistant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Detected language and emotion (Qwen-ASR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Annotation>>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A stream chunk (`object: chat.completion.chunk`).
///
/// `null`s of the wire (`usage: null`, `logprobs: null`) read as absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatCompletionChunk {
    /// `chatcmpl-…`.
    #[serde(default)]
    pub id: String,
    /// `chat.completion.chunk`.
    #[serde(default)]
    pub object: String,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// The model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// Deltas; empty in the final usage chunk.
    #[serde(default)]
    pub choices: Vec<ChatChunkChoice>,
    /// Usage, only in the final chunk with `include_usage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ChatUsage>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A choice of a [`ChatCompletionChunk`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatChunkChoice {
    /// Index, 0.
    #[serde(default)]
    pub index: u32,
    /// The new piece.
    #[serde(default)]
    pub delta: ChatDelta,
    /// `stop` on the finishing chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `delta` of a [`ChatChunkChoice`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatDelta {
    /// `assistant` on the first chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// New text, appended to what came before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Detected language and emotion (Qwen-ASR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Annotation>>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `usage` of the OpenAI-compatible answers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatUsage {
    /// Input tokens (audio: 25 per second, rounded up per second).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u64>,
    /// Input token split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<TokenDetails>,
    /// Output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<u64>,
    /// Output token split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<TokenDetails>,
    /// Audio seconds (Qwen-ASR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<Number>,
    /// All tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Token counts by modality.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenDetails {
    /// Audio tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_tokens: Option<u64>,
    /// Text tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
