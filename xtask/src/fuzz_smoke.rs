//! The fuzz targets on the stable toolchain: every response parser and the SSE decoder get a
//! few thousand seeded pseudo-random and mutated-fixture inputs, and none may panic.
//!
//! The inputs are deterministic (a fixed seed), so a failure reproduces; the panic message
//! carries the input in hex. Coverage-guided fuzzing with `cargo fuzz` is in `fuzz/README.md`.

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// xorshift64*: a few lines of seeded randomness, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that steer mutations toward interesting JSON and SSE shapes.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\xff\xfe",
    b"\r\n",
    b"\n\n",
    b"data:",
    b"event:error\n",
    b":HTTP_STATUS/500\n",
    b"status:429\n",
    b"id:",
    b"retry:x\n",
    b"[DONE]",
    b"\"task_status\":\"RUNNING\"",
    b"\"code\":\"Throttling\"",
    b"\"output\":{}",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !out.is_empty() => {
                let at = rng.below(out.len());
                out[at] ^= 1 << rng.below(8);
            }
            1 => out.truncate(rng.below(out.len() + 1)),
            2 => {
                let at = rng.below(out.len() + 1);
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            3 if !out.is_empty() => {
                let from = rng.below(out.len());
                let to = (from + rng.below(64)).min(out.len());
                let copy = out[from..to].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, copy);
            }
            4 if !out.is_empty() => {
                let from = rng.below(out.len());
                let to = (from + rng.below(16)).min(out.len());
                out.drain(from..to);
            }
            _ => {
                let at = rng.below(out.len() + 1);
                out.insert(at, rng.next() as u8);
            }
        }
    }
    out
}

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(300);
    (0..len).map(|_| rng.next() as u8).collect()
}

/// Status bytes (little-endian, mapped by `targets::response` to 100–599) for a real status.
fn status_prefix(status: u16, content_type: u8) -> Vec<u8> {
    let seed = status.saturating_sub(100);
    let [a, b] = seed.to_le_bytes();
    vec![a, b, content_type]
}

/// `(prefix + body)` seeds from every recorded exchange, and every `.sse` stream.
fn seeds() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let root = crate::project_root().join("fixtures");
    let mut responses = Vec::new();
    let mut streams = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sse") {
                streams.push(std::fs::read(&path).expect("sse fixture"));
            } else if path.extension().is_some_and(|e| e == "json")
                && let Some(seed) = response_seed(&path)
            {
                responses.push(seed);
            }
        }
    }
    responses.sort();
    streams.sort();
    (responses, streams)
}

fn response_seed(path: &Path) -> Option<Vec<u8>> {
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let response = value.get("response")?;
    let status = u16::try_from(response["status"].as_u64()?).ok()?;
    let body = match &response["body"] {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::String(s) => s.clone().into_bytes(),
        body => serde_json::to_vec(body).ok()?,
    };
    let mut seed = status_prefix(status, 0);
    seed.extend(body);
    Some(seed)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn no_panic(what: &str, input: &[u8], f: fn(&[u8])) {
    if catch_unwind(AssertUnwindSafe(|| f(input))).is_err() {
        panic!("{what} panicked on input (hex) {}", hex(input));
    }
}

#[test]
fn response_parsers_survive_random_and_mutated_input() {
    let (seeds, _) = seeds();
    assert!(
        seeds.len() >= 30,
        "expected the exchange fixtures as seeds, found {}",
        seeds.len()
    );
    let mut rng = Rng(0x0005_eed0_fda5_c0fe);
    for _ in 0..2000 {
        no_panic(
            "response_parsers",
            &random_bytes(&mut rng),
            targets::responses,
        );
    }
    for round in 0..3000 {
        let seed = &seeds[round % seeds.len()];
        let mut input = mutate(&mut rng, seed);
        if round % 3 == 0 && input.len() >= 3 {
            // Same body, another status and content type.
            input[..3].copy_from_slice(&[rng.next() as u8, rng.next() as u8, rng.next() as u8]);
        }
        no_panic("response_parsers", &input, targets::responses);
    }
}

#[test]
fn sse_decoder_survives_random_and_mutated_streams() {
    let (_, streams) = seeds();
    assert!(!streams.is_empty(), "expected the .sse fixtures as seeds");
    let mut rng = Rng(0x0055_eded_c0de);
    for stream in &streams {
        for chunk in [0u8, 1, 7, 63] {
            let mut input = vec![chunk];
            input.extend_from_slice(stream);
            no_panic("sse_decoder", &input, targets::sse);
        }
    }
    for _ in 0..1500 {
        no_panic("sse_decoder", &random_bytes(&mut rng), targets::sse);
    }
    for round in 0..3000 {
        let mut input = vec![rng.next() as u8];
        input.extend(mutate(&mut rng, &streams[round % streams.len()]));
        no_panic("sse_decoder", &input, targets::sse);
    }
}

#[test]
fn the_input_decoder_reaches_statuses_and_content_types() {
    // Guards the harness: every status class and the SSE content type must be reachable.
    let ok = targets::response(&status_prefix(200, 0));
    assert_eq!(ok.status(), 200);
    let throttled = targets::response(&status_prefix(429, 1));
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["content-type"], "text/event-stream");
    assert_eq!(
        targets::response(&[]).status(),
        300,
        "empty input still decodes"
    );
}
