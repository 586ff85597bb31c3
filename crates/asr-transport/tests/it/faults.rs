//! Faults: throttling with Retry-After, 5xx, dropped connections, lost submit answers.

use std::collections::BTreeSet;
use std::time::Duration;

use asr_emulator::{Endpoint, FaultConfig, FaultRule};
use asr_transport::{Error, Input, Model, TranscribeOptions, TranscriptionRequest};
use futures_util::StreamExt;

use crate::{TempDir, client_config, fast, logged, quick_wait, setup, write_wav};

/// The scenario: 300 files under 30 % 429 (with Retry-After), 10 % 5xx and 5 % dropped
/// connections. Every transcript arrives and no submit is duplicated.
///
/// Submits get the faults the service uses to say "nothing was created" (429, 503); the
/// ambiguous ones (500, a dropped connection after sending) hit every other endpoint. A submit
/// that meets an ambiguous fault is deliberately not resent — see the next test.
#[tokio::test]
async fn three_hundred_files_through_throttling_errors_and_drops() {
    let noisy = FaultRule::new()
        .with_throttle(0.30)
        .with_retry_after(Duration::from_secs(1))
        .with_server_error(0.05)
        .with_unavailable(0.05)
        .with_drop(0.05);
    let submit = FaultRule::new()
        .with_throttle(0.30)
        .with_retry_after(Duration::from_secs(1))
        .with_unavailable(0.10);
    let faults = FaultConfig::new()
        .with(Endpoint::GetTask, noisy.clone())
        .with(Endpoint::Result, noisy.clone())
        .with(Endpoint::UploadPolicy, noisy.clone())
        .with(Endpoint::Upload, noisy.clone())
        .with(Endpoint::Submit, submit);
    let emu = asr_emulator::Emulator::start(fast().with_faults(faults).with_seed(7))
        .await
        .unwrap();
    let client = client_config(&emu)
        .with_max_retries(12)
        .with_retry_budget_percent(200.0)
        .build()
        .unwrap();
    // 270 URLs and 30 local files, so uploads meet the faults too.
    let dir = TempDir::new("faults");
    let mut inputs: Vec<Input> = (0..270)
        .map(|i| Input::Url(format!("https://example.com/audio/{i:03}.wav")))
        .collect();
    for i in 0..30 {
        let path = dir.path().join(format!("local-{i:02}.wav"));
        write_wav(&path, 300);
        inputs.push(Input::Path(path));
    }
    let mut wait = quick_wait();
    wait.policy.error_budget = 20;
    let options = TranscribeOptions::new(Model::FUN_ASR).with_wait(wait);
    let mut stream = client.transcribe(inputs, options);
    let mut done = BTreeSet::new();
    while let Some(file) = stream.next().await {
        let name = file.input.display_name();
        let transcript = file.result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(transcript.input, file.input);
        assert!(done.insert(name), "a file was reported twice");
    }
    assert_eq!(done.len(), 300);
    let summary = stream.summary();
    assert_eq!(
        (summary.tasks, summary.succeeded, summary.failed),
        (3, 300, 0)
    );

    // Faults really happened, and exactly three submits were accepted: no duplicate task.
    let log = emu.requests()["requests"].as_array().unwrap().clone();
    let faulted = log.iter().filter(|r| !r["fault"].is_null()).count();
    assert!(faulted > 50, "only {faulted} faults injected");
    let accepted: Vec<_> = logged(&emu, "submit")
        .into_iter()
        .filter(|r| r["status"] == 200)
        .collect();
    assert_eq!(accepted.len(), 3, "{accepted:#?}");
    let listed = client
        .list_page(&asr_types::ListTasksQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.total, Some(3));
}

#[tokio::test]
async fn submit_whose_answer_is_lost_is_not_resent() {
    let faults = FaultConfig::new().with(
        Endpoint::Submit,
        FaultRule::new().with_lose_response(1.0).with_limit(1),
    );
    let (emu, client) = setup(fast().with_faults(faults)).await;
    let err = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SubmitOutcomeUnknown { .. }), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(emu.count(Endpoint::Submit), 1, "the submit was resent");
    // The task exists on the service: resending would have billed twice.
    let listed = client
        .list_page(&asr_types::ListTasksQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.total, Some(1));
}

#[tokio::test]
async fn submit_answered_with_500_is_not_resent() {
    let faults = FaultConfig::new().with(
        Endpoint::Submit,
        FaultRule::new().with_server_error(1.0).with_limit(1),
    );
    let (emu, client) = setup(fast().with_faults(faults)).await;
    let err = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SubmitOutcomeUnknown { .. }), "{err}");
    assert_eq!(err.code(), Some("InternalError"));
    assert_eq!(emu.count(Endpoint::Submit), 1);
}

#[tokio::test]
async fn submit_throttled_with_retry_after_is_resent_after_the_delay() {
    let faults = FaultConfig::new().with(
        Endpoint::Submit,
        FaultRule::new()
            .with_throttle(1.0)
            .with_retry_after(Duration::from_secs(1))
            .with_limit(2),
    );
    let (emu, client) = setup(fast().with_faults(faults)).await;
    let started = tokio::time::Instant::now();
    client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap();
    assert_eq!(emu.count(Endpoint::Submit), 3);
    // Two Retry-After: 1 waits; the computed backoff alone (≤ 200 ms) would be far shorter.
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test]
async fn queries_are_retried_through_drops_and_truncated_bodies() {
    let faults = FaultConfig::new().with(
        Endpoint::GetTask,
        FaultRule::new()
            .with_drop(0.5)
            .with_truncate(0.5)
            .with_limit(4),
    );
    let (emu, client) = setup(fast().with_faults(faults)).await;
    let task = client.task(&"any".into()).await.unwrap();
    assert_eq!(task.output.task_status, asr_transport::TaskStatus::Unknown);
    assert_eq!(emu.count(Endpoint::GetTask), 5);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error_after_retries() {
    // Bind then drop a listener: the port is closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = asr_transport::Config::new("sk-test")
        .with_base_url(format!("http://127.0.0.1:{port}/api/v1"))
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5), false)
        .with_max_retries(2)
        .build()
        .unwrap();
    let err = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(err.is_retryable());
}
