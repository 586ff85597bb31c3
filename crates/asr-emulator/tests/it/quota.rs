//! The task API's per-account limit (`with_task_query_limit`, `--task-query-limit`).

use std::time::Duration;

use http::Method;
use serde_json::json;

use crate::client::{Http, KEY, fast, start};

#[tokio::test]
async fn queries_lists_and_cancels_share_the_limit_per_key_and_refusals_are_counted() {
    // Long processing, so the task is still PENDING (cancellable) whatever the machine's load.
    let config = fast()
        .with_processing_time(Duration::from_secs(600))
        .with_task_query_limit(3, Duration::from_secs(3600));
    let (emu, http) = start(config).await;
    // Submits are not task-API requests: they never count.
    let body = json!({"model": "fun-asr", "input": {"file_urls": ["https://example.com/a.wav"]}});
    let id = http.submit_ok(&emu, &body).await;
    let base = emu.native_base();
    assert_eq!(http.get(&format!("{base}/tasks/{id}")).await.status, 200);
    assert_eq!(http.get(&format!("{base}/tasks")).await.status, 200);
    let auth = format!("Bearer {KEY}");
    let cancel = http
        .send(
            Method::POST,
            &format!("{base}/tasks/{id}/cancel"),
            &[("authorization", &auth)],
            Vec::new(),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.text());
    // The fourth within the window is refused as the service refuses it.
    let refused = http.get(&format!("{base}/tasks/{id}")).await;
    assert_eq!(refused.status, 429);
    let v = refused.json();
    assert_eq!(v["code"], "Throttling.RateQuota");
    assert_eq!(
        v["message"],
        "Requests rate limit exceeded, please try again later."
    );
    assert!(
        v["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{v}"
    );
    assert_eq!(http.get(&format!("{base}/tasks")).await.status, 429);
    // Another key is another account.
    let other = http
        .send(
            Method::GET,
            &format!("{base}/tasks/{id}"),
            &[("authorization", "Bearer sk-another-account")],
            Vec::new(),
        )
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(emu.refused(), 2);
    let stats = http
        .get(&format!("{}/__emulator/stats", emu.base_url()))
        .await
        .json();
    assert_eq!(stats["refused_total"], 2);
    assert_eq!(stats["refused"]["get_task"], 1);
    assert_eq!(stats["refused"]["list_tasks"], 1);
    assert_eq!(stats["counts"]["get_task"], 3);
    assert_eq!(stats["total"], 7);
    assert!(stats.get("requests").is_none(), "stats stay small: {stats}");
    assert_eq!(emu.requests()["refused"]["get_task"], 1);
}

#[tokio::test]
async fn without_a_limit_nothing_is_refused() {
    let (emu, http) = start(fast()).await;
    for _ in 0..50 {
        assert_eq!(
            http.get(&format!("{}/tasks/x", emu.native_base()))
                .await
                .status,
            200
        );
    }
    assert_eq!(emu.refused(), 0);
    assert_eq!(emu.stats()["refused_total"], 0);
}

#[tokio::test]
async fn a_throttle_fault_is_not_counted_as_a_refusal() {
    use asr_emulator::{Endpoint, FaultRule};
    let (emu, http) =
        start(fast().with_fault(Endpoint::GetTask, FaultRule::new().with_throttle(1.0))).await;
    assert_eq!(
        http.get(&format!("{}/tasks/x", emu.native_base()))
            .await
            .status,
        429
    );
    assert_eq!(emu.refused(), 0);
}

#[test]
fn the_binary_takes_the_limit_as_flags() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};
    let out = Command::new(env!("CARGO_BIN_EXE_asr-emulator"))
        .args(["--task-query-limit", "0"])
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--task-query-limit"));
    let out = Command::new(env!("CARGO_BIN_EXE_asr-emulator"))
        .args(["--task-query-window", "2s"])
        .output()
        .expect("binary runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a window without a limit is a mistake"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_asr-emulator"))
        .args([
            "--port",
            "0",
            "--task-query-limit",
            "1",
            "--task-query-window",
            "1h",
        ])
        .args(["--result-url-ttl", "90s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary runs");
    let mut line = String::new();
    let read = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let statuses = runtime.block_on(async {
        read.expect("first line");
        let base = line.trim();
        let http = Http::new();
        let a = http.get(&format!("{base}/api/v1/tasks/x")).await.status;
        let b = http.get(&format!("{base}/api/v1/tasks/x")).await.status;
        let stats = http.get(&format!("{base}/__emulator/stats")).await.json();
        (a, b, stats["refused_total"].clone())
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(statuses, (200, 429, json!(1)));
}
