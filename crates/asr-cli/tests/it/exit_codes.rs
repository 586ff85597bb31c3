//! Each documented exit code, and each kind of bad input with its message.

use std::time::Duration;

use crate::util::{Emu, TempDir, asr, code, run, stderr, wait_for, write_wav};

fn redact(text: &str, dir: &TempDir) -> String {
    text.replace(&dir.path().display().to_string(), "[DIR]")
}

#[test]
fn bad_inputs_exit_3_with_a_message_naming_the_problem_and_the_fix() {
    let dir = TempDir::new("bad-inputs");
    let good = dir.join("good.wav");
    write_wav(&good, 9, 500);
    std::fs::write(dir.join("notes.txt"), "not audio").unwrap();
    let sparse = std::fs::File::create(dir.join("huge.wav")).unwrap();
    sparse.set_len(2 * 1024 * 1024 * 1024 + 1).unwrap();
    drop(sparse);

    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "missing_file",
            vec![dir.join("missing.wav").display().to_string()],
        ),
        (
            "unsupported_extension",
            vec![dir.join("notes.txt").display().to_string()],
        ),
        (
            "file_over_2_gb",
            vec![dir.join("huge.wav").display().to_string()],
        ),
        (
            "bad_language",
            vec![
                good.display().to_string(),
                "--language".into(),
                "klingon".into(),
            ],
        ),
        (
            "speakers_out_of_range",
            vec![
                good.display().to_string(),
                "--speakers".into(),
                "101".into(),
            ],
        ),
        (
            "speakers_with_qwen",
            vec![
                good.display().to_string(),
                "--speakers".into(),
                "2".into(),
                "--model".into(),
                "qwen3-asr-flash-filetrans".into(),
            ],
        ),
    ];
    for (name, args) in cases {
        let out = run(asr(dir.path())
            .arg("transcribe")
            .arg("--emulator")
            .args(&args));
        assert_eq!(code(&out), 3, "{name}: {}", stderr(&out));
        insta::assert_snapshot!(format!("bad_input_{name}"), redact(&stderr(&out), &dir));
    }

    // No key and no emulator: how to set one, or how to try offline.
    let out = run(asr(dir.path()).arg("transcribe").arg(&good));
    assert_eq!(code(&out), 3);
    insta::assert_snapshot!("bad_input_no_api_key", stderr(&out));
}

#[test]
fn a_refused_key_exits_4() {
    let emu = Emu::start(asr_emulator::EmulatorConfig::new().with_api_key("sk-right"));
    let dir = TempDir::new("auth");
    let audio = dir.join("a.wav");
    write_wav(&audio, 4, 500);
    let out = run(emu.asr(dir.path()).arg("transcribe").arg(&audio));
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("InvalidApiKey"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("sk-test"),
        "the key never appears in errors"
    );
}

#[test]
fn a_file_the_service_cannot_download_exits_5_and_a_mixed_batch_exits_7() {
    let emu = Emu::quick();
    let dir = TempDir::new("rejected");
    let out = run(emu
        .asr(dir.path())
        .args(["transcribe", "https://files.example.invalid/lost.wav"]));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("InvalidFile.DownloadFailed"),
        "{}",
        stderr(&out)
    );

    let good = dir.join("good.wav");
    write_wav(&good, 5, 500);
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .arg("transcribe")
        .arg(&good)
        .arg("https://files.example.invalid/lost.wav")
        .arg(dir.join("missing.wav"))
        .arg("-o")
        .arg(&out_dir));
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(
        out_dir.join("good.txt").is_file(),
        "the good file is written"
    );
    assert!(
        stderr(&out).contains("3 files: 1 ok, 2 failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_deadline_exits_6_and_keeps_the_task_id() {
    let emu = Emu::start(
        asr_emulator::EmulatorConfig::new().with_processing_time(Duration::from_secs(600)),
    );
    let dir = TempDir::new("timeout");
    let out_dir = dir.join("out");
    let out = run(emu
        .asr(dir.path())
        .args([
            "transcribe",
            "https://example.com/long.wav",
            "--timeout",
            "1s",
            "-o",
        ])
        .arg(&out_dir));
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    let journal = std::fs::read_to_string(out_dir.join(".asr-journal.jsonl")).unwrap();
    assert!(journal.contains("\"submitted\""), "{journal}");
}

#[test]
fn an_unexpected_failure_exits_1() {
    let dir = TempDir::new("unexpected");
    let doc = dir.join("doc.json");
    std::fs::write(&doc, br#"{"transcripts":[]}"#).unwrap();
    let not_a_dir = dir.join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let out = run(asr(dir.path())
        .arg("render")
        .arg(&doc)
        .arg("-o")
        .arg(&not_a_dir));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot create the output directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ctrl_c_exits_130_with_the_journal_on_disk() {
    let emu = Emu::start(
        asr_emulator::EmulatorConfig::new().with_processing_time(Duration::from_secs(600)),
    );
    let dir = TempDir::new("interrupt");
    let out_dir = dir.join("out");
    let journal = out_dir.join(".asr-journal.jsonl");
    let child = emu
        .asr(dir.path())
        .args(["transcribe", "https://example.com/long.wav", "-o"])
        .arg(&out_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(30), || std::fs::read_to_string(
            &journal
        )
        .is_ok_and(|j| j.contains("\"submitted\""))),
        "the task was submitted"
    );
    // The shell's built-in `kill`: no extra crate, and present wherever `sh` is.
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    assert!(stderr(&out).contains("run the same command again to resume"));
}
