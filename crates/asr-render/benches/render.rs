//! `cargo bench -p asr-render`: a generated 12-hour Fun-ASR result rendered to SRT, beside
//! the baselines the issue sets on the same bytes, in one run:
//!
//! - `serde_json::from_slice::<Value>` (target: asr-render takes at most 1.0× its time);
//! - Python's `json.load` and a loop writing one SRT cue per sentence (at most 0.25×);
//! - peak RSS of a child process rendering the file from a reader (at most 1.5× the file).
//!
//! Times are the median of 5 runs after one warm-up; the Python figure is measured inside
//! Python, so interpreter start-up is left out. Without `python3` on the path its row says so.

use std::hint::black_box;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use asr_render::{Format, Json, Options};
use serde_json::Value;

const RUNS: usize = 5;

#[path = "../tests/it/long_document.rs"]
mod long_document;

/// 12 hours of speech, ~2.6 words per second in sentences of 6 to 20 words, with word
/// timings and two speakers, indented by four spaces: ~111,000 words in ~30 MB, the issue's
/// document. Also its number of words.
fn document() -> (Vec<u8>, usize) {
    let shape = long_document::Shape {
        seed: 0x2545_f491_4f6c_dd1d,
        sentences: None,
        until_ms: 12 * 3_600_000,
        words: (6, 15),
        word_ms: (180, 240),
        word_gap: 10,
        sentence_gap: 1000,
        comma_one_in: 9,
        speakers: true,
    };
    let (doc, words) = long_document::english(&shape);
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&doc, &mut ser).expect("a generated document");
    out.push(b'\n');
    (out, words)
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let _warm_up = f();
    let mut runs: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    runs.sort();
    runs[RUNS / 2]
}

fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

const PYTHON: &str = r#"
import json, sys, time
def ts(ms):
    h, ms = divmod(ms, 3600000); m, ms = divmod(ms, 60000); s, ms = divmod(ms, 1000)
    return "%02d:%02d:%02d,%03d" % (h, m, s, ms)
runs = []
for _ in range(6):
    start = time.perf_counter()
    with open(sys.argv[1], "rb") as f:
        doc = json.load(f)
    out = []
    n = 0
    for channel in doc["transcripts"]:
        for s in channel["sentences"]:
            n += 1
            text = "".join(w["text"] + w["punctuation"] for w in s.get("words", [])).strip()
            out.append("%d\n%s --> %s\n%s\n" % (n, ts(s["begin_time"]), ts(s["end_time"]), text))
    srt = "\n".join(out)
    runs.append(time.perf_counter() - start)
runs = sorted(runs[1:])
print(runs[len(runs) // 2])
"#;

fn python(path: &Path) -> Option<Duration> {
    let out = Command::new("python3")
        .args(["-c", PYTHON])
        .arg(path)
        .output()
        .ok()?;
    let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some(Duration::from_secs_f64(secs))
}

/// `VmHWM` of this process, KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The child: render the file from a reader, print the peak RSS before and after.
fn child(path: &str) {
    let before = peak_rss_kib().unwrap_or(0);
    let out = if std::env::var_os("ASR_RENDER_BENCH_WHOLE").is_some() {
        let bytes = std::fs::read(path).expect("the benchmark document");
        asr_render::render(&Json(&bytes), &[Format::Srt], &Options::default())
    } else {
        let file = std::fs::File::open(path).expect("the benchmark document");
        let reader = std::io::BufReader::with_capacity(64 * 1024, file);
        asr_render::render_reader(reader, &[Format::Srt], &Options::default())
    }
    .expect("a rendered document");
    black_box(&out);
    let after = peak_rss_kib().unwrap_or(0);
    println!("{before} {after} {}", out[0].bytes.len());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if let Ok(path) = std::env::var("ASR_RENDER_BENCH_CHILD") {
        return child(&path);
    }
    // `cargo bench` passes `--bench`; a filter that is not ours means another target's run.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"render".contains(&a))
    {
        return;
    }
    let (doc, words) = document();
    let dir = std::env::temp_dir().join(format!("asr-render-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join("long-result.json");
    std::fs::write(&path, &doc).expect("the benchmark document");
    let mib = doc.len() as f64 / (1024.0 * 1024.0);

    let options = Options::default();
    let srt = median(|| timed(|| asr_render::render(&Json(&doc), &[Format::Srt], &options)));
    let srt_reader = median(|| {
        timed(|| {
            let file = std::fs::File::open(&path).expect("the benchmark document");
            let reader = std::io::BufReader::with_capacity(64 * 1024, file);
            asr_render::render_reader(reader, &[Format::Srt], &options)
        })
    });
    let value = median(|| timed(|| serde_json::from_slice::<Value>(&doc)));
    let all = median(|| timed(|| asr_render::render(&Json(&doc), &Format::ALL, &options)));
    let py = python(&path);

    let exe = std::env::current_exe().expect("the benchmark binary");
    let rss = Command::new(exe)
        .env("ASR_RENDER_BENCH_CHILD", &path)
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let v: Vec<u64> = text
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            (v.len() == 3).then(|| (v[0], v[1]))
        });
    let _ = std::fs::remove_dir_all(&dir);

    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "12-hour result: {mib:.1} MiB, {words} words with times, 1 channel, 2 speakers\n"
    );
    let _ = writeln!(out, "| what | figure | target |");
    let _ = writeln!(out, "|---|---|---|");
    let _ = writeln!(
        out,
        "| asr-render → SRT, from the bytes | {:.0} ms | |",
        ms(srt)
    );
    let _ = writeln!(
        out,
        "| asr-render → SRT, from a file (reader) | {:.0} ms | |",
        ms(srt_reader)
    );
    let _ = writeln!(
        out,
        "| serde_json bytes → `Value` | {:.0} ms (render: {:.2}×) | ≤ 1.0× |",
        ms(value),
        ms(srt) / ms(value)
    );
    match py {
        Some(py) => {
            let _ = writeln!(
                out,
                "| Python `json.load` + loop → SRT | {:.0} ms (render: {:.2}×) | ≤ 0.25× |",
                ms(py),
                ms(srt) / ms(py)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "| Python `json.load` + loop → SRT | python3 not found | |"
            );
        }
    }
    let _ = writeln!(
        out,
        "| asr-render → all five formats | {:.0} ms | |",
        ms(all)
    );
    match rss {
        Some((before, after)) => {
            let _ = writeln!(
                out,
                "| peak RSS, render from a file | {:.1} MiB ({:.2}× the file; {:.1} MiB before reading) | ≤ 1.5× |",
                after as f64 / 1024.0,
                after as f64 / 1024.0 / mib,
                before as f64 / 1024.0
            );
        }
        None => {
            let _ = writeln!(out, "| peak RSS | not measured (no /proc) | |");
        }
    }
}
