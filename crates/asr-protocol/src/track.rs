//! [`CompletionTracker`]: learns when many async tasks finish, inside one query budget, without
//! ever sleeping or reading a clock.
//!
//! The task API allows 20 requests per second per account for task queries, lists and cancels
//! together (protocol §2.5, §2.8). Polling each task on its own schedule ([`PollPolicy`]) is
//! the cheapest way to watch a few tasks, but hundreds of tasks polled every half second would
//! need hundreds of queries per second. So the tracker has two ways to learn completion:
//!
//! - **Polls**: `GET /tasks/{id}` on each task's [`PollPolicy`] schedule. A poll that finds the
//!   task finished is also its final query (it carries the result URLs).
//! - **Sweeps**: `GET /tasks?model_name=…&start_time=…&end_time=…&page_size=100`, a time window
//!   around the unfinished tasks' submit times, all statuses, page by page. One sweep answers
//!   for up to 100 tasks per request. The list carries no result URLs, so a task seen finished
//!   in a sweep gets exactly one query for its results (its *final query*).
//!
//! It polls while polling fits in its share of the budget
//! ([`TrackPolicy::tracking_share`]), and sweeps when polling would not fit and a sweep is
//! cheaper. A sweep checks itself: it lists every status, so each unfinished task submitted
//! before it started must be in it. One that is not (the service read the window in another
//! time zone, the list lags, a clock is off) makes the tracker distrust sweeps for a while
//! ([`TrackPolicy::distrust`], doubling) and poll every task instead. Requests come out in
//! priority order: final queries (they unblock downloads), then sweep pages, then polls.
//!
//! # Methods (quinn style)
//!
//! | family | methods |
//! |---|---|
//! | commands | [`add`](CompletionTracker::add), [`remove`](CompletionTracker::remove), [`set_query_rate`](CompletionTracker::set_query_rate) |
//! | output | [`poll_transmit`](CompletionTracker::poll_transmit), [`poll_timeout`](CompletionTracker::poll_timeout), [`poll_event`](CompletionTracker::poll_event) |
//! | input | [`handle_response`](CompletionTracker::handle_response), [`handle_send_error`](CompletionTracker::handle_send_error), [`handle_timeout`](CompletionTracker::handle_timeout) |
//! | getters | [`len`](CompletionTracker::len), [`mode`](CompletionTracker::mode), [`stats`](CompletionTracker::stats), [`in_flight`](CompletionTracker::in_flight) |
//!
//! # Calling order
//!
//! Call [`poll_transmit`](CompletionTracker::poll_transmit) until it returns `None`, sending
//! each [`Transmit`] (every one counts against the account's task-API budget) and reporting
//! exactly one outcome for it, by its id, whenever it comes:
//! [`handle_response`](CompletionTracker::handle_response) with the response whatever its
//! status, or [`handle_send_error`](CompletionTracker::handle_send_error). Then drain
//! [`poll_event`](CompletionTracker::poll_event), and sleep until
//! [`poll_timeout`](CompletionTracker::poll_timeout) or the next response, whichever comes
//! first. Waking early is harmless. Times passed in must not go backwards; an earlier time is
//! treated as the latest one seen. At most [`TrackPolicy::max_in_flight`] requests are out at
//! once; the caller's rate limiter decides when each leaves.
//!
//! ```
//! # use std::time::Instant;
//! # use asr_protocol::{ApiKey, RequestContext};
//! # use asr_protocol::track::{CompletionTracker, TrackPolicy, TrackedTask, TrackEvent};
//! # use asr_types::{Model, Region, TaskStatus};
//! let ctx = RequestContext::for_region(Region::CnBeijing, ApiKey::new("sk-…"));
//! let mut tracker = CompletionTracker::new(TrackPolicy::default());
//! let now = Instant::now();
//! tracker.add(
//!     now,
//!     TrackedTask::new("task-id", Model::FUN_ASR).with_fresh_status(TaskStatus::Pending),
//! );
//! let wall_ms = 1_767_225_600_000; // the wall clock, epoch milliseconds
//! while let Some(transmit) = tracker.poll_transmit(now, wall_ms, &ctx) {
//!     // send transmit.request, then tracker.handle_response(now, transmit.id, response)
//! #   drop(transmit);
//! }
//! while let Some(event) = tracker.poll_event() {
//!     if let TrackEvent::Finished(task) = event {
//!         println!("{} finished: {:?}", task.output.task_id, task.output.transcription_urls());
//!     }
//! }
//! // sleep until tracker.poll_timeout() or the next response
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use asr_types::task::list_time;
use asr_types::{ListTasksQuery, Model, TaskId, TaskResponse, TaskStatus};

use crate::context::RequestContext;
use crate::endpoints::{get_task, list_tasks};
use crate::error::ResponseError;
use crate::poll::{PollError, PollPolicy, SendErrorKind};
use crate::retry::Retryability;

