//! [`TaskPoller`]: waits for an async task to finish without ever sleeping or reading a clock.
//!
//! The poller decides *when* to query `GET /tasks/{id}` and *what* an answer means; the caller
//! owns the clock, the timer and the socket. Time is always an argument, so tests drive it with
//! a hand-advanced [`Instant`] and the transport with `Instant::now()`.
//!
//! # Methods
//!
//! | family | methods | purpose |
//! |---|---|---|
//! | constructors | [`TaskPoller::new`], [`TaskPoller::with_fresh_status`] | start waiting for a task at `now`: query at once, or one delay after a status just seen (a submit's answer) |
//! | output | [`TaskPoller::step`] | what to do next: send a query, wait until an instant, or stop |
//! | input | [`TaskPoller::handle_response`], [`TaskPoller::handle_send_error`] | the result of the last [`Step::Send`] |
//! | events | [`TaskPoller::poll_event`] | progress to show: status and subtask-count changes, retries |
//! | getters | [`TaskPoller::task_id`], [`TaskPoller::last_status`], [`TaskPoller::attempts`], [`TaskPoller::next_wakeup`] | state for logs and UIs |
//!
//! # Calling order
//!
//! Call [`step`](TaskPoller::step) with the current time. On [`Step::Send`], send the request and
//! report exactly one outcome — [`handle_response`](TaskPoller::handle_response) with the
//! response, whatever its status, or [`handle_send_error`](TaskPoller::handle_send_error) — then
//! call `step` again. On [`Step::WaitUntil`], sleep until that instant and call `step` again;
//! waking early is harmless (`step` answers the same `WaitUntil`). On [`Step::Done`], stop.
//! After each input, drain [`poll_event`](TaskPoller::poll_event) if you show progress.
//! Times passed in must not go backwards; an earlier time is treated as the latest one seen.
//! Calling `step` while a query is outstanding counts that query as lost (as if it timed out).
//!
//! ```
//! # use std::time::Instant;
//! # use asr_protocol::{ApiKey, RequestContext, PollPolicy, Step, TaskPoller};
//! # use asr_types::Region;
//! let ctx = RequestContext::for_region(Region::CnBeijing, ApiKey::new("sk-…"));
//! let mut poller = TaskPoller::new("task-id".into(), &ctx, PollPolicy::default(), Instant::now());
//! match poller.step(Instant::now()) {
//!     Step::Send(request) => { /* send it, then poller.handle_response(now, response) */ }
//!     Step::WaitUntil(at) => { /* sleep until `at` */ }
//!     Step::Done(result) => { /* the finished task, or why waiting stopped */ }
//! }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;

use asr_types::{RequestId, TaskId, TaskResponse, TaskStatus};

use crate::context::RequestContext;
use crate::endpoints::get_task;
use crate::error::{BuildError, ResponseError};
use crate::retry::Retryability;

/// How often to poll and when to give up.
///
/// The delay after a successful poll is `(factor − 1) × elapsed`, kept between `first_delay`
/// and `max_delay`, where `elapsed` is the time since the poller started. With the defaults
/// (0.5 s, 1.15, 30 s) the poller queries every 0.5 s for the first 3.3 s, then each query
/// comes 15 % later than the previous one, up to one every 30 s. So a task that finishes `T`
/// after the start is noticed within `max(0.5 s, 0.15 × T)` (plus one round trip): the gap
/// that contains `T` is at most that long. Short tasks feel immediate, and a ten-minute task
/// costs about 45 queries rather than the 600 of a fixed one-second poll — this matters because
/// the task API allows 20 queries per second per account, shared by every waiting client.
///
/// A poller made with [`TaskPoller::with_fresh_status`] counts the status it was given (the
/// submit's answer) as the query at the start, so its first query comes `first_delay` later
/// and the same bound holds: a 2-second task costs 4 queries (0.5, 1, 1.5, 2 s), not 5.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// Shortest delay between queries, and the delay while the task is young.
    pub first_delay: Duration,
    /// Growth of the delay with elapsed time: delay = `(factor − 1) × elapsed`. Values below 1
    /// (or NaN) mean a fixed `first_delay`.
    pub factor: f64,
    /// Longest delay between queries; also caps a server's `Retry-After`.
    pub max_delay: Duration,
    /// Give up this long after the start with [`PollError::DeadlineExceeded`]; one last query is
    /// sent at the deadline itself. `None` waits forever.
    pub deadline: Option<Duration>,
    /// Random shortening of computed delays, to spread many pollers started together.
    pub jitter: Jitter,
    /// How many failures in a row (throttling, 5xx, transport errors) are absorbed before
    /// giving up; a success resets the count.
    pub error_budget: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first_delay: Duration::from_millis(500),
            factor: 1.15,
            max_delay: Duration::from_secs(30),
            deadline: None,
            jitter: Jitter::None,
            error_budget: 5,
        }
    }
}

