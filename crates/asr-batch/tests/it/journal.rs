//! The journal through the engine: runs stopped at many points resume without paying twice,
//! summaries separate this run from earlier ones, and one journal has one run at a time.

use std::time::Duration;

use asr_batch::{DirSink, JsonlStore, Model, OutputFile, Status, StoreError};
use asr_emulator::{Endpoint, FaultConfig, FaultRule};
use futures_util::StreamExt;

use crate::{Recorded, TempDir, batch, collect, fast, setup, submits_per_url};

/// Opens the journal once the previous run has let go of it (its last writes may still be
/// finishing on a blocking thread after the run was dropped).
async fn reopen(path: &std::path::Path) -> JsonlStore {
    for _ in 0..500 {
        match JsonlStore::open(path) {
            Ok(store) => return store,
            Err(StoreError::Locked { .. }) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the journal stayed locked after its run was dropped");
}

fn raw_json_sink(
    dir: &std::path::Path,
) -> DirSink<
    impl Fn(asr_batch::Delivery<'_>) -> Result<Vec<OutputFile>, asr_batch::SinkError>
    + Send
    + Sync
    + 'static,
> {
    DirSink::new(dir, vec!["json".into()], |d: asr_batch::Delivery<'_>| {
        Ok(vec![OutputFile::new(
            format!("{:03}.json", d.index),
            d.document.to_vec(),
        )])
    })
}

/// The library's kill loop: a run is dropped at many points (after 1, 2, 3, 5, 8… requests
/// reached the service, faults on), and each next run resumes from the journal. Nothing is
/// submitted twice, no output is torn, and every input is finished in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_stopped_at_many_points_resume_without_paying_twice() {
    let faults = FaultConfig::new()
        .with(
            Endpoint::Submit,
            FaultRule::new()
                .with_lose_response(0.3)
                .with_throttle(0.2)
                .with_retry_after(Duration::from_millis(100)),
        )
        .with(
            Endpoint::GetTask,
            FaultRule::new().with_throttle(0.2).with_drop(0.1),
        );
    let (emu, client) = setup(fast().with_seed(11).with_faults(faults)).await;
    let dir = TempDir::new("stop-loop");
    let out = dir.join("out");
    let path = out.join(asr_batch::journal::FILE_NAME);
    let inputs: Vec<String> = (0..130)
        .map(|i| format!("https://example.com/loop/{i:03}.wav"))
        .collect();
    let total = |emu: &asr_emulator::EmulatorHandle| {
        emu.requests()["requests"].as_array().map_or(0, Vec::len)
    };
    let mut points_hit = 0;
    for point in [1usize, 2, 3, 5, 8, 13, 21, 34, 55] {
        let start = total(&emu);
        let mut run = batch(&client, Model::FUN_ASR)
            .with_store(reopen(&path).await)
            .with_sink(raw_json_sink(&out))
            .run(inputs.clone());
        // Read outcomes until `point` more requests reached the emulator, then drop the run.
        let ended = loop {
            if total(&emu) >= start + point {
                break false;
            }
            match tokio::time::timeout(Duration::from_millis(5), run.next()).await {
                Ok(None) => break true,
                Ok(Some(item)) => {
                    item.unwrap_or_else(|e| panic!("point {point}: {e}"));
                }
                Err(_) => {}
            }
        };
        drop(run);
        if !ended {
            points_hit += 1;
        }
    }
    assert!(points_hit >= 5, "only {points_hit} stops landed mid-run");
    emu.set_faults(FaultConfig::new());
    let run = batch(&client, Model::FUN_ASR)
        .with_store(reopen(&path).await)
        .with_sink(raw_json_sink(&out))
        .run(inputs.clone());
    let (outcomes, _) = collect(run).await;
    assert_eq!(outcomes.len(), 130);
    for o in &outcomes {
        assert!(
            matches!(o.status, Status::Done(_) | Status::AlreadyDone(_)),
            "{}: {:?}",
            o.input.display_name(),
            o.status
        );
    }
    let per_url = submits_per_url(&emu);
    let twice: Vec<_> = per_url.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "submitted twice: {twice:?}");
    assert_eq!(per_url.len(), 130, "every input submitted");
    // Every output is whole, and no temporary file is left.
    let mut files = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".asr-tmp-"), "{name} left behind");
        if name.ends_with(".json") {
            let doc: serde_json::Value =
                serde_json::from_slice(&std::fs::read(out.join(&name)).unwrap())
                    .unwrap_or_else(|e| panic!("{name} is torn: {e}"));
            assert!(doc["transcripts"].is_array(), "{name}");
            files += 1;
        }
    }
    assert_eq!(files, 130);
    let replay = asr_batch::journal::replay(&std::fs::read(&path).unwrap()).unwrap();
    assert!(replay.has_header);
}

