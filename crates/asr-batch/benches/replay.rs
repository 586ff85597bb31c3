//! Replaying a 100,000-input journal (issue 12's resume target: ≤ 1 s and ≤ 128 MiB in
//! release). `cargo bench -p asr-batch --bench replay` prints one JSON line:
//! `{"inputs":…,"bytes":…,"replay_s":…,"peak_rss_mib":…}` (peak RSS from `/proc` on Linux,
//! `null` elsewhere; it includes the journal text itself).

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use asr_batch::InputKey;
use asr_batch::journal::{self, Event, Record};

const INPUTS: usize = 100_000;
const PER_TASK: usize = 100;

fn main() {
    let options = asr_batch::Job::new(asr_types::Model::FUN_ASR).options_id();
    let mut text = journal::header_line(1_767_000_000);
    for i in 0..INPUTS {
        let url = format!("https://media.example.com/archive/2026/12/recording-{i:06}.wav");
        let key = InputKey::from_parts(url.clone(), Some(options));
        let task = format!("{:08x}-1c2d-4e5f-8a9b-{:012x}", i / PER_TASK, i / PER_TASK);
        let group = format!("1767000000-4242-{}-0", i / PER_TASK * PER_TASK);
        for event in [
            Event::Submitting {
                url: url.clone(),
                group: Some(group),
            },
            Event::Submitted {
                task_id: task.as_str().into(),
            },
            Event::Done {
                outputs: vec![
                    format!("recording-{i:06}.txt"),
                    format!("recording-{i:06}.srt"),
                ],
                formats: vec!["txt".into(), "srt".into()],
            },
        ] {
            Record::input(key.clone(), 1_767_000_000 + i as u64, event).encode(&mut text);
        }
        if i % PER_TASK == PER_TASK - 1 {
            Record::TaskFinished {
                task_id: task.as_str().into(),
                at: 1_767_000_100,
                billed_seconds: Some(6_000),
            }
            .encode(&mut text);
        }
    }
    let mut best = f64::INFINITY;
    let mut inputs = 0;
    for _ in 0..3 {
        let start = Instant::now();
        let replay = journal::replay(&text).unwrap();
        best = best.min(start.elapsed().as_secs_f64());
        inputs = replay.inputs.len();
        drop(replay);
    }
    assert_eq!(inputs, INPUTS);
    println!(
        "{{\"inputs\":{inputs},\"bytes\":{},\"replay_s\":{best:.3},\"peak_rss_mib\":{}}}",
        text.len(),
        peak_rss_mib().map_or("null".to_owned(), |m| format!("{m:.1}"))
    );
}

/// The process's peak resident set (`VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
