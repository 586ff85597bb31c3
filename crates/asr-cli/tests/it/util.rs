//! Shared helpers: a temp dir, running the binary hermetically, reading fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("asr-cli-it-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `asr` binary with no `DASHSCOPE_*` variables, no CI progress switches and a `HOME`
/// without `~/.dashscope/api_key`, so the machine's own settings never leak into a test.
pub fn asr(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asr"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("DASHSCOPE_") || key == "ASR_LOG" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home).env("NO_COLOR", "1");
    cmd
}

/// Run and capture.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run asr")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// The workspace's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The result documents among the recorded exchanges: (case name, body bytes).
pub fn result_documents() -> Vec<(String, Vec<u8>)> {
    let dir = fixtures().join("exchanges/fetch_result");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    let docs: Vec<_> = entries
        .into_iter()
        .map(|p| {
            let exchange: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            let body = serde_json::to_vec_pretty(&exchange["response"]["body"]).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), body)
        })
        .collect();
    assert!(
        docs.len() >= 3,
        "expected the fetch_result fixtures (Fun-ASR, diarized, Qwen) in {}",
        dir.display()
    );
    docs
}

/// An in-process emulator on 127.0.0.1 that outlives several runs of the binary, with its
/// request log at hand.
pub struct Emu {
    handle: Option<asr_emulator::EmulatorHandle>,
    rt: tokio::runtime::Runtime,
}

impl Emu {
    pub fn start(config: asr_emulator::EmulatorConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt
            .block_on(asr_emulator::Emulator::start(config))
            .expect("start the emulator");
        Self {
            handle: Some(handle),
            rt,
        }
    }

    /// A quick emulator: tasks finish in 200 ms.
    pub fn quick() -> Self {
        Self::start(
            asr_emulator::EmulatorConfig::new()
                .with_processing_time(std::time::Duration::from_millis(200)),
        )
    }

    fn handle(&self) -> &asr_emulator::EmulatorHandle {
        self.handle.as_ref().unwrap()
    }

    pub fn native_base(&self) -> String {
        self.handle().native_base()
    }

    /// `asr` pointed at this emulator with a test key.
    pub fn asr(&self, home: &Path) -> Command {
        let mut cmd = asr(home);
        cmd.args(["--base-url", &self.native_base(), "--api-key", "sk-test"]);
        cmd
    }

    pub fn requests(&self) -> serde_json::Value {
        self.handle().requests()
    }

    /// Replace the fault rules, e.g. to let a resumed run through.
    pub fn set_faults(&self, faults: asr_emulator::FaultConfig) {
        self.handle().set_faults(faults);
    }

    /// Every submit request that reached the emulator, refused or not.
    pub fn submit_requests(&self) -> u64 {
        self.handle().count(asr_emulator::Endpoint::Submit)
    }

    /// The file URLs of every accepted submit, one list per task.
    pub fn submitted_urls(&self) -> Vec<Vec<String>> {
        self.accepted_submits()
            .iter()
            .map(|body| {
                let v: serde_json::Value = serde_json::from_str(body).unwrap();
                match (&v["input"]["file_urls"], &v["input"]["file_url"]) {
                    (serde_json::Value::Array(urls), _) => urls
                        .iter()
                        .map(|u| u.as_str().unwrap().to_owned())
                        .collect(),
                    (_, url) => vec![url.as_str().unwrap().to_owned()],
                }
            })
            .collect()
    }

    /// Submits that created a task (answered 200, or processed with the answer then lost),
    /// with their request bodies as text.
    pub fn accepted_submits(&self) -> Vec<String> {
        self.requests()["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["endpoint"] == "submit" && (r["status"] == 200 || r["fault"] == "lose_response")
            })
            .map(|r| match &r["body"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.rt.block_on(handle.shutdown());
        }
    }
}

/// A small 16 kHz mono WAV whose samples depend on `seed`, so every file is distinct.
pub fn write_wav(path: &Path, seed: u32, millis: u32) {
    let samples = 16 * millis;
    let data_len = samples * 2;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&16_000u32.to_le_bytes());
    bytes.extend_from_slice(&32_000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    for _ in 0..samples {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.extend_from_slice(&((x & 0x0fff) as i16 - 0x0800).to_le_bytes());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

/// Wait until `cond` holds, checking every 20 ms, for at most `limit`; false if it never did.
/// This waits for a state, it does not time anything.
pub fn wait_for(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    cond()
}

/// The body of a plain `GET` of an `http://` URL on loopback, read straight off the socket:
/// the bytes as the server sent them, with no HTTP client in between.
pub fn raw_get(url: &str) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..head_end]);
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{head}"
    );
    response[head_end + 4..].to_vec()
}
