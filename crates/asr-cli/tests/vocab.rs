//! `asr vocab …` and `asr transcribe --vocabulary` against an in-process emulator on
//! 127.0.0.1: every subcommand, `--json`, the sync's create → no-op → update cycle, `--dry-run`,
//! bad lines named, and exit codes.

// Helpers outside `#[test]` functions are test code too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::Value;

/// A fresh directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("asr-cli-vocab-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An emulator that outlives several runs of the binary.
struct Emu {
    handle: Option<EmulatorHandle>,
    rt: tokio::runtime::Runtime,
}

impl Emu {
    fn start(ready_after: Duration, quota: usize) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let config = EmulatorConfig::new()
            .with_processing_time(Duration::from_millis(100))
            .with_vocabulary_ready_after(ready_after)
            .with_vocabulary_quota(quota);
        let handle = rt.block_on(Emulator::start(config)).unwrap();
        Self {
            handle: Some(handle),
            rt,
        }
    }

    fn quick() -> Self {
        Self::start(Duration::from_millis(100), 10)
    }

    fn handle(&self) -> &EmulatorHandle {
        self.handle.as_ref().unwrap()
    }

    /// `asr` with this emulator as its service and no settings from the machine.
    fn asr(&self, home: &TempDir) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_asr"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("DASHSCOPE_") || key == "ASR_LOG" {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", &home.0).env("NO_COLOR", "1").args([
            "--base-url",
            &self.handle().native_base(),
            "--api-key",
            "sk-test",
        ]);
        cmd
    }

    /// The customization requests that reached the emulator, as `input.action` strings.
    fn actions(&self) -> Vec<String> {
        self.handle().requests()["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["endpoint"] == "vocabulary")
            .map(|r| {
                let body: Value = match &r["body"] {
                    Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
                    other => other.clone(),
                };
                body["input"]["action"].as_str().unwrap_or("?").to_owned()
            })
            .collect()
    }

    fn writes(&self) -> usize {
        self.actions()
            .iter()
            .filter(|a| matches!(a.as_str(), "create_vocabulary" | "update_vocabulary"))
            .count()
    }

    /// Submit bodies, as text.
    fn submits(&self) -> Vec<String> {
        self.handle().requests()["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["endpoint"] == "submit")
            .map(|r| r["body"].to_string())
            .collect()
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.rt.block_on(handle.shutdown());
        }
    }
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and expects exit 0.
fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert_eq!(
        code(&out),
        0,
        "stderr: {}\nstdout: {}",
        stderr(&out),
        stdout(&out)
    );
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout was {}", stdout(out)))
}

fn sync_args(file: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "vocab",
        "sync",
        "--prefix",
        "team",
        "--target-model",
        "fun-asr",
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(OsString::from)
    .collect();
    args.push(file.as_os_str().to_owned());
    args
}

