//! Workers sharing one batch: a worker killed part way, the poller's death and re-election,
//! two batches in one database.

use std::sync::Arc;
use std::time::Duration;

use asr_batch::OutputFile;
use asr_store_pg::Output;
use asr_store_pg::testing::TestDb;
use futures_util::StreamExt;

use crate::{account, all_done, client_config, finish, fleet, job, quick, submitted_urls, urls};

fn json_files(dir: &std::path::Path) -> Output {
    Output::new(
        dir,
        vec!["json".into()],
        Arc::new(|name: &str, doc: &[u8]| {
            Ok(vec![OutputFile::new(format!("{name}.json"), doc.to_vec())])
        }),
    )
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("asr-store-pg-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_workers_one_killed_part_way() {
    let db = TestDb::new().await;
    let emu = account(Duration::from_millis(1500)).await;
    let out = temp_dir("killed");
    let (inputs, names) = urls("k", 3000);
    let first = fleet(db.url(), "k").await;
    assert_eq!(
        first.add_inputs(&inputs, &names, &job()).await.unwrap(),
        3000
    );
    // Adding the same inputs again is a no-op.
    assert_eq!(first.add_inputs(&inputs, &names, &job()).await.unwrap(), 0);

    let mut runs = Vec::new();
    for _ in 0..3 {
        let f = fleet(db.url(), "k").await;
        runs.push(
            f.run(client_config(&emu), job(), Some(json_files(&out)), quick())
                .unwrap(),
        );
    }
    // The victim dies (its tasks and connections dropped, nothing released) once it has
    // finished some of its inputs.
    let mut victim = runs.remove(1);
    let mut victim_done = 0;
    while victim_done < 150 {
        match victim.next().await {
            Some(Ok(_)) => victim_done += 1,
            other => panic!("the victim ended early: {other:?}"),
        }
    }
    drop(victim);
    let mut survivors = Vec::new();
    for run in runs {
        survivors.push(tokio::spawn(finish(run)));
    }
    let mut reported: Vec<String> = Vec::new();
    for s in survivors {
        let (outcomes, error) = s.await.unwrap();
        assert_eq!(error, None);
        let bad: Vec<String> = outcomes
            .iter()
            .filter(|o| !matches!(o.status, asr_batch::Status::Done(_)))
            .map(|o| format!("{}: {:?}", o.input.display_name(), o.status))
            .take(3)
            .collect();
        assert!(all_done(&outcomes), "{bad:?}");
        reported.extend(outcomes.iter().map(|o| o.input.display_name().to_string()));
    }
    let status = first.status().await.unwrap();
    assert_eq!(status.counts.done, 3000, "{status:?}");
    assert_eq!(status.counts.total, 3000);
    // The victim's reports do not count here: it can die after recording outcomes it never
    // reported, or after reporting outcomes its group commit had not yet made durable (a
    // survivor then fetches those again from the same task, never submitting again). The
    // store's count above is the proof of completion; the survivors never report one input
    // twice.
    let reported_count = reported.len();
    reported.sort();
    reported.dedup();
    assert_eq!(
        reported.len(),
        reported_count,
        "a survivor reported an input twice"
    );
    let submitted = submitted_urls(&emu);
    assert_eq!(submitted.len(), 3000);
    let twice: Vec<_> = submitted.iter().filter(|(_, n)| **n > 1).take(3).collect();
    assert!(twice.is_empty(), "submitted twice: {twice:?}");
    let stats = emu.stats();
    assert_eq!(stats["counts"]["submit"], 30, "{stats}");
    assert_eq!(emu.refused(), 0, "{stats}");
    let files = std::fs::read_dir(&out).unwrap().flatten().count();
    assert_eq!(files, 3000);
    let _ = std::fs::remove_dir_all(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_batches_in_one_database_stay_apart() {
    let db = TestDb::new().await;
    let emu = account(Duration::from_millis(300)).await;
    let a = fleet(db.url(), "a").await;
    let b = fleet(db.url(), "b").await;
    // The same URLs in both batches: each batch transcribes its own.
    let (inputs, names) = urls("same", 150);
    assert_eq!(a.add_inputs(&inputs, &names, &job()).await.unwrap(), 150);
    assert_eq!(b.add_inputs(&inputs, &names, &job()).await.unwrap(), 150);
    let run_a = a.run(client_config(&emu), job(), None, quick()).unwrap();
    let run_b = b.run(client_config(&emu), job(), None, quick()).unwrap();
    let ((oa, ea), (ob, eb)) = tokio::join!(finish(run_a), finish(run_b));
    assert_eq!((ea, eb), (None, None));
    assert_eq!((oa.len(), ob.len()), (150, 150));
    assert!(all_done(&oa) && all_done(&ob));
    for f in [&a, &b] {
        let s = f.status().await.unwrap();
        assert_eq!(s.counts.done, 150, "{s:?}");
        assert_eq!(f.results(0, 1000).await.unwrap().len(), 150);
    }
    assert_eq!(emu.stats()["counts"]["submit"], 4);
    assert_eq!(emu.refused(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_cut_off_mid_submit_stops_and_another_finishes_without_paying_twice() {
    let db = TestDb::new().await;
    // Submits take a second to answer, so the cut falls between a submit and its answer.
    let emu = asr_emulator::Emulator::start(
        asr_emulator::EmulatorConfig::new()
            .with_processing_time(Duration::from_millis(500))
            .with_task_query_limit(20, Duration::from_secs(1))
            .with_fault(
                asr_emulator::Endpoint::Submit,
                asr_emulator::FaultRule::new().with_delay(Duration::from_secs(1), 1.0),
            ),
    )
    .await
    .unwrap();
    let (inputs, names) = urls("p", 300);
    let direct = fleet(db.url(), "p").await;
    direct.add_inputs(&inputs, &names, &job()).await.unwrap();
    let proxy = crate::proxy::Proxy::start(db.port()).await;
    let cut_off = fleet(&proxy.url(db.url()), "p").await;
    let run = cut_off
        .run(client_config(&emu), job(), None, quick())
        .unwrap();
    let cut_off_run = tokio::spawn(finish(run));
    // Wait until its first submit reached the service, then cut it off the database.
    while emu.count(asr_emulator::Endpoint::Submit) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.cut();
    let other = direct
        .run(client_config(&emu), job(), None, quick())
        .unwrap();
    let (outcomes, error) = finish(other).await;
    assert_eq!(error, None);
    assert!(all_done(&outcomes));
    let (_, cut_error) = cut_off_run.await.unwrap();
    let cut_error = cut_error.expect("the cut-off worker stops with an error");
    assert!(
        cut_error.contains("lease") || cut_error.contains("database"),
        "{cut_error}"
    );
    let status = direct.status().await.unwrap();
    assert_eq!(status.counts.done, 300, "{status:?}");
    let submitted = submitted_urls(&emu);
    assert_eq!(submitted.len(), 300);
    let twice: Vec<_> = submitted.iter().filter(|(_, n)| **n > 1).take(3).collect();
    assert!(twice.is_empty(), "submitted twice: {twice:?}");
    assert_eq!(emu.stats()["counts"]["submit"], 3);
    assert_eq!(emu.refused(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_pollers_death_elects_another() {
    let db = TestDb::new().await;
    let emu = account(Duration::from_secs(2)).await;
    let (inputs, names) = urls("e", 500);
    let watcher = fleet(db.url(), "e").await;
    watcher.add_inputs(&inputs, &names, &job()).await.unwrap();
    let first = fleet(db.url(), "e")
        .await
        .run(client_config(&emu), job(), None, quick())
        .unwrap();
    // Alone, the first worker is elected.
    while !watcher.status().await.unwrap().poller {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = fleet(db.url(), "e")
        .await
        .run(client_config(&emu), job(), None, quick())
        .unwrap();
    // The poller dies while tasks are running; the second worker takes over the polling (and
    // the first worker's inputs).
    while emu.count(asr_emulator::Endpoint::Submit) < 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(first);
    let (outcomes, error) = finish(second).await;
    assert_eq!(error, None);
    assert!(all_done(&outcomes));
    let status = watcher.status().await.unwrap();
    assert_eq!(status.counts.done, 500, "{status:?}");
    assert_eq!(status.open_tasks, 0);
    assert_eq!(emu.stats()["counts"]["submit"], 5);
    assert_eq!(emu.refused(), 0);
}