impl PollPolicy {
    /// Sets the overall deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Sets the jitter.
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The delay before retrying after `consecutive` failures in a row, `elapsed` after the
    /// start, before jitter: exponential in the failures from `first_delay`, capped at
    /// `max_delay`, never below the normal schedule.
    pub(crate) fn error_delay(&self, consecutive: u32, elapsed: Duration) -> Duration {
        let backoff = self
            .first_delay
            .saturating_mul(1 << consecutive.min(16))
            .min(self.max_delay);
        backoff.max(self.delay_at(elapsed))
    }

    /// The delay after a successful poll made `elapsed` after the start, before jitter.
    pub fn delay_at(&self, elapsed: Duration) -> Duration {
        let growth = if self.factor.is_finite() && self.factor > 1.0 {
            self.factor - 1.0
        } else {
            0.0
        };
        let proportional =
            Duration::try_from_secs_f64(elapsed.as_secs_f64() * growth).unwrap_or(self.max_delay);
        proportional.max(self.first_delay).min(self.max_delay)
    }
}

/// Random variation of computed delays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// Exact delays.
    None,
    /// Each computed delay is shortened by up to 20 %, drawn from a generator seeded with this
    /// value. Only shortening keeps the detection bound of [`PollPolicy`]; a server's
    /// `Retry-After` is never shortened.
    Seeded(u64),
}

/// What the caller should do next.
#[must_use]
#[derive(Debug)]
// A step is moved once per poll and `Done` once per task; boxing the answer would add an
// allocation per task to save a few hundred bytes of stack.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Send this `GET /tasks/{id}`, then report the outcome.
    Send(http::Request<Vec<u8>>),
    /// Nothing to do before this instant; call [`TaskPoller::step`] then.
    WaitUntil(Instant),
    /// Waiting is over: the task finished (`SUCCEEDED`, `FAILED` or `CANCELED` — inspect the
    /// output and each subtask), or waiting failed.
    Done(Result<TaskResponse, PollError>),
}

/// Why a query got no response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendErrorKind {
    /// The connection could not be established.
    Connect,
    /// The attempt timed out.
    Timeout,
    /// The connection broke while sending or receiving.
    Io,
}

impl fmt::Display for SendErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendErrorKind::Connect => "connection failed",
            SendErrorKind::Timeout => "timed out",
            SendErrorKind::Io => "connection broken",
        })
    }
}

/// Why waiting stopped without a finished task. Every variant keeps the task id, so the caller
/// can report it or resume later.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PollError {
    /// The deadline passed while the task was still pending or running.
    #[error("task {task_id} did not finish before the deadline (last status: {}); it may still finish, query it again later", status_text(.last_status.as_ref()))]
    DeadlineExceeded {
        /// The task.
        task_id: TaskId,
        /// The last status seen, if any query succeeded.
        last_status: Option<TaskStatus>,
    },
    /// The service does not know the task: a wrong id, another account's task, or a task that
    /// expired (results are kept 24 hours).
    #[error(
        "task {task_id} is UNKNOWN to the service: the id is wrong, belongs to another account, or expired after 24 hours"
    )]
    UnknownTask {
        /// The task.
        task_id: TaskId,
        /// Request id of the answer.
        request_id: Option<RequestId>,
    },
    /// A query failed with an error that is not retryable, or retryable errors exhausted the
    /// budget.
    #[error("querying task {task_id} failed")]
    Response {
        /// The task.
        task_id: TaskId,
        /// The last error.
        #[source]
        source: ResponseError,
    },
    /// Transport failures exhausted the error budget.
    #[error("querying task {task_id} failed {consecutive} times in a row, last: {kind}")]
    Transport {
        /// The task.
        task_id: TaskId,
        /// The last failure.
        kind: SendErrorKind,
        /// Failures in a row.
        consecutive: u32,
    },
    /// The query could not be built (an unusable API key or base URL).
    #[error("could not build the query for task {task_id}")]
    Build {
        /// The task.
        task_id: TaskId,
        /// The build error.
        #[source]
        source: BuildError,
    },
    /// [`TaskPoller::step`] was called again after it returned [`Step::Done`].
    #[error("the poller for task {task_id} already returned its result")]
    AlreadyDone {
        /// The task.
        task_id: TaskId,
    },
}

