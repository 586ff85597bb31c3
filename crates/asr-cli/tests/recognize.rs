//! `asr recognize` run as a binary against the emulator: every family, streaming and not,
//! context accepted and refused, an error in mid-stream, local files, output formats, and the
//! one-line equivalents of the user guide's examples.

// Test helpers panic on setup failures by design.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Endpoint};

const HELLO: &str = "Hello world, this is the speech emulator.";
const WELCOME: &str = "欢迎使用阿里云。";
const DIALOGUE: &str =
    "Good morning, how can I help? I want to check my order. Sure, one moment please.";

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "asr-cli-recognize-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary with no `DASHSCOPE_*` settings of this machine and a home without a key file.
fn asr(home: &TempDir, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asr"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("DASHSCOPE_") || key == "ASR_LOG" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", &home.0).env("NO_COLOR", "1").args(args);
    cmd.output().unwrap()
}

/// Runs a command line written as in the README (`asr` first, words split on spaces; a word
/// may be quoted with `'…'`).
fn asr_line(home: &TempDir, line: &str) -> Output {
    let mut words = Vec::new();
    let mut rest = line.strip_prefix("asr ").unwrap();
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted.find('\'').unwrap();
            words.push(&quoted[..end]);
            rest = &quoted[end + 1..];
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            words.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    asr(home, &words)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

#[track_caller]
fn assert_ok(out: &Output) {
    assert_eq!(code(out), 0, "stderr: {}", stderr(out));
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/audio")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A silent 8 kHz mono 8-bit WAV of `secs` seconds (Flash streams audio of 60 s or more in
/// several events).
fn write_long_wav(path: &Path, secs: u32) {
    let data_len = 8000 * secs;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&8000u32.to_le_bytes());
    bytes.extend_from_slice(&8000u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&8u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    bytes.resize(44 + data_len as usize, 0x80);
    std::fs::write(path, bytes).unwrap();
}

/// An emulator in this process whose request log the test reads after the binary ran.
struct Emu {
    handle: Option<EmulatorHandle>,
    rt: tokio::runtime::Runtime,
}

impl Emu {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt.block_on(Emulator::start(EmulatorConfig::new())).unwrap();
        Self {
            handle: Some(handle),
            rt,
        }
    }

    fn handle(&self) -> &EmulatorHandle {
        self.handle.as_ref().unwrap()
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            let _guard = self.rt.enter();
            drop(h);
        }
    }
}

// --- The user guide's examples, one line each (these lines go into the README). ---

const GUIDE_FLASH: &str = "asr recognize --emulator https://dashscope.oss-cn-beijing.aliyuncs.com/samples/audio/paraformer/hello_world_female2.wav --model fun-asr-flash-2026-06-15 --sample-rate 16000";
const GUIDE_CONTEXT: &str = "asr recognize --emulator https://example.com/welcome_zh.wav --model qwen-audio-3.0-asr-flash --sample-rate 16000 --context 你好啊 --reply 你好啊，我是通义千问，有什么可以帮助你的？";
const GUIDE_OMNI: &str = "asr recognize --emulator https://help-static-aliyun-doc.aliyuncs.com/file-manage-files/zh-CN/20250211/tixcef/cherry.wav --model qwen3-omni-flash";

#[test]
fn the_guides_flash_request_in_one_line() {
    let home = TempDir::new("guide-flash");
    let out = asr_line(&home, GUIDE_FLASH);
    assert_ok(&out);
    // An unknown recording: the emulator makes up a transcript from its name.
    let text = stdout(&out);
    assert!(text.starts_with("[emulated] "), "{text}");
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn the_guides_context_example_in_one_line() {
    let home = TempDir::new("guide-context");
    let out = asr_line(&home, GUIDE_CONTEXT);
    assert_ok(&out);
    assert_eq!(stdout(&out), format!("{WELCOME}\n"));
}

#[test]
fn the_guides_omni_transcription_in_one_line() {
    let home = TempDir::new("guide-omni");
    let out = asr_line(&home, GUIDE_OMNI);
    assert_ok(&out);
    assert!(stdout(&out).starts_with("[emulated] "), "{}", stdout(&out));
}

// --- Families, streaming and not. ---

#[test]
fn flash_on_a_local_file_prints_the_text_or_subtitles() {
    let home = TempDir::new("flash");
    let out = asr(
        &home,
        &["recognize", "--emulator", &fixture("hello_en.wav")],
    );
    assert_ok(&out);
    assert_eq!(stdout(&out), format!("{HELLO}\n"));

    let dir = TempDir::new("flash-out");
    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            &fixture("hello_en.wav"),
            "-f",
            "srt,vtt,json",
            "-o",
            dir.0.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let srt = std::fs::read_to_string(dir.join("hello_en.srt")).unwrap();
    assert_eq!(
        srt,
        format!("1\n00:00:00,300 --> 00:00:02,575\n{HELLO}\n\n")
    );
    assert!(
        std::fs::read_to_string(dir.join("hello_en.vtt"))
            .unwrap()
            .starts_with("WEBVTT\n\n00:00:00.300 --> 00:00:02.575\n")
    );
    // The json document renders again offline.
    let out = asr(
        &home,
        &[
            "render",
            dir.join("hello_en.json").to_str().unwrap(),
            "-f",
            "tsv",
        ],
    );
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        format!("start\tend\tspeaker\ttext\n300\t2575\t\t{HELLO}\n")
    );
}

