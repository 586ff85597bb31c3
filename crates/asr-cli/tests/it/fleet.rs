//! `asr transcribe --store postgres://…`: three worker processes on one batch in a real
//! PostgreSQL (a throwaway cluster, or `ASR_TEST_POSTGRES_URL`), one killed with SIGKILL part
//! way, against the emulator enforcing the account's 20 task queries per second.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig};
use asr_store_pg::testing::TestDb;

use crate::util::{TempDir, asr, run, stdout};

fn worker(home: &std::path::Path, db: &str, base: &str, list: &str, out: &str) -> Command {
    let mut cmd = asr(home);
    cmd.args([
        "--quiet",
        "--api-key",
        "sk-test",
        "--base-url",
        base,
        "transcribe",
        "--store",
        db,
        "--batch",
        "k",
        "--lease",
        "3s",
        "--format",
        "json",
        "-o",
        out,
        list,
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_one_killed_with_sigkill_finish_every_input_once() {
    let db = TestDb::new().await;
    let emu = Emulator::start(
        EmulatorConfig::new()
            .with_processing_time(Duration::from_millis(1500))
            .with_task_query_limit(20, Duration::from_secs(1)),
    )
    .await
    .unwrap();
    let home = TempDir::new("fleet-home");
    let out = TempDir::new("fleet-out");
    let list = home.join("inputs.txt");
    let urls: Vec<String> = (0..3000)
        .map(|i| format!("https://example.com/fleet/{i:05}.wav"))
        .collect();
    std::fs::write(&list, urls.join("\n")).unwrap();
    let list_arg = format!("@{}", list.display());
    let out_arg = out.path().display().to_string();
    let base = emu.native_base();
    let mut workers: Vec<std::process::Child> = (0..3)
        .map(|_| {
            worker(home.path(), db.url(), &base, &list_arg, &out_arg)
                .spawn()
                .unwrap()
        })
        .collect();
    // Kill one once outputs are being written.
    let outputs = || {
        std::fs::read_dir(out.path())
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                    .count()
            })
            .unwrap_or(0)
    };
    while outputs() < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut victim = workers.remove(1);
    victim.kill().unwrap();
    let _ = victim.wait();
    for w in workers {
        let done = tokio::task::spawn_blocking(move || w.wait_with_output().unwrap())
            .await
            .unwrap();
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
    assert_eq!(outputs(), 3000);
    let status = run(asr(home.path()).args([
        "--json",
        "batch",
        "status",
        "--store",
        db.url(),
        "--batch",
        "k",
    ]));
    let status: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(status["counts"]["done"], 3000, "{status}");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
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
    assert_eq!(seen.len(), 3000);
    assert!(seen.values().all(|n| *n == 1), "a URL was submitted twice");
    let stats = emu.stats();
    assert_eq!(stats["counts"]["submit"], 30, "{stats}");
    assert_eq!(emu.refused(), 0, "{stats}");
    // Export renders from the stored results alone.
    let exported = TempDir::new("fleet-export");
    let export = run(asr(home.path())
        .args([
            "--quiet",
            "batch",
            "export",
            "--store",
            db.url(),
            "--batch",
            "k",
            "--format",
            "txt",
            "-o",
        ])
        .arg(exported.path()));
    assert!(export.status.success(), "{}", crate::util::stderr(&export));
    assert_eq!(std::fs::read_dir(exported.path()).unwrap().count(), 3000);
}