impl PollError {
    /// The task this error is about.
    pub fn task_id(&self) -> &TaskId {
        match self {
            PollError::DeadlineExceeded { task_id, .. }
            | PollError::UnknownTask { task_id, .. }
            | PollError::Response { task_id, .. }
            | PollError::Transport { task_id, .. }
            | PollError::Build { task_id, .. }
            | PollError::AlreadyDone { task_id } => task_id,
        }
    }
}

fn status_text(status: Option<&TaskStatus>) -> String {
    status.map_or_else(|| "never seen".to_owned(), |s| s.as_str().to_owned())
}

/// Progress worth showing to a user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollEvent {
    /// The task status changed (`from` is `None` on the first answer).
    StatusChanged {
        /// The previous status.
        from: Option<TaskStatus>,
        /// The new status.
        to: TaskStatus,
    },
    /// The subtask counts (`task_metrics`) changed.
    SubtasksChanged {
        /// Files in the task.
        total: u64,
        /// Files transcribed.
        succeeded: u64,
        /// Files failed.
        failed: u64,
    },
    /// A query failed and will be retried.
    Retrying {
        /// Failures in a row so far.
        consecutive_errors: u32,
        /// When the next query is due.
        at: Instant,
        /// Whether the server asked for this delay (`Retry-After`).
        server_requested: bool,
    },
}

#[derive(Debug)]
enum State {
    Waiting {
        at: Instant,
    },
    InFlight,
    /// The result waits in [`TaskPoller::outcome`] until `step` hands it out.
    Finished,
}

/// The failure being absorbed.
enum Failure {
    Response(ResponseError),
    Send(SendErrorKind),
}

/// Waits for one async task; see the [module docs](self) for the calling order.
#[derive(Debug)]
pub struct TaskPoller {
    task_id: TaskId,
    policy: PollPolicy,
    request: Option<http::Request<Vec<u8>>>,
    start: Instant,
    latest: Instant,
    deadline_at: Option<Instant>,
    state: State,
    outcome: Option<Result<TaskResponse, PollError>>,
    consecutive_errors: u32,
    attempts: u32,
    last_status: Option<TaskStatus>,
    last_counts: Option<(u64, u64, u64)>,
    events: VecDeque<PollEvent>,
    rng: u64,
}

impl TaskPoller {
    /// Starts waiting for `task_id` at `now`; the first query is due immediately. Right after a
    /// submit, [`with_fresh_status`](Self::with_fresh_status) saves that query.
    ///
    /// The query is built once here; if `ctx` cannot build it, the first [`step`](Self::step)
    /// returns `Done(Err(PollError::Build { .. }))`.
    pub fn new(task_id: TaskId, ctx: &RequestContext, policy: PollPolicy, now: Instant) -> Self {
        let query = get_task::build(&get_task::Request::new(task_id.clone()), ctx);
        let (request, state, outcome) = match query {
            Ok(request) => (Some(request), State::Waiting { at: now }, None),
            Err(source) => {
                let task_id = task_id.clone();
                let error = PollError::Build { task_id, source };
                (None, State::Finished, Some(Err(error)))
            }
        };
        let rng = policy.jitter.seed();
        TaskPoller {
            deadline_at: policy.deadline.and_then(|d| now.checked_add(d)),
            task_id,
            policy,
            request,
            start: now,
            latest: now,
            state,
            outcome,
            consecutive_errors: 0,
            attempts: 0,
            last_status: None,
            last_counts: None,
            events: VecDeque::new(),
            rng,
        }
    }

