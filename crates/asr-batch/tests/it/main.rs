//! Integration tests of the engine against `asr-emulator` on 127.0.0.1 (one binary, modules by
//! area).

// Test helpers outside `#[test]` functions panic on setup failures by design.
#![allow(clippy::unwrap_used)]

mod completion;
mod expiry;
mod faults;
mod journal;
mod reconcile;
mod transcribe;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use asr_batch::{Batch, Client, Job, Outcome, Sink};
use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use asr_protocol::PollPolicy;
use asr_transport::Config;
use futures_util::StreamExt;

/// An emulator with short processing times, and a client pointed at it.
async fn setup(config: EmulatorConfig) -> (EmulatorHandle, Client) {
    let emu = Emulator::start(config).await.expect("start emulator");
    let client = client_config(&emu).build().expect("client");
    (emu, client)
}

fn fast() -> EmulatorConfig {
    EmulatorConfig::new().with_processing_time(Duration::from_millis(150))
}

/// Client settings for tests: quick backoff so retries do not slow the suite down.
fn client_config(emu: &EmulatorHandle) -> Config {
    Config::new("sk-test")
        .with_base_url(emu.native_base())
        .with_backoff(Duration::from_millis(10), Duration::from_millis(200), true)
        .with_attempt_timeout(Duration::from_secs(10))
        .with_total_timeout(Duration::from_secs(60))
}

/// Polls quickly (50 ms) so waits end soon after the emulator's short processing time.
fn quick_poll() -> PollPolicy {
    let mut policy = PollPolicy::default();
    policy.first_delay = Duration::from_millis(50);
    policy.max_delay = Duration::from_millis(200);
    policy
}

/// A batch with quick polling and a short reconcile grace (the emulator's list never lags).
fn batch(client: &Client, job: impl Into<Job>) -> Batch {
    Batch::new(client.clone(), job)
        .with_poll_policy(quick_poll())
        .with_reconcile_grace(Duration::from_millis(300))
}

/// Every outcome of a run, in completion order; panics on a batch-stopping error.
async fn collect<O>(mut run: asr_batch::BatchRun<O>) -> (Vec<Outcome<O>>, asr_batch::Summary) {
    let mut out = Vec::new();
    while let Some(item) = run.next().await {
        out.push(item.unwrap_or_else(|e| panic!("the batch stopped: {e}")));
    }
    let summary = run.summary();
    (out, summary)
}

/// A sink writing nothing that records `done` with a fixed output name, for journal tests.
struct Recorded;

impl Sink for Recorded {
    type Output = usize;
    fn deliver(
        &self,
        d: asr_batch::Delivery<'_>,
    ) -> Result<asr_batch::Delivered<usize>, asr_batch::SinkError> {
        let done = asr_batch::journal::DoneRecord::new(vec![format!("{}.json", d.index)], vec![]);
        Ok(asr_batch::Delivered::persisted(d.document.len(), done))
    }
    fn is_complete(&self, _index: usize, _done: &asr_batch::journal::DoneRecord) -> bool {
        true
    }
}

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("asr-batch-it-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a silent 16 kHz mono 16-bit WAV file of `millis` milliseconds.
fn write_wav(path: &Path, millis: u32) {
    let samples = 16 * millis;
    let data_len = samples * 2;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&16_000u32.to_le_bytes());
    bytes.extend_from_slice(&32_000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    bytes.resize(44 + data_len as usize, 0);
    std::fs::write(path, bytes).expect("write wav");
}

/// The requests the emulator logged for `endpoint` (by its JSON name), with their statuses.
fn logged(emu: &EmulatorHandle, endpoint: &str) -> Vec<serde_json::Value> {
    emu.requests()["requests"]
        .as_array()
        .expect("request log")
        .iter()
        .filter(|r| r["endpoint"] == endpoint)
        .cloned()
        .collect()
}

/// How many accepted submits (answered 200, or processed with the answer then lost) named
/// each file URL: a count above 1 is a double billing.
fn submits_per_url(emu: &EmulatorHandle) -> std::collections::BTreeMap<String, usize> {
    let mut per_url = std::collections::BTreeMap::new();
    for r in logged(emu, "submit") {
        if !(r["status"] == 200 || r["fault"] == "lose_response") {
            continue;
        }
        let body: serde_json::Value = match &r["body"] {
            serde_json::Value::String(s) => serde_json::from_str(s).unwrap(),
            other => other.clone(),
        };
        let urls: Vec<String> = match (&body["input"]["file_urls"], &body["input"]["file_url"]) {
            (serde_json::Value::Array(urls), _) => urls
                .iter()
                .map(|u| u.as_str().unwrap().to_owned())
                .collect(),
            (_, url) => vec![url.as_str().unwrap().to_owned()],
        };
        for url in urls {
            *per_url.entry(url).or_default() += 1;
        }
    }
    per_url
}
