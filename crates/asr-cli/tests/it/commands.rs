//! Every command against the emulator: transcribe in each format, submit, task get, wait,
//! cancel and list, result, emulator.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use crate::util::{Emu, TempDir, asr, code, raw_get, run, stderr, stdout, write_wav};

fn bundled(name: &str) -> std::path::PathBuf {
    crate::util::fixtures().join("audio").join(name)
}

/// The README's first command: offline, the bundled recording, the transcript on stdout.
#[test]
fn transcribe_with_the_in_process_emulator_prints_the_transcript() {
    let dir = TempDir::new("first");
    let out = run(asr(dir.path())
        .args([
            "transcribe",
            "--emulator",
            "--emulator-processing-time",
            "200ms",
        ])
        .arg(bundled("hello_en.wav")));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "Hello world, this is the speech emulator.\n");
}

/// The bundled dialogue, diarized, and the stereo file with both channels, in every text
/// format: what a user sees, end to end through upload, submit, wait and download.
#[test]
fn bundled_recordings_render_in_every_format() {
    let emu = Emu::quick();
    let dir = TempDir::new("bundled");
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .args(["transcribe", "--diarize", "-f", "txt,srt,vtt,tsv", "-o"])
        .arg(&out_dir)
        .arg(bundled("dialogue_en.wav")));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(emu
        .asr(dir.path())
        .args([
            "transcribe",
            "--channel",
            "0,1",
            "-f",
            "txt,srt,vtt,tsv",
            "-o",
        ])
        .arg(&out_dir)
        .arg(bundled("stereo_en.wav")));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert_eq!(names.len(), 4 + 7, "{names:?}");
    for name in names {
        let text = std::fs::read_to_string(out_dir.join(&name)).unwrap();
        insta::assert_snapshot!(format!("emulated_{name}"), text);
    }
}

