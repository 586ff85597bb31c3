//! The completion tracker against a simulated service on a hand-advanced clock.
//!
//! The simulation is the whole loop of a real driver: a sliding-window rate limiter in front
//! of the service (as in the client), a fixed round trip, tasks that finish after their
//! processing time, and a task list that filters by model and by a `YYYYMMDDhhmmss` window
//! read in UTC+8. Every run is bounded by a step cap, so a livelock fails instead of hanging,
//! and every wake-up the tracker asks for must lie in the future (no tight loop).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use asr_protocol::PollPolicy;
use asr_protocol::track::{
    CompletionTracker, Purpose, TrackEvent, TrackMode, TrackPolicy, TrackedTask, TransmitId,
};
use asr_types::task::list_time;
use asr_types::{Model, TaskStatus};

use crate::context;

/// 2026-01-01 00:00:00 UTC, the simulated wall clock at the start.
const WALL_START_MS: i64 = 1_767_225_600_000;

/// How the simulated task list behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    /// Lists what matches, newest first.
    Honest,
    /// Reads the window as UTC (8 hours off): lists none of the tasks just submitted.
    WrongZone,
    /// Answers 400 to every list.
    Refuses,
}

struct SimTask {
    model: String,
    submitted: Instant,
    submit_ms: i64,
    runtime: Duration,
}

/// What the service saw.
#[derive(Default)]
struct Seen {
    queries: BTreeMap<String, u32>,
    queries_after_finish: BTreeMap<String, u32>,
    pages: u32,
    list_queries: Vec<BTreeMap<String, String>>,
    /// Arrival instants of every task-API request.
    arrivals: Vec<Instant>,
}

struct Service {
    start: Instant,
    tasks: BTreeMap<String, SimTask>,
    order: Vec<String>,
    list: List,
    /// Task ids answered with this status code instead of a task.
    failing: BTreeMap<String, u16>,
    seen: Seen,
}

impl Service {
    fn new(start: Instant, list: List) -> Self {
        Service {
            start,
            tasks: BTreeMap::new(),
            order: Vec::new(),
            list,
            failing: BTreeMap::new(),
            seen: Seen::default(),
        }
    }

    fn wall_ms(&self, at: Instant) -> i64 {
        WALL_START_MS
            + i64::try_from(at.duration_since(self.start).as_millis()).expect("a short run")
    }

    fn submit(&mut self, id: &str, model: &str, at: Instant, runtime: Duration) {
        self.tasks.insert(
            id.to_owned(),
            SimTask {
                model: model.to_owned(),
                submitted: at,
                submit_ms: self.wall_ms(at),
                runtime,
            },
        );
        self.order.push(id.to_owned());
    }