    /// Starts waiting for a task whose `status` the caller learned at `now` — normally from the
    /// answer of the submit that created it (`PENDING`). That answer stands in for a query at
    /// the start: the first query is due one schedule delay later (`first_delay`, jittered,
    /// never past the deadline) instead of immediately, which saves one query per task without
    /// weakening the detection bound of [`PollPolicy`].
    ///
    /// The status is reported as the first [`PollEvent::StatusChanged`]. A terminal status
    /// (or `UNKNOWN`) carries no result to hand out, so the poller then queries at once, exactly
    /// like [`new`](Self::new). For a task id of unknown state (a resumed job, an id typed by a
    /// user) use [`new`](Self::new): an old task may long be finished.
    ///
    /// ```
    /// # use std::time::{Duration, Instant};
    /// # use asr_protocol::{ApiKey, RequestContext, PollPolicy, Step, TaskPoller};
    /// # use asr_types::{Region, TaskStatus};
    /// # let ctx = RequestContext::for_region(Region::CnBeijing, ApiKey::new("sk-…"));
    /// let now = Instant::now();
    /// let mut poller = TaskPoller::with_fresh_status(
    ///     "task-id".into(), TaskStatus::Pending, &ctx, PollPolicy::default(), now,
    /// );
    /// assert!(matches!(poller.step(now), Step::WaitUntil(at) if at == now + Duration::from_millis(500)));
    /// ```
    pub fn with_fresh_status(
        task_id: TaskId,
        status: TaskStatus,
        ctx: &RequestContext,
        policy: PollPolicy,
        now: Instant,
    ) -> Self {
        let mut poller = Self::new(task_id, ctx, policy, now);
        let usable = matches!(poller.state, State::Waiting { .. });
        if usable && !status.is_terminal() {
            poller.events.push_back(PollEvent::StatusChanged {
                from: None,
                to: status.clone(),
            });
            poller.last_status = Some(status);
            let delay = poller.policy.delay_at(Duration::ZERO);
            let delay = poller.jittered(delay);
            poller.schedule(now, delay);
        }
        poller
    }

    /// What to do next at `now`.
    pub fn step(&mut self, now: Instant) -> Step {
        let now = self.observe_time(now);
        match &mut self.state {
            State::Finished => Step::Done(self.outcome.take().unwrap_or_else(|| {
                Err(PollError::AlreadyDone {
                    task_id: self.task_id.clone(),
                })
            })),
            State::Waiting { at } if now < *at => Step::WaitUntil(*at),
            State::Waiting { .. } => match self.request.clone() {
                Some(request) => {
                    self.state = State::InFlight;
                    self.attempts = self.attempts.saturating_add(1);
                    Step::Send(request)
                }
                // Unreachable by construction: without a request the state starts Finished.
                None => Step::Done(Err(PollError::AlreadyDone {
                    task_id: self.task_id.clone(),
                })),
            },
            State::InFlight => {
                self.absorb(now, None, Failure::Send(SendErrorKind::Timeout));
                self.step(now)
            }
        }
    }

    /// Reports the response to the last [`Step::Send`], whatever its status. Ignored when no
    /// query is outstanding.
    pub fn handle_response(&mut self, now: Instant, response: http::Response<Bytes>) {
        let now = self.observe_time(now);
        if !matches!(self.state, State::InFlight) {
            return;
        }
        match get_task::parse(response) {
            Ok(task) => {
                self.consecutive_errors = 0;
                self.record(&task);
                let status = &task.output.task_status;
                if *status == TaskStatus::Unknown {
                    let request_id = task.request_id.clone();
                    self.finish(Err(PollError::UnknownTask {
                        task_id: self.task_id.clone(),
                        request_id,
                    }));
                } else if status.is_terminal() {
                    self.finish(Ok(task));
                } else if self.past_deadline(now) {
                    self.finish_deadline();
                } else {
                    let delay = self
                        .policy
                        .delay_at(now.saturating_duration_since(self.start));
                    let delay = self.jittered(delay);
                    self.schedule(now, delay);
                }
            }
            Err(error) => match error.retryability() {
                Retryability::No => self.finish(Err(PollError::Response {
                    task_id: self.task_id.clone(),
                    source: error,
                })),
                Retryability::After(delay) => {
                    self.absorb(now, Some(delay), Failure::Response(error))
                }
                Retryability::Backoff => self.absorb(now, None, Failure::Response(error)),
            },
        }
    }

    /// Reports that the last [`Step::Send`] got no response. Ignored when no query is
    /// outstanding.
    pub fn handle_send_error(&mut self, now: Instant, kind: SendErrorKind) {
        let now = self.observe_time(now);
        if matches!(self.state, State::InFlight) {
            self.absorb(now, None, Failure::Send(kind));
        }
    }

