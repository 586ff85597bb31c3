//! The poller driven by a hand-advanced clock over fixture responses.

use std::time::{Duration, Instant};

use asr_protocol::{Jitter, PollError, PollEvent, PollPolicy, SendErrorKind, Step, TaskPoller};
use asr_types::TaskStatus;

use crate::{Exchange, context};

/// A scripted answer to one query.
enum Answer {
    Fixture(&'static str),
    FixtureWithHeaders(&'static str, &'static [(&'static str, &'static str)]),
    SendError(SendErrorKind),
}

/// What the poller knows when it starts.
#[derive(Clone)]
enum Start {
    /// Nothing: [`TaskPoller::new`], e.g. re-attaching to a task id.
    Unknown,
    /// The status a submit just answered: [`TaskPoller::with_fresh_status`].
    Fresh(TaskStatus),
}

fn poller(start: &Start, policy: PollPolicy, now: Instant) -> TaskPoller {
    match start {
        Start::Unknown => TaskPoller::new("task-1".into(), &context(), policy, now),
        Start::Fresh(status) => {
            TaskPoller::with_fresh_status("task-1".into(), status.clone(), &context(), policy, now)
        }
    }
}

/// Drives a poller to completion (at most `cap` steps), answering each query from `script`
/// (the last answer repeats) with zero latency; returns the step log.
fn drive(
    policy: PollPolicy,
    script: &[Answer],
    cap: usize,
) -> (Vec<String>, Result<TaskStatus, PollError>) {
    drive_from(&Start::Unknown, policy, script, cap)
}

/// [`drive`] from a given start.
fn drive_from(
    from: &Start,
    policy: PollPolicy,
    script: &[Answer],
    cap: usize,
) -> (Vec<String>, Result<TaskStatus, PollError>) {
    let start = Instant::now();
    let ms = |t: Instant| t.duration_since(start).as_millis();
    let mut now = start;
    let mut poller = poller(from, policy, now);
    let mut log = Vec::new();
    // A fresh start reports the status it was given before any query.
    while let Some(event) = poller.poll_event() {
        log.push(format!("          event {}", describe(&event, start)));
    }
    let mut answers = script.iter();
    let mut last = None;
    for _ in 0..cap {
        match poller.step(now) {
            Step::Send(request) => {
                assert_eq!(request.method(), http::Method::GET);
                let answer = answers.next().or(last).expect("non-empty script");
                last = Some(answer);
                match answer {
                    Answer::Fixture(name) | Answer::FixtureWithHeaders(name, _) => {
                        let ex = Exchange::named("get_task", name);
                        let mut response = ex.response();
                        if let Answer::FixtureWithHeaders(_, headers) = answer {
                            for (n, v) in *headers {
                                response
                                    .headers_mut()
                                    .insert(*n, v.parse().expect("header"));
                            }
                        }
                        log.push(format!(
                            "{:>6} ms  send {} -> {} {}",
                            ms(now),
                            request.uri().path(),
                            ex.status(),
                            name
                        ));
                        poller.handle_response(now, response);
                    }
                    Answer::SendError(kind) => {
                        log.push(format!(
                            "{:>6} ms  send {} -> {kind:?}",
                            ms(now),
                            request.uri().path()
                        ));
                        poller.handle_send_error(now, *kind);
                    }
                }
                while let Some(event) = poller.poll_event() {
                    log.push(format!("          event {}", describe(&event, start)));
                }
            }
            Step::WaitUntil(at) => {
                assert!(at > now, "WaitUntil must be in the future");
                // Waking early changes nothing.
                assert!(matches!(poller.step(now), Step::WaitUntil(t) if t == at));
                log.push(format!("{:>6} ms  wait until {} ms", ms(now), ms(at)));
                now = at;
            }
            Step::Done(result) => {
                let result = result.map(|t| t.output.task_status);
                match &result {
                    Ok(status) => log.push(format!("{:>6} ms  done: {}", ms(now), status.as_str())),
                    Err(e) => log.push(format!("{:>6} ms  done: error: {e}", ms(now))),
                }
                // The result is handed out once.
                assert!(matches!(
                    poller.step(now),
                    Step::Done(Err(PollError::AlreadyDone { .. }))
                ));
                return (log, result);
            }
        }
    }
    panic!(
        "poller did not finish within {cap} steps:\n{}",
        log.join("\n")
    );
}

fn describe(event: &PollEvent, start: Instant) -> String {
    match event {
        PollEvent::StatusChanged { from, to } => format!(
            "status {} -> {}",
            from.as_ref().map_or("none", |s| s.as_str()),
            to.as_str()
        ),
        PollEvent::SubtasksChanged {
            total,
            succeeded,
            failed,
        } => format!("subtasks {succeeded}/{total} succeeded, {failed} failed"),
        PollEvent::Retrying {
            consecutive_errors,
            at,
            server_requested,
        } => format!(
            "retry #{consecutive_errors} at {} ms{}",
            at.duration_since(start).as_millis(),
            if *server_requested {
                " (server asked)"
            } else {
                ""
            }
        ),
        other => format!("{other:?}"),
    }
}

#[test]
fn pending_running_succeeded() {
    let script = [
        Answer::Fixture("pending"),
        Answer::Fixture("pending"),
        Answer::Fixture("running"),
        Answer::Fixture("running"),
        Answer::Fixture("succeeded"),
    ];
    let (log, result) = drive(PollPolicy::default(), &script, 50);
    assert_eq!(result.expect("finished"), TaskStatus::Succeeded);
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn failed_subtask_is_a_finished_task() {
    let script = [
        Answer::Fixture("running"),
        Answer::Fixture("failed_subtask"),
    ];
    let (log, result) = drive(PollPolicy::default(), &script, 50);
    // Overall SUCCEEDED with one failed file: the caller inspects each subtask.
    assert_eq!(result.expect("finished"), TaskStatus::Succeeded);
    assert!(
        log.iter()
            .any(|l| l.contains("subtasks 1/2 succeeded, 1 failed"))
    );
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn qwen_filetrans_failed_task() {
    let script = [
        Answer::Fixture("qwen_filetrans_running"),
        Answer::Fixture("qwen_filetrans_failed"),
    ];
    let (log, result) = drive(PollPolicy::default(), &script, 50);
    assert_eq!(result.expect("finished"), TaskStatus::Failed);
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn unknown_task_is_terminal_and_keeps_the_id() {
    let (log, result) = drive(
        PollPolicy::default(),
        &[Answer::Fixture("unknown_task")],
        50,
    );
    match result {
        Err(PollError::UnknownTask { task_id, .. }) => assert_eq!(task_id.as_str(), "task-1"),
        other => panic!("expected UnknownTask, got {other:?}"),
    }
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn throttled_poll_honours_retry_after() {
    let script = [
        Answer::Fixture("running"),
        Answer::FixtureWithHeaders("error_throttling_rate_quota", &[("retry-after", "3")]),
        Answer::Fixture("succeeded"),
    ];
    let (log, result) = drive(PollPolicy::default(), &script, 50);
    assert_eq!(result.expect("finished"), TaskStatus::Succeeded);
    assert!(
        log.iter().any(|l| l.contains("wait until 3500 ms")),
        "{log:#?}"
    );
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn retry_after_is_clamped_to_max_delay() {
    let mut policy = PollPolicy::default();
    policy.max_delay = Duration::from_secs(10);
    let script = [
        Answer::FixtureWithHeaders("error_throttling_rate_quota", &[("retry-after", "3600")]),
        Answer::Fixture("succeeded"),
    ];
    let (log, _) = drive(policy, &script, 50);
    assert!(
        log.iter().any(|l| l.contains("wait until 10000 ms")),
        "{log:#?}"
    );
}

#[test]
fn deadline_reached_keeps_the_id_and_last_status() {
    let policy = PollPolicy::default().with_deadline(Duration::from_secs(2));
    let (log, result) = drive(policy, &[Answer::Fixture("running")], 50);
    match result {
        Err(PollError::DeadlineExceeded {
            task_id,
            last_status,
        }) => {
            assert_eq!(task_id.as_str(), "task-1");
            assert_eq!(last_status, Some(TaskStatus::Running));
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn transport_errors_are_absorbed_within_the_budget() {
    let script = [
        Answer::SendError(SendErrorKind::Connect),
        Answer::SendError(SendErrorKind::Timeout),
        Answer::Fixture("succeeded"),
    ];
    let (log, result) = drive(PollPolicy::default(), &script, 50);
    assert_eq!(result.expect("finished"), TaskStatus::Succeeded);
    insta::assert_snapshot!(log.join("\n"));
}

#[test]
fn exhausted_budget_reports_the_last_failure() {
    let policy = policy_with_budget(2);
    let (log, result) = drive(policy, &[Answer::SendError(SendErrorKind::Io)], 50);
    match result {
        Err(PollError::Transport {
            kind, consecutive, ..
        }) => {
            assert_eq!(kind, SendErrorKind::Io);
            assert_eq!(consecutive, 3);
        }
        other => panic!("expected Transport, got {other:?}"),
    }
    assert_eq!(log.iter().filter(|l| l.contains("send")).count(), 3);

    let throttled = [Answer::Fixture("error_throttling_rate_quota")];
    let (_, result) = drive(policy_with_budget(1), &throttled, 50);
    match result {
        Err(PollError::Response { source, .. }) => {
            assert_eq!(source.code(), Some("Throttling.RateQuota"));
        }
        other => panic!("expected Response, got {other:?}"),
    }
}

fn policy_with_budget(error_budget: u32) -> PollPolicy {
    let mut policy = PollPolicy::default();
    policy.error_budget = error_budget;
    policy
}

/// The documented bound: a task that finishes `T` after the start is noticed within
/// `max(0.5 s, 0.15 × T)`, with and without jitter, and whether the poller queries at once or
/// starts from a submit's fresh answer (which then counts as the observation at 0).
#[test]
fn default_schedule_notices_a_finished_task_quickly() {
    let starts = [Start::Unknown, Start::Fresh(TaskStatus::Pending)];
    let jitters = [Jitter::None, Jitter::Seeded(7), Jitter::Seeded(u64::MAX)];
    for (from, jitter) in starts
        .iter()
        .flat_map(|s| jitters.iter().map(move |j| (s, *j)))
    {
        let policy = PollPolicy::default().with_jitter(jitter);
        let mut poll_times = schedule_from(from, policy.clone(), Duration::from_secs(4 * 3600));
        match from {
            Start::Unknown => assert_eq!(poll_times[0], Duration::ZERO, "queries at once"),
            Start::Fresh(_) => {
                assert!(poll_times[0] > Duration::ZERO, "{jitter:?}: no query at 0");
                poll_times.insert(0, Duration::ZERO);
            }
        }
        // Every gap between queries bounds the detection lag of a finish inside it.
        for pair in poll_times.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let gap = next - prev;
            // The worst case finishes just after `prev`.
            let bound = Duration::from_millis(500).max(prev.mul_f64(0.15));
            assert!(
                gap <= bound,
                "{jitter:?}: gap {gap:?} after {prev:?} exceeds {bound:?}"
            );
        }
        // And the cost stays modest: about 45 queries for ten minutes, capped at 30 s later.
        let ten_minutes = poll_times
            .iter()
            .filter(|t| **t <= Duration::from_secs(600))
            .count();
        assert!(
            (30..=60).contains(&ten_minutes),
            "{jitter:?}: {ten_minutes} queries"
        );
        let last_gap = poll_times[poll_times.len() - 1] - poll_times[poll_times.len() - 2];
        assert!(last_gap <= Duration::from_secs(30));
    }
}

/// Query times (since start) of a task that stays RUNNING for `horizon`.
fn schedule(policy: PollPolicy, horizon: Duration) -> Vec<Duration> {
    schedule_from(&Start::Unknown, policy, horizon)
}

/// [`schedule`] from a given start.
fn schedule_from(from: &Start, policy: PollPolicy, horizon: Duration) -> Vec<Duration> {
    let start = Instant::now();
    let mut now = start;
    let mut poller = poller(from, policy, now);
    let running = Exchange::named("get_task", "running");
    let mut times = Vec::new();
    for _ in 0..10_000 {
        if now - start > horizon {
            return times;
        }
        match poller.step(now) {
            Step::Send(_) => {
                times.push(now - start);
                poller.handle_response(now, running.response());
            }
            Step::WaitUntil(at) => now = at,
            Step::Done(result) => panic!("unexpected end: {result:?}"),
        }
    }
    panic!("schedule did not reach {horizon:?}");
}

#[test]
fn jitter_is_reproducible_from_the_seed() {
    let policy = PollPolicy::default().with_jitter(Jitter::Seeded(42));
    let a = schedule(policy.clone(), Duration::from_secs(60));
    let b = schedule(policy, Duration::from_secs(60));
    assert_eq!(a, b);
    let plain = schedule(PollPolicy::default(), Duration::from_secs(60));
    assert_ne!(a, plain, "jitter changes the schedule");
}

#[test]
fn calling_step_while_in_flight_counts_as_a_lost_query() {
    let now = Instant::now();
    let mut poller = TaskPoller::new("task-1".into(), &context(), PollPolicy::default(), now);
    assert!(matches!(poller.step(now), Step::Send(_)));
    // No response reported: the query is treated as timed out and retried later.
    match poller.step(now) {
        Step::WaitUntil(at) => assert!(at > now),
        other => panic!("expected WaitUntil, got {other:?}"),
    }
    assert!(matches!(
        poller.poll_event(),
        Some(PollEvent::Retrying {
            consecutive_errors: 1,
            ..
        })
    ));
    // A late response for a query that is no longer outstanding is ignored.
    poller.handle_response(now, Exchange::named("get_task", "succeeded").response());
    assert!(matches!(poller.step(now), Step::WaitUntil(_)));
}

#[test]
fn unusable_context_ends_on_the_first_step() {
    let ctx = asr_protocol::RequestContext::with_base_urls(
        "https://dashscope.aliyuncs.com/api/v1",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        asr_protocol::ApiKey::new("sk-bad\nkey"),
    )
    .expect("urls");
    let now = Instant::now();
    let mut poller = TaskPoller::new("task-1".into(), &ctx, PollPolicy::default(), now);
    match poller.step(now) {
        Step::Done(Err(PollError::Build { task_id, source })) => {
            assert_eq!(task_id.as_str(), "task-1");
            assert!(!format!("{source} {source:?}").contains("sk-bad"));
        }
        other => panic!("expected a build error, got {other:?}"),
    }
}

#[test]
fn non_retryable_error_ends_polling() {
    let ex = Exchange::named("submit_transcription", "error_invalid_api_key");
    let now = Instant::now();
    let mut poller = TaskPoller::new("task-1".into(), &context(), PollPolicy::default(), now);
    assert!(matches!(poller.step(now), Step::Send(_)));
    poller.handle_response(now, ex.response());
    match poller.step(now) {
        Step::Done(Err(PollError::Response { source, .. })) => {
            assert_eq!(source.code(), Some("InvalidApiKey"));
        }
        other => panic!("expected Response error, got {other:?}"),
    }
}

/// Right after a submit its answer (PENDING) stands in for the first query: a task done 2 s
/// after the submit costs 4 queries (0.5, 1, 1.5, 2 s) instead of 5 (issue 8's bench target).
#[test]
fn after_submit_the_first_query_waits_one_delay() {
    let script = [
        Answer::Fixture("pending"),
        Answer::Fixture("running"),
        Answer::Fixture("running"),
        Answer::Fixture("succeeded"),
    ];
    let from = Start::Fresh(TaskStatus::Pending);
    let (log, result) = drive_from(&from, PollPolicy::default(), &script, 50);
    assert_eq!(result.expect("finished"), TaskStatus::Succeeded);
    let sends = log.iter().filter(|l| l.contains("send")).count();
    assert_eq!(sends, 4, "{log:#?}");
    assert!(log[1].contains("0 ms  wait until 500 ms"), "{log:#?}");
    insta::assert_snapshot!(log.join("\n"));
}

/// The same task waited for from an unknown state queries at once: one query more.
#[test]
fn a_task_of_unknown_state_is_queried_at_once() {
    let script = [
        Answer::Fixture("pending"),
        Answer::Fixture("pending"),
        Answer::Fixture("running"),
        Answer::Fixture("running"),
        Answer::Fixture("succeeded"),
    ];
    let (log, _) = drive(PollPolicy::default(), &script, 50);
    assert!(log[0].contains("0 ms  send"), "{log:#?}");
    assert_eq!(log.iter().filter(|l| l.contains("send")).count(), 5);
}

/// A terminal status carries no result to hand out, so the poller fetches it at once.
#[test]
fn a_fresh_terminal_status_is_queried_at_once() {
    for status in [
        TaskStatus::Succeeded,
        TaskStatus::Failed,
        TaskStatus::Unknown,
    ] {
        let from = Start::Fresh(status.clone());
        let (log, result) = drive_from(
            &from,
            PollPolicy::default(),
            &[Answer::Fixture("succeeded")],
            50,
        );
        assert!(log[0].contains("0 ms  send"), "{status}: {log:#?}");
        assert_eq!(result.expect("finished"), TaskStatus::Succeeded);
    }
}

/// A deadline shorter than the first delay still gets its one last query, at the deadline.
#[test]
fn a_fresh_start_never_waits_past_the_deadline() {
    let policy = PollPolicy::default().with_deadline(Duration::from_millis(200));
    let from = Start::Fresh(TaskStatus::Pending);
    let (log, result) = drive_from(&from, policy, &[Answer::Fixture("running")], 50);
    assert!(log[1].contains("0 ms  wait until 200 ms"), "{log:#?}");
    assert_eq!(log.iter().filter(|l| l.contains("send")).count(), 1);
    match result {
        Err(PollError::DeadlineExceeded { last_status, .. }) => {
            assert_eq!(last_status, Some(TaskStatus::Running));
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
}

/// A context that cannot build the query fails on the first step, fresh start or not.
#[test]
fn a_fresh_start_with_an_unusable_context_ends_on_the_first_step() {
    let ctx = asr_protocol::RequestContext::with_base_urls(
        "https://dashscope.aliyuncs.com/api/v1",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        asr_protocol::ApiKey::new("sk-bad\nkey"),
    )
    .expect("urls");
    let now = Instant::now();
    let mut poller = TaskPoller::with_fresh_status(
        "task-1".into(),
        TaskStatus::Pending,
        &ctx,
        PollPolicy::default(),
        now,
    );
    assert!(matches!(
        poller.step(now),
        Step::Done(Err(PollError::Build { .. }))
    ));
}
