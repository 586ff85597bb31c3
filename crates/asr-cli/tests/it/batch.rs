//! Batches: inputs grouped into tasks of up to 100, hundreds of files under faults, and runs
//! killed mid-batch (even between a submit and its journal record) then resumed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use asr_emulator::{EmulatorConfig, FaultConfig, FaultRule};

use crate::util::{Emu, TempDir, code, run, stderr, stdout, wait_for, write_wav};

fn make_dir(dir: &Path, n: u32) {
    for i in 0..n {
        // Nested folders and a name shared by two files exercise recursion and collisions.
        let sub = if i % 2 == 0 { "a" } else { "b/c" };
        let name = if i < 2 {
            "same".to_owned()
        } else {
            format!("rec{i:03}")
        };
        write_wav(&dir.join(sub).join(format!("{name}.wav")), i, 300);
    }
}

/// `tasks` accepted submits of at most 100 files each hold `inputs` files, none twice.
fn assert_no_duplicate_submits(emu: &Emu, inputs: usize, tasks: usize) {
    let submits = emu.submitted_urls();
    let mut per_url: BTreeMap<String, usize> = BTreeMap::new();
    for urls in &submits {
        assert!(urls.len() <= 100, "{} files in one task", urls.len());
        for url in urls {
            *per_url.entry(url.clone()).or_default() += 1;
        }
    }
    let dupes: Vec<_> = per_url.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "submitted twice: {dupes:?}");
    assert_eq!(per_url.len(), inputs, "every input submitted");
    assert_eq!(submits.len(), tasks, "accepted submits");
}

fn journal_count(journal: &Path, event: &str) -> usize {
    std::fs::read_to_string(journal)
        .map(|j| j.matches(&format!("\"event\":\"{event}\"")).count())
        .unwrap_or(0)
}

fn assert_outputs_complete(out_dir: &Path, n: usize) {
    let txt: Vec<_> = std::fs::read_dir(out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    assert_eq!(txt.len(), n);
    for p in &txt {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(
            text.contains("[emulated]") && text.ends_with('\n'),
            "{}: {text}",
            p.display()
        );
        let srt = p.with_extension("srt");
        assert!(
            std::fs::read_to_string(&srt).unwrap().starts_with("1\n"),
            "{}",
            srt.display()
        );
    }
    assert!(
        !std::fs::read_dir(out_dir).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "no temporary file is left"
    );
}

#[test]
fn a_250_file_directory_completes_under_faults() {
    use asr_emulator::Endpoint;
    // Every endpoint the pipeline calls: DashScope's, the OSS upload and the result download.
    let throttled = FaultRule::new()
        .with_throttle(0.2)
        .with_retry_after(Duration::from_secs(1))
        .with_unavailable(0.05);
    let faults = FaultConfig::new()
        .with(Endpoint::Submit, throttled.clone())
        .with(Endpoint::UploadPolicy, throttled.clone())
        .with(Endpoint::Upload, throttled.clone())
        .with(Endpoint::Result, throttled)
        .with(
            Endpoint::GetTask,
            FaultRule::new()
                .with_throttle(0.2)
                .with_retry_after(Duration::from_secs(1))
                .with_server_error(0.1)
                .with_drop(0.05),
        );
    let emu = Emu::start(
        EmulatorConfig::new()
            .with_processing_time(Duration::from_millis(300))
            .with_seed(7)
            .with_faults(faults),
    );
    let dir = TempDir::new("batch250");
    make_dir(&dir.join("in"), 250);
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .arg("transcribe")
        .arg(dir.join("in"))
        .args(["-f", "txt,srt", "--concurrency", "32", "--json", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], 250, "{report}");
    assert_outputs_complete(&out_dir, 250);
    assert!(out_dir.join("same.txt").is_file() && out_dir.join("same-2.txt").is_file());
    assert_no_duplicate_submits(&emu, 250, 3);
    let faulted = emu.requests()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["fault"].is_null())
        .count();
    assert!(faulted > 50, "faults were injected ({faulted})");
}