#[test]
fn sync_creates_then_changes_nothing_then_updates_with_the_difference() {
    let emu = Emu::quick();
    let dir = TempDir::new("sync");
    let file = dir.write(
        "team.tsv",
        "# our words\nKubernetes\t4\nAlibaba\t3\n通义千问\t5\tzh\n",
    );

    let out = ok(emu.asr(&dir).args(sync_args(&file, &[])));
    let text = stdout(&out);
    assert!(text.starts_with("created vocab-team-"), "{text}");
    assert!(text.contains("3 added"), "{text}");
    assert!(
        text.contains("+ Kubernetes\t4\n") && text.contains("+ 通义千问\t5\tzh\n"),
        "{text}"
    );
    assert_eq!(emu.writes(), 1);

    let out = ok(emu.asr(&dir).args(sync_args(&file, &[])));
    assert!(
        stdout(&out).starts_with("no changes: vocab-team-"),
        "{}",
        stdout(&out)
    );
    assert_eq!(emu.writes(), 1, "the second sync wrote");

    // Reorder, drop one, add one, reweight one.
    std::fs::write(&file, "DashScope\t4\n通义千问\t5\tzh\nKubernetes\t5\n").unwrap();
    let out = ok(emu.asr(&dir).args(sync_args(&file, &["--dry-run"])));
    let text = stdout(&out);
    assert!(
        text.starts_with("dry run: would update vocab-team-"),
        "{text}"
    );
    assert!(text.contains("1 added, 1 removed, 1 reweighted"), "{text}");
    assert!(text.contains("+ DashScope\t4\n"), "{text}");
    assert!(text.contains("- Alibaba\t3\n"), "{text}");
    assert!(text.contains("~ Kubernetes\tweight 4 -> 5\n"), "{text}");
    assert!(text.ends_with("nothing was changed\n"), "{text}");
    assert_eq!(emu.writes(), 1, "the dry run wrote");

    let out = ok(emu.asr(&dir).args(sync_args(&file, &["--json", "--wait"])));
    let report = json(&out);
    assert_eq!(report["action"], "update");
    assert_eq!(report["applied"], true);
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["ready"], true);
    assert_eq!(report["added"][0]["text"], "DashScope");
    assert_eq!(report["removed"][0]["text"], "Alibaba");
    assert_eq!(report["reweighted"][0]["from"]["weight"], 4);
    assert_eq!(report["reweighted"][0]["to"]["weight"], 5);
    let id = report["vocabulary_id"].as_str().unwrap().to_owned();
    assert_eq!(emu.writes(), 2);

    // The service now holds exactly the file.
    let shown = json(&ok(emu.asr(&dir).args(["vocab", "show", "--json", &id])));
    let texts: Vec<&str> = shown["vocabulary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["DashScope", "通义千问", "Kubernetes"]);

    let out = ok(emu.asr(&dir).args(sync_args(&file, &["--json"])));
    assert_eq!(json(&out)["action"], "unchanged");
    assert_eq!(json(&out)["applied"], false);
    assert_eq!(emu.writes(), 2);
}

#[test]
fn a_dry_run_create_sends_no_write() {
    let emu = Emu::quick();
    let dir = TempDir::new("dry");
    let file = dir.write("w.json", r#"[{"text": "Kubernetes", "weight": 4}]"#);
    let out = ok(emu.asr(&dir).args(sync_args(&file, &["--dry-run"])));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "dry run: would create a vocabulary with prefix `team` for fun-asr: 1 added"
        ),
        "{text}"
    );
    assert_eq!(emu.writes(), 0);
    assert_eq!(emu.actions(), ["list_vocabulary"]);
    let listed = json(&ok(emu.asr(&dir).args(["vocab", "list", "--json"])));
    assert_eq!(listed, serde_json::json!([]));
}

