//! Fleet figures (not timed tests): `batch status` on a batch of 1,000,000 inputs, and
//! 30,000 files on three workers against one, against the emulator enforcing 20 task queries
//! per second. `cargo bench -p asr-store-pg --bench fleet [-- status|workers]`.

#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use asr_batch::{Input, Job};
use asr_emulator::{Emulator, EmulatorConfig};
use asr_store_pg::testing::TestDb;
use asr_store_pg::{Fleet, FleetOptions};
use asr_types::Model;
use futures_util::StreamExt;

#[tokio::main]
async fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = which.is_empty();
    if all || which.iter().any(|w| w == "status") {
        status().await;
    }
    if all || which.iter().any(|w| w == "workers") {
        workers().await;
    }
}

async fn status() {
    let db = TestDb::new().await;
    let fleet = Fleet::connect(db.url(), "big").await.unwrap();
    let (client, conn) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let started = Instant::now();
    // 1,000,000 inputs: 60 % done, 1 % failed (five reasons), the rest open.
    client
        .batch_execute(
            "INSERT INTO asr_input (batch_id, opts, source, seq, is_path, name, state, error, done_at)
             SELECT b.id, '00000000000000aa', 'https://example.com/big/' || g || '.wav', g, false,
                    'big-' || g,
                    CASE WHEN g % 100 = 0 THEN 5 WHEN g % 10 < 6 THEN 4 WHEN g % 10 < 8 THEN 3 ELSE 0 END,
                    CASE WHEN g % 100 = 0 THEN 'task failed: reason ' || (g / 100) % 5 END,
                    CASE WHEN g % 10 < 6 THEN clock_timestamp() - (g % 240) * interval '1 second' END
             FROM generate_series(1, 1000000) g, asr_batch b WHERE b.name = 'big';
             INSERT INTO asr_count (batch_id, state, n)
             SELECT batch_id, state, count(*) FROM asr_input GROUP BY 1, 2;
             INSERT INTO asr_rate (batch_id, minute, done)
             SELECT batch_id, date_trunc('minute', done_at), count(*) FROM asr_input
             WHERE done_at IS NOT NULL GROUP BY 1, 2;
             ANALYZE;",
        )
        .await
        .unwrap();
    eprintln!(
        "1,000,000 inputs written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(fleet);
    let mut times = Vec::new();
    for _ in 0..21 {
        // What `asr batch status` does: connect (schema check included), then ask.
        let t = Instant::now();
        let fleet = Fleet::existing(db.url(), "big").await.unwrap();
        let s = fleet.status().await.unwrap();
        times.push(t.elapsed());
        assert_eq!(s.counts.total, 1_000_000);
    }
    times.sort();
    println!(
        "| `batch status`, 1,000,000 inputs (connect + status, median of 21) | {:.1} ms (max {:.1} ms) | ≤ 200 ms |",
        times[10].as_secs_f64() * 1000.0,
        times[20].as_secs_f64() * 1000.0
    );
}

async fn workers() {
    let mut walls = Vec::new();
    for n in [1usize, 3] {
        let db = TestDb::new().await;
        let emu = Emulator::start(
            EmulatorConfig::new()
                .with_processing_time(Duration::from_secs(5))
                .with_task_query_limit(20, Duration::from_secs(1)),
        )
        .await
        .unwrap();
        let job = Job::new(Model::FUN_ASR);
        let inputs: Vec<Input> = (0..30_000)
            .map(|i| Input::Url(format!("https://example.com/bench/{i:05}.wav")))
            .collect();
        let names: Vec<String> = (0..30_000).map(|i| format!("b{i:05}")).collect();
        let first = Fleet::connect(db.url(), "bench").await.unwrap();
        first.add_inputs(&inputs, &names, &job).await.unwrap();
        let started = Instant::now();
        let mut runs = Vec::new();
        for _ in 0..n {
            let fleet = Fleet::connect(db.url(), "bench").await.unwrap();
            let config = asr_transport::Config::new("sk-test").with_base_url(emu.native_base());
            let mut run = fleet
                .run(config, job.clone(), None, FleetOptions::default())
                .unwrap();
            runs.push(tokio::spawn(async move {
                let mut done = 0u64;
                while let Some(item) = run.next().await {
                    item.unwrap();
                    done += 1;
                }
                done
            }));
        }
        let mut done = 0;
        for r in runs {
            done += r.await.unwrap();
        }
        let wall = started.elapsed();
        let stats = emu.stats();
        assert_eq!(done, 30_000);
        println!(
            "| 30,000 files, {n} worker{}, 5 s processing, 20 queries/s enforced | {:.1} s wall, {} submits, {} refused | |",
            if n == 1 { "" } else { "s" },
            wall.as_secs_f64(),
            stats["counts"]["submit"],
            emu.refused()
        );
        walls.push(wall.as_secs_f64());
    }
    println!(
        "| 30,000 files: 3 workers / 1 worker | {:.2}× | ≤ 1.2× |",
        walls[1] / walls[0]
    );
}
