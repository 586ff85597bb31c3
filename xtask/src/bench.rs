//! `cargo xtask bench`: end-to-end figures on loopback against the emulator, printed as a
//! markdown table with the targets.
//!
//! Everything measured runs as a release-built child process, so each figure is that
//! process's own (wall time, CPU seconds and peak RSS from `getrusage`), never the emulator's
//! or this debug-built driver's:
//! - 1,000 URLs in tasks of 100 through the `asr_batch` engine (in a child
//!   `xtask bench-client e2e`), emulator processing 2 s; HTTP requests from the emulator's
//!   request log (`GET /__emulator/requests`).
//! - A 1 GiB sparse local file through `Client::upload` (child `xtask bench-client upload`),
//!   and `curl -F` with the same policy to the same receiver when curl is installed.
//! - `asr render --format srt` of a generated 12-hour Fun-ASR result (peak RSS against the
//!   JSON's size).
//! - `asr --version`: the median of 21 runs.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

mod doc;
#[cfg(test)]
mod tests;

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Files in the end-to-end run.
    #[arg(long, default_value_t = 1000)]
    pub files: usize,
    /// Files per task.
    #[arg(long, default_value_t = 100)]
    pub per_task: usize,
    /// The emulator's processing time per task, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub processing_secs: f64,
    /// Size of the local-file upload, in MiB (0 skips it).
    #[arg(long, default_value_t = 1024)]
    pub upload_mib: u64,
    /// Hours of speech in the rendered result document.
    #[arg(long, default_value_t = 12)]
    pub render_hours: u64,
    /// Runs of each measurement; the table shows the run with the median wall time.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also write the table to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What the hidden `bench-client` subcommand runs.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ClientTask {
    /// Transcribe `files` URLs in tasks of `per_task` and print figures as JSON.
    E2e {
        /// The emulator's origin.
        #[arg(long)]
        base_url: String,
        /// How many URLs.
        #[arg(long)]
        files: usize,
        /// URLs per task.
        #[arg(long)]
        per_task: usize,
    },
    /// Upload `path` and print figures as JSON.
    Upload {
        /// The emulator's origin.
        #[arg(long)]
        base_url: String,
        /// The file.
        #[arg(long)]
        path: PathBuf,
    },
}

/// One row of the table.
struct Row {
    what: String,
    figure: String,
    target: String,
    verdict: Verdict,
}

#[derive(Clone, Copy)]
enum Verdict {
    Met,
    Missed,
    Info,
}

fn row(what: &str, figure: String, target: &str, verdict: Verdict) -> Row {
    Row {
        what: what.to_owned(),
        figure,
        target: target.to_owned(),
        verdict,
    }
}

fn check(ok: bool) -> Verdict {
    if ok { Verdict::Met } else { Verdict::Missed }
}

/// Peak RSS and CPU of this process so far.
///
/// CPU comes from `getrusage(RUSAGE_SELF)`. Peak RSS comes from `VmHWM` in
/// `/proc/self/status`, because Linux carries `ru_maxrss` across `execve`: a child forked
/// from a large parent would report the parent's size.
pub fn self_usage() -> Result<Usage> {
    let r = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .context("getrusage")?;
    let mut usage = Usage::from(&r);
    if let Some(hwm) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| vm_hwm_kib(&status))
    {
        usage.max_rss_kib = hwm;
    }
    Ok(usage)
}

/// The `VmHWM:` line of `/proc/<pid>/status`, in KiB.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// CPU seconds and peak RSS.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User CPU seconds.
    pub user: f64,
    /// System CPU seconds.
    pub sys: f64,
    /// Peak resident set, KiB.
    pub max_rss_kib: u64,
}

impl From<&nix::sys::resource::Usage> for Usage {
    fn from(r: &nix::sys::resource::Usage) -> Self {
        let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
        Usage {
            user: secs(r.user_time()),
            sys: secs(r.system_time()),
            max_rss_kib: u64::try_from(r.max_rss()).unwrap_or(0),
        }
    }
}

