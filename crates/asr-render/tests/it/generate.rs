//! Generated result documents: English, CJK without spaces and mixed scripts, with words of
//! every width, punctuation of every strength, and word times that are zero-length,
//! overlapping, unsorted, missing or outside their sentence.

use proptest::prelude::*;
use serde_json::{Value, json};

/// A generated word.
#[derive(Clone, Debug)]
pub struct Word {
    pub text: String,
    pub punctuation: String,
    pub begin: Option<u64>,
    pub end: Option<u64>,
}

/// A generated sentence.
#[derive(Clone, Debug)]
pub struct Sentence {
    pub begin: u64,
    pub end: u64,
    pub speaker: Option<u64>,
    pub text: String,
    pub words: Option<Vec<Word>>,
}

/// A generated document: channels of sentences.
#[derive(Clone, Debug)]
pub struct Doc {
    pub channels: Vec<(u32, Vec<Sentence>)>,
}

impl Doc {
    /// The document as the service would send it (a missing word time is left out, as a
    /// saved recognition leaves it out).
    pub fn to_json(&self) -> Vec<u8> {
        let transcripts: Vec<Value> = self
            .channels
            .iter()
            .map(|(id, sentences)| {
                let sentences: Vec<Value> = sentences
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let mut v = json!({
                            "sentence_id": i + 1,
                            "begin_time": s.begin,
                            "end_time": s.end,
                            "text": s.text,
                        });
                        if let Some(speaker) = s.speaker {
                            v["speaker_id"] = json!(speaker);
                        }
                        if let Some(words) = &s.words {
                            v["words"] = words
                                .iter()
                                .map(|w| {
                                    let mut o =
                                        json!({"text": w.text, "punctuation": w.punctuation});
                                    if let Some(b) = w.begin {
                                        o["begin_time"] = json!(b);
                                    }
                                    if let Some(e) = w.end {
                                        o["end_time"] = json!(e);
                                    }
                                    o
                                })
                                .collect();
                        }
                        v
                    })
                    .collect();
                json!({"channel_id": id, "text": "", "sentences": sentences})
            })
            .collect();
        serde_json::to_vec(&json!({"properties": {}, "transcripts": transcripts})).unwrap()
    }
}

const ENGLISH: &[&str] = &[
    "a",
    "I",
    "to",
    "the",
    "and",
    "of",
    "we",
    "meeting",
    "customer",
    "schedule",
    "planning",
    "tomorrow",
    "quarterly",
    "internationalization",
    "responsibility",
    "yes",
    "okay",
    "so",
    "well",
    "delivery",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "don't",
    "3.5",
    "well-known",
    "e-mail",
    "Zürich",
    "café",
];

#[derive(Clone, Copy, Debug)]
enum Script {
    English,
    Cjk,
    Mixed,
}

fn latin_word() -> BoxedStrategy<String> {
    prop_oneof![
        8 => prop::sample::select(ENGLISH).prop_map(str::to_owned),
        1 => prop::collection::vec(prop::char::range('a', 'z'), 1..50)
            .prop_map(|v| v.into_iter().collect()),
    ]
    .boxed()
}

fn cjk_char() -> BoxedStrategy<char> {
    prop_oneof![
        6 => prop::char::range('\u{4e00}', '\u{4e40}'),
        1 => prop::char::range('\u{3042}', '\u{3093}'),
    ]
    .boxed()
}

fn cjk_word() -> BoxedStrategy<String> {
    prop_oneof![
        8 => prop::collection::vec(cjk_char(), 1..=4).prop_map(|v| v.into_iter().collect()),
        1 => prop::collection::vec(cjk_char(), 15..=30).prop_map(|v| v.into_iter().collect()),
    ]
    .boxed()
}

fn punctuation(script: Script) -> BoxedStrategy<&'static str> {
    let latin = prop_oneof![
        12 => Just(""),
        2 => Just(","),
        2 => Just("."),
        1 => Just("?"),
        1 => Just("!"),
        1 => Just(";"),
        1 => Just(", "),
        1 => Just(".\""),
    ];
    let cjk = prop_oneof![
        12 => Just(""),
        2 => Just("，"),
        2 => Just("。"),
        1 => Just("、"),
        1 => Just("？"),
    ];
    match script {
        Script::English => latin.boxed(),
        Script::Cjk => cjk.boxed(),
        Script::Mixed => prop_oneof![latin, cjk].boxed(),
    }
}

/// How word times go wrong.
#[derive(Clone, Copy, Debug)]
pub enum Times {
    /// Increasing, at least 1 ms each, inside the sentence.
    Clean,
    /// Anything: zero-length, overlapping, unsorted, missing, outside the sentence.
    Messy,
}

