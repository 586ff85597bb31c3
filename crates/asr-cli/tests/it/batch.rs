//! Batches: hundreds of files under faults, and a run killed mid-batch then resumed.

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

/// Every accepted submit names exactly one upload, and no upload is submitted twice.
fn assert_no_duplicate_submits(emu: &Emu, expected: usize) {
    let submits = emu.accepted_submits();
    let mut per_url: BTreeMap<String, usize> = BTreeMap::new();
    for body in &submits {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        let url = v["input"]["file_urls"][0].as_str().unwrap().to_owned();
        *per_url.entry(url).or_default() += 1;
    }
    let dupes: Vec<_> = per_url.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "submitted twice: {dupes:?}");
    assert_eq!(submits.len(), expected, "one accepted submit per input");
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
    assert_no_duplicate_submits(&emu, 250);
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
    let emu = Emu::start(EmulatorConfig::new().with_processing_time(Duration::from_millis(1500)));
    let dir = TempDir::new("resume");
    make_dir(&dir.join("in"), 24);
    let out_dir = dir.join("out");
    let journal = out_dir.join(".asr-journal.jsonl");
    let command = |emu: &Emu| {
        let mut cmd = emu.asr(dir.path());
        cmd.arg("transcribe")
            .arg(dir.join("in"))
            .args(["-f", "txt,srt", "--concurrency", "6", "-o"])
            .arg(&out_dir);
        cmd
    };
    let mut child = command(&emu)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some inputs are submitted and before all are done.
    let count = |event: &str| {
        std::fs::read_to_string(&journal)
            .map(|j| j.matches(&format!("\"event\":\"{event}\"")).count())
            .unwrap_or(0)
    };
    assert!(
        wait_for(Duration::from_secs(60), || count("submitted") >= 8),
        "the first run submitted some inputs"
    );
    child.kill().unwrap();
    let _ = child.wait();
    let done_before = count("done");
    assert!(done_before < 24, "killed mid-batch ({done_before} done)");
    let submitted_before = count("submitted");

    let out = run(&mut command(&emu));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("24 files"), "{}", stderr(&out));
    assert_outputs_complete(&out_dir, 24);
    assert_no_duplicate_submits(&emu, 24);
    assert_eq!(count("done"), 24);
    assert_eq!(
        count("submitted"),
        24,
        "{submitted_before} from the first run, none twice"
    );
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