/// The longest window the task list accepts (protocol §2.8).
const MAX_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// How the tracker spends its budget and when it trusts the task list.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TrackPolicy {
    /// Task-API requests per second the tracker plans with: what the caller's rate limiter
    /// sustains. The default, 16, is a little under the client's default budget (18 requests
    /// counting in any second, each until a second after its answer).
    /// The limiter enforces the rate; the tracker only decides how to spend it.
    pub query_rate: f64,
    /// The share of `query_rate` spent on learning completion (polls or sweeps); the rest is
    /// left for final queries and the caller's other requests. Default 0.5.
    pub tracking_share: f64,
    /// Each task's poll schedule, deadline, jitter and error budget. The detection bound of a
    /// sweep follows it too: sweeps come at least as often as the youngest task's poll delay
    /// when the budget allows.
    pub poll: PollPolicy,
    /// Tasks per list page, at most 100 (the service's maximum). Default 100.
    pub page_size: u32,
    /// Margin added on both sides of a sweep's window of submit times, for clock skew between
    /// this machine and the service and for the list filter's whole seconds. Default 5 min.
    pub window_pad: Duration,
    /// A task added less than this long before a sweep starts is not required to be in it
    /// (the list may lag a submit). Default 2 s.
    pub list_lag: Duration,
    /// How long sweeps are distrusted after one missed a task or failed; doubles each time,
    /// up to `max_distrust`, and resets after a sweep that listed every task. Default 30 s.
    pub distrust: Duration,
    /// The longest distrust period. Default 10 min.
    pub max_distrust: Duration,
    /// Requests out at once (each still waits for its turn in the caller's rate limiter).
    /// Small, so that a request decided now is not sent much later. Default 8.
    pub max_in_flight: usize,
}

impl Default for TrackPolicy {
    fn default() -> Self {
        TrackPolicy {
            query_rate: 16.0,
            tracking_share: 0.5,
            poll: PollPolicy::default(),
            page_size: 100,
            window_pad: Duration::from_secs(300),
            list_lag: Duration::from_secs(2),
            distrust: Duration::from_secs(30),
            max_distrust: Duration::from_secs(600),
            max_in_flight: 8,
        }
    }
}

impl TrackPolicy {
    /// Sets the planned query rate (requests per second).
    #[must_use]
    pub fn with_query_rate(mut self, per_second: f64) -> Self {
        self.query_rate = per_second;
        self
    }

    /// Sets the per-task poll policy.
    #[must_use]
    pub fn with_poll_policy(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// Sets the most requests out at once.
    #[must_use]
    pub fn with_max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max;
        self
    }

    /// The budget for polls and sweeps, requests per second (at least 0.1).
    fn tracking_rate(&self, query_rate: f64) -> f64 {
        let share = if self.tracking_share.is_finite() {
            self.tracking_share.clamp(0.05, 1.0)
        } else {
            0.5
        };
        let rate = if query_rate.is_finite() && query_rate > 0.0 {
            query_rate
        } else {
            1.0
        };
        (rate * share).max(0.1)
    }
}

/// A task to track.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TrackedTask {
    /// The task.
    pub task_id: TaskId,
    /// The model it runs (the sweeps' `model_name` filter).
    pub model: Model,
    /// When it was submitted, epoch milliseconds of the wall clock; places it in a sweep's
    /// window. `None` for a task of unknown age: it is polled until an answer gives its
    /// `submit_time` (or, when `fresh_status` is set, its age is taken from the add).
    pub submitted_at_ms: Option<i64>,
    /// Its status as just learned (the submit's `PENDING`): the first poll then waits one
    /// delay. `None` for a task of unknown state, which is queried at once. A terminal status
    /// goes straight to the final query.
    pub fresh_status: Option<TaskStatus>,
}

impl TrackedTask {
    /// A task of unknown age and state.
    pub fn new(task_id: impl Into<TaskId>, model: Model) -> Self {
        TrackedTask {
            task_id: task_id.into(),
            model,
            submitted_at_ms: None,
            fresh_status: None,
        }
    }

    /// Sets when it was submitted (epoch milliseconds).
    #[must_use]
    pub fn with_submitted_at_ms(mut self, epoch_ms: i64) -> Self {
        self.submitted_at_ms = Some(epoch_ms);
        self
    }

    /// Sets the status just learned.
    #[must_use]
    pub fn with_fresh_status(mut self, status: TaskStatus) -> Self {
        self.fresh_status = Some(status);
        self
    }
}

/// Names one [`Transmit`], for reporting its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TransmitId(u64);

/// What a [`Transmit`] is for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// The query of a task seen finished, for its result URLs.
    Final(TaskId),
    /// A scheduled query of an unfinished task.
    Poll(TaskId),
    /// One page of a sweep.
    ListPage {
        /// The page number, from 1.
        page_no: u32,
    },
}

