//! The one error type of the client.

use std::path::PathBuf;
use std::time::Duration;

use asr_protocol::{ApiError, BuildError, PollError, ResponseError};
use asr_types::{RequestId, TaskId, TaskStatus};
use tower::BoxError;

use crate::layers::{AttemptError, AttemptErrorKind};

/// Everything that can go wrong in a client call.
///
/// The service's own errors keep their code, message and request id ([`Error::code`],
/// [`Error::request_id`]); lower-level causes are kept as boxed [`source`](std::error::Error::source)s so no
/// hyper or rustls type appears in this API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is invalid; nothing was sent.
    #[error("invalid configuration: `{field}`: {problem}")]
    Config {
        /// The setting (or environment variable) at fault.
        field: &'static str,
        /// The rule broken and the fix.
        problem: String,
    },
    /// The request could not be built (validation of the request body, a bad header value);
    /// nothing was sent.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The service answered with an error, or with a body that could not be read.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// No connection could be opened (DNS, TCP, proxy); nothing was sent.
    #[error("could not connect to {host}")]
    Connect {
        /// Host of the request.
        host: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The TLS handshake failed, e.g. the server's certificate is not trusted.
    #[error(
        "TLS handshake with {host} failed (add its CA with Config::with_root_certificate if it is private)"
    )]
    Tls {
        /// Host of the request.
        host: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// The connection broke after the request may have been sent, before a whole response
    /// arrived.
    #[error("connection to {host} lost before a complete response arrived")]
    Network {
        /// Host of the request.
        host: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// A submit was sent but its answer was lost (connection dropped, attempt timed out, or an
    /// ambiguous server error). The task may exist: it is not resent automatically, because a
    /// duplicate is billed again. Look for it with [`Client::list_tasks`](crate::Client::list_tasks)
    /// before submitting again.
    #[error(
        "the submit was sent but its outcome is unknown; a task may have been created, so it was not resent (check list_tasks before submitting again)"
    )]
    SubmitOutcomeUnknown {
        /// What happened to the answer.
        #[source]
        source: Box<Error>,
    },
    /// The configured [`SendGate`](crate::layers::SendGate) refused the request (the shared
    /// budget's store is unreachable, or this client lost its lease); nothing was sent.
    #[error("the shared send budget refused the request; nothing was sent")]
    Gate {
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A call, an attempt or a wait took too long.
    #[error("{what} timed out after {after:?}")]
    Timeout {
        /// What timed out (`request`, `attempt`, `upload`).
        what: &'static str,
        /// The limit that was reached.
        after: Duration,
    },
    /// A response body was larger than the configured limit.
    #[error(
        "response body exceeds the {limit}-byte limit (raise it with Config::with_max_result_bytes or with_max_response_bytes)"
    )]
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A local file could not be read.
    #[error("cannot read `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The task ended without a result for this file: it failed, was cancelled, is unknown to
    /// the service, or this file's subtask failed.
    #[error("task {task_id} ended {status}{}", describe(.code.as_deref(), .message.as_deref()))]
    TaskFailed {
        /// The task.
        task_id: TaskId,
        /// The task's final status.
        status: TaskStatus,
        /// The service's error code for the task or the file, if any.
        code: Option<String>,
        /// The service's message, if any.
        message: Option<String>,
    },
    /// Waiting for a task stopped without a finished task: the deadline passed, the task is
    /// unknown to the service, or queries kept failing. The task id is kept
    /// ([`Error::task_id`]); the task itself may still finish on the service.
    #[error(transparent)]
    Wait(#[from] PollError),
}

fn describe(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(": {c}: {m}"),
        (Some(c), None) => format!(": {c}"),
        (None, Some(m)) => format!(": {m}"),
        (None, None) => String::new(),
    }
}

impl Error {
    pub(crate) fn config(field: &'static str, problem: impl Into<String>) -> Self {
        Error::Config {
            field,
            problem: problem.into(),
        }
    }

    pub(crate) fn tls_setup(source: impl Into<BoxError>) -> Self {
        Error::Tls {
            host: "(client setup)".to_owned(),
            source: source.into(),
        }
    }