#[test]
fn transcribe_writes_every_format_and_a_journal() {
    let emu = Emu::quick();
    let dir = TempDir::new("formats");
    let audio = dir.join("in/talk.wav");
    write_wav(&audio, 2, 4000);
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .arg("transcribe")
        .arg(&audio)
        .args(["-f", "txt,json,srt,vtt,tsv", "--diarize", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("1 file: 1 ok"), "{}", stderr(&out));
    for ext in ["txt", "json", "srt", "vtt", "tsv"] {
        let path = out_dir.join(format!("talk.{ext}"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert!(!text.trim().is_empty(), "{ext} is empty");
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("talk.json")).unwrap()).unwrap();
    assert!(doc["transcripts"].is_array());
    assert!(
        std::fs::read_to_string(out_dir.join("talk.vtt"))
            .unwrap()
            .starts_with("WEBVTT\n")
    );
    assert!(
        std::fs::read_to_string(out_dir.join("talk.srt"))
            .unwrap()
            .contains("Speaker")
    );
    let journal = std::fs::read_to_string(out_dir.join(".asr-journal.jsonl")).unwrap();
    let events: Vec<String> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].to_string())
        .collect();
    assert_eq!(
        events,
        [
            "\"uploaded\"",
            "\"submitting\"",
            "\"submitted\"",
            "\"done\""
        ]
    );

    // A second run finds everything done and does not touch the service.
    let submits = emu.accepted_submits().len();
    let out = run(emu
        .asr(dir.path())
        .arg("transcribe")
        .arg(&audio)
        .args(["-f", "srt,txt", "--json", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["files"][0]["status"], "skipped");
    assert_eq!(emu.accepted_submits().len(), submits);
}

#[test]
fn json_output_is_the_result_document_byte_for_byte() {
    let emu = Emu::quick();
    let dir = TempDir::new("json-bytes");
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .args([
            "transcribe",
            "https://example.com/exact.wav",
            "-f",
            "json,txt",
            "--json",
            "-o",
        ])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let task_id = report["files"][0]["task_id"].as_str().unwrap().to_owned();
    let out = run(emu
        .asr(dir.path())
        .args(["task", "get", &task_id, "--json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let task: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let url = task["output"]["results"][0]["transcription_url"]
        .as_str()
        .unwrap();
    let served = raw_get(url);
    let written = std::fs::read(out_dir.join("exact.json")).unwrap();
    assert!(
        written == served,
        "written:\n{}\nserved:\n{}",
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&served)
    );
    // `asr result` prints the same bytes.
    let out = run(emu.asr(dir.path()).args(["result", &task_id, "-f", "json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout == served, "{}", stdout(&out));
}

#[test]
fn urls_and_list_files_are_inputs_and_qwen_filetrans_works() {
    let emu = Emu::quick();
    let dir = TempDir::new("urls");
    std::fs::write(
        dir.join("list.txt"),
        "# inputs\nhttps://example.com/audio/meeting.mp3\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .arg("transcribe")
        .arg(format!("@{}", dir.join("list.txt").display()))
        .args([
            "--model",
            "qwen3-asr-flash-filetrans",
            "-f",
            "srt,txt",
            "-o",
        ])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out_dir.join("meeting.srt").is_file());
    let submits = emu.accepted_submits();
    assert_eq!(submits.len(), 1);
    assert!(submits[0].contains("\"file_url\""), "{}", submits[0]);
}

#[test]
fn submit_then_task_get_wait_list_and_result() {
    let emu = Emu::quick();
    let dir = TempDir::new("tasks");
    let audio = dir.join("note.wav");
    write_wav(&audio, 3, 1000);

    let out = run(emu.asr(dir.path()).arg("submit").arg(&audio));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let line = stdout(&out);
    let task_id = line.split('\t').next().unwrap().trim().to_owned();
    assert!(line.contains("note.wav"), "{line}");
    assert!(!task_id.is_empty());

    let out = run(emu
        .asr(dir.path())
        .args(["task", "wait", &task_id, "--timeout", "60s"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("SUCCEEDED"), "{}", stdout(&out));

    let out = run(emu
        .asr(dir.path())
        .args(["task", "get", &task_id, "--json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let task: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(task["output"]["task_status"], "SUCCEEDED");

    let out = run(emu
        .asr(dir.path())
        .args(["task", "list", "--json", "--status", "succeeded"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["task_id"] == task_id.as_str()),
        "{list}"
    );

    let out = run(emu.asr(dir.path()).args(["result", &task_id, "-f", "tsv"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("start\tend\tspeaker\ttext\n"),
        "{}",
        stdout(&out)
    );

    let out_dir = dir.join("res");
    let out = run(emu
        .asr(dir.path())
        .args(["result", &task_id, "-f", "srt,json", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 2);

    // A finished task cannot be cancelled: the service refuses (exit 5).
    let out = run(emu.asr(dir.path()).args(["task", "cancel", &task_id]));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("only PENDING tasks"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_pending_task_can_be_cancelled_and_no_wait_prints_its_id() {
    let emu = Emu::start(
        asr_emulator::EmulatorConfig::new()
            .with_processing_time(std::time::Duration::from_secs(600)),
    );
    let dir = TempDir::new("cancel");
    let out = run(emu.asr(dir.path()).args([
        "transcribe",
        "--no-wait",
        "--json",
        "https://example.com/a.wav",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["files"][0]["status"], "submitted");
    let task_id = report["files"][0]["task_id"].as_str().unwrap().to_owned();
    let out = run(emu.asr(dir.path()).args(["task", "cancel", &task_id]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("canceled {task_id}\n"));
    let out = run(emu.asr(dir.path()).args(["task", "get", &task_id]));
    assert!(stdout(&out).contains("CANCELED"), "{}", stdout(&out));
}

#[test]
fn an_expired_result_says_so() {
    let emu = Emu::start(
        asr_emulator::EmulatorConfig::new()
            .with_processing_time(std::time::Duration::from_millis(100))
            .with_result_url_ttl(std::time::Duration::ZERO),
    );
    let dir = TempDir::new("expired");
    let out = run(emu
        .asr(dir.path())
        .args(["submit", "https://example.com/a.wav"]));
    let task_id = stdout(&out).split('\t').next().unwrap().trim().to_owned();
    let out = run(emu.asr(dir.path()).args(["task", "wait", &task_id]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(emu.asr(dir.path()).args(["result", &task_id]));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(stderr(&out).contains("has expired"), "{}", stderr(&out));
    assert!(stderr(&out).contains("24 hours"), "{}", stderr(&out));
}

#[test]
fn the_emulator_command_prints_its_base_url_and_serves() {
    let dir = TempDir::new("emu-cmd");
    let mut child = asr(dir.path())
        .args(["emulator", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first.trim().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let out = run(asr(dir.path())
        .args([
            "--base-url",
            &format!("{base}/api/v1"),
            "--api-key",
            "sk-test",
        ])
        .args(["task", "get", "no-such-task"]));
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("UNKNOWN"), "{}", stdout(&out));
}

#[test]
fn two_channels_give_one_subtitle_file_each() {
    let emu = Emu::quick();
    let dir = TempDir::new("channels");
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .args([
            "transcribe",
            "https://example.com/call.wav",
            "--channel",
            "0,1",
        ])
        .args(["-f", "srt,txt", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out_dir.join("call.ch0.srt").is_file());
    assert!(out_dir.join("call.ch1.srt").is_file());
    let txt = std::fs::read_to_string(out_dir.join("call.txt")).unwrap();
    assert!(
        txt.contains("Channel 0:") && txt.contains("Channel 1:"),
        "{txt}"
    );
}

#[test]
fn a_no_wait_run_is_picked_up_by_the_next_run_without_a_second_submit() {
    let emu = Emu::quick();
    let dir = TempDir::new("no-wait-resume");
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .args([
            "transcribe",
            "--no-wait",
            "https://example.com/later.wav",
            "-o",
        ])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!out_dir.join("later.txt").exists());
    let out = run(emu
        .asr(dir.path())
        .args(["transcribe", "https://example.com/later.wav", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out_dir.join("later.txt").is_file());
    assert_eq!(emu.accepted_submits().len(), 1);
}

#[test]
fn task_list_filters_are_checked() {
    let dir = TempDir::new("list-filters");
    for (args, needle) in [
        (&["--from", "2025-01-01"][..], "YYYYMMDDhhmmss"),
        (&["--status", "DONE"][..], "not a task status"),
    ] {
        let out = run(asr(dir.path())
            .args(["--emulator", "task", "list"])
            .args(args));
        assert_eq!(code(&out), 3, "{}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
    }
}

#[test]
fn settings_come_from_the_sdk_variables_and_flags_win() {
    let emu = Emu::start(asr_emulator::EmulatorConfig::new().with_api_key("sk-right"));
    let dir = TempDir::new("env");
    let key_file = dir.join("key");
    std::fs::write(&key_file, "sk-right\n").unwrap();
    let base = emu.native_base();
    let get = |cmd: &mut std::process::Command| run(cmd.args(["task", "get", "some-task"]));

    let out = get(asr(dir.path())
        .env("DASHSCOPE_HTTP_BASE_URL", &base)
        .env("DASHSCOPE_API_KEY", "sk-right"));
    assert_eq!(code(&out), 0, "variables alone: {}", stderr(&out));

    let out = get(asr(dir.path())
        .env("DASHSCOPE_HTTP_BASE_URL", &base)
        .env("DASHSCOPE_API_KEY_FILE_PATH", &key_file));
    assert_eq!(code(&out), 0, "key file: {}", stderr(&out));

    let out = get(asr(dir.path())
        .env("DASHSCOPE_HTTP_BASE_URL", &base)
        .env("DASHSCOPE_API_KEY", "sk-wrong")
        .args(["--api-key", "sk-right"]));
    assert_eq!(code(&out), 0, "the flag wins: {}", stderr(&out));

    let out = get(asr(dir.path())
        .env("DASHSCOPE_HTTP_BASE_URL", "http://127.0.0.1:9/api/v1")
        .env("DASHSCOPE_API_KEY", "sk-wrong")
        .args(["--base-url", &base]));
    assert_eq!(
        code(&out),
        4,
        "the flag's base URL, the variable's key: {}",
        stderr(&out)
    );
}
