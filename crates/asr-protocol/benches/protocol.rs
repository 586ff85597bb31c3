//! `cargo bench -p asr-protocol`: parsing, SSE decoding and a poller step, each beside a
//! `serde_json::from_slice::<serde_json::Value>` baseline on the same bytes.
//!
//! The result document is generated here (a 12-hour Fun-ASR transcript of ~130k words), so
//! the bench needs no fixture and measures the size that matters for long recordings.
//! Subtitle rendering lives in the `asr` binary, not a library; `cargo xtask bench` times it
//! end to end (`asr render --format srt`).

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;

use asr_protocol::endpoints::{fetch_result, get_task};
use asr_protocol::sse::SseDecoder;
use asr_protocol::{ApiKey, PollPolicy, RequestContext, Step, TaskPoller};

/// Words the generator draws from; lengths vary like English speech.
const WORDS: &[&str] = &[
    "the",
    "meeting",
    "starts",
    "with",
    "a",
    "short",
    "review",
    "of",
    "last",
    "quarter",
    "numbers",
    "and",
    "then",
    "we",
    "move",
    "on",
    "to",
    "planning",
    "for",
    "next",
    "year",
    "customers",
    "asked",
    "about",
    "pricing",
    "delivery",
    "schedule",
    "support",
    "team",
];

/// A Fun-ASR result document of `hours` of speech at ~3 words per second, 12 words a sentence.
fn funasr_document(hours: u64) -> Vec<u8> {
    let total_ms = hours * 3_600_000;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut sentences = Vec::new();
    let mut text_all = String::new();
    let mut t = 0u64;
    let mut id = 1u64;
    while t + 4_000 < total_ms {
        let begin = t;
        let mut words = Vec::with_capacity(12);
        let mut text = String::new();
        for i in 0..12 {
            let w = WORDS[(next() % WORDS.len() as u64) as usize];
            let dur = 200 + next() % 250;
            let punctuation = if i == 11 {
                "."
            } else if next() % 9 == 0 {
                ","
            } else {
                ""
            };
            let token = if i == 0 {
                w.to_owned()
            } else {
                format!(" {w}")
            };
            text.push_str(&token);
            text.push_str(punctuation);
            words.push(serde_json::json!({
                "begin_time": t, "end_time": t + dur, "text": token, "punctuation": punctuation,
            }));
            t += dur + 10;
        }
        text.push(' ');
        text_all.push_str(&text);
        sentences.push(serde_json::json!({
            "begin_time": begin, "end_time": t, "sentence_id": id, "text": text, "words": words,
        }));
        id += 1;
        t += 300;
    }
    let doc = serde_json::json!({
        "file_url": "https://example.com/twelve-hours.wav",
        "properties": {
            "audio_format": "pcm_s16le", "channels": [0],
            "original_duration_in_milliseconds": total_ms, "original_sampling_rate": 16000,
        },
        "transcripts": [{
            "channel_id": 0, "content_duration_in_milliseconds": t, "text": text_all,
            "sentences": sentences,
        }],
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// `n` native SSE events shaped like the Fun-ASR-Flash doc example.
fn sse_stream(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 1..=n {
        let begin = i * 3_000;
        out.push_str(&format!(
            "id:{i}\nevent:result\n:HTTP_STATUS/200\ndata:{{\"output\":{{\"sentence\":{{\"sentence_id\":{i},\
             \"sentence_end\":true,\"begin_time\":{begin},\"end_time\":{end},\"text\":\"Hello World, \
             this is a benchmark sentence.\",\"words\":[{{\"begin_time\":{begin},\"end_time\":{w},\
             \"text\":\"Hello\",\"punctuation\":\"\",\"fixed\":true}}]}}}},\"request_id\":\"r-{i}\"}}\n\n",
            end = begin + 2_800,
            w = begin + 300,
        ));
    }
    out.into_bytes()
}

fn running_body() -> Bytes {
    Bytes::from_static(
        br#"{"output":{"task_id":"7d0a58a3-1dbe-4de9-8cff-5f48213128b0","task_status":"RUNNING","submit_time":"2024-09-12 15:11:40.041","scheduled_time":"2024-09-12 15:11:40.071","task_metrics":{"TOTAL":100,"SUCCEEDED":40,"FAILED":0}},"request_id":"0b1c0a4c-2f0f-9c55-a1b1-5f6b6f1c2d3e"}"#,
    )
}

fn ok(body: Bytes) -> http::Response<Bytes> {
    let mut response = http::Response::new(body);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

fn result_document(c: &mut Criterion) {
    let doc = Bytes::from(funasr_document(12));
    let mut group = c.benchmark_group("result_document_12h");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("serde_json_value_baseline", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(&doc)).ok()))
    });
    group.bench_function("fetch_result_parse", |b| {
        b.iter(|| black_box(fetch_result::parse(ok(doc.clone())).is_ok()))
    });
    group.finish();
}

fn sse(c: &mut Criterion) {
    let stream = sse_stream(10_000);
    let mut group = c.benchmark_group("sse_10k_events");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("decoder_4k_chunks", |b| {
        b.iter(|| {
            let mut decoder = SseDecoder::new();
            let mut events = 0usize;
            for chunk in stream.chunks(4096) {
                decoder.push(chunk);
                while let Some(event) = decoder.next_event() {
                    events += usize::from(event.is_ok());
                }
            }
            black_box(events)
        })
    });
    // Baseline: the JSON payloads alone, parsed as values (what any SSE consumer must do).
    let payloads: Vec<&[u8]> = stream
        .split(|b| *b == b'\n')
        .filter_map(|line| line.strip_prefix(b"data:"))
        .collect();
    group.bench_function("serde_json_value_baseline_payloads", |b| {
        b.iter(|| {
            let parsed = payloads
                .iter()
                .filter(|p| serde_json::from_slice::<Value>(p).is_ok())
                .count();
            black_box(parsed)
        })
    });
    group.finish();
}

fn poller(c: &mut Criterion) {
    let ctx = RequestContext::with_base_urls(
        "https://dashscope.aliyuncs.com/api/v1",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ApiKey::new("sk-bench"),
    )
    .ok();
    let Some(ctx) = ctx else { return };
    let body = running_body();
    let mut group = c.benchmark_group("poll_step");
    group.throughput(Throughput::Elements(1));
    group.bench_function("serde_json_value_baseline", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(&body)).ok()))
    });
    group.bench_function("get_task_parse", |b| {
        b.iter(|| black_box(get_task::parse(ok(body.clone())).is_ok()))
    });
    // One poll: the poller emits the GET, takes the RUNNING answer and schedules the next.
    let start = Instant::now();
    group.bench_function("send_handle_wait", |b| {
        b.iter_batched(
            || {
                let id = "7d0a58a3-1dbe-4de9-8cff-5f48213128b0";
                (
                    TaskPoller::new(id.into(), &ctx, PollPolicy::default(), start),
                    ok(body.clone()),
                )
            },
            |(mut poller, response)| {
                let sent = matches!(poller.step(start), Step::Send(_));
                poller.handle_response(start, response);
                let waits = matches!(poller.step(start), Step::WaitUntil(_));
                black_box(sent && waits)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, result_document, sse, poller);
criterion_main!(benches);
