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
