//! The engine's error: an input's own failure, or what stopped the whole batch.

use std::sync::Arc;

use asr_types::TaskId;

use crate::sink::SinkError;
use crate::store::StoreError;

/// What went wrong for an input (in its [`Status::Failed`](crate::Status::Failed)), or for
/// the whole batch (the stream's last item).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A call to the service failed: upload, submit, wait, download, or the file's subtask.
    #[error(transparent)]
    Transport(#[from] asr_transport::Error),
    /// The task's results expired before they were downloaded.
    #[error(
        "the result of task {task_id} expired before it was downloaded (the service keeps \
         results for 24 hours after a task finishes); only submitting the input again helps, \
         and that is billed again: do it explicitly (`--resubmit-expired`, or \
         Batch::with_resubmit_expired)"
    )]
    Expired {
        /// The task.
        task_id: TaskId,
    },
    /// A submit of the input may have created a task that could not be found: it was not
    /// submitted again, so as not to pay twice.
    #[error(
        "a submit of this input was sent but its answer was lost, and its task could not be \
         found: it was not submitted again, to avoid paying twice; look for it in the task \
         list, or run the batch again later"
    )]
    Unresolved {
        /// Why the task list could not settle it.
        #[source]
        source: Option<Arc<Error>>,
    },
    /// The input appears twice in the batch.
    #[error("the same input appears earlier in the batch (input {first}); it is transcribed once")]
    Duplicate {
        /// Position of the first occurrence.
        first: usize,
    },
    /// The inputs of one task share its failure (a refused submit, a failed wait).
    #[error("the task for this input (one of {inputs} in it) failed")]
    Group {
        /// Inputs in the task.
        inputs: usize,
        /// The shared cause.
        #[source]
        source: Arc<Error>,
    },
    /// The sink could not deliver the document.
    #[error("cannot deliver the result")]
    Sink(#[source] SinkError),
    /// The sink could not make delivered outputs durable; the batch stops.
    #[error("cannot make the written outputs durable")]
    SinkSync(#[source] SinkError),
    /// The store failed; the batch stops.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The service refused the credentials; the batch stops, since every other call would
    /// be refused the same way.
    #[error("the service refused the credentials")]
    Credentials(#[source] asr_transport::Error),
    /// The batch was stopped before it finished.
    #[error("the batch was stopped")]
    Stopped,
    /// A bug: a worker of the engine panicked.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The transport error at the root of this one, if any.
    ///
    /// ```
    /// let e = asr_batch::Error::Stopped;
    /// assert!(e.transport().is_none());
    /// ```
    pub fn transport(&self) -> Option<&asr_transport::Error> {
        match self {
            Error::Transport(e) | Error::Credentials(e) => Some(e),
            Error::Group { source, .. } => source.transport(),
            Error::Unresolved { source: Some(s) } => s.transport(),
            _ => None,
        }
    }

    /// Whether the input's results expired (see [`Error::Expired`]).
    pub fn is_expired(&self) -> bool {
        match self {
            Error::Expired { .. } => true,
            Error::Group { source, .. } => source.is_expired(),
            _ => false,
        }
    }
}
