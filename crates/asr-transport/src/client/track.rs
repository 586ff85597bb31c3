//! The driver of `asr_protocol::track::CompletionTracker`: a handle to add tasks and a stream of
//! what the tracker learns, sending through the client's stack so every query, list and cancel
//! of the client shares one budget.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;

use asr_protocol::track::{
    CompletionTracker, TrackEvent, TrackMode, TrackPolicy, TrackStats, TrackedTask, TransmitId,
};
use asr_types::TaskId;
use futures_util::stream::{FuturesUnordered, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

use super::wait::send_error_kind;
use super::{Client, SendOptions};
use crate::error::Error;
use crate::layers::StackResponse;

/// How to track tasks.
///
/// The tracker's planned query rate always comes from the client's budget
/// ([`Config::with_query_rate`](crate::Config::with_query_rate), lowered after a 429), whatever
/// `policy.query_rate` says.
///
/// ```
/// use std::time::Duration;
/// use asr_transport::{PollPolicy, TrackOptions, TrackPolicy};
/// let options = TrackOptions::default().with_policy(
///     TrackPolicy::default().with_poll_policy(PollPolicy::default().with_deadline(Duration::from_secs(3600))),
/// );
/// # drop(options);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TrackOptions {
    /// Poll schedule, sweep settings, deadline and error budget.
    pub policy: TrackPolicy,
}

impl TrackOptions {
    /// Uses `policy`.
    #[must_use]
    pub fn with_policy(mut self, policy: TrackPolicy) -> Self {
        self.policy = policy;
        self
    }
}

enum Command {
    Add(TrackedTask),
    Remove(TaskId),
}

/// Adds tasks to a [`TrackStream`]; cheap to clone, usable from any task.
///
/// The stream ends once every handle is dropped and every task it tracked has finished or
/// been lost.
#[derive(Clone)]
pub struct TaskTracker {
    commands: mpsc::UnboundedSender<Command>,
}

impl fmt::Debug for TaskTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskTracker")
            .field("open", &!self.commands.is_closed())
            .finish()
    }
}

impl TaskTracker {
    /// Starts tracking `task`. Returns `false` if the stream was dropped.
    pub fn add(&self, task: TrackedTask) -> bool {
        self.commands.send(Command::Add(task)).is_ok()
    }

    /// Stops tracking a task (no event is reported for it). Returns `false` if the stream was
    /// dropped.
    pub fn remove(&self, task_id: TaskId) -> bool {
        self.commands.send(Command::Remove(task_id)).is_ok()
    }
}

type Sent = Pin<Box<dyn Future<Output = (TransmitId, Result<StackResponse, Error>)> + Send>>;

/// What the tracker learns, as a [`Stream`]: status changes, finished tasks (with their
/// result URLs) and lost ones. It only makes progress while polled.
#[must_use = "a tracker only makes progress while its stream is polled"]
pub struct TrackStream {
    client: Client,
    core: CompletionTracker,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Commands are closed: every handle was dropped.
    closed: bool,
    sent: FuturesUnordered<Sent>,
    timer: Pin<Box<Sleep>>,
    timer_at: Option<Instant>,
    ready: VecDeque<TrackEvent>,
}

impl fmt::Debug for TrackStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrackStream")
            .field("tasks", &self.core.len())
            .field("in_flight", &self.sent.len())
            .field("mode", &self.core.mode())
            .finish_non_exhaustive()
    }
}

impl TrackStream {
    /// Tasks still tracked.
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// Whether no task is tracked.
    pub fn is_empty(&self) -> bool {
        self.core.is_empty()
    }

    /// How completion is learned right now.
    pub fn mode(&self) -> TrackMode {
        self.core.mode()
    }

    /// Requests sent so far, by purpose.
    pub fn stats(&self) -> TrackStats {
        self.core.stats()
    }

    fn now() -> std::time::Instant {
        Instant::now().into_std()
    }