/// A request to send: a task query or a task-list page.
#[must_use]
#[derive(Debug)]
#[non_exhaustive]
pub struct Transmit {
    /// Report the outcome under this id.
    pub id: TransmitId,
    /// What it is for.
    pub purpose: Purpose,
    /// The request (`GET`, no body).
    pub request: http::Request<Vec<u8>>,
}

/// What the tracker learned.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrackEvent {
    /// A task's status changed (or was learned for the first time).
    StatusChanged {
        /// The task.
        task_id: TaskId,
        /// Its new status.
        status: TaskStatus,
    },
    /// A task finished (`SUCCEEDED`, `FAILED` or `CANCELED`): the answer of its final query,
    /// with the result URLs. The tracker forgets the task.
    Finished(Box<TaskResponse>),
    /// Tracking a task stopped without a result: `UNKNOWN` to the service, its deadline passed,
    /// or its queries kept failing. The tracker forgets the task.
    Lost {
        /// The task.
        task_id: TaskId,
        /// Why.
        error: PollError,
    },
}

/// How the tracker currently learns completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrackMode {
    /// Each task is polled on its own schedule.
    Polling,
    /// Task-list sweeps watch the tasks in their window; the others are polled.
    Sweeping,
}

/// Requests emitted so far, by purpose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackStats {
    /// Scheduled task queries.
    pub polls: u64,
    /// Final task queries (of tasks seen finished in a sweep).
    pub finals: u64,
    /// Task-list pages.
    pub pages: u64,
    /// Sweeps started.
    pub sweeps: u64,
    /// Sweeps that missed a task or failed, after which sweeps were distrusted.
    pub distrusted: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Unfinished as far as we know.
    Tracking,
    /// Seen finished; its final query is due (since that instant).
    Final { since: Instant },
}

#[derive(Debug)]
struct Task {
    model: Model,
    submitted_ms: Option<i64>,
    added: Instant,
    deadline: Option<Instant>,
    status: Option<TaskStatus>,
    stage: Stage,
    /// Tracking: when the next poll is due. Final: not before this (after a failure).
    due: Instant,
    errors: u32,
    in_flight: Option<TransmitId>,
    /// When the last query was handed out; the next poll is scheduled from it, so a round
    /// trip does not stretch the schedule.
    sent: Instant,
    /// A sweep saw it finished while a poll was out; a stale answer to that poll leads to the
    /// final query, not another poll.
    finish_seen: bool,
    /// Missing from a sweep that should have listed it: polled until a poll answers.
    suspect: bool,
    /// Inside the current sweep window (recomputed on every advance).
    covered: bool,
    /// Added just after its submit without a submit time: stamped with the wall clock of the
    /// next `poll_transmit`, minus the time since the add.
    stamp: bool,
}