    fn status(&self, task: &SimTask, at: Instant) -> &'static str {
        let age = at.saturating_duration_since(task.submitted);
        if age < task.runtime / 3 {
            "PENDING"
        } else if age < task.runtime {
            "RUNNING"
        } else {
            "SUCCEEDED"
        }
    }

    fn answer(&mut self, request: &http::Request<Vec<u8>>, at: Instant) -> http::Response<Bytes> {
        assert_eq!(request.method(), http::Method::GET);
        self.seen.arrivals.push(at);
        let path = request.uri().path();
        if let Some(id) = path.strip_prefix("/api/v1/tasks/") {
            return self.query(id, at);
        }
        assert_eq!(
            path,
            "/api/v1/tasks",
            "unexpected request {}",
            request.uri()
        );
        let params: BTreeMap<String, String> =
            form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        self.seen.pages += 1;
        self.seen.list_queries.push(params.clone());
        match self.list {
            List::Refuses => response(
                400,
                json!({"request_id": "r", "code": "InvalidParameter", "message": "no"}),
            ),
            List::Honest | List::WrongZone => self.list_page(&params, at),
        }
    }

    fn query(&mut self, id: &str, at: Instant) -> http::Response<Bytes> {
        *self.seen.queries.entry(id.to_owned()).or_default() += 1;
        if let Some(status) = self.failing.get(id) {
            return response(
                *status,
                json!({"request_id": "r", "code": "InternalError", "message": "boom"}),
            );
        }
        let Some(task) = self.tasks.get(id) else {
            return response(
                200,
                json!({"request_id": "r", "output": {"task_id": id, "task_status": "UNKNOWN"}}),
            );
        };
        let status = self.status(task, at);
        let submit_time = spelled(&list_time(task.submit_ms));
        let mut output = json!({"task_id": id, "task_status": status, "submit_time": submit_time});
        if status == "SUCCEEDED" {
            *self
                .seen
                .queries_after_finish
                .entry(id.to_owned())
                .or_default() += 1;
            output["results"] = json!([{
                "file_url": "https://example.com/a.wav",
                "transcription_url": format!("https://results.example/{id}.json"),
                "subtask_status": "SUCCEEDED",
            }]);
        }
        response(200, json!({"request_id": "r", "output": output}))
    }

    fn list_page(&self, params: &BTreeMap<String, String>, at: Instant) -> http::Response<Bytes> {
        let shift = if self.list == List::WrongZone {
            8 * 3600 * 1000
        } else {
            0
        };
        let start = params.get("start_time").expect("a window start");
        let end = params.get("end_time").expect("a window end");
        let page_no: usize = params["page_no"].parse().expect("a page number");
        let page_size: usize = params["page_size"].parse().expect("a page size");
        let matching: Vec<Value> = self
            .order
            .iter()
            .rev()
            .filter_map(|id| {
                let task = &self.tasks[id];
                let when = list_time(task.submit_ms + shift);
                let in_window = when >= *start && when <= *end;
                let model_ok = params.get("model_name").is_none_or(|m| *m == task.model);
                (in_window && model_ok).then(|| {
                    json!({"task_id": id, "status": self.status(task, at), "model_name": task.model})
                })
            })
            .collect();
        let total = matching.len();
        let data: Vec<Value> = matching
            .into_iter()
            .skip((page_no - 1) * page_size)
            .take(page_size)
            .collect();
        response(
            200,
            json!({"request_id": "r", "total": total, "total_page": total.div_ceil(page_size),
                   "page_no": page_no, "page_size": page_size, "data": data}),
        )
    }
}

fn response(status: u16, body: Value) -> http::Response<Bytes> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Bytes::from(body.to_string()))
        .expect("a valid response")
}

/// `YYYYMMDDhhmmss` → `YYYY-MM-DD hh:mm:ss.000`, the query's `submit_time` shape.
fn spelled(c: &str) -> String {
    format!(
        "{}-{}-{} {}:{}:{}.000",
        &c[0..4],
        &c[4..6],
        &c[6..8],
        &c[8..10],
        &c[10..12],
        &c[12..14]
    )
}

/// A sliding-window limiter like the client's: at most `max` sends in any `window`.
struct Limiter {
    max: usize,
    window: Duration,
    sends: VecDeque<Instant>,
}

impl Limiter {
    /// When a request ready at `ready` may leave; records it.
    fn reserve(&mut self, ready: Instant) -> Instant {
        let mut at = ready;
        if self.sends.len() >= self.max {
            let oldest = self.sends.pop_front().expect("a full ring");
            at = at.max(oldest + self.window);
        }
        let at = at.max(self.sends.back().copied().unwrap_or(at));
        self.sends.push_back(at);
        at
    }
}

/// A task the simulated user submits.
struct Plan {
    id: String,
    model: &'static str,
    at: Duration,
    runtime: Duration,
}

fn plan(n: usize, spread: Duration, runtime: Duration) -> Vec<Plan> {
    (0..n)
        .map(|i| Plan {
            id: format!("task-{i:05}"),
            model: "fun-asr",
            at: spread.mul_f64(i as f64 / n.max(1) as f64),
            runtime,
        })
        .collect()
}

/// What a run produced.
struct Run {
    service: Service,
    finished: BTreeMap<String, Instant>,
    lost: Vec<String>,
    status_changes: usize,
    modes: Vec<TrackMode>,
    tracker: CompletionTracker,
    end: Instant,
    start: Instant,
}

impl Run {
    fn elapsed(&self) -> Duration {
        self.end.duration_since(self.start)
    }
}

/// Submits `plans` (each added with a fresh `PENDING` right after its submit) and drives the
/// tracker until every task is finished or lost, or `cap` steps pass.
fn drive(policy: TrackPolicy, list: List, plans: Vec<Plan>, cap: usize) -> Run {
    drive_with(policy, list, plans, cap, |_, _| {})
}

