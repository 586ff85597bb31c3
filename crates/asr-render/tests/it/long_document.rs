//! Long generated English documents: the regression test's 120 sentences and the benchmark's
//! 12 hours (deterministic; `benches/render.rs` includes this file).

use serde_json::{Value, json};

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
    "everyone",
    "agreed",
    "that",
    "internationalization",
    "requires",
    "careful",
    "attention",
];

/// What to generate.
pub struct Shape {
    /// Seed of the xorshift generator.
    pub seed: u64,
    /// This many sentences, or (when `None`) sentences until `until_ms`.
    pub sentences: Option<usize>,
    /// Stop before this time, ms.
    pub until_ms: u64,
    /// Words per sentence: `min + next() % spread`.
    pub words: (usize, u64),
    /// Word duration: `min + next() % spread`, ms.
    pub word_ms: (u64, u64),
    /// Silence after each word, ms.
    pub word_gap: u64,
    /// Silence after each sentence, ms.
    pub sentence_gap: u64,
    /// One word in this many ends a clause with a comma.
    pub comma_one_in: u64,
    /// Alternate two speakers.
    pub speakers: bool,
}

/// The Fun-ASR result document of `shape`, and its number of words.
pub fn english(shape: &Shape) -> (Value, usize) {
    let mut seed = shape.seed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut t, mut count) = (0u64, 0usize);
    let mut sentences = Vec::new();
    let mut all = String::new();
    loop {
        let done = match shape.sentences {
            Some(n) => sentences.len() == n,
            None => t + 10_000 >= shape.until_ms,
        };
        if done {
            break;
        }
        let n = shape.words.0 + (next() % shape.words.1) as usize;
        count += n;
        let begin = t;
        let mut words = Vec::with_capacity(n);
        let mut text = String::new();
        for i in 0..n {
            let word = WORDS[(next() % WORDS.len() as u64) as usize];
            let dur = shape.word_ms.0 + next() % shape.word_ms.1;
            let punctuation = if i + 1 == n {
                "."
            } else if next() % shape.comma_one_in == 0 {
                ","
            } else {
                ""
            };
            let token = if i == 0 {
                word.to_owned()
            } else {
                format!(" {word}")
            };
            text.push_str(&token);
            text.push_str(punctuation);
            words.push(json!({"begin_time": t, "end_time": t + dur, "text": token,
                "punctuation": punctuation}));
            t += dur + shape.word_gap;
        }
        let id = sentences.len() as u64 + 1;
        let mut sentence = json!({"sentence_id": id, "begin_time": begin, "end_time": t,
            "text": text, "words": words});
        if shape.speakers {
            sentence["speaker_id"] = json!(id % 2);
        }
        all.push_str(&text);
        sentences.push(sentence);
        t += shape.sentence_gap;
    }
    let doc = json!({
        "file_url": "https://example.com/long.wav",
        "properties": {"audio_format": "pcm_s16le", "channels": [0],
            "original_duration_in_milliseconds": t, "original_sampling_rate": 16000},
        "transcripts": [{"channel_id": 0, "content_duration_in_milliseconds": t,
            "text": all, "sentences": sentences}],
    });
    (doc, count)
}