#[test]
fn every_subcommand_with_and_without_json() {
    let emu = Emu::quick();
    let dir = TempDir::new("crud");
    let file = dir.write("words.tsv", "Kubernetes\t4\nQwen\t3\ten\n");

    // create: the id alone on stdout, or a JSON report.
    let out = ok(emu
        .asr(&dir)
        .args([
            "vocab",
            "create",
            "--prefix",
            "crud",
            "--target-model",
            "fun-asr",
        ])
        .arg(&file));
    let id = stdout(&out).trim().to_owned();
    assert!(id.starts_with("vocab-crud-") && !id.contains('\n'), "{id}");
    assert!(
        stderr(&out).contains("2 hot words for fun-asr"),
        "{}",
        stderr(&out)
    );
    let created = json(&ok(emu
        .asr(&dir)
        .args([
            "vocab",
            "create",
            "--json",
            "--wait",
            "--prefix",
            "other",
            "--target-model",
            "paraformer-v2",
        ])
        .arg(&file)));
    assert_eq!(created["items"], 2);
    assert_eq!(created["ready"], true);
    assert_eq!(created["target_model"], "paraformer-v2");
    let other = created["vocabulary_id"].as_str().unwrap().to_owned();

    // list: a table, JSON, and the prefix filter.
    let table = stdout(&ok(emu.asr(&dir).args(["vocab", "list"])));
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains(&id) && table.contains(&other), "{table}");
    let listed = json(&ok(emu
        .asr(&dir)
        .args(["vocab", "list", "--json", "--prefix", "crud"])));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["vocabulary_id"], id.as_str());

    // show: a hot-word file with the facts as comments, or JSON.
    let shown = stdout(&ok(emu.asr(&dir).args(["vocab", "show", &id])));
    assert!(shown.starts_with(&format!("# {id}\n")), "{shown}");
    assert!(shown.contains("# target model: fun-asr\n"), "{shown}");
    assert!(shown.ends_with("Kubernetes\t4\nQwen\t3\ten\n"), "{shown}");
    let shown = json(&ok(emu.asr(&dir).args(["vocab", "show", "--json", &id])));
    assert_eq!(shown["vocabulary_id"], id.as_str());
    assert_eq!(shown["target_model"], "fun-asr");

    // update: the difference, then nothing on a second run.
    let changed = dir.write("changed.tsv", "Kubernetes\t5\n");
    let out = stdout(&ok(emu
        .asr(&dir)
        .args(["vocab", "update", &id])
        .arg(&changed)));
    assert!(
        out.starts_with(&format!("updated {id}: 1 removed, 1 reweighted")),
        "{out}"
    );
    assert!(out.contains("- Qwen\t3\ten\n"), "{out}");
    let again = json(&ok(emu
        .asr(&dir)
        .args(["vocab", "update", "--json", &id])
        .arg(&changed)));
    assert_eq!(again["action"], "unchanged");

    // delete.
    let out = stdout(&ok(emu.asr(&dir).args(["vocab", "delete", &id])));
    assert_eq!(out, format!("deleted {id}\n"));
    let deleted = json(&ok(emu
        .asr(&dir)
        .args(["vocab", "delete", "--json", &other])));
    assert_eq!(deleted["deleted"], true);
    assert_eq!(
        json(&ok(emu.asr(&dir).args(["vocab", "list", "--json"]))),
        serde_json::json!([])
    );
}

#[test]
fn bad_lines_are_named_and_nothing_is_sent() {
    let emu = Emu::quick();
    let dir = TempDir::new("bad");
    let file = dir.write(
        "words.tsv",
        "# header\nKubernetes\t9\nok\t4\nQwen 4\n通义千问\t4\tcn\nok\t3\n",
    );
    let out = run(emu.asr(&dir).args(sync_args(&file, &[])));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    // The form error first: the file's items cannot be checked until every line parses.
    assert!(
        err.contains("words.tsv:4: expected `text<TAB>weight"),
        "{err}"
    );
    std::fs::write(
        &file,
        "# header\nKubernetes\t9\nok\t4\n通义千问\t4\tcn\nok\t3\n",
    )
    .unwrap();
    let out = run(emu.asr(&dir).args(sync_args(&file, &[])));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("3 problems"), "{err}");
    assert!(
        err.contains("words.tsv:2: weight: the weight must be 1 to 5, got 9"),
        "{err}"
    );
    assert!(err.contains("words.tsv:4: lang: `cn`"), "{err}");
    assert!(
        err.contains("words.tsv:5: text: `ok` is already on line 3"),
        "{err}"
    );
    let json_file = dir.write(
        "w.json",
        "[\n  {\"text\": \"a\", \"weight\": 4},\n  {\"txt\": \"b\", \"weight\": 4}\n]\n",
    );
    let out = run(emu
        .asr(&dir)
        .args([
            "vocab",
            "create",
            "--prefix",
            "p",
            "--target-model",
            "fun-asr",
        ])
        .arg(&json_file));
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("w.json:3: unknown key `txt`"),
        "{}",
        stderr(&out)
    );
    assert!(emu.actions().is_empty(), "{:?}", emu.actions());
}

