//! Help, usage errors, completions.

use crate::util::{TempDir, asr, code, run, stderr, stdout};

#[test]
fn help_documents_every_exit_code() {
    let dir = TempDir::new("help");
    let out = run(asr(dir.path()).arg("--help"));
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("help", stdout(&out));
}

#[test]
fn transcribe_help_lists_every_option() {
    let dir = TempDir::new("help-transcribe");
    let out = run(asr(dir.path()).args(["transcribe", "--help"]));
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("help_transcribe", stdout(&out));
}

#[test]
fn a_bad_command_line_exits_2() {
    let dir = TempDir::new("usage");
    let out = run(asr(dir.path()).args(["transcribe", "--no-such-flag", "x.wav"]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--no-such-flag"), "{}", stderr(&out));
    let out = run(asr(dir.path()).args(["render", "x.json", "--format", "docx"]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("possible values"), "{}", stderr(&out));
}

#[test]
fn completions_are_printed_for_each_shell() {
    let dir = TempDir::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(asr(dir.path()).args(["completions", shell]));
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("transcribe"), "{shell}");
    }
}
