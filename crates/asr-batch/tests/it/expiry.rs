//! Result URLs expire (`Expires`): downloaded before it, refreshed with one more task query,
//! reported as expired when even a fresh URL is, and submitted again only when asked.

use std::time::Duration;

use asr_batch::{Error, JsonlStore, Model, Status, TranscribeExt};
use asr_emulator::{EmulatorConfig, Endpoint, FaultRule};

use crate::{Recorded, TempDir, batch, collect, fast, setup};

/// Results whose URLs are already past `Expires` when the task is seen finished: the task is
/// queried once more for fresh URLs, and since those are expired too the inputs end
/// `Expired`; the journal remembers, so a rerun reports them without asking the service, and
/// only `with_resubmit_expired` submits them again.
#[tokio::test]
async fn expired_results_are_reported_and_resubmitted_only_when_asked() {
    let (emu, client) = setup(fast().with_result_url_ttl(Duration::ZERO)).await;
    let dir = TempDir::new("expired");
    let path = dir.join(asr_batch::journal::FILE_NAME);
    let inputs = [
        "https://example.com/exp/a.wav",
        "https://example.com/exp/b.wav",
    ];
    let run = batch(&client, Model::FUN_ASR)
        .with_store(JsonlStore::open(&path).unwrap())
        .with_sink(Recorded)
        .run(inputs);
    let (outcomes, summary) = collect(run).await;
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|o| matches!(o.status, Status::Expired)));
    assert_eq!(summary.this_run.expired, 2);
    let queries = emu.count(Endpoint::GetTask);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("\"event\":\"expired\"").count(), 2, "{text}");
    let results = emu.count(Endpoint::Result);
    assert_eq!(results, 0, "a URL past its Expires is not even tried");

    let run = batch(&client, Model::FUN_ASR)
        .with_store(JsonlStore::open(&path).unwrap())
        .with_sink(Recorded)
        .run(inputs);
    let (outcomes, _) = collect(run).await;
    assert!(outcomes.iter().all(|o| matches!(o.status, Status::Expired)));
    assert_eq!(emu.count(Endpoint::GetTask), queries, "nothing asked");
    assert_eq!(emu.count(Endpoint::Submit), 1);

    // With the flag, against a service that keeps results: submitted again, and done.
    let (emu2, client2) = setup(fast()).await;
    let run = batch(&client2, Model::FUN_ASR)
        .with_store(JsonlStore::open(&path).unwrap())
        .with_sink(Recorded)
        .with_resubmit_expired(true)
        .run(inputs);
    let (outcomes, _) = collect(run).await;
    assert!(outcomes.iter().all(|o| matches!(o.status, Status::Done(_))));
    assert_eq!(emu2.count(Endpoint::Submit), 1);
}

/// A URL that expires while downloads queue up is replaced by a fresh one from one more
/// query of its task, shared by the task's files while it lasts.
#[tokio::test]
async fn urls_expiring_in_the_download_queue_are_refreshed_once_per_task() {
    let (emu, client) = setup(
        EmulatorConfig::new()
            .with_processing_time(Duration::from_millis(100))
            .with_result_url_ttl(Duration::from_secs(2))
            .with_fault(
                Endpoint::Result,
                FaultRule::new().with_delay(Duration::from_millis(900), 1.0),
            ),
    )
    .await;
    let inputs: Vec<String> = (0..4)
        .map(|i| format!("https://example.com/queue/{i}.wav"))
        .collect();
    let run = batch(&client, Model::FUN_ASR)
        .with_download_concurrency(1)
        .run(inputs);
    let (outcomes, _) = collect(run).await;
    for o in &outcomes {
        assert!(matches!(o.status, Status::Done(_)), "{:?}", o.status);
    }
    // The log is in arrival order: after the first download, exactly one more task query.
    let log = emu.requests()["requests"].as_array().unwrap().clone();
    let first = log.iter().position(|r| r["endpoint"] == "result").unwrap();
    let later_queries = log[first..]
        .iter()
        .filter(|r| r["endpoint"] == "get_task")
        .count();
    // Files share a refresh while its URLs last: fewer queries than the files that needed one.
    assert!(
        (1..=2).contains(&later_queries),
        "{later_queries} refreshes"
    );
}

/// The one-call API says what to do about expired results.
#[tokio::test]
async fn transcribe_file_reports_expiry_with_the_remedy() {
    let (_emu, client) = setup(fast().with_result_url_ttl(Duration::ZERO)).await;
    let err = client
        .transcribe_file("https://example.com/exp/one.wav", Model::FUN_ASR)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Expired { .. }), "{err}");
    assert!(err.to_string().contains("resubmit"), "{err}");
}