#[derive(Debug)]
enum Pending {
    Query { task_id: TaskId, final_query: bool },
    Page { sweep: u64, page_no: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trust {
    Untested,
    Trusted,
    Distrusted { until: Instant },
}

/// A sweep window: submit times (epoch ms) and the model filter.
#[derive(Clone, Debug)]
struct Window {
    start_ms: i64,
    end_ms: i64,
    model: Option<Model>,
}

#[derive(Debug)]
struct Sweep {
    id: u64,
    query: ListTasksQuery,
    started: Instant,
    expected: BTreeSet<TaskId>,
    seen: BTreeMap<TaskId, TaskStatus>,
    /// Known once the first page answered.
    last_page: Option<u32>,
    next_page: u32,
    outstanding: u32,
    pages: u32,
    listed: u64,
}

impl Sweep {
    fn complete(&self) -> bool {
        self.outstanding == 0 && self.last_page.is_some_and(|last| self.next_page > last)
    }

    fn sendable(&self) -> bool {
        match self.last_page {
            None => self.next_page == 1,
            Some(last) => self.next_page <= last,
        }
    }
}

/// Tracks many tasks until each finishes; see the [module docs](self).
#[derive(Debug)]
pub struct CompletionTracker {
    policy: TrackPolicy,
    query_rate: f64,
    tasks: BTreeMap<TaskId, Task>,
    in_flight: BTreeMap<TransmitId, Pending>,
    next_id: u64,
    events: VecDeque<TrackEvent>,
    mode: TrackMode,
    trust: Trust,
    distrust_for: Duration,
    sweep: Option<Sweep>,
    sweeps_started: u64,
    next_sweep_at: Option<Instant>,
    last_listed: u64,
    latest: Option<Instant>,
    rng: u64,
    stats: TrackStats,
}

impl CompletionTracker {
    /// An empty tracker.
    pub fn new(policy: TrackPolicy) -> Self {
        CompletionTracker {
            query_rate: policy.query_rate,
            rng: policy.poll.jitter.seed(),
            distrust_for: policy.distrust,
            policy,
            tasks: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            next_id: 0,
            events: VecDeque::new(),
            mode: TrackMode::Polling,
            trust: Trust::Untested,
            sweep: None,
            sweeps_started: 0,
            next_sweep_at: None,
            last_listed: 0,
            latest: None,
            stats: TrackStats::default(),
        }
    }

    /// Starts tracking a task at `now`. A task already tracked is left as it is.
    pub fn add(&mut self, now: Instant, task: TrackedTask) {
        let now = self.observe(now);
        if self.tasks.contains_key(&task.task_id) {
            return;
        }
        let deadline = self.policy.poll.deadline.and_then(|d| now.checked_add(d));
        let mut entry = Task {
            model: task.model,
            submitted_ms: task.submitted_at_ms,
            added: now,
            deadline,
            status: None,
            stage: Stage::Tracking,
            due: now,
            errors: 0,
            in_flight: None,
            sent: now,
            finish_seen: false,
            suspect: false,
            covered: false,
            stamp: task.submitted_at_ms.is_none() && task.fresh_status.is_some(),
        };
        if let Some(status) = task.fresh_status {
            self.events.push_back(TrackEvent::StatusChanged {
                task_id: task.task_id.clone(),
                status: status.clone(),
            });
            if status.is_terminal() {
                entry.stage = Stage::Final { since: now };
            } else {
                let delay = self.policy.poll.delay_at(Duration::ZERO);
                entry.due = now + self.policy.poll.jitter.apply(delay, &mut self.rng);
            }
            entry.status = Some(status);
        }
        self.tasks.insert(task.task_id, entry);
    }

    /// Stops tracking a task; an answer still on its way is ignored. Returns whether it was
    /// tracked.
    pub fn remove(&mut self, task_id: &TaskId) -> bool {
        self.tasks.remove(task_id).is_some()
    }

    /// Tasks tracked (unfinished or awaiting their final query).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task is tracked.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// How completion is learned right now.
    pub fn mode(&self) -> TrackMode {
        self.mode
    }

    /// Requests emitted so far.
    pub fn stats(&self) -> TrackStats {
        self.stats
    }

    /// Updates the planned query rate, e.g. after the caller's limiter slowed down on a 429.
    pub fn set_query_rate(&mut self, per_second: f64) {
        self.query_rate = per_second;
    }

    /// The next request to send at `now` (wall clock `wall_ms`, epoch milliseconds), highest
    /// priority first: final queries, then sweep pages, then polls. `None` when nothing is due
    /// or [`TrackPolicy::max_in_flight`] requests are out.
    pub fn poll_transmit(
        &mut self,
        now: Instant,
        wall_ms: i64,
        ctx: &RequestContext,
    ) -> Option<Transmit> {
        let now = self.observe(now);
        self.stamp_fresh_tasks(now, wall_ms);
        self.advance(now);
        loop {
            if self.in_flight.len() >= self.policy.max_in_flight.max(1) {
                return None;
            }
            if let Some(task_id) = self.next_final(now) {
                if let Some(t) = self.query(now, &task_id, true, ctx) {
                    return Some(t);
                }
                continue;
            }
            if let Some(t) = self.next_page(now, ctx) {
                return Some(t);
            }
            if let Some(task_id) = self.next_poll(now) {
                if let Some(t) = self.query(now, &task_id, false, ctx) {
                    return Some(t);
                }
                continue;
            }
            return None;
        }
    }

    /// When to call [`poll_transmit`](Self::poll_transmit) again if no response comes first:
    /// the next poll, final-query retry, sweep, deadline or end of distrust. `None` when only
    /// a response can bring progress (or nothing is tracked).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let full = self.in_flight.len() >= self.policy.max_in_flight.max(1);
        let mut next: Option<Instant> = None;
        let mut consider = |at: Instant| next = Some(next.map_or(at, |n| n.min(at)));
        for task in self.tasks.values() {
            if task.in_flight.is_some() {
                continue;
            }
            if let (Stage::Tracking, Some(deadline)) = (task.stage, task.deadline) {
                consider(deadline);
            }
            if full {
                continue;
            }
            match task.stage {
                Stage::Final { .. } => consider(task.due),
                Stage::Tracking if !task.covered => consider(task.due),
                Stage::Tracking => {}
            }
        }
        if let Trust::Distrusted { until } = self.trust {
            consider(until);
        }
        if !full
            && self.mode == TrackMode::Sweeping
            && self.sweep.is_none()
            && let Some(at) = self.next_sweep_at
        {
            consider(at);
        }
        next
    }

    /// Processes deadlines and schedule changes at `now`; [`poll_transmit`](Self::poll_transmit)
    /// does the same, so calling this is only needed to collect [`TrackEvent::Lost`] for a
    /// deadline while nothing can be sent.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.observe(now);
        self.advance(now);
    }

