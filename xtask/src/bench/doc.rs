//! A long Fun-ASR result document, generated: the render benchmark's input.

use serde_json::json;

/// Words drawn from; their lengths vary like English speech.
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

/// Words per sentence.
pub const SENTENCE_WORDS: usize = 12;

/// `hours` of speech at ~3 words per second in sentences of [`SENTENCE_WORDS`] words, with
/// word timings, as the service's `transcription_url` document (deterministic).
pub fn funasr_document(hours: u64) -> Vec<u8> {
    let total_ms = hours * 3_600_000;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut sentences = Vec::new();
    let mut all_text = String::new();
    let (mut t, mut id) = (0u64, 1u64);
    while t + 4_000 < total_ms {
        let begin = t;
        let mut words = Vec::with_capacity(SENTENCE_WORDS);
        let mut text = String::new();
        for i in 0..SENTENCE_WORDS {
            let word = WORDS[(next() % WORDS.len() as u64) as usize];
            let dur = 200 + next() % 250;
            let punctuation = if i + 1 == SENTENCE_WORDS {
                "."
            } else if next() % 9 == 0 {
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
            words.push(json!({
                "begin_time": t, "end_time": t + dur, "punctuation": punctuation, "text": token,
            }));
            t += dur + 10;
        }
        text.push(' ');
        all_text.push_str(&text);
        sentences.push(json!({
            "begin_time": begin, "end_time": t, "sentence_id": id, "text": text, "words": words,
        }));
        id += 1;
        t += 300;
    }
    let doc = json!({
        "file_url": "https://example.com/long-recording.wav",
        "properties": {
            "audio_format": "pcm_s16le",
            "channels": [0],
            "original_duration_in_milliseconds": total_ms,
            "original_sampling_rate": 16000,
        },
        "transcripts": [{
            "channel_id": 0,
            "content_duration_in_milliseconds": t,
            "sentences": sentences,
            "text": all_text,
        }],
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}
