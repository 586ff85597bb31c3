//! Async client for DashScope (Alibaba Cloud Model Studio) recorded-file speech transcription.
//!
//! Built on hyper, rustls and tower, it drives the sans-I/O [`asr_protocol`] crate: every
//! request is built and every response parsed there, and this crate only moves the bytes,
//! retries safely, waits and streams. It never builds or parses wire JSON itself, never reads
//! environment variables unless asked ([`Config::from_env`]), and never resends a submit that
//! may have reached the service (a duplicate task is billed again).
//!
//! It makes single calls; the batch pipeline built on them — grouping, uploads, submits,
//! completion, downloads and a resumable journal, `client.transcribe_file(…)` — is the
//! `asr-batch` crate.
//!
//! ```no_run
//! use asr_transport::{Client, Model, TranscriptionRequest, WaitOptions};
//!
//! # async fn run() -> Result<(), asr_transport::Error> {
//! let client = Client::builder().with_api_key("sk-…").build()?;
//! let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
//! let task = client.submit(request).await?.output.task_id;
//! let done = client.wait(&task, WaitOptions::default()).await?;
//! for url in done.output.transcription_urls() {
//!     println!("{}", client.fetch_result(url).await?.channels()[0].text);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! - [`Client`]: [`submit`](Client::submit), [`task`](Client::task), [`wait`](Client::wait),
//!   [`tracker`](Client::tracker) (many tasks in one query budget),
//!   [`cancel`](Client::cancel), [`list_tasks`](Client::list_tasks),
//!   [`fetch_result`](Client::fetch_result) and [`upload`](Client::upload).
//! - [`Config`]: endpoints, credentials, timeouts, retries, limits, proxy, TLS roots.
//! - [`layers`]: the tower stack (concurrency limit → total timeout → retry → query budget →
//!   per-attempt timeout → tracing → hyper).
//! - [`Error`]: one error type keeping the service's code, message and request id.
//!
//! TLS uses rustls with the platform verifier (feature `webpki-roots` switches to Mozilla's
//! roots), and the process-default rustls `CryptoProvider` when one is installed, else ring.

mod body;
mod client;
mod config;
mod connect;
mod error;
pub mod layers;
mod recognize;
mod send;
#[cfg(test)]
mod test_support;
mod tls;
mod vocabulary;

pub use asr_protocol::track::{TrackEvent, TrackMode, TrackPolicy, TrackStats, TrackedTask};
pub use asr_protocol::{ApiKey, PollError, PollEvent, PollPolicy};
pub use asr_types::{
    ListTasksQuery, Model, QwenFiletransRequest, Region, ResultDocument, TaskId, TaskResponse,
    TaskStatus, TranscriptionRequest, WorkspaceId,
};

pub use crate::body::{ProgressFn, UploadProgress};
pub use crate::client::{
    Client, Submission, TaskTracker, TrackOptions, TrackStream, Upload, WaitCallback, WaitEvent,
    WaitOptions,
};
pub use crate::config::Config;
pub use crate::connect::Proxy;
pub use crate::error::Error;
pub use crate::recognize::{
    ChatCompletionRequest, FlashRequest, LocalAudio, OMNI_PROMPT, OMNI_SYSTEM_PROMPT,
    QwenAsrRequest, Recognition, RecognitionEvent, RecognitionStream, RecognizeRequest,
    RecognizedSentence, Usage,
};
pub use crate::vocabulary::{
    ExistingVocabulary, ItemChange, SyncAction, SyncOutcome, SyncPlan, SyncSpec, VocabularyDiff,
    VocabularyError, check_update_allowed, diff_items, plan_sync, update_allowed_at,
    vocabulary_warnings,
};