    /// The next progress event, oldest first.
    pub fn poll_event(&mut self) -> Option<PollEvent> {
        self.events.pop_front()
    }

    /// The task being waited for.
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }

    /// The last status the service reported.
    pub fn last_status(&self) -> Option<&TaskStatus> {
        self.last_status.as_ref()
    }

    /// Queries sent so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// When the next query is due, if one is scheduled.
    pub fn next_wakeup(&self) -> Option<Instant> {
        match self.state {
            State::Waiting { at } => Some(at),
            _ => None,
        }
    }

    fn observe_time(&mut self, now: Instant) -> Instant {
        self.latest = self.latest.max(now);
        self.latest
    }

    fn record(&mut self, task: &TaskResponse) {
        let status = &task.output.task_status;
        if self.last_status.as_ref() != Some(status) {
            self.events.push_back(PollEvent::StatusChanged {
                from: self.last_status.clone(),
                to: status.clone(),
            });
            self.last_status = Some(status.clone());
        }
        if let Some(m) = &task.output.task_metrics {
            let counts = (
                m.total.unwrap_or(0),
                m.succeeded.unwrap_or(0),
                m.failed.unwrap_or(0),
            );
            if self.last_counts != Some(counts) {
                self.last_counts = Some(counts);
                self.events.push_back(PollEvent::SubtasksChanged {
                    total: counts.0,
                    succeeded: counts.1,
                    failed: counts.2,
                });
            }
        }
    }

    /// Counts a retryable failure and schedules the retry, or gives up.
    fn absorb(&mut self, now: Instant, server_delay: Option<Duration>, failure: Failure) {
        self.consecutive_errors = self.consecutive_errors.saturating_add(1);
        if self.consecutive_errors > self.policy.error_budget {
            let task_id = self.task_id.clone();
            let error = match failure {
                Failure::Response(source) => PollError::Response { task_id, source },
                Failure::Send(kind) => PollError::Transport {
                    task_id,
                    kind,
                    consecutive: self.consecutive_errors,
                },
            };
            self.finish(Err(error));
            return;
        }
        if self.past_deadline(now) {
            self.finish_deadline();
            return;
        }
        let delay = match server_delay {
            Some(delay) => delay.min(self.policy.max_delay),
            None => {
                let elapsed = now.saturating_duration_since(self.start);
                let delay = self.policy.error_delay(self.consecutive_errors, elapsed);
                self.jittered(delay)
            }
        };
        let at = self.schedule(now, delay);
        self.events.push_back(PollEvent::Retrying {
            consecutive_errors: self.consecutive_errors,
            at,
            server_requested: server_delay.is_some(),
        });
    }

    fn schedule(&mut self, now: Instant, delay: Duration) -> Instant {
        let mut at = now.checked_add(delay).unwrap_or(now);
        if let Some(deadline) = self.deadline_at {
            at = at.min(deadline);
        }
        self.state = State::Waiting { at };
        at
    }

    fn past_deadline(&self, now: Instant) -> bool {
        self.deadline_at.is_some_and(|deadline| now >= deadline)
    }

    fn finish_deadline(&mut self) {
        self.finish(Err(PollError::DeadlineExceeded {
            task_id: self.task_id.clone(),
            last_status: self.last_status.clone(),
        }));
    }

    fn finish(&mut self, result: Result<TaskResponse, PollError>) {
        self.state = State::Finished;
        self.outcome = Some(result);
    }

    fn jittered(&mut self, delay: Duration) -> Duration {
        self.policy.jitter.apply(delay, &mut self.rng)
    }
}

impl Jitter {
    /// The generator state this jitter starts from.
    pub(crate) fn seed(self) -> u64 {
        match self {
            Jitter::Seeded(seed) => seed,
            Jitter::None => 0,
        }
    }

    /// `delay`, shortened by up to 20 % when seeded, drawing from `rng`.
    pub(crate) fn apply(self, delay: Duration, rng: &mut u64) -> Duration {
        match self {
            Jitter::None => delay,
            Jitter::Seeded(_) => delay.mul_f64(1.0 - 0.2 * next_unit(rng)),
        }
    }
}

/// A uniform value in [0, 1) from SplitMix64: tiny, seedable, and good enough to spread timers
/// (not for anything secret).
fn next_unit(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    // The top 53 bits fill an f64 mantissa exactly.
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests;
