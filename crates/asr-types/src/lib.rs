//! Typed models and validation for DashScope (Alibaba Cloud Model Studio) recorded-file speech
//! transcription.
//!
//! This crate never performs I/O, never reads a clock or the environment, and depends on no
//! runtime: it is safe to use from any service that only needs the wire types.
//!
//! - [`model`]: model ids, families and what each accepts.
//! - [`region`]: regions and their base URLs, workspace ids.
//! - [`submit`]: submit bodies ([`TranscriptionRequest`], [`QwenFiletransRequest`]).
//! - [`task`]: task ids, statuses, and the task API answers.
//! - [`token`]: temporary API keys (`st-…`).
//! - [`transcript`]: the result documents behind `transcription_url`.
//! - [`text`]: how the service's languages join sentences and where they put spaces.
//! - [`error`]: the service's error envelopes.
//! - [`upload`]: the temporary-upload policy.
//! - [`validate`]: [`ValidationError`] and the [`Validate`] trait.
//! - [`vocabulary`]: hot-word vocabularies: the five customization actions and item validation.
//! - [`warning`]: [`Warning`]s for what is sent although the documentation does not vouch
//!   for it (an undocumented model, a language one page lists, an unusable hot-word list).
//!
//! Response types keep unknown fields in an `extra` map, so parsing and serialising again
//! loses nothing; status enums keep unseen strings in an `Other` variant.

pub mod error;
pub mod model;
pub mod recognize;
pub mod region;
pub mod submit;
pub mod task;
pub mod text;
pub mod token;
pub mod transcript;
pub mod upload;
pub mod validate;
pub mod vocabulary;
pub mod warning;

pub use error::{ApiErrorBody, OpenAiError, OpenAiErrorBody};

pub use model::{FileInput, LanguageHints, Model, ModelFamily};
pub use recognize::{
    Annotation, AsrOptions, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatUsage,
    FlashRequest, FlashSentence, FlashWord, QwenAsrRequest, RecognitionResponse, RecognitionUsage,
};
pub use region::{Region, WorkspaceId};
pub use submit::{
    ContextContent, ContextContentType, ContextMessage, ContextRole, Corpus, QwenFiletransInput,
    QwenFiletransParameters, QwenFiletransRequest, Resource, SpecialWordFilter, TranscriptionInput,
    TranscriptionParameters, TranscriptionRequest, WordList,
};
pub use task::{
    CancelResponse, Extra, ListTasksQuery, QwenFiletransTaskResult, RequestId, SubmitOutput,
    SubmitResponse, SubtaskResult, SubtaskStatus, TaskId, TaskListItem, TaskListResponse,
    TaskMetrics, TaskOutput, TaskResponse, TaskStatus, TaskUsage, TokenUsage,
};
pub use token::{CreateTemporaryKeyRequest, TemporaryKey, TemporaryToken};
pub use transcript::{
    AudioInfo, AudioProperties, ChannelView, QwenSentence, QwenTranscript, QwenTranscription,
    ResultDocument, Sentence, SentenceView, Transcript, Transcription, Word,
};
pub use upload::{UploadPolicy, UploadPolicyResponse};
pub use validate::{Validate, ValidationError};
pub use vocabulary::{
    CreateVocabulary, CreateVocabularyRequest, CreateVocabularyResponse, CreatedVocabulary,
    DeleteVocabulary, DeleteVocabularyRequest, DeleteVocabularyResponse, EmptyOutput, ItemIssue,
    ListVocabularies, ListVocabulariesRequest, ListVocabulariesResponse, QueryVocabulary,
    QueryVocabularyRequest, QueryVocabularyResponse, UpdateVocabulary, UpdateVocabularyRequest,
    UpdateVocabularyResponse, VocabularyAction, VocabularyDetails, VocabularyId, VocabularyItem,
    VocabularyList, VocabularyRequest, VocabularyResponse, VocabularyStatus, VocabularySummary,
    VocabularyUsage,
};
pub use warning::Warning;