    /// Reports the response to the transmit `id`, whatever its status. Unknown ids (already
    /// answered, or of a removed task) are ignored.
    pub fn handle_response(
        &mut self,
        now: Instant,
        id: TransmitId,
        response: http::Response<Bytes>,
    ) {
        let now = self.observe(now);
        match self.in_flight.remove(&id) {
            Some(Pending::Query {
                task_id,
                final_query,
            }) => self.query_answered(now, id, &task_id, final_query, response),
            Some(Pending::Page { sweep, page_no }) => {
                self.page_answered(now, sweep, page_no, response)
            }
            None => {}
        }
    }

    /// Reports that the transmit `id` got no response. Unknown ids are ignored.
    pub fn handle_send_error(&mut self, now: Instant, id: TransmitId, kind: SendErrorKind) {
        let now = self.observe(now);
        match self.in_flight.remove(&id) {
            Some(Pending::Query { task_id, .. }) if self.owns(&task_id, id) => {
                self.absorb(now, &task_id, None, Failure::Send(kind));
            }
            Some(Pending::Page { sweep, .. })
                if self.sweep.as_ref().is_some_and(|s| s.id == sweep) =>
            {
                self.sweep = None;
                self.distrust(now);
            }
            _ => {}
        }
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<TrackEvent> {
        self.events.pop_front()
    }

    fn observe(&mut self, now: Instant) -> Instant {
        let latest = self.latest.map_or(now, |l| l.max(now));
        self.latest = Some(latest);
        latest
    }

    /// A task added with a fresh status (just submitted) but no submit time was submitted
    /// about when it was added.
    fn stamp_fresh_tasks(&mut self, now: Instant, wall_ms: i64) {
        for task in self.tasks.values_mut().filter(|t| t.stamp) {
            task.stamp = false;
            if task.submitted_ms.is_none() {
                let age = now.saturating_duration_since(task.added).as_millis();
                task.submitted_ms = Some(wall_ms - i64::try_from(age).unwrap_or(0));
            }
        }
    }

    /// Deadlines, the end of distrust, coverage and the mode.
    fn advance(&mut self, now: Instant) {
        if let Trust::Distrusted { until } = self.trust
            && now >= until
        {
            self.trust = Trust::Untested;
        }
        let expired: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, t)| {
                t.stage == Stage::Tracking
                    && t.in_flight.is_none()
                    && t.deadline.is_some_and(|d| now >= d)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for task_id in expired {
            if let Some(task) = self.tasks.remove(&task_id) {
                self.events.push_back(TrackEvent::Lost {
                    error: PollError::DeadlineExceeded {
                        task_id: task_id.clone(),
                        last_status: task.status,
                    },
                    task_id,
                });
            }
        }
        self.choose_mode(now);
    }

    /// Marks the tasks a sweep would watch, and switches between polling and sweeping.
    fn choose_mode(&mut self, now: Instant) {
        let window = self.window();
        let mut covered = 0usize;
        let mut demand = 0.0;
        let mut bound: Option<Duration> = None;
        for task in self.tasks.values_mut() {
            task.covered = match (&window, task.stage, task.submitted_ms) {
                (Some(w), Stage::Tracking, Some(ms)) => !task.suspect && w.covers(ms),
                _ => false,
            };
            if task.covered {
                covered += 1;
                let delay = self
                    .policy
                    .poll
                    .delay_at(now.saturating_duration_since(task.added));
                demand += 1.0 / delay.as_secs_f64().max(0.001);
                bound = Some(bound.map_or(delay, |b| b.min(delay)));
            }
        }
        let budget = self.policy.tracking_rate(self.query_rate);
        // What sweeping would cost: its pages at the interval `finish_sweep` schedules.
        let pages = self.pages_for(covered) as f64;
        let sweep_rate = bound.map_or(f64::INFINITY, |b| {
            (2.0 * pages / b.as_secs_f64().max(0.001)).min(budget)
        });
        let distrusted = matches!(self.trust, Trust::Distrusted { .. });
        // Sweep once polling no longer fits the budget (and sweeping is cheaper); go back
        // only when sweeping stops being cheaper, so the two never flap.
        let next = match self.mode {
            TrackMode::Polling
                if !distrusted && covered >= 2 && demand > budget && sweep_rate < demand =>
            {
                self.next_sweep_at = Some(now);
                TrackMode::Sweeping
            }
            TrackMode::Sweeping if distrusted || covered < 2 || sweep_rate >= demand => {
                TrackMode::Polling
            }
            mode => mode,
        };
        self.mode = next;
        if self.mode == TrackMode::Polling {
            for task in self.tasks.values_mut() {
                task.covered = false;
            }
        }
    }

    /// Pages a sweep of `tasks` tasks takes, counting what the last sweep listed.
    fn pages_for(&self, tasks: usize) -> u64 {
        let listed = self.last_listed.max(tasks as u64).max(1);
        listed.div_ceil(u64::from(self.page_size()))
    }

    fn page_size(&self) -> u32 {
        self.policy.page_size.clamp(1, 100)
    }

    /// The window around the submit times of the unfinished tasks that are not suspect,
    /// at most 24 hours ending at the newest one; the model filter when they share a model.
    fn window(&self) -> Option<Window> {
        let pad = i64::try_from(self.policy.window_pad.as_millis()).unwrap_or(0);
        let mut range: Option<(i64, i64)> = None;
        let mut model: Option<Option<&Model>> = None;
        for task in self.tasks.values() {
            let Some(ms) = task.submitted_ms else {
                continue;
            };
            if task.stage != Stage::Tracking || task.suspect {
                continue;
            }
            range = Some(range.map_or((ms, ms), |(lo, hi)| (lo.min(ms), hi.max(ms))));
            model = Some(match model {
                None => Some(&task.model),
                Some(Some(m)) if *m == task.model => Some(m),
                Some(_) => None,
            });
        }
        let (lo, hi) = range?;
        // Whole seconds, as the filter has them: down at the start, up at the end.
        let end_ms = (hi + pad).div_euclid(1000) * 1000 + 999;
        let start_ms = (lo - pad)
            .max(end_ms - MAX_WINDOW_MS + 1000)
            .div_euclid(1000)
            * 1000;
        Some(Window {
            start_ms,
            end_ms,
            model: model.flatten().cloned(),
        })
    }

    fn next_final(&self, now: Instant) -> Option<TaskId> {
        self.tasks
            .iter()
            .filter_map(|(id, t)| match t.stage {
                Stage::Final { since } if t.in_flight.is_none() && t.due <= now => {
                    Some((since, id))
                }
                _ => None,
            })
            .min()
            .map(|(_, id)| id.clone())
    }

    fn next_poll(&self, now: Instant) -> Option<TaskId> {
        self.tasks
            .iter()
            .filter(|(_, t)| {
                t.stage == Stage::Tracking && !t.covered && t.in_flight.is_none() && t.due <= now
            })
            .map(|(id, t)| (t.due, id))
            .min()
            .map(|(_, id)| id.clone())
    }

    /// Builds the query of a task; a task whose query cannot be built is lost.
    fn query(
        &mut self,
        now: Instant,
        task_id: &TaskId,
        final_query: bool,
        ctx: &RequestContext,
    ) -> Option<Transmit> {
        match get_task::build(&get_task::Request::new(task_id.clone()), ctx) {
            Ok(request) => {
                let id = self.next_transmit_id();
                if let Some(task) = self.tasks.get_mut(task_id) {
                    task.in_flight = Some(id);
                    task.sent = now;
                }
                self.in_flight.insert(
                    id,
                    Pending::Query {
                        task_id: task_id.clone(),
                        final_query,
                    },
                );
                let purpose = if final_query {
                    self.stats.finals += 1;
                    Purpose::Final(task_id.clone())
                } else {
                    self.stats.polls += 1;
                    Purpose::Poll(task_id.clone())
                };
                Some(Transmit {
                    id,
                    purpose,
                    request,
                })
            }
            Err(source) => {
                self.tasks.remove(task_id);
                self.events.push_back(TrackEvent::Lost {
                    task_id: task_id.clone(),
                    error: PollError::Build {
                        task_id: task_id.clone(),
                        source,
                    },
                });
                None
            }
        }
    }

    /// The next page of the sweep in progress, or the first page of a new sweep when one is due.
    fn next_page(&mut self, now: Instant, ctx: &RequestContext) -> Option<Transmit> {
        if self.sweep.is_none() {
            let due =
                self.mode == TrackMode::Sweeping && self.next_sweep_at.is_some_and(|at| at <= now);
            if !due {
                return None;
            }
            self.start_sweep(now)?;
        }
        let sweep = self.sweep.as_mut()?;
        if !sweep.sendable() {
            return None;
        }
        let page_no = sweep.next_page;
        let mut query = sweep.query.clone();
        query.page_no = Some(page_no);
        let sweep_id = sweep.id;
        match list_tasks::build(&query, ctx) {
            Ok(request) => {
                sweep.next_page += 1;
                sweep.outstanding += 1;
                let id = self.next_transmit_id();
                self.in_flight.insert(
                    id,
                    Pending::Page {
                        sweep: sweep_id,
                        page_no,
                    },
                );
                self.stats.pages += 1;
                Some(Transmit {
                    id,
                    purpose: Purpose::ListPage { page_no },
                    request,
                })
            }
            Err(_) => {
                // The service's list cannot be asked this way; fall back to polls.
                self.sweep = None;
                self.distrust(now);
                None
            }
        }
    }

    fn start_sweep(&mut self, now: Instant) -> Option<()> {
        let Some(window) = self.window() else {
            self.mode = TrackMode::Polling;
            return None;
        };
        let lag = self.policy.list_lag;
        let expected = self
            .tasks
            .iter()
            .filter(|(_, t)| t.covered && now.saturating_duration_since(t.added) >= lag)
            .map(|(id, _)| id.clone())
            .collect();
        let mut query = ListTasksQuery::default();
        query.start_time = Some(list_time(window.start_ms));
        query.end_time = Some(list_time(window.end_ms));
        query.model_name = window.model;
        query.page_size = Some(self.page_size());
        self.sweeps_started += 1;
        self.stats.sweeps += 1;
        self.sweep = Some(Sweep {
            id: self.sweeps_started,
            query,
            started: now,
            expected,
            seen: BTreeMap::new(),
            last_page: None,
            next_page: 1,
            outstanding: 0,
            pages: 0,
            listed: 0,
        });
        Some(())
    }

    fn next_transmit_id(&mut self) -> TransmitId {
        self.next_id += 1;
        TransmitId(self.next_id)
    }

    /// Whether `id` is the query `task_id` is waiting for.
    fn owns(&self, task_id: &TaskId, id: TransmitId) -> bool {
        self.tasks
            .get(task_id)
            .is_some_and(|t| t.in_flight == Some(id))
    }

    fn query_answered(
        &mut self,
        now: Instant,
        id: TransmitId,
        task_id: &TaskId,
        final_query: bool,
        response: http::Response<Bytes>,
    ) {
        if !self.owns(task_id, id) {
            return;
        }
        if let Some(task) = self.tasks.get_mut(task_id) {
            task.in_flight = None;
        }
        let answer = match get_task::parse(response) {
            Ok(answer) => answer,
            Err(error) => {
                let delay = match error.retryability() {
                    Retryability::No => {
                        self.lose(
                            task_id,
                            PollError::Response {
                                task_id: task_id.clone(),
                                source: error,
                            },
                        );
                        return;
                    }
                    Retryability::After(delay) => Some(delay),
                    Retryability::Backoff => None,
                };
                self.absorb(now, task_id, delay, Failure::Response(error));
                return;
            }
        };
        let status = answer.output.task_status.clone();
        let Some(task) = self.tasks.get_mut(task_id) else {
            return;
        };
        task.errors = 0;
        task.suspect = false;
        if task.submitted_ms.is_none() {
            task.submitted_ms = answer.output.submit_time_ms();
        }
        if status == TaskStatus::Unknown {
            let request_id = answer.request_id.clone();
            self.lose(
                task_id,
                PollError::UnknownTask {
                    task_id: task_id.clone(),
                    request_id,
                },
            );
            return;
        }
        self.note_status(task_id, &status);
        if status.is_terminal() {
            self.tasks.remove(task_id);
            self.events
                .push_back(TrackEvent::Finished(Box::new(answer)));
            return;
        }
        let Some(task) = self.tasks.get_mut(task_id) else {
            return;
        };
        if task.deadline.is_some_and(|d| now >= d) && !task.finish_seen {
            let last_status = task.status.clone();
            self.lose(
                task_id,
                PollError::DeadlineExceeded {
                    task_id: task_id.clone(),
                    last_status,
                },
            );
            return;
        }
        if task.finish_seen && !final_query {
            // A sweep saw it finished after this poll left: the next query is its final one.
            task.finish_seen = false;
            task.stage = Stage::Final { since: now };
            task.due = now;
        } else {
            task.finish_seen = false;
            task.stage = Stage::Tracking;
            let delay = self
                .policy
                .poll
                .delay_at(task.sent.saturating_duration_since(task.added));
            let delay = self.policy.poll.jitter.apply(delay, &mut self.rng);
            task.due = (task.sent + delay).max(now);
        }
    }

    fn page_answered(
        &mut self,
        now: Instant,
        sweep_id: u64,
        page_no: u32,
        response: http::Response<Bytes>,
    ) {
        let Some(sweep) = self.sweep.as_mut().filter(|s| s.id == sweep_id) else {
            return;
        };
        sweep.outstanding = sweep.outstanding.saturating_sub(1);
        let page = match list_tasks::parse(response) {
            Ok(page) => page,
            Err(_) => {
                self.sweep = None;
                self.distrust(now);
                return;
            }
        };
        sweep.pages += 1;
        let size = u64::from(sweep.query.page_size.unwrap_or(100));
        let items = page.data.len() as u64;
        for item in page.data {
            if let (Some(id), Some(status)) = (item.task_id, item.status) {
                sweep.seen.insert(id, status);
            }
        }
        if let Some(total) = page.total {
            sweep.listed = sweep.listed.max(total);
        }
        let pages = page
            .total_page
            .or_else(|| page.total.map(|t| t.div_ceil(size)))
            .map(|p| u32::try_from(p).unwrap_or(u32::MAX));
        let last = match (pages, sweep.last_page) {
            // An empty or short page is the end, whatever the counts said.
            _ if items == 0 || items < size => page_no.min(sweep.last_page.unwrap_or(page_no)),
            (Some(p), known) => p.max(known.unwrap_or(0)).max(page_no),
            (None, Some(known)) => known.max(page_no + 1),
            (None, None) => page_no + 1,
        };
        sweep.last_page = Some(last.max(1));
        if sweep.complete()
            && let Some(done) = self.sweep.take()
        {
            self.finish_sweep(now, done);
        }
    }

    fn finish_sweep(&mut self, now: Instant, sweep: Sweep) {
        self.last_listed = sweep.listed.max(sweep.seen.len() as u64);
        for (task_id, status) in &sweep.seen {
            let Some(task) = self.tasks.get_mut(task_id) else {
                continue;
            };
            if task.stage != Stage::Tracking {
                continue;
            }
            task.suspect = false;
            if status.is_terminal() {
                if task.in_flight.is_some() {
                    task.finish_seen = true;
                } else {
                    task.stage = Stage::Final { since: now };
                    task.due = now;
                }
            } else {
                let delay = self
                    .policy
                    .poll
                    .delay_at(now.saturating_duration_since(task.added));
                task.due = task.due.max(now + delay);
            }
            self.note_status(task_id, status);
        }
        let missing: Vec<TaskId> = sweep
            .expected
            .iter()
            .filter(|id| !sweep.seen.contains_key(*id))
            .filter(|id| {
                self.tasks
                    .get(*id)
                    .is_some_and(|t| t.stage == Stage::Tracking)
            })
            .cloned()
            .collect();
        if sweep.expected.is_empty() {
            // It verified nothing: no task was old enough to be required in it.
        } else if missing.is_empty() {
            self.trust = Trust::Trusted;
            self.distrust_for = self.policy.distrust;
        } else {
            for task_id in &missing {
                if let Some(task) = self.tasks.get_mut(task_id) {
                    task.suspect = true;
                    task.due = task.due.min(now);
                }
            }
            self.distrust(now);
        }
        // As often as the tracking budget allows, and twice per detection bound at most.
        let budget = self.policy.tracking_rate(self.query_rate);
        let paced = Duration::from_secs_f64(f64::from(sweep.pages.max(1)) / budget);
        let bound = self
            .tasks
            .values()
            .filter(|t| t.stage == Stage::Tracking)
            .map(|t| {
                self.policy
                    .poll
                    .delay_at(now.saturating_duration_since(t.added))
            })
            .min()
            .unwrap_or(self.policy.poll.first_delay);
        let interval = paced.max(bound / 2);
        self.next_sweep_at = Some(sweep.started + interval);
        self.choose_mode(now);
    }

    /// Records a status and reports a change.
    fn note_status(&mut self, task_id: &TaskId, status: &TaskStatus) {
        if let Some(task) = self.tasks.get_mut(task_id)
            && task.status.as_ref() != Some(status)
        {
            task.status = Some(status.clone());
            self.events.push_back(TrackEvent::StatusChanged {
                task_id: task_id.clone(),
                status: status.clone(),
            });
        }
    }

    fn distrust(&mut self, now: Instant) {
        self.stats.distrusted += 1;
        self.trust = Trust::Distrusted {
            until: now + self.distrust_for,
        };
        self.distrust_for =
            (self.distrust_for * 2).min(self.policy.max_distrust.max(self.policy.distrust));
        self.mode = TrackMode::Polling;
        for task in self.tasks.values_mut() {
            task.covered = false;
        }
    }

    /// Counts a retryable failure of a task's query and schedules the next one, or gives up.
    fn absorb(
        &mut self,
        now: Instant,
        task_id: &TaskId,
        server_delay: Option<Duration>,
        failure: Failure,
    ) {
        let policy = &self.policy.poll;
        let Some(task) = self.tasks.get_mut(task_id) else {
            return;
        };
        task.in_flight = None;
        task.errors = task.errors.saturating_add(1);
        if task.errors > policy.error_budget {
            let error = match failure {
                Failure::Response(source) => PollError::Response {
                    task_id: task_id.clone(),
                    source,
                },
                Failure::Send(kind) => PollError::Transport {
                    task_id: task_id.clone(),
                    kind,
                    consecutive: task.errors,
                },
            };
            self.lose(task_id, error);
            return;
        }
        let delay = match server_delay {
            Some(delay) => delay.min(policy.max_delay),
            None => {
                let elapsed = now.saturating_duration_since(task.added);
                policy
                    .jitter
                    .apply(policy.error_delay(task.errors, elapsed), &mut self.rng)
            }
        };
        task.due = now + delay;
    }

    fn lose(&mut self, task_id: &TaskId, error: PollError) {
        self.tasks.remove(task_id);
        self.events.push_back(TrackEvent::Lost {
            task_id: task_id.clone(),
            error,
        });
    }
}

impl Window {
    fn covers(&self, submitted_ms: i64) -> bool {
        (self.start_ms..=self.end_ms).contains(&submitted_ms)
    }
}

/// The failure being absorbed.
enum Failure {
    Response(ResponseError),
    Send(SendErrorKind),
}

#[cfg(test)]
mod tests;
