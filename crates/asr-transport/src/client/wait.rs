//! Waiting for a task: the driver of `asr_protocol::TaskPoller`, and the only place that sleeps.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use asr_protocol::{PollEvent, PollPolicy, SendErrorKind, Step, TaskPoller};
use asr_types::{TaskId, TaskResponse, TaskStatus};
use tokio::time::Instant;

use super::{Client, SendOptions};
use crate::error::Error;

/// How long a query in flight at the deadline may still take.
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

/// A progress event of a wait: which task, and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitEvent {
    /// The task waited for.
    pub task_id: TaskId,
    /// What changed (status, subtask counts, a retried query).
    pub event: PollEvent,
}

/// A callback receiving [`WaitEvent`]s.
pub type WaitCallback = Arc<dyn Fn(&WaitEvent) + Send + Sync>;

/// How to wait for a task.
///
/// The default schedule notices a finished task within max(0.5 s, 15 % of its run time), and
/// waits without a deadline. The first query goes out at once, unless
/// [`with_fresh_status`](Self::with_fresh_status) passes the answer of the submit that just
/// created the task: that answer stands in for it, saving one query per task.
///
/// ```
/// use std::time::Duration;
/// use asr_transport::WaitOptions;
/// let options = WaitOptions::default()
///     .with_deadline(Duration::from_secs(600))
///     .with_progress(|e| eprintln!("{}: {:?}", e.task_id, e.event));
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct WaitOptions {
    /// The polling schedule, deadline and error budget.
    pub policy: PollPolicy,
    /// Receives progress events.
    pub progress: Option<WaitCallback>,
    /// The task's status as of the start of the wait, when the caller has just learned it
    /// (the submit's answer); `None` for a task of unknown state, which is queried at once.
    pub fresh_status: Option<TaskStatus>,
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("policy", &self.policy)
            .field("progress", &self.progress.is_some())
            .field("fresh_status", &self.fresh_status)
            .finish()
    }
}

impl WaitOptions {
    /// Gives up after `deadline` with [`Error::Wait`] (`DeadlineExceeded`, keeping the task
    /// id); the task itself keeps running on the service.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.policy.deadline = Some(deadline);
        self
    }

    /// Uses a custom polling schedule.
    #[must_use]
    pub fn with_policy(mut self, policy: PollPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Says the task was just seen in `status` — pass the submit's `output.task_status` when
    /// waiting right after submitting. The first query then comes one poll delay later
    /// (0.5 s by default) instead of at once: a 2-second task costs 4 queries instead of 5,
    /// and a finished task is still noticed within the same bound. Set it per wait, not on
    /// options reused for other tasks; a terminal status is ignored (the result is fetched at
    /// once).
    #[must_use]
    pub fn with_fresh_status(mut self, status: TaskStatus) -> Self {
        self.fresh_status = Some(status);
        self
    }

    /// Sends progress events to `callback`.
    #[must_use]
    pub fn with_progress(mut self, callback: impl Fn(&WaitEvent) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }
}

impl Client {
    /// Waits until the task finishes and returns its final state (`SUCCEEDED`, `FAILED` or
    /// `CANCELED`: inspect `output` and each subtask).
    ///
    /// Queries follow the [`WaitOptions`] schedule and share the client-wide query budget with
    /// every other wait, so many concurrent waits never exceed the service's rate limit.
    /// Dropping the future cancels the wait (not the task).
    ///
    /// ```
    /// use std::time::Duration;
    /// use asr_transport::{Client, Model, TranscriptionRequest, WaitOptions};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    /// let submitted = client.submit(request).await?;
    /// let options = WaitOptions::default()
    ///     .with_deadline(Duration::from_secs(900))
    ///     // The submit's answer is fresh: no query needed right away.
    ///     .with_fresh_status(submitted.output.task_status);
    /// let done = client.wait(&submitted.output.task_id, options).await?;
    /// for url in done.output.transcription_urls() {
    ///     println!("{url}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Wait`] when the deadline passes (with the task id and last status), when the
    /// task is `UNKNOWN`, or when queries keep failing beyond the error budget.
    pub async fn wait(
        &self,
        task_id: &TaskId,
        options: WaitOptions,
    ) -> Result<TaskResponse, Error> {
        let start = Instant::now();
        let (ctx, policy) = (&self.inner.ctx, options.policy.clone());
        let mut poller = match &options.fresh_status {
            Some(status) => TaskPoller::with_fresh_status(
                task_id.clone(),
                status.clone(),
                ctx,
                policy,
                start.into_std(),
            ),
            None => TaskPoller::new(task_id.clone(), ctx, policy, start.into_std()),
        };
        // A fresh status is the first event: show it now, not after the first delay.
        report(&mut poller, &options);
        // A query in flight when the deadline passes gets a short grace, then counts as timed
        // out, so a wait with a deadline always ends near it even if the network hangs.
        let cutoff = options.policy.deadline.map(|d| start + d + DEADLINE_GRACE);
        loop {
            let step = poller.step(Instant::now().into_std());
            match step {
                Step::Send(request) => {
                    let sent = self.send(request, SendOptions::QUERY);
                    let result =
                        match cutoff {
                            Some(at) => tokio::time::timeout_at(at, sent).await.unwrap_or(Err(
                                Error::Timeout {
                                    what: "task query",
                                    after: DEADLINE_GRACE,
                                },
                            )),
                            None => sent.await,
                        };
                    match result {
                        Ok(resp) => poller.handle_response(Instant::now().into_std(), resp),
                        Err(err) => {
                            tracing::debug!(%task_id, error = %err, "task query failed");
                            poller.handle_send_error(
                                Instant::now().into_std(),
                                send_error_kind(&err),
                            );
                        }
                    }
                }
                Step::WaitUntil(at) => tokio::time::sleep_until(Instant::from_std(at)).await,
                Step::Done(result) => {
                    report(&mut poller, &options);
                    return result.map_err(Error::Wait);
                }
            }
            report(&mut poller, &options);
        }
    }
}

fn report(poller: &mut TaskPoller, options: &WaitOptions) {
    while let Some(event) = poller.poll_event() {
        if let Some(progress) = &options.progress {
            progress(&WaitEvent {
                task_id: poller.task_id().clone(),
                event,
            });
        }
    }
}

pub(super) fn send_error_kind(err: &Error) -> SendErrorKind {
    match err {
        Error::Connect { .. } | Error::Tls { .. } => SendErrorKind::Connect,
        Error::Timeout { .. } => SendErrorKind::Timeout,
        _ => SendErrorKind::Io,
    }
}

#[cfg(test)]
mod tests;