#[test]
fn a_batch_killed_midway_resumes_without_submitting_again() {
    let emu = Emu::start(EmulatorConfig::new().with_processing_time(Duration::from_secs(3)));
    let dir = TempDir::new("resume");
    // Two tasks (100 + 30), one at a time: the kill comes while the first is running and
    // the second is not submitted yet.
    make_dir(&dir.join("in"), 130);
    let out_dir = dir.join("out");
    let journal = out_dir.join(".asr-journal.jsonl");
    let command = |emu: &Emu| {
        let mut cmd = emu.asr(dir.path());
        cmd.arg("transcribe")
            .arg(dir.join("in"))
            .args(["-f", "txt,srt", "--concurrency", "1", "-o"])
            .arg(&out_dir);
        cmd
    };
    let mut child = command(&emu)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let count = |event: &str| journal_count(&journal, event);
    assert!(
        wait_for(Duration::from_secs(60), || count("submitted") >= 100),
        "the first run submitted its first task"
    );
    child.kill().unwrap();
    let _ = child.wait();
    let done_before = count("done");
    assert!(done_before < 130, "killed mid-batch ({done_before} done)");
    // Usually 100 (the second task not submitted yet); a slow test machine may see 130.
    let submitted_before = count("submitted");

    let out = run(&mut command(&emu));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("130 files"), "{}", stderr(&out));
    assert_outputs_complete(&out_dir, 130);
    assert_no_duplicate_submits(&emu, 130, 2);
    assert_eq!(count("done"), 130);
    assert_eq!(
        count("submitted"),
        130,
        "{submitted_before} from the first run, none twice"
    );
}

#[test]
fn a_250_file_run_is_three_submits() {
    let emu = Emu::quick();
    let dir = TempDir::new("three-tasks");
    let list: String = (0..250)
        .map(|i| format!("https://example.com/batch/rec{i:03}.wav\n"))
        .collect();
    std::fs::write(dir.join("list.txt"), list).unwrap();
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .arg("transcribe")
        .arg(format!("@{}", dir.join("list.txt").display()))
        .args(["-f", "txt,srt", "--json", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], 250, "{report}");
    assert_eq!(emu.submit_requests(), 3, "every submit request in the log");
    assert_no_duplicate_submits(&emu, 250, 3);
    let sizes: Vec<usize> = emu.submitted_urls().iter().map(Vec::len).collect();
    assert_eq!(sizes.iter().filter(|n| **n == 100).count(), 2, "{sizes:?}");
    let tasks: std::collections::BTreeSet<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(tasks.len(), 3, "each input reports its own task's id");
    assert_outputs_complete(&out_dir, 250);
    let journal = out_dir.join(".asr-journal.jsonl");
    for event in ["submitting", "submitted", "done"] {
        assert_eq!(
            journal_count(&journal, event),
            250,
            "one {event} record per input"
        );
    }
}

#[test]
fn a_file_that_fails_inside_its_task_fails_alone() {
    let emu = Emu::quick();
    let dir = TempDir::new("subtask-fails");
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .args([
            "transcribe",
            "https://example.com/one.wav",
            "https://audio.invalid/two.wav",
            "https://example.com/three.wav",
            "--json",
            "-o",
        ])
        .arg(&out_dir));
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (report["ok"].as_u64(), report["failed"].as_u64()),
        (Some(2), Some(1)),
        "{report}"
    );
    let failed = &report["files"][1];
    assert_eq!(failed["input"], "https://audio.invalid/two.wav");
    assert!(
        failed["error"].as_str().unwrap().contains("FAILED"),
        "{failed}"
    );
    assert!(out_dir.join("one.txt").is_file() && out_dir.join("three.txt").is_file());
    assert!(!out_dir.join("two.txt").exists());
    assert_eq!(emu.submit_requests(), 1);
}