fn drive_with(
    policy: TrackPolicy,
    list: List,
    plans: Vec<Plan>,
    cap: usize,
    mut hook: impl FnMut(&mut Service, Instant),
) -> Run {
    let ctx = context();
    let start = Instant::now();
    let rtt = Duration::from_millis(40);
    let max_in_flight = policy.max_in_flight;
    let mut tracker = CompletionTracker::new(policy);
    let mut service = Service::new(start, list);
    let mut limiter = Limiter {
        max: 18,
        window: Duration::from_millis(1100),
        sends: VecDeque::new(),
    };
    let mut pending: Vec<(Instant, TransmitId, http::Response<Bytes>)> = Vec::new();
    let mut plans: VecDeque<Plan> = plans.into();
    let mut run_finished = BTreeMap::new();
    let mut lost = Vec::new();
    let mut status_changes = 0;
    let mut modes = vec![tracker.mode()];
    let mut now = start;
    for _ in 0..cap {
        hook(&mut service, now);
        while plans.front().is_some_and(|p| start + p.at <= now) {
            let p = plans.pop_front().expect("a due plan");
            service.submit(&p.id, p.model, now, p.runtime);
            tracker.add(
                now,
                TrackedTask::new(p.id.as_str(), Model::new(p.model))
                    .with_fresh_status(TaskStatus::Pending),
            );
        }
        pending.sort_by_key(|(at, id, _)| (*at, *id));
        while pending.first().is_some_and(|(at, _, _)| *at <= now) {
            let (_, id, resp) = pending.remove(0);
            tracker.handle_response(now, id, resp);
        }
        let wall = service.wall_ms(now);
        while let Some(t) = tracker.poll_transmit(now, wall, &ctx) {
            assert!(tracker.in_flight() <= max_in_flight);
            let leaves = limiter.reserve(now);
            let resp = service.answer(&t.request, leaves + rtt / 2);
            pending.push((leaves + rtt, t.id, resp));
        }
        while let Some(event) = tracker.poll_event() {
            match event {
                TrackEvent::Finished(task) => {
                    let id = task.output.task_id.to_string();
                    assert!(
                        !task.output.transcription_urls().is_empty(),
                        "{id} finished without result URLs"
                    );
                    assert!(run_finished.insert(id, now).is_none(), "finished twice");
                }
                TrackEvent::Lost { task_id, .. } => lost.push(task_id.to_string()),
                TrackEvent::StatusChanged { .. } => status_changes += 1,
                _ => {}
            }
        }
        if modes.last() != Some(&tracker.mode()) {
            modes.push(tracker.mode());
        }
        let wake = tracker.poll_timeout();
        if let Some(at) = wake {
            assert!(
                at > now,
                "the tracker asked to be woken in the past: a tight loop"
            );
        }
        let next = [
            wake,
            pending.iter().map(|(at, _, _)| *at).min(),
            plans.front().map(|p| start + p.at),
        ]
        .into_iter()
        .flatten()
        .min();
        match next {
            Some(at) => now = at,
            None => break,
        }
    }
    assert!(
        plans.is_empty(),
        "the step cap ended the run before every submit"
    );
    Run {
        service,
        finished: run_finished,
        lost,
        status_changes,
        modes,
        tracker,
        end: now,
        start,
    }
}

fn default_policy() -> TrackPolicy {
    TrackPolicy::default()
}

#[test]
fn a_few_tasks_are_polled_on_their_own_schedule() {
    let run = drive(
        default_policy(),
        List::Honest,
        plan(3, Duration::ZERO, Duration::from_secs(2)),
        1000,
    );
    assert_eq!(run.finished.len(), 3);
    assert!(run.lost.is_empty());
    assert_eq!(run.service.seen.pages, 0, "three tasks never need a sweep");
    // As the poller: 0.5, 1, 1.5, 2 s after the submit, the last one finding it finished.
    for (id, n) in &run.service.seen.queries {
        assert_eq!(*n, 4, "{id}");
        assert_eq!(run.service.seen.queries_after_finish[id], 1, "{id}");
    }
    assert_eq!(run.modes, vec![TrackMode::Polling]);
    // Polls are scheduled from when they left, so the round trips do not add up.
    assert!(
        run.elapsed() < Duration::from_millis(2100),
        "{:?}",
        run.elapsed()
    );
}

