//! The shared store against a real PostgreSQL (a throwaway cluster, or `ASR_TEST_POSTGRES_URL`)
//! and `asr-emulator` enforcing the account's 20 task queries per second.

// Test helpers outside `#[test]` functions panic on setup failures by design.
#![allow(clippy::unwrap_used)]

mod fleet;
mod proxy;

use std::collections::BTreeMap;
use std::time::Duration;

use asr_batch::{Input, Job, Status};
use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use asr_store_pg::{Fleet, FleetOptions, FleetRun};
use asr_transport::{Config, PollPolicy};
use asr_types::Model;
use futures_util::StreamExt;

/// The emulator as the account: 20 task queries per second, tasks that take a while.
async fn account(processing: Duration) -> EmulatorHandle {
    Emulator::start(
        EmulatorConfig::new()
            .with_processing_time(processing)
            .with_task_query_limit(20, Duration::from_secs(1)),
    )
    .await
    .unwrap()
}

fn client_config(emu: &EmulatorHandle) -> Config {
    Config::new("sk-test")
        .with_base_url(emu.native_base())
        .with_backoff(Duration::from_millis(10), Duration::from_millis(200), true)
        .with_attempt_timeout(Duration::from_secs(10))
        .with_total_timeout(Duration::from_secs(60))
}

/// Short leases and quick polls, so takeovers happen within a test's patience.
fn quick() -> FleetOptions {
    let mut poll = PollPolicy::default();
    poll.first_delay = Duration::from_millis(200);
    poll.max_delay = Duration::from_millis(500);
    let mut options = FleetOptions::default()
        .with_lease(Duration::from_secs(3))
        .with_reconcile_grace(Duration::from_millis(500))
        .with_poll_policy(poll);
    options.elect_every = Duration::from_millis(200);
    options.scan_every = Duration::from_millis(100);
    options
}

fn urls(tag: &str, n: usize) -> (Vec<Input>, Vec<String>) {
    let inputs = (0..n)
        .map(|i| Input::Url(format!("https://example.com/{tag}/{i:05}.wav")))
        .collect();
    let names = (0..n).map(|i| format!("{tag}-{i:05}")).collect();
    (inputs, names)
}

/// Every outcome until the worker ends; the error that stopped it, if any.
async fn finish(mut run: FleetRun) -> (Vec<asr_batch::Outcome<Vec<String>>>, Option<String>) {
    let mut out = Vec::new();
    while let Some(item) = run.next().await {
        match item {
            Ok(o) => out.push(o),
            Err(e) => {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    text.push_str(&format!(": {cause}"));
                    source = cause.source();
                }
                return (out, Some(text));
            }
        }
    }
    (out, None)
}

fn all_done(outcomes: &[asr_batch::Outcome<Vec<String>>]) -> bool {
    outcomes.iter().all(|o| matches!(o.status, Status::Done(_)))
}

/// The file URLs of every submit the emulator received, with how often each was sent.
fn submitted_urls(emu: &EmulatorHandle) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in emu.requests()["requests"].as_array().unwrap() {
        if r["endpoint"] != "submit" {
            continue;
        }
        let body: serde_json::Value = match &r["body"] {
            serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_default(),
            other => other.clone(),
        };
        for url in body["input"]["file_urls"].as_array().into_iter().flatten() {
            *seen.entry(url.as_str().unwrap().to_owned()).or_insert(0) += 1;
        }
    }
    seen
}

async fn fleet(url: &str, batch: &str) -> Fleet {
    Fleet::connect(url, batch).await.unwrap()
}

fn job() -> Job {
    Job::new(Model::FUN_ASR)
}