#[test]
fn service_refusals_and_timeouts_have_their_exit_codes() {
    let emu = Emu::start(Duration::from_secs(600), 1);
    let dir = TempDir::new("codes");
    let file = dir.write("words.tsv", "Kubernetes\t4\n");
    let create = |prefix: &str| {
        let mut cmd = emu.asr(&dir);
        cmd.args([
            "vocab",
            "create",
            "--prefix",
            prefix,
            "--target-model",
            "fun-asr",
        ])
        .arg(&file);
        cmd
    };
    let id = stdout(&ok(&mut create("one"))).trim().to_owned();

    let out = run(&mut create("two"));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("delete a vocabulary you no longer need"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Throttling.AllocationQuota"),
        "{}",
        stderr(&out)
    );

    let unknown = "vocab-gone-0123456789abcdef0123456789abcdef";
    let out = run(emu.asr(&dir).args(["vocab", "show", unknown]));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(stderr(&out).contains(unknown), "{}", stderr(&out));

    let out = run(emu.asr(&dir).args(["vocab", "delete", "not an id"]));
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    let out = run(emu
        .asr(&dir)
        .args([
            "vocab",
            "sync",
            "--prefix",
            "one",
            "--target-model",
            "fun-asr",
            "--timeout",
            "300ms",
        ])
        .arg(&file));
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("vocabulary {id} is not ready")),
        "{}",
        stderr(&out)
    );

    let out = run(emu
        .asr(&dir)
        .args([
            "vocab",
            "sync",
            "--prefix",
            "Not Valid",
            "--target-model",
            "fun-asr",
        ])
        .arg(&file));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("`--prefix`"), "{}", stderr(&out));
}

#[test]
fn transcribe_with_a_vocabulary_file_syncs_it_and_uses_the_id() {
    let emu = Emu::quick();
    let dir = TempDir::new("transcribe");
    let file = dir.write("Team-Words.tsv", "Kubernetes\t4\n");
    let url = "https://example.com/meeting.wav";
    let out = ok(emu
        .asr(&dir)
        .args(["transcribe", "--vocabulary"])
        .arg(&file)
        .arg(url));
    assert!(
        stderr(&out).contains("created vocab-teamwords-"),
        "{}",
        stderr(&out)
    );
    let submits = emu.submits();
    assert_eq!(submits.len(), 1);
    assert!(submits[0].contains("vocab-teamwords-"), "{}", submits[0]);
    assert!(!stdout(&out).is_empty());

    // Again: the same list, untouched, and a custom prefix makes another.
    let out = ok(emu
        .asr(&dir)
        .args(["transcribe", "--vocabulary"])
        .arg(&file)
        .arg(url));
    assert!(stderr(&out).contains("is up to date"), "{}", stderr(&out));
    assert_eq!(emu.writes(), 1);
    ok(emu
        .asr(&dir)
        .args([
            "transcribe",
            "--vocabulary-prefix",
            "custom",
            "--vocabulary",
        ])
        .arg(&file)
        .arg(url));
    assert!(
        emu.submits()[2].contains("vocab-custom-"),
        "{}",
        emu.submits()[2]
    );

    // A model without vocabularies is refused before anything is sent.
    let before = emu.actions().len();
    let out = run(emu
        .asr(&dir)
        .args([
            "transcribe",
            "--model",
            "qwen3-asr-flash-filetrans",
            "--vocabulary",
        ])
        .arg(&file)
        .arg(url));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("`--vocabulary`"), "{}", stderr(&out));
    assert_eq!(emu.actions().len(), before);

    // `--vocabulary` and `--vocabulary-id` are exclusive.
    let out = run(emu
        .asr(&dir)
        .args(["transcribe", "--vocabulary-id", "vocab-x-1", "--vocabulary"])
        .arg(&file)
        .arg(url));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}
