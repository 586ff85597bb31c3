//! The DashScope batch engine: URLs and local files in, one typed outcome per input out,
//! resumable through a journal.
//!
//! Inputs are grouped into tasks by the model's files-per-task rule
//! ([`asr_types::ModelFamily::files_per_task`]); local files are streamed to temporary storage
//! (with their own concurrency); each group is submitted once, its task is waited for, and
//! each input's result document is downloaded (with its own concurrency, before its URL
//! expires) and handed to a [`Sink`]. Every step that costs money is recorded in a [`Store`]
//! first, so a run that is killed and started again re-attaches to its tasks instead of paying
//! twice.
//!
//! This crate never resends a submit whose outcome is unknown (it looks for the task in the
//! task list, and submits again only when the list shows that none was created), never
//! retries a request on top of the transport's own retries, never lets two runs use one
//! journal, never writes into a file that is not its journal, never leaves a half-written
//! output, and never builds or parses wire JSON itself (asr-protocol does).
//!
//! ```no_run
//! use asr_batch::{Client, Model, TranscribeExt};
//!
//! # async fn run() -> Result<(), asr_batch::Error> {
//! let client = Client::builder().with_api_key("sk-…").build()?;
//! let transcript = client.transcribe_file("meeting.wav", Model::FUN_ASR).await?;
//! println!("{}", transcript.text());
//! # Ok(())
//! # }
//! ```
//!
//! - [`TranscribeExt`]: `client.transcribe(inputs, model)` and `client.transcribe_file(…)`.
//! - [`Batch`]: the engine with a store, a sink, progress events and its settings; its
//!   [`BatchRun`] is a `Stream` of [`Outcome`]s with a [`Summary`].
//! - [`Store`]: [`JsonlStore`] (a journal file, the default of the `asr` CLI) and
//!   [`MemoryStore`]; [`journal`] has the record format and the pure replay.
//! - [`Completion`]: where a batch learns that tasks finished (its own tracker by default).
//! - [`Sink`]: [`MemorySink`] (parsed documents) and [`DirSink`] (rendered files, written
//!   atomically, synced once per group commit).

mod completion;
mod engine;
mod error;
mod ext;
mod input;
mod job;
pub mod journal;
pub mod sink;
mod store;
#[cfg(test)]
mod testutil;

pub use asr_transport::{Client, Config};
pub use asr_types::{Model, TaskId};

pub use crate::completion::Completion;
pub use crate::engine::{
    Batch, BatchRun, Counts, Options, Outcome, ProgressEvent, ProgressFn, Status, Summary,
};
pub use crate::error::Error;
pub use crate::ext::TranscribeExt;
pub use crate::input::{Input, InputKey, OptionsId};
pub use crate::job::Job;
pub use crate::sink::{
    Delivered, Delivery, DirSink, FileTranscript, MemorySink, OutputFile, Sink, SinkError,
};
pub use crate::store::{JsonlStore, MemoryStore, Store, StoreError};
