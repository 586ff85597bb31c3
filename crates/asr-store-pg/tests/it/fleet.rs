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
    let mut finished = victim_done;
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
        finished += outcomes.len();
    }
    let status = first.status().await.unwrap();
    assert_eq!(status.counts.done, 3000, "{status:?}");
    assert_eq!(status.counts.total, 3000);
    assert!(finished >= 3000, "{finished}");
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