#[test]
fn flash_streaming_prints_each_sentence_as_a_line() {
    let home = TempDir::new("flash-stream");
    let wav = home.join("long.wav");
    write_long_wav(&wav, 75);
    let wav = wav.to_str().unwrap();
    let streamed = asr(&home, &["recognize", "--emulator", wav, "--stream"]);
    assert_ok(&streamed);
    let lines: Vec<String> = stdout(&streamed).lines().map(str::to_owned).collect();
    assert!(lines.len() >= 2, "{lines:?}");
    // No interim text leaks into a pipe: only the settled sentences.
    assert!(!stdout(&streamed).contains('\r'));
    let whole = asr(&home, &["recognize", "--emulator", wav]);
    assert_ok(&whole);
    assert_eq!(stdout(&whole), format!("{}\n", lines.join(" ")));
    // Every sentence of a stream has times, so subtitles work.
    let srt = asr(
        &home,
        &["recognize", "--emulator", wav, "--stream", "-f", "srt"],
    );
    assert_ok(&srt);
    assert_eq!(stdout(&srt).matches(" --> ").count(), lines.len());
}

#[test]
fn a_short_flash_answer_gives_text_but_not_subtitles() {
    let home = TempDir::new("flash-short");
    let out = asr(
        &home,
        &["recognize", "--emulator", &fixture("dialogue_en.wav")],
    );
    assert_ok(&out);
    assert_eq!(stdout(&out), format!("{DIALOGUE}\n"));
    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            &fixture("dialogue_en.wav"),
            "-f",
            "srt",
        ],
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("times for only some sentences"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn qwen3_asr_native_and_compatible_streaming_or_not() {
    let home = TempDir::new("qwen");
    let audio = fixture("welcome_zh.wav");
    for extra in [
        &[][..],
        &["--stream"],
        &["--compatible"],
        &["--compatible", "--stream"],
    ] {
        let mut args = vec![
            "recognize",
            "--emulator",
            audio.as_str(),
            "--model",
            "qwen3-asr-flash",
            "--language",
            "zh",
            "--itn",
        ];
        args.extend_from_slice(extra);
        let out = asr(&home, &args);
        assert_ok(&out);
        assert_eq!(stdout(&out), format!("{WELCOME}\n"), "{extra:?}");
    }
}

#[test]
fn omni_streams_a_local_file() {
    let home = TempDir::new("omni");
    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            &fixture("welcome_zh.wav"),
            "--model",
            "qwen3-omni-flash",
            "--stream",
            "--context",
            "A welcome message.",
        ],
    );
    assert_ok(&out);
    assert_eq!(stdout(&out), format!("{WELCOME}\n"));
    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            &fixture("welcome_zh.wav"),
            "--model",
            "qwen3-omni-flash",
            "-f",
            "srt",
        ],
    );
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("without timestamps"),
        "{}",
        stderr(&out)
    );
}

// --- Context. ---

#[test]
fn context_from_a_file_is_accepted() {
    let home = TempDir::new("context-file");
    let terms = home.join("terms.txt");
    std::fs::write(&terms, "阿里云, 通义千问\n").unwrap();
    let at = format!("@{}", terms.display());
    for model in ["fun-asr-flash-2026-06-15", "qwen3-asr-flash"] {
        let out = asr(
            &home,
            &[
                "recognize",
                "--emulator",
                &fixture("welcome_zh.wav"),
                "--model",
                model,
                "--context",
                &at,
            ],
        );
        assert_ok(&out);
        assert_eq!(stdout(&out), format!("{WELCOME}\n"));
    }
}

