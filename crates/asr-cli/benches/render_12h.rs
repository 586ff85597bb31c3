//! How long `asr render` takes on a 12-hour, diarized transcript with word times, in every
//! format: the target is well under a second. Run with `cargo bench -p asr-cli`; it prints the
//! best of five runs and asserts nothing (timing belongs here, not in tests).

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

/// A Fun-ASR-shaped document: one sentence every 4 s for 12 hours, ten words each, two
/// speakers taking turns.
fn twelve_hours() -> String {
    let mut sentences = String::new();
    let mut text = String::new();
    let total_ms: u64 = 12 * 3600 * 1000;
    let mut start = 0u64;
    let mut id = 1u64;
    while start < total_ms {
        let mut words = String::new();
        let mut sentence = String::new();
        for w in 0..10u64 {
            let b = start + w * 350;
            let word = format!("word{}", (id * 7 + w) % 1000);
            let _ = write!(
                words,
                r#"{}{{"begin_time":{b},"end_time":{},"text":"{}{word}","punctuation":"{}"}}"#,
                if w == 0 { "" } else { "," },
                b + 350,
                if w == 0 { "" } else { " " },
                if w == 9 { "." } else { "" }
            );
            let _ = write!(sentence, "{}{word}", if w == 0 { "" } else { " " });
        }
        sentence.push('.');
        let _ = write!(
            sentences,
            r#"{}{{"begin_time":{start},"end_time":{},"text":"{sentence}","sentence_id":{id},"speaker_id":{},"words":[{words}]}}"#,
            if id == 1 { "" } else { "," },
            start + 3500,
            (id / 3) % 2
        );
        text.push_str(&sentence);
        text.push(' ');
        start += 4000;
        id += 1;
    }
    format!(
        r#"{{"file_url":"https://example.com/day.wav","properties":{{"audio_format":"pcm_s16le","channels":[0],"original_sampling_rate":16000,"original_duration_in_milliseconds":{total_ms}}},"transcripts":[{{"channel_id":0,"content_duration_in_milliseconds":{total_ms},"text":"{text}","sentences":[{sentences}]}}]}}"#
    )
}

fn main() {
    let dir = std::env::temp_dir().join(format!("asr-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let doc = dir.join("day.json");
    std::fs::write(&doc, twelve_hours()).expect("write the document");
    let size = std::fs::metadata(&doc).map_or(0, |m| m.len());
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_asr"))
            .args(["-q", "render"])
            .arg(&doc)
            .args(["-f", "txt,srt,vtt,tsv,json", "-o"])
            .arg(dir.join("out"))
            .status()
            .expect("run asr");
        assert!(status.success(), "asr render failed");
        best = best.min(start.elapsed());
    }
    println!(
        "asr render, 12 h transcript ({:.1} MB), 5 formats: best of 5 = {:.0} ms (process included)",
        size as f64 / 1e6,
        best.as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}