#[test]
fn a_kill_between_the_submit_and_its_journal_records_never_submits_twice() {
    use asr_emulator::Endpoint;
    // The emulator creates the task at once and holds the answer back: the client is killed
    // while waiting for it, with every input's intent on disk and no task id.
    let emu = Emu::start(
        EmulatorConfig::new()
            .with_processing_time(Duration::from_millis(200))
            .with_fault(
                Endpoint::Submit,
                FaultRule::new().with_delay(Duration::from_secs(20), 1.0),
            ),
    );
    let dir = TempDir::new("kill-in-submit");
    let out_dir = dir.join("out");
    let journal = out_dir.join(".asr-journal.jsonl");
    let urls: Vec<String> = (0..5)
        .map(|i| format!("https://example.com/calls/c{i}.wav"))
        .collect();
    let command = |emu: &Emu| {
        let mut cmd = emu.asr(dir.path());
        cmd.arg("transcribe").args(&urls).args(["-o"]).arg(&out_dir);
        cmd
    };
    let mut child = command(&emu)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(60), || emu.accepted_submits().len()
            == 1),
        "the submit reached the emulator"
    );
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(journal_count(&journal, "submitting"), 5);
    assert_eq!(
        journal_count(&journal, "submitted"),
        0,
        "killed before the answer"
    );

    emu.set_faults(FaultConfig::new());
    let out = run(&mut command(&emu));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        emu.submit_requests(),
        1,
        "the task was found, not submitted again"
    );
    assert_no_duplicate_submits(&emu, 5, 1);
    assert_eq!(journal_count(&journal, "submitted"), 5);
    for i in 0..5 {
        assert!(out_dir.join(format!("c{i}.txt")).is_file(), "c{i}");
    }
}

#[test]
fn inputs_whose_group_lost_some_task_id_records_take_the_recorded_one() {
    let emu = Emu::quick();
    let dir = TempDir::new("partial-group");
    let urls = [
        "https://example.com/p/a.wav",
        "https://example.com/p/b.wav",
        "https://example.com/p/c.wav",
    ];
    let out = run(emu.asr(dir.path()).arg("submit").args(urls));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ids: std::collections::BTreeSet<String> = stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "one task for the three inputs: {}",
        stdout(&out)
    );
    let task_id = ids.into_iter().next().unwrap();
    // A crash after the first `submitted` line of the group reached the disk.
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut journal = String::new();
    for url in urls {
        journal.push_str(&format!(
            "{{\"input\":\"{url}\",\"at\":1,\"event\":\"submitting\",\"url\":\"{url}\",\"group\":\"g1\"}}\n"
        ));
    }
    journal.push_str(&format!(
        "{{\"input\":\"{}\",\"at\":1,\"event\":\"submitted\",\"task_id\":\"{task_id}\"}}\n",
        urls[0]
    ));
    std::fs::write(out_dir.join(".asr-journal.jsonl"), journal).unwrap();
    let out = run(emu
        .asr(dir.path())
        .arg("transcribe")
        .args(urls)
        .args(["--json", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for file in report["files"].as_array().unwrap() {
        assert_eq!(file["task_id"], task_id.as_str(), "{file}");
    }
    assert_eq!(emu.submit_requests(), 1, "not submitted again");
}

#[test]
fn a_lost_submit_answer_is_found_instead_of_paid_twice() {
    use asr_emulator::Endpoint;
    let emu = Emu::start(
        EmulatorConfig::new()
            .with_processing_time(Duration::from_millis(200))
            .with_fault(
                Endpoint::Submit,
                FaultRule::new().with_lose_response(1.0).with_limit(1),
            ),
    );
    let dir = TempDir::new("lost-answer");
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .args(["transcribe", "https://example.com/talk.wav", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out_dir.join("talk.txt").is_file());
    assert_eq!(
        emu.accepted_submits().len(),
        1,
        "the lost answer's task was reused"
    );
    assert_eq!(emu.submit_requests(), 1);
}

#[test]
fn a_run_killed_between_sending_a_submit_and_recording_it_finds_the_task() {
    let emu = Emu::quick();
    let dir = TempDir::new("ambiguous");
    let url = "https://example.com/call.wav";
    let out = run(emu.asr(dir.path()).args(["submit", url]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let task_id = stdout(&out).split('\t').next().unwrap().trim().to_owned();
    // What a kill right after the submit left behind: the intent, no task id.
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    std::fs::write(
        out_dir.join(".asr-journal.jsonl"),
        format!("{{\"input\":\"{url}\",\"at\":{at},\"event\":\"submitting\",\"url\":\"{url}\"}}\n"),
    )
    .unwrap();
    let out = run(emu
        .asr(dir.path())
        .args(["transcribe", url, "--json", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["files"][0]["task_id"], task_id.as_str());
    assert_eq!(emu.accepted_submits().len(), 1, "not submitted again");
}
