//! Faults: throttling with Retry-After, 5xx, dropped connections, lost submit answers.

use std::time::Duration;

use asr_emulator::{Endpoint, FaultConfig, FaultRule};
use asr_transport::{Error, Model, TranscriptionRequest};

use crate::{fast, setup};

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