#[test]
fn many_tasks_are_swept_and_each_is_queried_once_after_it_finished() {
    let run = drive(
        default_policy(),
        List::Honest,
        plan(200, Duration::from_secs(2), Duration::from_secs(5)),
        20_000,
    );
    assert_eq!(run.finished.len(), 200);
    assert!(run.lost.is_empty());
    assert!(run.modes.contains(&TrackMode::Sweeping), "{:?}", run.modes);
    let stats = run.tracker.stats();
    // Exactly one query per finished task for its results, and polls only before the
    // tracker had seen enough tasks to switch.
    assert_eq!(
        stats.finals + stats.polls,
        run.service.seen.queries.values().sum::<u32>() as u64
    );
    for (id, n) in &run.service.seen.queries_after_finish {
        assert_eq!(*n, 1, "{id} was queried {n} times after it finished");
    }
    assert!(stats.polls < 40, "{stats:?}");
    assert_eq!(stats.distrusted, 0, "{stats:?}");
    // Each sweep is two pages of 100; sweeps pause while final queries wait.
    assert!(stats.pages < 80, "{stats:?}");
    // 200 final queries at 18 per 1.1 s need 12 s after the first tasks finish at 5 s.
    let elapsed = run.elapsed();
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}

#[test]
fn the_sweep_window_covers_the_submit_times_with_padding_in_beijing_time() {
    let run = drive(
        default_policy(),
        List::Honest,
        plan(50, Duration::from_secs(1), Duration::from_secs(4)),
        10_000,
    );
    assert_eq!(run.finished.len(), 50);
    let first = &run.service.seen.list_queries[0];
    let submits: Vec<i64> = run.service.tasks.values().map(|t| t.submit_ms).collect();
    let (lo, hi) = (
        submits.iter().min().expect("tasks"),
        submits.iter().max().expect("tasks"),
    );
    // Five minutes of padding on both sides, in UTC+8 whole seconds.
    assert_eq!(first["start_time"], list_time(lo - 300_000));
    assert_eq!(first["end_time"], list_time(hi + 300_000));
    assert_eq!(first["model_name"], "fun-asr");
    assert_eq!(first["page_size"], "100");
    assert_eq!(first["page_no"], "1");
    assert!(
        !first.contains_key("status"),
        "a sweep lists every status: {first:?}"
    );
}

#[test]
fn a_sweep_that_misses_our_tasks_is_distrusted_and_polling_takes_over() {
    let run = drive(
        default_policy(),
        List::WrongZone,
        plan(60, Duration::from_secs(1), Duration::from_secs(6)),
        20_000,
    );
    assert_eq!(run.finished.len(), 60, "lost: {:?}", run.lost);
    let stats = run.tracker.stats();
    // Sweeps verify nothing until the first tasks are older than the list lag (2 s); the
    // first one that should have listed them is distrusted, for 30 s: longer than the run.
    assert_eq!(stats.distrusted, 1, "{stats:?}");
    assert!(stats.sweeps <= 10, "{stats:?}");
    assert_eq!(run.modes.last(), Some(&TrackMode::Polling));
    for (id, n) in &run.service.seen.queries_after_finish {
        assert_eq!(*n, 1, "{id}");
    }
}

#[test]
fn a_list_that_refuses_is_distrusted_and_retried_after_the_distrust_period() {
    let run = drive(
        default_policy(),
        List::Refuses,
        plan(150, Duration::from_secs(1), Duration::from_secs(100)),
        100_000,
    );
    assert_eq!(run.finished.len(), 150, "lost: {:?}", run.lost);
    let stats = run.tracker.stats();
    // Refused at once, again after 30 s, then after 60 s more: the period doubles.
    assert_eq!(stats.sweeps, 3, "{stats:?}");
    assert_eq!(stats.distrusted, 3, "{stats:?}");
}

