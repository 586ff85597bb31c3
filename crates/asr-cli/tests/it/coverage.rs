//! Protocol §11 through the binary against the emulator: the async header on task queries,
//! `asr token`, the Qwen-Audio 3.1 models, errors that are never retried, language and model
//! warnings, and the vocabulary checks.

use crate::util::{Emu, TempDir, code, run, stderr, stdout, write_wav};

/// The request-log entries of one endpoint.
fn logged(emu: &Emu, endpoint: &str) -> Vec<serde_json::Value> {
    emu.requests()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["endpoint"] == endpoint)
        .cloned()
        .collect()
}

#[test]
fn task_get_and_wait_send_the_async_header() {
    let emu = Emu::quick();
    let dir = TempDir::new("async-header");
    let audio = dir.join("note.wav");
    write_wav(&audio, 1, 500);
    let out = run(emu.asr(dir.path()).arg("submit").arg(&audio));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let task_id = stdout(&out).split('\t').next().unwrap().trim().to_owned();
    for args in [
        vec!["task", "wait", &task_id, "--timeout", "60s"],
        vec!["task", "get", &task_id],
    ] {
        let out = run(emu.asr(dir.path()).args(&args));
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    }
    let queries = logged(&emu, "get_task");
    assert!(queries.len() >= 2, "{queries:?}");
    for query in &queries {
        assert_eq!(query["headers"]["x-dashscope-async"], "enable", "{query}");
    }
}

/// Each refusal whose fix is the user's ends the run after one request, with its own exit code
/// and a message that says what to do.
#[test]
fn refusals_whose_fix_is_the_users_exit_at_once_with_advice() {
    use asr_emulator::{EmulatorConfig, Endpoint, FaultConfig, FaultRule};

    let cases = [
        ("Arrearage", 4, "overdue payment"),
        ("InvalidApiKey", 4, "check the API key"),
        ("AccessDenied.Unpurchased", 4, "purchase the model"),
        ("DataInspectionFailed", 5, "content moderation"),
        ("Throttling.AllocationQuota", 5, "quota is used up"),
    ];
    let dir = TempDir::new("refusals");
    for (error, exit, advice) in cases {
        let rule = FaultRule::new().with_error(error).unwrap();
        let emu = Emu::start(
            EmulatorConfig::new().with_faults(FaultConfig::new().with(Endpoint::Submit, rule)),
        );
        let out = run(emu
            .asr(dir.path())
            .args(["submit", "https://example.com/a.wav"]));
        assert_eq!(code(&out), exit, "{error}: {}", stderr(&out));
        assert!(stderr(&out).contains(error), "{error}: {}", stderr(&out));
        assert!(stderr(&out).contains(advice), "{error}: {}", stderr(&out));
        assert_eq!(emu.submit_requests(), 1, "{error} was retried");
    }
}