    /// Converts an error out of the tower stack; `host` names the request's host.
    pub(crate) fn from_stack(err: BoxError, host: &str, total: Duration) -> Self {
        if err.is::<tower::timeout::error::Elapsed>() {
            return Error::Timeout {
                what: "request",
                after: total,
            };
        }
        let err = match err.downcast::<crate::layers::GateRefused>() {
            Ok(refused) => return Error::Gate { source: refused.0 },
            Err(other) => other,
        };
        match err.downcast::<AttemptError>() {
            Ok(attempt) => Self::from_attempt(*attempt, host),
            Err(other) => Error::Network {
                host: host.to_owned(),
                source: other,
            },
        }
    }

    pub(crate) fn from_attempt(attempt: AttemptError, host: &str) -> Self {
        let host = host.to_owned();
        let limit = attempt.limit;
        let source: BoxError = match attempt.source {
            Some(s) => s,
            None => Box::new(AttemptError {
                kind: attempt.kind,
                limit,
                source: None,
            }),
        };
        match attempt.kind {
            AttemptErrorKind::Connect => Error::Connect { host, source },
            AttemptErrorKind::Tls => Error::Tls { host, source },
            AttemptErrorKind::Sent | AttemptErrorKind::Body => Error::Network { host, source },
            AttemptErrorKind::TooLarge => Error::BodyTooLarge {
                limit: limit.unwrap_or(0),
            },
            AttemptErrorKind::Timeout => Error::Timeout {
                what: "attempt",
                after: Duration::from_millis(limit.unwrap_or(0)),
            },
        }
    }

    /// Whether trying the same call again later could succeed: connection problems, timeouts,
    /// throttling and 5xx answers. A [`Error::SubmitOutcomeUnknown`] answers `false`: the
    /// first submit may have created the task.
    ///
    /// ```
    /// let err = asr_transport::Config::from_vars(|_| None).unwrap_err();
    /// assert!(!err.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Response(e) => e.retryability().is_retryable(),
            Error::Connect { .. } | Error::Network { .. } | Error::Timeout { .. } => true,
            Error::Wait(e) => {
                matches!(
                    e,
                    PollError::DeadlineExceeded { .. } | PollError::Transport { .. }
                ) || matches!(e, PollError::Response { source, .. } if source.retryability().is_retryable())
            }
            _ => false,
        }
    }

    /// Whether the service refused the credentials themselves (see
    /// [`ResponseError::refuses_credentials`]): every other call with them would fail too.
    ///
    /// ```
    /// let err = asr_transport::Config::from_vars(|_| None).unwrap_err();
    /// assert!(!err.refuses_credentials());
    /// ```
    pub fn refuses_credentials(&self) -> bool {
        match self {
            Error::Response(e) => e.refuses_credentials(),
            Error::Wait(PollError::Response { source, .. }) => source.refuses_credentials(),
            _ => false,
        }
    }

    /// The service's error code (`InvalidApiKey`, `Throttling.RateQuota`,
    /// `InvalidFile.DownloadFailed`…), if the service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Response(e) => e.code(),
            Error::TaskFailed { code, .. } => code.as_deref(),
            Error::SubmitOutcomeUnknown { source } => source.code(),
            Error::Wait(PollError::Response { source, .. }) => source.code(),
            _ => None,
        }
    }

    /// The service's message, if it sent one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Response(ResponseError::Api(ApiError { message, .. })) => Some(message),
            Error::TaskFailed { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The DashScope request id of the failed call, if known (quote it to support).
    pub fn request_id(&self) -> Option<&RequestId> {
        match self {
            Error::Response(e) => e.request_id(),
            Error::SubmitOutcomeUnknown { source } => source.request_id(),
            Error::Wait(PollError::Response { source, .. }) => source.request_id(),
            _ => None,
        }
    }

    /// The HTTP status of the service's answer, if there was one.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Error::Response(e) => Some(e.status()),
            _ => None,
        }
    }

    /// The task the error is about, if any.
    pub fn task_id(&self) -> Option<&TaskId> {
        match self {
            Error::TaskFailed { task_id, .. } => Some(task_id),
            Error::Wait(e) => Some(e.task_id()),
            _ => None,
        }
    }
}