    fn wall_ms() -> i64 {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

impl Stream for TrackStream {
    type Item = TrackEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TrackEvent>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.ready.pop_front() {
                return Poll::Ready(Some(event));
            }
            while !this.closed {
                match this.commands.poll_recv(cx) {
                    Poll::Ready(Some(Command::Add(task))) => this.core.add(Self::now(), task),
                    Poll::Ready(Some(Command::Remove(id))) => {
                        this.core.remove(&id);
                    }
                    Poll::Ready(None) => this.closed = true,
                    Poll::Pending => break,
                }
            }
            while let Poll::Ready(Some((id, result))) = this.sent.poll_next_unpin(cx) {
                match result {
                    Ok(resp) => this.core.handle_response(Self::now(), id, resp),
                    Err(err) => {
                        tracing::debug!(error = %err, "tracker request failed");
                        this.core
                            .handle_send_error(Self::now(), id, send_error_kind(&err));
                    }
                }
            }
            this.core
                .set_query_rate(this.client.inner.limiter.sustained_rate());
            let mut sent_any = false;
            let (now, wall) = (Self::now(), Self::wall_ms());
            while let Some(transmit) = this.core.poll_transmit(now, wall, &this.client.inner.ctx) {
                let client = this.client.clone();
                let id = transmit.id;
                this.sent.push(Box::pin(async move {
                    (id, client.send(transmit.request, SendOptions::QUERY).await)
                }));
                sent_any = true;
            }
            while let Some(event) = this.core.poll_event() {
                this.ready.push_back(event);
            }
            if !this.ready.is_empty() || sent_any {
                // Hand out the events, or poll the new sends so they can wake us.
                continue;
            }
            if this.closed && this.core.is_empty() && this.sent.is_empty() {
                return Poll::Ready(None);
            }
            match this.core.poll_timeout() {
                Some(at) => {
                    let at = Instant::from_std(at);
                    if this.timer_at != Some(at) {
                        this.timer.as_mut().reset(at);
                        this.timer_at = Some(at);
                    }
                    // A sleep can stay pending past its deadline under tokio's budget; compare
                    // with the clock as well.
                    if this.timer.as_mut().poll(cx).is_ready() || Instant::now() >= at {
                        this.timer_at = None;
                        this.core.handle_timeout(Self::now());
                        continue;
                    }
                }
                None => this.timer_at = None,
            }
            return Poll::Pending;
        }
    }
}

impl Client {
    /// Tracks many tasks until each finishes, within the client's query budget: a handle to add
    /// tasks (from anywhere) and the [`Stream`] of what it learns.
    ///
    /// A few tasks are polled on their own schedule; when polling would not fit the budget,
    /// the tracker learns completion from task-list sweeps and queries each finished task
    /// exactly once for its result URLs (see [`asr_protocol::track`]). Its requests go through
    /// the client's stack, so they share the budget with every other query, list and cancel
    /// of the client, and its retries.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use asr_transport::{Model, TrackEvent, TrackOptions, TrackedTask, TranscriptionRequest};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let (tracker, mut events) = client.tracker(TrackOptions::default());
    /// for url in ["https://example.com/a.wav", "https://example.com/b.wav"] {
    ///     let submitted = client.submit(TranscriptionRequest::new(Model::FUN_ASR, [url])).await?;
    ///     tracker.add(
    ///         TrackedTask::new(submitted.output.task_id, Model::FUN_ASR)
    ///             .with_fresh_status(submitted.output.task_status),
    ///     );
    /// }
    /// drop(tracker); // no more tasks: the stream ends when these two are done
    /// while let Some(event) = events.next().await {
    ///     if let TrackEvent::Finished(task) = event {
    ///         println!("{}: {:?}", task.output.task_id, task.output.transcription_urls());
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn tracker(&self, options: TrackOptions) -> (TaskTracker, TrackStream) {
        let (tx, rx) = mpsc::unbounded_channel();
        let stream = TrackStream {
            client: self.clone(),
            core: CompletionTracker::new(options.policy),
            commands: rx,
            closed: false,
            sent: FuturesUnordered::new(),
            timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            timer_at: None,
            ready: VecDeque::new(),
        };
        (TaskTracker { commands: tx }, stream)
    }
}

#[cfg(test)]
mod tests;
