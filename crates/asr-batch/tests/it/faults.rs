//! Faults on every endpoint: throttling with Retry-After, 5xx, dropped connections.

use std::collections::BTreeSet;
use std::time::Duration;

use asr_batch::{Input, Model, Status};
use asr_emulator::{Endpoint, FaultConfig, FaultRule};

use crate::{TempDir, batch, client_config, collect, fast, logged, quick_poll, write_wav};

/// 300 files under 30 % 429 (with Retry-After), 5 % 5xx and 5 % dropped connections. Every
/// transcript arrives and no submit is duplicated.
///
/// Submits get the faults the service uses to say "nothing was created" (429, 503); the
/// ambiguous ones (500, a dropped connection after sending) hit every other endpoint here —
/// `reconcile.rs` covers those on submits.
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
    let mut poll = quick_poll();
    poll.error_budget = 20;
    let (outcomes, summary) = collect(
        batch(&client, Model::FUN_ASR)
            .with_poll_policy(poll)
            .run(inputs),
    )
    .await;
    let mut done = BTreeSet::new();
    for outcome in outcomes {
        let name = outcome.input.display_name();
        let Status::Done(transcript) = outcome.status else {
            panic!("{name}: {:?}", outcome.status);
        };
        assert_eq!(transcript.input, outcome.input);
        assert!(done.insert(name), "a file was reported twice");
    }
    assert_eq!(done.len(), 300);
    assert_eq!(
        (
            summary.this_run.tasks,
            summary.this_run.done,
            summary.this_run.failed
        ),
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