/// `xtask measure -- CMD ARGS…`: runs the command, then prints
/// `{"wall_s", "user_s", "sys_s", "max_rss_kib", "status"}` for it alone (this process has no
/// other children, so `RUSAGE_CHILDREN` is exactly the command's).
///
/// The peak RSS is an upper bound: Linux keeps `ru_maxrss` across `execve`, so it is at least
/// this small helper's own few MiB at the fork.
///
/// # Errors
/// The command cannot be started.
pub fn measure_command(command: &[String]) -> Result<()> {
    let (program, args) = command.split_first().context("measure: no command")?;
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("starting {program}"))?;
    let wall = start.elapsed().as_secs_f64();
    let r = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .context("getrusage")?;
    let u = Usage::from(&r);
    println!(
        "{}",
        json!({"wall_s": wall, "user_s": u.user, "sys_s": u.sys, "max_rss_kib": u.max_rss_kib,
               "status": status.code()})
    );
    Ok(())
}

/// The hidden `bench-client` subcommand: the measured side, run as a release child.
///
/// # Errors
/// The client cannot be built or the run fails.
pub fn client_command(task: &ClientTask) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let out = runtime.block_on(async {
        match task {
            ClientTask::E2e {
                base_url,
                files,
                per_task,
            } => e2e_client(base_url, *files, *per_task).await,
            ClientTask::Upload { base_url, path } => upload_client(base_url, path).await,
        }
    })?;
    println!("{out}");
    Ok(())
}

fn transport(base_url: &str) -> Result<asr_transport::Client> {
    asr_transport::Config::new("sk-bench")
        .with_base_url(format!("{base_url}/api/v1"))
        .with_insecure_http(true)
        .build()
        .map_err(|e| anyhow!("building the client: {e}"))
}