#[test]
fn token_prints_a_temporary_key_that_works_and_json_prints_the_answer() {
    let emu = Emu::quick();
    let dir = TempDir::new("token");
    let out = run(emu.asr(dir.path()).args(["token", "--seconds", "600"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let key = stdout(&out).trim().to_owned();
    assert!(
        key.starts_with("st-") && !key.contains(char::is_whitespace),
        "{key}"
    );
    assert!(stderr(&out).contains("600 s"), "{}", stderr(&out));
    let minted = logged(&emu, "tokens");
    assert_eq!(minted[0]["query"], "expire_in_seconds=600");

    // The key works in place of the long-lived one, and cannot mint another.
    let worker = |args: &[&str]| {
        let mut cmd = crate::util::asr(dir.path());
        cmd.args(["--base-url", &emu.native_base(), "--api-key", &key]);
        run(cmd.args(args))
    };
    let out = worker(&["task", "list"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = worker(&["token"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot mint another"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains(&key[3..]),
        "the key leaked: {}",
        stderr(&out)
    );
    assert_eq!(logged(&emu, "tokens").len(), 1);

    let out = run(emu.asr(dir.path()).args(["token", "--json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        answer["token"].as_str().unwrap().starts_with("st-"),
        "{answer}"
    );
    assert!(
        answer["expires_at"].as_i64().unwrap() > 1_700_000_000,
        "{answer}"
    );
    // No `--seconds`: the documented default of 60 s, sent explicitly.
    assert_eq!(logged(&emu, "tokens")[1]["query"], "expire_in_seconds=60");

    let out = run(emu.asr(dir.path()).args(["token", "--seconds", "3600"]));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 to 1800 seconds"),
        "{}",
        stderr(&out)
    );
    assert_eq!(logged(&emu, "tokens").len(), 2);
}

#[test]
fn new_models_and_languages_are_sent_with_warnings() {
    let emu = Emu::quick();
    let dir = TempDir::new("model-warnings");
    let url = "https://example.com/audio/dialogue_en.wav";

    // Qwen-Audio 3.1 filetrans with speaker separation: no warning, speakers in the text.
    let out = run(emu.asr(dir.path()).args([
        "transcribe",
        "--model",
        "qwen-audio-3.1-asr-flash-filetrans",
        "--speakers",
        "2",
        url,
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
    let submits = emu.accepted_submits();
    assert!(
        submits[0].contains("\"diarization_enabled\":true"),
        "{}",
        submits[0]
    );

    // A snapshot this version does not know: sent, with a warning.
    let out = run(emu
        .asr(dir.path())
        .args(["submit", "--model", "fun-asr-2027-01-01", url]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: model `fun-asr-2027-01-01` is not one this version documents; it is sent as a Fun-ASR model"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emu.accepted_submits().len(), 2);

    // Estonian: on one of the two Fun-ASR pages only: sent, with a warning; `-q` hides it.
    let out = run(emu
        .asr(dir.path())
        .args(["submit", "--language", "et", url]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: `parameters.language_hints[0]`: `et`"),
        "{}",
        stderr(&out)
    );
    let out = run(emu
        .asr(dir.path())
        .args(["-q", "submit", "--language", "lt", url]));
    assert_eq!((code(&out), stderr(&out)), (0, String::new()));
    assert!(emu.accepted_submits()[3].contains("\"language_hints\":[\"lt\"]"));
    // A code neither page lists is still refused before anything is sent.
    let out = run(emu
        .asr(dir.path())
        .args(["submit", "--language", "xx", url]));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(emu.accepted_submits().len(), 4);

    // A synchronous snapshot this version does not know.
    let out = run(emu.asr(dir.path()).args([
        "recognize",
        "--model",
        "qwen-audio-3.2-asr-flash",
        "https://example.com/audio/hello_en.wav",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: model `qwen-audio-3.2-asr-flash`"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).trim().is_empty());
}

#[test]
fn vocabulary_lists_the_service_would_ignore_are_shown_and_warned_about() {
    // The transcription below takes over a second, so the create and the first update are
    // in different seconds of `gmt_create`/`gmt_modified` (whole seconds only).
    let emu = Emu::start(
        asr_emulator::EmulatorConfig::new()
            .with_processing_time(std::time::Duration::from_millis(1200))
            .with_vocabulary_ready_after(std::time::Duration::from_secs(600)),
    );
    let dir = TempDir::new("vocab-rules");
    let words = dir.join("names.tsv");
    std::fs::write(&words, "Kubernetes\t4\n").unwrap();
    let out = run(emu
        .asr(dir.path())
        .args([
            "vocab",
            "create",
            "--prefix",
            "names",
            "--target-model",
            "paraformer-v2",
        ])
        .arg(&words));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let id = stdout(&out).trim().to_owned();

    // `show` and `list` say that an UNDEPLOYED list is not used yet.
    let out = run(emu.asr(dir.path()).args(["vocab", "show", &id]));
    assert!(
        stdout(&out).contains("# status: UNDEPLOYED (recognition ignores the list until it is OK)"),
        "{}",
        stdout(&out)
    );
    let shown: serde_json::Value = serde_json::from_str(&stdout(&run(emu
        .asr(dir.path())
        .args(["vocab", "show", "--json", &id]))))
    .unwrap();
    assert_eq!(shown["usable"], false);
    let out = run(emu.asr(dir.path()).args(["vocab", "list"]));
    assert!(
        stderr(&out).contains("note: 1 list is not OK (UNDEPLOYED)"),
        "{}",
        stderr(&out)
    );
    let listed: serde_json::Value = serde_json::from_str(&stdout(&run(emu
        .asr(dir.path())
        .args(["vocab", "list", "--json"]))))
    .unwrap();
    assert_eq!(listed[0]["usable"], false);

    // A job for another model is warned, before it submits, about both reasons.
    let out = run(emu.asr(dir.path()).args([
        "transcribe",
        "--model",
        "fun-asr",
        "--vocabulary-id",
        &id,
        "https://example.com/a.wav",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("warning: hot-word list {id} is UNDEPLOYED")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "warning: hot-word list {id} was created for `paraformer-v2`, not `fun-asr`"
        )),
        "{err}"
    );
    assert_eq!(emu.accepted_submits().len(), 1);

    // Updates: the first goes through, a second within five minutes is refused unsent, and a
    // dry-run sync says when it may apply.
    std::fs::write(&words, "Kubernetes\t5\n").unwrap();
    let out = run(emu
        .asr(dir.path())
        .args(["vocab", "update", &id])
        .arg(&words));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    std::fs::write(&words, "Kubernetes\t3\n").unwrap();
    let out = run(emu
        .asr(dir.path())
        .args(["vocab", "update", &id])
        .arg(&words));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was sent: run this again in"),
        "{}",
        stderr(&out)
    );
    let out = run(emu
        .asr(dir.path())
        .args([
            "vocab",
            "sync",
            "--dry-run",
            "--prefix",
            "names",
            "--target-model",
            "paraformer-v2",
        ])
        .arg(&words));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: vocabulary"),
        "{}",
        stderr(&out)
    );
    let updates = emu.requests()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["body"]["input"]["action"] == "update_vocabulary")
        .count();
    assert_eq!(updates, 1);
}
