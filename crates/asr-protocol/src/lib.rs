//! Sans-I/O protocol core for DashScope (Alibaba Cloud Model Studio) recorded-file speech
//! transcription.
//!
//! This crate turns typed requests from [`asr_types`] into [`http::Request`] values and turns
//! [`http::Response`] values back into typed results; it decides *when* to poll a task and
//! *whether* a failure may be retried. It never opens a socket, never sleeps, never reads a
//! clock, the environment or the filesystem, and never draws unseeded randomness: time is an
//! argument ([`std::time::Instant`] values passed in), and every value that would otherwise be
//! random (the multipart boundary) comes from the [`RequestContext`]. Given the same inputs it
//! produces the same bytes, which is what lets its tests snapshot exact requests.
//!
//! - [`endpoints`]: one module per endpoint, each with `build` and `parse`.
//! - [`TaskPoller`]: the polling state machine (`step` / `handle_response` / `handle_send_error`).
//! - [`track::CompletionTracker`]: many tasks in one query budget — polls while they fit,
//!   task-list sweeps when they do not, one final query per finished task.
//! - [`retry`]: retry classification as data.
//! - [`ApiKey`], [`RequestContext`]: the inputs every `build` needs.
//! - [`BuildError`], [`ResponseError`]: what can go wrong on either side of the wire;
//!   [`ErrorCode`] and [`ErrorCategory`]: the service's codes, typed.
//!
//! Sending the bytes is the job of `asr-transport` (or any HTTP client you like).

#![warn(missing_docs)]

pub mod auth;
pub mod context;
pub mod endpoints;
pub mod error;
pub mod poll;
pub mod recognition;
pub mod retry;
pub mod sse;
pub mod track;

pub use auth::ApiKey;
pub use context::RequestContext;
pub use error::{ApiError, BuildError, ErrorCategory, ErrorCode, ResponseError};
pub use poll::{Jitter, PollError, PollEvent, PollPolicy, SendErrorKind, Step, TaskPoller};
pub use retry::Retryability;
