//! Where a batch learns that its tasks finished: by default its own tracker (polls, or
//! task-list sweeps when polls would not fit the account's budget); a fleet of processes on one
//! account hands that job to one elected poller and implements [`Completion`] on top of it.

use std::sync::Arc;

use asr_transport::{TaskResponse, TrackedTask};
use futures_util::future::BoxFuture;

/// "Tell me when this task has finished."
///
/// [`finished`](Completion::finished) resolves with the task's terminal query (its results and
/// result URLs), or with the error that ended the wait: a task the service does not know
/// answers [`PollError::UnknownTask`](asr_transport::PollError::UnknownTask) (its results are
/// gone), a wait that gave up [`PollError::DeadlineExceeded`](asr_transport::PollError::DeadlineExceeded),
/// both inside [`asr_transport::Error::Wait`]. Several callers may wait for the same task.
///
/// ```
/// use std::sync::Arc;
/// use asr_batch::Completion;
/// use asr_transport::{Client, TaskResponse, TrackedTask, WaitOptions};
/// use futures_util::future::BoxFuture;
///
/// /// Waits for each task on its own (what a single process with few tasks could do).
/// struct OneByOne(Client);
///
/// impl Completion for OneByOne {
///     fn finished(&self, task: TrackedTask) -> BoxFuture<'_, Result<TaskResponse, asr_transport::Error>> {
///         Box::pin(async move { self.0.wait(&task.task_id, WaitOptions::default()).await })
///     }
/// }
/// # let _ = |c: Client| asr_batch::Batch::new(c.clone(), asr_types::Model::FUN_ASR).with_completion(Arc::new(OneByOne(c)));
/// ```
pub trait Completion: Send + Sync {
    /// Waits until `task` has finished.
    fn finished(
        &self,
        task: TrackedTask,
    ) -> BoxFuture<'_, Result<TaskResponse, asr_transport::Error>>;
}

impl<C: Completion + ?Sized> Completion for Arc<C> {
    fn finished(
        &self,
        task: TrackedTask,
    ) -> BoxFuture<'_, Result<TaskResponse, asr_transport::Error>> {
        (**self).finished(task)
    }
}
