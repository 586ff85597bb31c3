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