#[test]
fn final_queries_go_before_sweep_pages_and_polls() {
    // Everything finishes together; while final queries wait, no page or poll goes out.
    let mut order: Vec<&'static str> = Vec::new();
    let ctx = context();
    let start = Instant::now();
    let mut tracker = CompletionTracker::new(default_policy().with_max_in_flight(1));
    for i in 0..20 {
        tracker.add(
            start,
            TrackedTask::new(format!("t{i}"), Model::FUN_ASR)
                .with_fresh_status(TaskStatus::Running),
        );
    }
    let mut service = Service::new(start, List::Honest);
    for i in 0..20 {
        service.submit(&format!("t{i}"), "fun-asr", start, Duration::from_secs(1));
    }
    let mut now = start + Duration::from_millis(600);
    for _ in 0..200 {
        let Some(t) = tracker.poll_transmit(now, service.wall_ms(now), &ctx) else {
            match tracker.poll_timeout() {
                Some(at) => {
                    now = at;
                    continue;
                }
                None => break,
            }
        };
        order.push(match t.purpose {
            Purpose::Final(_) => "final",
            Purpose::Poll(_) => "poll",
            Purpose::ListPage { .. } => "page",
            _ => "other",
        });
        now += Duration::from_millis(50);
        let resp = service.answer(&t.request, now);
        tracker.handle_response(now, t.id, resp);
    }
    assert!(tracker.is_empty(), "{order:?}");
    let first_final = order.iter().position(|o| *o == "final").expect("finals");
    // Once the first sweep saw them finished, the 20 finals ran back to back.
    assert!(
        order[first_final..first_final + 20]
            .iter()
            .all(|o| *o == "final"),
        "{order:?}"
    );
    assert_eq!(order.iter().filter(|o| **o == "final").count(), 20);
}

#[test]
fn unknown_tasks_deadlines_and_failing_queries_are_lost_with_their_reason() {
    let policy = default_policy()
        .with_poll_policy(PollPolicy::default().with_deadline(Duration::from_secs(3)));
    let mut plans = plan(3, Duration::ZERO, Duration::from_secs(60));
    plans[0].runtime = Duration::from_secs(1);
    let run = drive_with(policy, List::Honest, plans, 2000, |service, now| {
        // The second task vanishes (UNKNOWN); the third one's queries fail with 500s.
        if now > service.start {
            service.tasks.remove("task-00001");
            service.failing.insert("task-00002".to_owned(), 500);
        }
    });
    assert_eq!(run.finished.len(), 1);
    assert_eq!(run.lost.len(), 2, "{:?}", run.lost);
    assert!(run.lost.contains(&"task-00001".to_owned()));
    assert!(run.lost.contains(&"task-00002".to_owned()));
    assert!(run.status_changes >= 3);
}

#[test]
fn a_removed_task_is_forgotten_and_its_answers_ignored() {
    let ctx = context();
    let now = Instant::now();
    let mut tracker = CompletionTracker::new(default_policy());
    tracker.add(now, TrackedTask::new("a", Model::FUN_ASR));
    let t = tracker
        .poll_transmit(now, WALL_START_MS, &ctx)
        .expect("queried at once");
    assert!(tracker.remove(&"a".into()));
    tracker.handle_response(
        now,
        t.id,
        response(
            200,
            json!({"output": {"task_id": "a", "task_status": "SUCCEEDED"}}),
        ),
    );
    assert!(tracker.poll_event().is_none());
    assert!(tracker.is_empty());
    assert_eq!(tracker.poll_timeout(), None);
}

#[test]
fn a_task_known_finished_gets_its_final_query_at_once() {
    let ctx = context();
    let now = Instant::now();
    let mut tracker = CompletionTracker::new(default_policy());
    tracker.add(
        now,
        TrackedTask::new("done", Model::FUN_ASR).with_fresh_status(TaskStatus::Succeeded),
    );
    let t = tracker
        .poll_transmit(now, WALL_START_MS, &ctx)
        .expect("due now");
    assert_eq!(t.purpose, Purpose::Final("done".into()));
    assert!(tracker.poll_transmit(now, WALL_START_MS, &ctx).is_none());
    tracker.handle_response(
        now,
        t.id,
        response(
            200,
            json!({"output": {"task_id": "done", "task_status": "SUCCEEDED",
                   "results": [{"transcription_url": "https://r/x.json", "subtask_status": "SUCCEEDED"}]}}),
        ),
    );
    assert!(matches!(
        tracker.poll_event(),
        Some(TrackEvent::StatusChanged { .. })
    ));
    assert!(matches!(
        tracker.poll_event(),
        Some(TrackEvent::Finished(_))
    ));
    assert!(tracker.is_empty());
}