/// One word's raw material: text, punctuation, duration, gap after, jitter, missing.
fn word(script: Script) -> BoxedStrategy<(String, &'static str, u64, u64, i64, bool)> {
    let text = match script {
        Script::English => latin_word(),
        Script::Cjk => cjk_word(),
        Script::Mixed => prop_oneof![latin_word(), cjk_word()].boxed(),
    };
    (
        text,
        punctuation(script),
        0u64..1500,
        0u64..400,
        -2000i64..2000,
        prop::bool::weighted(0.1),
    )
        .boxed()
}

fn sentence(times: Times) -> BoxedStrategy<Sentence> {
    let script = prop_oneof![
        Just(Script::English),
        Just(Script::Cjk),
        Just(Script::Mixed)
    ];
    (script, 0u32..3, 0u8..10, 0u8..10, prop::option::of(0u64..3))
        .prop_flat_map(move |(script, spacing, text_mode, span_mode, speaker)| {
            (
                prop::collection::vec(word(script), 0..40),
                Just((script, spacing, text_mode, span_mode, speaker)),
                any::<prop::sample::Index>(),
                any::<u64>(),
            )
        })
        .prop_map(
            move |(raw, (_, spacing, text_mode, span_mode, speaker), idx, seed)| {
                let clean = matches!(times, Times::Clean);
                let mut t = 0u64;
                let mut words = Vec::new();
                for (i, (text, punct, dur, gap, jitter, missing)) in raw.into_iter().enumerate() {
                    let latin = !is_cjk(&text);
                    // Fun-ASR puts a leading space before English words, Paraformer a trailing one;
                    // CJK words carry none.
                    let text = match (latin, spacing) {
                        (true, 0) if i > 0 => format!(" {text}"),
                        (true, 1) => format!("{text} "),
                        _ => text,
                    };
                    let (dur, jitter) = if clean {
                        (dur.max(1), 0)
                    } else {
                        (dur, jitter)
                    };
                    let begin = t.saturating_add_signed(if seed.rotate_left(i as u32) % 3 == 0 {
                        jitter
                    } else {
                        0
                    });
                    let end = begin + dur;
                    t += dur + if clean { gap.max(1) } else { gap };
                    let (begin, end) = match (missing && !clean, seed.rotate_left(i as u32) % 3) {
                        (false, _) => (Some(begin), Some(end)),
                        (true, 0) => (None, Some(end)),
                        (true, 1) => (Some(begin), None),
                        (true, _) => (None, None),
                    };
                    words.push(Word {
                        text,
                        punctuation: punct.to_owned(),
                        begin,
                        end,
                    });
                }
                if !clean && seed % 5 == 0 && words.len() > 1 {
                    // Unsorted: swap two words' times.
                    let a = idx.index(words.len());
                    let b = (a + 1 + (seed as usize % (words.len() - 1))) % words.len();
                    let (ta, tb) = (
                        (words[a].begin, words[a].end),
                        (words[b].begin, words[b].end),
                    );
                    (words[a].begin, words[a].end) = tb;
                    (words[b].begin, words[b].end) = ta;
                }
                let joined: String = words
                    .iter()
                    .map(|w| format!("{}{}", w.text, w.punctuation))
                    .collect();
                let duration = t;
                let (text, words) = match text_mode {
                    _ if clean => (joined, Some(words)),
                    0 => (joined, None),
                    1 => (String::new(), Some(words)),
                    2 => ("a different text, entirely.".to_owned(), Some(words)),
                    _ => (joined, Some(words)),
                };
                let (begin, end) = match span_mode {
                    _ if clean => (0, duration.max(1)),
                    0 => (500, 500),
                    1 => (900, 100),
                    _ => (0, duration),
                };
                Sentence {
                    begin,
                    end,
                    speaker,
                    text,
                    words,
                }
            },
        )
        .boxed()
}

fn is_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{3000}'..='\u{9fff}').contains(&c))
}

/// A channel's sentences, placed one after another (clean) or anywhere (messy).
fn channel(times: Times) -> BoxedStrategy<Vec<Sentence>> {
    prop::collection::vec((sentence(times), 0u64..3000, -4000i64..4000), 0..8)
        .prop_map(move |sentences| {
            let mut at = 0u64;
            sentences
                .into_iter()
                .map(|(mut s, gap, shift)| {
                    let offset = match times {
                        Times::Clean => at + gap + 1,
                        Times::Messy => at.saturating_add_signed(shift),
                    };
                    at = offset + s.end.max(s.begin);
                    s.begin += offset;
                    s.end += offset;
                    for w in s.words.iter_mut().flatten() {
                        w.begin = w.begin.map(|b| b + offset);
                        w.end = w.end.map(|e| e + offset);
                    }
                    s
                })
                .collect()
        })
        .boxed()
}

/// A document of one to three channels.
pub fn doc(times: Times) -> BoxedStrategy<Doc> {
    prop::collection::vec(channel(times), 1..=3)
        .prop_map(|channels| Doc {
            channels: channels
                .into_iter()
                .enumerate()
                .map(|(i, c)| (i as u32, c))
                .collect(),
        })
        .boxed()
}
