//! `asr-emulator`: run the local DashScope-compatible server.
//!
//! Prints its base URL (`http://127.0.0.1:PORT`) as the first line on stdout, then serves until
//! Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use serde_json::{Map, Value};

use asr_emulator::{AllFailedStatus, Emulator, EmulatorConfig, FaultConfig};

/// A local DashScope-compatible speech server for offline use and tests.
#[derive(Debug, Parser)]
#[command(name = "asr-emulator", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Require exactly this API key (default: any `sk-…` key is accepted).
    #[arg(long, env = "ASR_EMULATOR_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Time from submit to a terminal task status (e.g. `200ms`, `2s`).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    processing_time: Duration,
    /// Lifetime of signed result URLs.
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    result_url_ttl: Duration,
    /// Lifetime of upload policies.
    #[arg(long, default_value = "300s", value_parser = parse_duration)]
    upload_policy_ttl: Duration,
    /// Per-file upload limit in MiB.
    #[arg(long, default_value_t = 100)]
    max_file_size_mb: u64,
    /// Really download `http://` file URLs of submitted tasks; failed downloads fail the file
    /// (`https://` URLs are never fetched).
    #[arg(long)]
    fetch: bool,
    /// Seed for faults and ids.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Delay before a new vocabulary is `OK`.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    vocabulary_ready_after: Duration,
    /// Maximum number of vocabularies.
    #[arg(long, default_value_t = 10)]
    vocabulary_quota: usize,
    /// Shortest time between two updates of one vocabulary.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    vocabulary_update_interval: Duration,
    /// A fault rule `ENDPOINT:SETTING=VALUE` (repeatable), e.g. `submit:throttle=0.3`,
    /// `*:drop=0.05`, `get_task:delay_ms=500`. Endpoints: submit, get_task, cancel_task,
    /// list_tasks, result, upload_policy, upload, vocabulary, multimodal_generation,
    /// chat_completions, not_found, or `*`. Settings: throttle, retry_after_secs,
    /// server_error, unavailable, drop, lose_response, truncate, delay_ms, delay_probability,
    /// limit, error (a documented refusal: `submit:error=Arrearage`, `*:error=DataInspectionFailed`).
    #[arg(long = "fault", value_name = "ENDPOINT:SETTING=VALUE")]
    faults: Vec<String>,
    /// Fault rules as JSON (the `POST /__emulator/faults` format), or `@file` to read a file.
    #[arg(long = "faults", value_name = "JSON|@FILE")]
    faults_json: Option<String>,
    /// Status of a `file_urls` task whose every file failed.
    #[arg(long, default_value = "succeeded", value_parser = ["succeeded", "failed"])]
    all_failed_status: String,
    /// Refuse task queries, lists and cancels beyond this many per API key in any
    /// `--task-query-window` with 429 `Throttling.RateQuota`, as the service does past its
    /// per-account limit (20 per second). Off by default.
    #[arg(long, value_name = "N")]
    task_query_limit: Option<u32>,
    /// The sliding window of `--task-query-limit`.
    #[arg(long, default_value = "1s", value_parser = parse_duration, requires = "task_query_limit")]
    task_query_window: Duration,
    /// Pause between SSE frames (e.g. `20ms`).
    #[arg(long, default_value = "0ms", value_parser = parse_duration)]
    sse_frame_interval: Duration,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// `250ms`, `2s`, `1.5s`, `5m`, `24h`; a bare number is seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a duration such as 200ms, 2s, 5m or 24h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}`; use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

/// Merges `--faults` JSON and `--fault` flags into one rule set.
fn fault_config(args: &Args) -> Result<FaultConfig, String> {
    let mut root = match &args.faults_json {
        None => Map::new(),
        Some(text) => {
            let text = match text.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| format!("--faults: cannot read `{path}`: {e}"))?,
                None => text.clone(),
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err("--faults: expected a JSON object".to_owned()),
                Err(e) => return Err(format!("--faults: not JSON: {e}")),
            }
        }
    };
    for flag in &args.faults {
        let parsed = flag
            .split_once(':')
            .and_then(|(e, rest)| rest.split_once('=').map(|(k, v)| (e, k, v)));
        let Some((endpoint, setting, value)) = parsed else {
            return Err(format!(
                "--fault `{flag}`: expected ENDPOINT:SETTING=VALUE, e.g. submit:throttle=0.3"
            ));
        };
        // `error=Arrearage` names a code; every other setting is a number.
        let value: Value = match setting {
            "error" => Value::String(value.to_owned()),
            _ => serde_json::from_str(value)
                .map_err(|_| format!("--fault `{flag}`: the value must be a number"))?,
        };
        let entry = root
            .entry(endpoint.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(setting.to_owned(), value);
        }
    }
    FaultConfig::from_json(&Value::Object(root)).map_err(|e| format!("fault rules: {e}"))
}

fn config(args: &Args) -> Result<EmulatorConfig, String> {
    let mut cfg = EmulatorConfig::new()
        .with_bind(SocketAddr::new(args.host, args.port))
        .with_processing_time(args.processing_time)
        .with_result_url_ttl(args.result_url_ttl)
        .with_upload_policy_ttl(args.upload_policy_ttl)
        .with_max_file_size_mb(args.max_file_size_mb)
        .with_fetch(args.fetch)
        .with_seed(args.seed)
        .with_vocabulary_ready_after(args.vocabulary_ready_after)
        .with_vocabulary_quota(args.vocabulary_quota)
        .with_vocabulary_update_interval(args.vocabulary_update_interval)
        .with_faults(fault_config(args)?)
        .with_sse_frame_interval(args.sse_frame_interval)
        .with_all_failed_status(if args.all_failed_status == "failed" {
            AllFailedStatus::Failed
        } else {
            AllFailedStatus::Succeeded
        });
    if let Some(key) = &args.api_key {
        cfg = cfg.with_api_key(key.clone());
    }
    if let Some(max) = args.task_query_limit {
        if max == 0 {
            return Err("--task-query-limit must be at least 1; omit it for no limit".to_owned());
        }
        cfg = cfg.with_task_query_limit(max, args.task_query_window);
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let read = |p: &PathBuf| {
            std::fs::read(p).map_err(|e| format!("cannot read `{}`: {e}", p.display()))
        };
        cfg = cfg.with_tls(read(cert)?, read(key)?);
    }
    Ok(cfg)
}

async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let cfg = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("asr-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let handle = match Emulator::start(cfg).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("asr-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    // Scripts read the first line to learn the port; flush so they never wait on a buffer.
    if writeln!(out, "{}", handle.base_url())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);
    eprintln!(
        "asr-emulator: serving {} (native API {}, compatible mode {}); Ctrl-C to stop",
        handle.base_url(),
        handle.native_base(),
        handle.compatible_base()
    );
    stopped().await;
    handle.shutdown().await;
    ExitCode::SUCCESS
}
