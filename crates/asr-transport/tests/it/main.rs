//! Integration tests against `asr-emulator` on 127.0.0.1 (one binary, modules by area).

// Test helpers outside `#[test]` functions panic on setup failures by design.
#![allow(clippy::unwrap_used)]

mod api;
mod budget;
mod coverage;
mod faults;
mod gate;
mod proxy;
mod tls;
mod upload;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use asr_transport::{Client, Config, PollPolicy, WaitOptions};

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
fn quick_wait() -> WaitOptions {
    let mut policy = PollPolicy::default();
    policy.first_delay = Duration::from_millis(50);
    policy.max_delay = Duration::from_millis(200);
    WaitOptions::default().with_policy(policy)
}

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("asr-transport-it-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
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
