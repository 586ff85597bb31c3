//! The `asr-emulator` binary.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use http::Method;

use crate::client::{Http, KEY};

#[tokio::test]
async fn prints_base_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_asr-emulator"))
        .args([
            "--port",
            "0",
            "--processing-time",
            "100ms",
            "--fault",
            "list_tasks:throttle=1",
            "--fault",
            "list_tasks:retry_after_secs=4",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("join")
    .expect("first line");
    let base = line.trim().to_owned();
    let result = async {
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let http = Http::new();
        let auth = format!("Bearer {KEY}");
        let r = http
            .send(
                Method::GET,
                &format!("{base}/api/v1/tasks/x"),
                &[("authorization", &auth)],
                Vec::new(),
            )
            .await;
        assert_eq!(r.status, 200);
        let r = http
            .send(
                Method::GET,
                &format!("{base}/api/v1/tasks"),
                &[("authorization", &auth)],
                Vec::new(),
            )
            .await;
        assert_eq!((r.status, r.header("retry-after")), (429, Some("4")));
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[test]
fn bad_flags_are_explained() {
    let out = Command::new(env!("CARGO_BIN_EXE_asr-emulator"))
        .args(["--fault", "submit:throttle"])
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ENDPOINT:SETTING=VALUE"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_asr-emulator"))
        .args(["--processing-time", "2 fortnights"])
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_asr-emulator"))
        .args(["--fault", "submitt:drop=1"])
        .output()
        .expect("binary runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains("submitt"));
}
