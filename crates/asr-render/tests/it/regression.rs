//! Issue 13's measurement, kept as a regression test: 120 generated English sentences of 6 to
//! 60 words at the default limits (42 columns, 2 lines, 7 s). The CLI's old splitter only
//! checked that a cue held at most 2 × 42 characters, and its line wrapper then fell back to
//! greedy chunks: on this document it wrote 82 three-line cues out of 396.

use asr_render::{Format, Json, Options};

use crate::long_document::{Shape, english};

/// The document: deterministic, one speaker, words of 250–450 ms, commas now and then.
pub fn english_document() -> Vec<u8> {
    let shape = Shape {
        seed: 0x9e37_79b9_7f4a_7c15,
        sentences: Some(120),
        until_ms: u64::MAX,
        words: (6, 55),
        word_ms: (250, 200),
        word_gap: 20,
        sentence_gap: 600,
        comma_one_in: 8,
        speakers: false,
    };
    serde_json::to_vec(&english(&shape).0).unwrap()
}

#[test]
fn long_english_sentences_never_give_three_line_cues() {
    let raw = english_document();
    let out = asr_render::render(&Json(&raw), &[Format::Srt], &Options::default()).unwrap();
    let srt = String::from_utf8(out[0].bytes.clone()).unwrap();
    let cues: Vec<Vec<&str>> = srt
        .split("\n\n")
        .filter(|b| !b.is_empty())
        .map(|b| b.lines().skip(2).collect())
        .collect();
    assert!(cues.len() > 396, "{} cues", cues.len());
    for cue in &cues {
        assert!((1..=2).contains(&cue.len()), "{cue:?}");
        for line in cue {
            assert!(line.chars().count() <= 42, "{cue:?}");
        }
    }
}
