//! Query counts of waits against the emulator: right after a submit the first query waits one
//! poll delay; a task of unknown state is queried at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Endpoint};
use asr_protocol::{PollEvent, PollPolicy};
use asr_types::{TaskId, TaskStatus, TranscriptionRequest};

use crate::{Client, Config, Model, WaitOptions};

async fn setup(processing: Duration) -> (EmulatorHandle, Client) {
    let config = EmulatorConfig::new().with_processing_time(processing);
    let emu = Emulator::start(config).await.expect("start emulator");
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .build()
        .expect("client");
    (emu, client)
}

/// A policy whose delays are long enough that a wait which sleeps before its first query
/// could not end in time (the guard below turns that into a failure, not a hang).
fn slow_policy(first_delay: Duration) -> PollPolicy {
    let mut policy = PollPolicy::default();
    policy.first_delay = first_delay;
    policy.max_delay = first_delay;
    policy
}

/// The fresh status is reported before any query, and the first query waits a poll delay.
#[tokio::test]
async fn a_wait_after_submit_delays_its_first_query() {
    let (emu, client) = setup(Duration::from_millis(50)).await;
    let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    let submitted = client.submit(request).await.expect("submit");
    assert_eq!(submitted.output.task_status, TaskStatus::Pending);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let delay = Duration::from_millis(300);
    let options = WaitOptions::default()
        .with_policy(slow_policy(delay))
        .with_fresh_status(submitted.output.task_status.clone())
        .with_progress(move |e| seen.lock().expect("events").push(e.event.clone()));
    let started = tokio::time::Instant::now();
    let done = client
        .wait(&submitted.output.task_id, options)
        .await
        .expect("wait");
    // Sleeping never ends early, so this lower bound is exact: no query went out at once.
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(done.output.task_status, TaskStatus::Succeeded);
    assert_eq!(
        emu.count(Endpoint::GetTask),
        1,
        "one query, after the delay"
    );
    let events = events.lock().expect("events").clone();
    assert!(
        matches!(
            events.first(),
            Some(PollEvent::StatusChanged {
                from: None,
                to: TaskStatus::Pending
            })
        ),
        "{events:?}"
    );
}

/// A task id of unknown state (a resumed job) is queried at once, and a terminal "fresh"
/// status carries no result, so it is queried at once too.
#[tokio::test]
async fn a_wait_on_a_task_of_unknown_state_queries_at_once() {
    let (emu, client) = setup(Duration::from_millis(50)).await;
    let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    let submitted = client.submit(request).await.expect("submit");
    let task_id: TaskId = submitted.output.task_id;
    // Let it finish first, so one query is all either wait needs.
    let quick = WaitOptions::default().with_policy(slow_policy(Duration::from_millis(60)));
    client.wait(&task_id, quick).await.expect("finished");
    let hour = Duration::from_secs(3600);
    for fresh in [None, Some(TaskStatus::Succeeded)] {
        let before = emu.count(Endpoint::GetTask);
        let mut options = WaitOptions::default().with_policy(slow_policy(hour));
        if let Some(status) = fresh.clone() {
            options = options.with_fresh_status(status);
        }
        // A wait that slept first would take an hour; the guard makes that a failure.
        let done = tokio::time::timeout(Duration::from_secs(60), client.wait(&task_id, options))
            .await
            .unwrap_or_else(|_| panic!("{fresh:?}: the wait slept before its first query"))
            .expect("wait");
        assert_eq!(done.output.task_status, TaskStatus::Succeeded);
        assert_eq!(emu.count(Endpoint::GetTask) - before, 1, "{fresh:?}");
    }
}