async fn e2e_client(base_url: &str, files: usize, per_task: usize) -> Result<Value> {
    use futures_util::StreamExt as _;
    let before = self_usage()?;
    let start = Instant::now();
    let client = transport(base_url)?;
    let urls: Vec<String> = (0..files)
        .map(|i| format!("https://bench.example/audio/file{i:04}.wav"))
        .collect();
    // The engine groups by the model's rule (100 per task for fun-asr), with no cap on tasks
    // in flight.
    if per_task != asr_types::Model::FUN_ASR.family().files_per_task() {
        bail!("per_task must be fun-asr's files per task, got {per_task}");
    }
    let mut stream = asr_batch::Batch::new(client, asr_types::Model::FUN_ASR).run(urls);
    let (mut ok, mut failed, mut first_error) = (0u64, 0u64, None);
    while let Some(outcome) = stream.next().await {
        let outcome = outcome.map_err(|e| anyhow!("the batch stopped: {e}"))?;
        match outcome.status {
            asr_batch::Status::Done(_) => ok += 1,
            other => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{other:?}"));
            }
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let after = self_usage()?;
    Ok(json!({
        "wall_s": wall,
        "cpu_s": (after.user - before.user) + (after.sys - before.sys),
        "max_rss_kib": after.max_rss_kib,
        "ok": ok, "failed": failed, "first_error": first_error,
        "tasks": stream.summary().this_run.tasks,
    }))
}

async fn upload_client(base_url: &str, path: &Path) -> Result<Value> {
    let before = self_usage()?;
    let client = transport(base_url)?;
    let len = std::fs::metadata(path)?.len();
    let start = Instant::now();
    let upload = client
        .upload(path, &asr_transport::Model::FUN_ASR)
        .await
        .map_err(|e| anyhow!("upload: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    let after = self_usage()?;
    Ok(json!({
        "wall_s": wall,
        "bytes": len,
        "cpu_s": (after.user - before.user) + (after.sys - before.sys),
        "max_rss_kib": after.max_rss_kib,
        "oss_url": upload.oss_url,
    }))
}

/// Builds the release binaries and returns the directory they are in.
fn build_release() -> Result<PathBuf> {
    crate::run(crate::cargo().args([
        "build",
        "--release",
        "-p",
        "xtask",
        "-p",
        "asr-cli",
        "-p",
        "asr-emulator",
    ]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                crate::project_root().join(p)
            }
        })
        .unwrap_or_else(|| crate::project_root().join("target"));
    Ok(target.join("release"))
}

/// A running emulator binary; killed on drop.
struct EmulatorProcess {
    child: Child,
    base_url: String,
}

impl EmulatorProcess {
    fn start(bin: &Path, processing_secs: f64) -> Result<Self> {
        let mut child = Command::new(bin.join("asr-emulator"))
            .args([
                "--processing-time",
                &format!("{}ms", (processing_secs * 1000.0).round() as u64),
                "--max-file-size-mb",
                "4096",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting asr-emulator")?;
        let stdout = child.stdout.take().context("emulator stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("reading the emulator's base URL")?;
        let base_url = line.trim().to_owned();
        if !base_url.starts_with("http") {
            let _ = child.kill();
            bail!("asr-emulator printed {base_url:?} instead of its base URL");
        }
        Ok(EmulatorProcess { child, base_url })
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `cmd` under `xtask measure` and returns its figures.
fn measured(bin: &Path, cmd: &[&str]) -> Result<Value> {
    let out = Command::new(bin.join("xtask"))
        .arg("measure")
        .arg("--")
        .args(cmd)
        .output()
        .context("running xtask measure")?;
    if !out.status.success() {
        bail!(
            "xtask measure {cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("xtask measure printed no JSON")
}

fn client(bin: &Path, args: &[String]) -> Result<Value> {
    let out = Command::new(bin.join("xtask"))
        .arg("bench-client")
        .args(args)
        .output()
        .context("running xtask bench-client")?;
    if !out.status.success() {
        bail!(
            "xtask bench-client {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("bench-client printed no JSON")
}

/// `GET`s JSON from the emulator (its test hooks and the upload policy) with curl-free std I/O.
fn get_json(url: &str, key: Option<&str>) -> Result<Value> {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").context("only http URLs")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream =
        std::net::TcpStream::connect(host).with_context(|| format!("connecting {host}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").context("no HTTP head")?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return serde_json::from_str(&dechunk(body)).context("chunked JSON body");
    }
    serde_json::from_str(body).with_context(|| format!("GET {path}: not JSON"))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// `cargo xtask bench`.
///
/// # Errors
/// A build, a child process or the emulator fails.
pub fn run(args: &Args) -> Result<()> {
    let bin = build_release()?;
    let scratch = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let mut rows = Vec::new();
    let result = collect(args, &bin, &scratch, &mut rows);
    let _ = std::fs::remove_dir_all(&scratch);
    let table = render(&rows, args);
    println!("{table}");
    if let Some(out) = &args.out {
        std::fs::write(out, &table).with_context(|| format!("writing {}", out.display()))?;
    }
    result
}

fn collect(args: &Args, bin: &Path, scratch: &Path, rows: &mut Vec<Row>) -> Result<()> {
    // End to end.
    {
        let mut runs = Vec::new();
        for _ in 0..args.runs.max(1) {
            // A fresh emulator per run, so its request log holds this run alone.
            let emulator = EmulatorProcess::start(bin, args.processing_secs)?;
            let e2e = client(
                bin,
                &[
                    "e2e".into(),
                    "--base-url".into(),
                    emulator.base_url.clone(),
                    "--files".into(),
                    args.files.to_string(),
                    "--per-task".into(),
                    args.per_task.to_string(),
                ],
            )?;
            let log = get_json(&format!("{}/__emulator/requests", emulator.base_url), None)?;
            runs.push((e2e, log));
        }
        let (e2e, log) = median_by(runs, |(e2e, _)| e2e["wall_s"].as_f64().unwrap_or(f64::NAN));
        let counts = &log["counts"];
        let count = |name: &str| counts[name].as_u64().unwrap_or(0);
        let total: u64 = counts
            .as_object()
            .map(|m| m.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        let tasks = count("submit").max(1);
        let files = args.files as u64;
        let ok = e2e["ok"].as_u64().unwrap_or(0);
        if ok != files {
            eprintln!(
                "warning: {} of {files} files failed: {}",
                files - ok,
                e2e["first_error"]
            );
        }
        let wall = e2e["wall_s"].as_f64().unwrap_or(f64::NAN);
        let label = format!(
            "{files} files ({tasks} tasks), {:.1} s processing",
            args.processing_secs
        );
        let wall_target = args.processing_secs + 0.5;
        rows.push(row(
            &format!("{label}: wall"),
            format!("{wall:.2} s ({ok} ok)"),
            &format!("≤ {wall_target:.1} s"),
            check(wall <= wall_target && ok == files),
        ));
        let polls = count("get_task");
        rows.push(row(
            &format!("{label}: HTTP requests"),
            format!(
                "{total} ({} submits, {polls} polls = {:.1}/task, {} downloads)",
                count("submit"),
                polls as f64 / tasks as f64,
                count("result")
            ),
            "≤ 1,050; ≤ 4 polls/task",
            check(total <= 1050 && polls <= 4 * tasks),
        ));
        let cpu = e2e["cpu_s"].as_f64().unwrap_or(f64::NAN);
        rows.push(row(
            &format!("{label}: client CPU"),
            format!("{cpu:.3} s"),
            "< 0.2 s",
            check(cpu < 0.2),
        ));
        rows.push(row(
            &format!("{label}: client peak RSS"),
            format!("{:.1} MiB", kib_to_mib(&e2e["max_rss_kib"])),
            "—",
            Verdict::Info,
        ));
    }

    // Rendering a long result.
    {
        let doc = doc::funasr_document(args.render_hours);
        let path = scratch.join("long-result.json");
        std::fs::write(&path, &doc)?;
        let out_dir = scratch.join("render");
        std::fs::create_dir_all(&out_dir)?;
        let asr = bin.join("asr");
        let (path_s, out_s) = (path.to_string_lossy(), out_dir.to_string_lossy());
        let mut renders = Vec::new();
        for _ in 0..args.runs.max(1) {
            renders.push(measured(
                bin,
                &[
                    &asr.to_string_lossy(),
                    "render",
                    &path_s,
                    "--format",
                    "srt",
                    "-o",
                    &out_s,
                ],
            )?);
        }
        let render = median_by(renders, |m| m["wall_s"].as_f64().unwrap_or(f64::NAN));
        if render["status"] != json!(0) {
            bail!("asr render exited with {}", render["status"]);
        }
        let wall_ms = render["wall_s"].as_f64().unwrap_or(f64::NAN) * 1000.0;
        let rss_mib = kib_to_mib(&render["max_rss_kib"]);
        let idle = measured(bin, &[&asr.to_string_lossy(), "--version"])?;
        let idle_mib = kib_to_mib(&idle["max_rss_kib"]);
        let json_mib = doc.len() as f64 / (1024.0 * 1024.0);
        let label = format!(
            "{}-hour result ({json_mib:.1} MiB JSON) to SRT",
            args.render_hours
        );
        rows.push(row(
            &format!("{label}: wall"),
            format!("{wall_ms:.0} ms"),
            "≤ 80 ms",
            check(wall_ms <= 80.0),
        ));
        rows.push(row(
            &format!("{label}: peak RSS"),
            format!(
                "{rss_mib:.1} MiB ({:.2}× the JSON; {:.2}× net of the {idle_mib:.1} MiB of `asr --version`)",
                rss_mib / json_mib,
                (rss_mib - idle_mib) / json_mib
            ),
            "≤ 1.5× the JSON",
            check(rss_mib <= 1.5 * json_mib),
        ));
    }

    // A large local upload, against curl to the same receiver.
    if args.upload_mib > 0 {
        let emulator = EmulatorProcess::start(bin, args.processing_secs)?;
        let path = scratch.join("sparse-upload.wav");
        let file = std::fs::File::create(&path)?;
        file.set_len(args.upload_mib * 1024 * 1024)?;
        drop(file);
        let mut uploads = Vec::new();
        for _ in 0..args.runs.max(1) {
            uploads.push(client(
                bin,
                &[
                    "upload".into(),
                    "--base-url".into(),
                    emulator.base_url.clone(),
                    "--path".into(),
                    path.to_string_lossy().into_owned(),
                ],
            )?);
        }
        let up = median_by(uploads, |u| u["wall_s"].as_f64().unwrap_or(f64::NAN));
        let secs = up["wall_s"].as_f64().unwrap_or(f64::NAN);
        let ours = args.upload_mib as f64 / secs;
        let label = format!("{} MiB local-file upload", args.upload_mib);
        let rss = kib_to_mib(&up["max_rss_kib"]);
        rows.push(row(
            &format!("{label}: peak RSS"),
            format!("{rss:.1} MiB"),
            "≤ 32 MiB",
            check(rss <= 32.0),
        ));
        match curl_upload(bin, &emulator.base_url, &path, args.upload_mib, args.runs)? {
            Some((curl_speed, curl_rss)) => {
                rows.push(row(
                    &format!("{label}: throughput"),
                    format!("{ours:.0} MiB/s ({:.0} % of curl -F: {curl_speed:.0} MiB/s, {curl_rss:.1} MiB RSS)", 100.0 * ours / curl_speed),
                    "≥ 80 % of curl -F",
                    check(ours >= 0.8 * curl_speed),
                ));
            }
            None => rows.push(row(
                &format!("{label}: throughput"),
                format!("{ours:.0} MiB/s (curl not installed: no comparison)"),
                "≥ 80 % of curl -F",
                Verdict::Info,
            )),
        }
    }

    // Start-up.
    {
        let asr = bin.join("asr");
        let mut times: Vec<f64> = Vec::new();
        for _ in 0..21 {
            let start = Instant::now();
            let status = Command::new(&asr)
                .arg("--version")
                .stdout(Stdio::null())
                .status()
                .context("running asr --version")?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            if !status.success() {
                bail!("asr --version failed: {status}");
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        rows.push(row(
            "`asr --version` (median of 21)",
            format!("{median:.1} ms"),
            "≤ 5 ms",
            check(median <= 5.0),
        ));
    }
    Ok(())
}

/// Uploads `path` with `curl -F`, using a fresh policy; `None` when curl is missing.
fn curl_upload(
    bin: &Path,
    base_url: &str,
    path: &Path,
    mib: u64,
    runs: usize,
) -> Result<Option<(f64, f64)>> {
    if Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        return Ok(None);
    }
    let mut measured_runs = Vec::new();
    for run in 0..runs.max(1) {
        let policy = get_json(
            &format!("{base_url}/api/v1/uploads?action=getPolicy&model=fun-asr"),
            Some("sk-bench"),
        )?;
        let data = &policy["data"];
        let field = |name: &str| data[name].as_str().unwrap_or_default().to_owned();
        let key = format!("{}/curl-bench-{run}.wav", field("upload_dir"));
        let forms = [
            format!("OSSAccessKeyId={}", field("oss_access_key_id")),
            format!("Signature={}", field("signature")),
            format!("policy={}", field("policy")),
            format!("key={key}"),
            format!("x-oss-object-acl={}", field("x_oss_object_acl")),
            format!("x-oss-forbid-overwrite={}", field("x_oss_forbid_overwrite")),
            "success_action_status=200".to_owned(),
            format!("file=@{}", path.display()),
        ];
        let mut cmd: Vec<String> = vec![
            "curl".into(),
            "-sS".into(),
            "--fail".into(),
            "-o".into(),
            "/dev/null".into(),
        ];
        for form in &forms {
            cmd.push("-F".into());
            cmd.push(form.clone());
        }
        cmd.push(field("upload_host"));
        let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let m = measured(bin, &refs)?;
        if m["status"] != json!(0) {
            bail!("curl -F upload failed with {}", m["status"]);
        }
        measured_runs.push(m);
    }
    let m = median_by(measured_runs, |m| m["wall_s"].as_f64().unwrap_or(f64::NAN));
    let secs = m["wall_s"].as_f64().unwrap_or(f64::NAN);
    Ok(Some((mib as f64 / secs, kib_to_mib(&m["max_rss_kib"]))))
}

/// The element with the median key (the upper median for an even count).
fn median_by<T>(mut items: Vec<T>, key: impl Fn(&T) -> f64) -> T {
    items.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let mid = items.len() / 2;
    items.swap_remove(mid)
}

fn kib_to_mib(v: &Value) -> f64 {
    v.as_u64().unwrap_or(0) as f64 / 1024.0
}

fn render(rows: &[Row], args: &Args) -> String {
    let mut out = String::new();
    out.push_str(&format!("Machine: {}\n\n", machine()));
    out.push_str("| benchmark | figure | target | met |\n|---|---|---|---|\n");
    for r in rows {
        let verdict = match r.verdict {
            Verdict::Met => "yes",
            Verdict::Missed => "**no**",
            Verdict::Info => "—",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {verdict} |\n",
            r.what, r.figure, r.target
        ));
    }
    if rows.is_empty() {
        out.push_str(&format!(
            "| (no figures: the run failed early; args {args:?}) | | | |\n"
        ));
    }
    out
}

/// CPU model, core count and kernel, for the README's "the machine they came from".
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {kernel}")
}