#[test]
fn too_much_context_is_refused_with_exit_code_3() {
    let home = TempDir::new("context-refused");
    let audio = fixture("hello_en.wav");
    let mut args = vec!["recognize", "--emulator", audio.as_str()];
    for _ in 0..6 {
        args.extend_from_slice(&["--context", "term"]);
    }
    let out = asr(&home, &args);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("at most 5 user context messages"),
        "{}",
        stderr(&out)
    );

    let long = "x".repeat(401);
    let out = asr(
        &home,
        &["recognize", "--emulator", &audio, "--context", &long],
    );
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("400"), "{}", stderr(&out));

    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            &audio,
            "--model",
            "qwen3-asr-flash",
            "--reply",
            "hi",
        ],
    );
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("`--reply` applies to Flash models"),
        "{}",
        stderr(&out)
    );

    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            &audio,
            "--context",
            "@/nonexistent/terms.txt",
        ],
    );
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("--context @/nonexistent/terms.txt"),
        "{}",
        stderr(&out)
    );
}

// --- Errors. ---

#[test]
fn an_error_in_mid_stream_shows_the_services_code() {
    let home = TempDir::new("midstream");
    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            "https://error-midstream.invalid/dialogue_en.wav",
            "--stream",
        ],
    );
    // A 5xx from the service is transient: the network/timeout code, as `transcribe` uses.
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(stderr(&out).contains("InternalError"), "{}", stderr(&out));
    // What settled before the failure was printed.
    assert!(
        stdout(&out).starts_with("Good morning, how can I help?\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_rejected_recognition_exits_5() {
    let home = TempDir::new("rejected");
    let out = asr(
        &home,
        &["recognize", "--emulator", "https://gone.invalid/a.wav"],
    );
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("InvalidFile.DownloadFailed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_inputs_exit_3_before_connecting() {
    let home = TempDir::new("bad");
    let long = home.join("long.wav");
    write_long_wav(&long, 301);
    let out = asr(&home, &["recognize", "--emulator", long.to_str().unwrap()]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("at most 5m00.0s"), "{}", stderr(&out));
    let out = asr(&home, &["recognize", "/nonexistent/a.wav"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no such file"), "{}", stderr(&out));
    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            &fixture("hello_en.wav"),
            "--model",
            "fun-asr",
        ],
    );
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("asr transcribe"), "{}", stderr(&out));
    let out = asr(
        &home,
        &[
            "recognize",
            "--emulator",
            "https://x.example/noext",
            "--model",
            "fun-asr-flash-2026-06-15",
        ],
    );
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("--audio-format"), "{}", stderr(&out));
}

// --- Local files and reports. ---

#[test]
fn a_local_file_goes_inline_as_a_data_uri() {
    let emu = Emu::start();
    let home = TempDir::new("data-uri");
    let base = emu.handle().native_base();
    let audio = fixture("hello_en.wav");
    let out = asr(
        &home,
        &[
            "--api-key",
            "sk-test",
            "--base-url",
            &base,
            "recognize",
            &audio,
        ],
    );
    assert_ok(&out);
    assert_eq!(stdout(&out), format!("{HELLO}\n"));
    let log = emu.handle().requests();
    assert_eq!(emu.handle().count(Endpoint::Upload), 0);
    let sent = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["endpoint"] == Endpoint::MultimodalGeneration.name())
        .unwrap();
    let size = std::fs::metadata(&audio).unwrap().len();
    // The body holds the file as base64: a third larger than the file.
    assert!(sent["body_size"].as_u64().unwrap() > size * 4 / 3, "{sent}");
    assert!(
        sent["headers"]
            .get("x-dashscope-ossresourceresolve")
            .is_none()
    );
}

#[test]
fn json_reports_what_was_written() {
    let home = TempDir::new("json");
    let dir = TempDir::new("json-out");
    let out = asr(
        &home,
        &[
            "--json",
            "recognize",
            "--emulator",
            &fixture("hello_en.wav"),
            "-f",
            "txt,srt",
            "-o",
            dir.0.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "ok");
    assert_eq!(report["text"], HELLO);
    assert_eq!(
        report["outputs"],
        serde_json::json!(["hello_en.txt", "hello_en.srt"])
    );
    assert_eq!(report["audio_seconds"], 3.0);
}