/// A second run counts what the first did separately: inputs, tasks and billed seconds.
#[tokio::test]
async fn a_resumed_run_reports_earlier_work_separately() {
    let (emu, client) = setup(fast()).await;
    let dir = TempDir::new("earlier");
    let path = dir.join(asr_batch::journal::FILE_NAME);
    let first: Vec<String> = (0..3)
        .map(|i| format!("https://example.com/earlier/{i}.wav"))
        .collect();
    let run = batch(&client, Model::FUN_ASR)
        .with_store(JsonlStore::open(&path).unwrap())
        .with_sink(Recorded)
        .run(first.clone());
    let (_, one) = collect(run).await;
    assert_eq!((one.this_run.done, one.this_run.tasks), (3, 1));
    assert!(one.this_run.billed_seconds > 0);
    assert_eq!(one.earlier, Default::default());

    let mut both = first.clone();
    both.extend((3..5).map(|i| format!("https://example.com/earlier/{i}.wav")));
    let run = batch(&client, Model::FUN_ASR)
        .with_store(JsonlStore::open(&path).unwrap())
        .with_sink(Recorded)
        .run(both);
    let (outcomes, two) = collect(run).await;
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::AlreadyDone(_)))
            .count(),
        3
    );
    assert_eq!((two.earlier.done, two.earlier.tasks), (3, 1));
    assert_eq!(two.earlier.billed_seconds, one.this_run.billed_seconds);
    assert_eq!((two.this_run.done, two.this_run.tasks), (2, 1));
    assert_eq!(emu.count(Endpoint::Submit), 2);
}

/// Counts durable writes of the store it wraps.
struct Counting {
    inner: JsonlStore,
    writes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl asr_batch::Store for Counting {
    fn load(
        &self,
    ) -> futures_util::future::BoxFuture<'_, Result<asr_batch::journal::Replay, StoreError>> {
        self.inner.load()
    }

    fn append<'a>(
        &'a self,
        records: &'a [asr_batch::journal::Record],
    ) -> futures_util::future::BoxFuture<'a, Result<(), StoreError>> {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.append(records)
    }
}

/// Group commit: a 250-input run (over 750 records) makes a handful of durable writes — one
/// per batch of records, one before each of its three submits — not one per record.
#[tokio::test]
async fn records_are_committed_in_batches() {
    let (_emu, client) = setup(fast()).await;
    let dir = TempDir::new("group-commit");
    let path = dir.join(asr_batch::journal::FILE_NAME);
    let inputs: Vec<String> = (0..250)
        .map(|i| format!("https://example.com/gc/{i:03}.wav"))
        .collect();
    let writes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let store = Counting {
        inner: JsonlStore::open(&path).unwrap(),
        writes: writes.clone(),
    };
    let run = batch(&client, Model::FUN_ASR)
        .with_store(store)
        .with_sink(Recorded)
        .with_commit_interval(Duration::from_secs(60))
        .run(inputs);
    let (outcomes, _) = collect(run).await;
    assert_eq!(outcomes.len(), 250);
    // Three pre-submit commits (some may share one) and the final one; the interval is long
    // enough that no timed commit comes between.
    let writes = writes.load(std::sync::atomic::Ordering::Relaxed);
    assert!((2..=4).contains(&writes), "{writes} journal writes");
    let text = std::fs::read_to_string(&path).unwrap();
    for event in ["submitting", "submitted", "done"] {
        assert_eq!(
            text.matches(&format!("\"event\":\"{event}\"")).count(),
            250,
            "one {event} record per input"
        );
    }
    assert_eq!(text.matches("\"event\":\"finished\"").count(), 3);
}
