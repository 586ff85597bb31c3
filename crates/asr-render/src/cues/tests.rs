#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::*;
use crate::tokens::{RawWord, SentenceBuf};

/// `n` words `word0 word1 …` of 500 ms from `start`, with `punct` after word `i` when given.
fn words(start: u64, n: usize, punct: &[(usize, &str)]) -> SentenceBuf {
    let mut s = SentenceBuf::default();
    let mut text = String::new();
    for i in 0..n {
        let word = if i == 0 {
            format!("word{i}")
        } else {
            format!(" word{i}")
        };
        let p = punct
            .iter()
            .find(|(at, _)| *at == i)
            .map_or("", |(_, p)| *p);
        text.push_str(&word);
        text.push_str(p);
        let b = start + i as u64 * 500;
        let t = s.push_str(&word);
        let p = s.push_str(p);
        s.words.push(RawWord {
            begin: Some(b),
            end: Some(b + 500),
            text: t,
            punctuation: p,
        });
    }
    s.text = s.push_str(&text);
    s.begin = Some(start);
    s.end = Some(start + n as u64 * 500);
    s
}

fn split(s: &SentenceBuf, policy: &CuePolicy, label: usize) -> Vec<Cue> {
    let mut tokens = Tokens::default();
    tokens.build(s);
    let mut out = Vec::new();
    Splitter::default().split(&tokens, policy, label, (0, None, 0), &mut out);
    out
}

#[test]
fn a_short_sentence_is_one_cue_with_the_sentence_times() {
    let cues = split(&words(1000, 4, &[]), &CuePolicy::default(), 0);
    assert_eq!(cues.len(), 1);
    assert_eq!((cues[0].start_ms, cues[0].end_ms), (1000, 3000));
    assert_eq!(cues[0].text(), "word0 word1 word2 word3");
}

#[test]
fn a_long_sentence_splits_into_the_fewest_cues_within_the_limits() {
    // 40 words over 20 s: three 7-second cues by time, but 14 words of 6 columns do not
    // fit in two lines of 42, so four.
    let cues = split(&words(0, 40, &[]), &CuePolicy::default(), 0);
    assert_eq!(cues.len(), 4, "{cues:?}");
    for cue in &cues {
        assert!(cue.end_ms - cue.start_ms <= 7000, "{cue:?}");
        assert!(cue.lines().count() <= 2);
        assert!(cue.lines().all(|l| l.len() <= 42), "{cue:?}");
    }
    assert_eq!(cues[0].start_ms, 0);
    assert_eq!(cues[3].end_ms, 20_000);
    let all: Vec<String> = cues
        .iter()
        .flat_map(|c| c.words().map(|w| w.text.to_owned()))
        .collect();
    assert_eq!(all.len(), 40, "no word lost or repeated");
}

#[test]
fn cues_split_at_sentence_punctuation_before_clause_punctuation_before_words() {
    let policy = CuePolicy::default()
        .with_max_line_width(40)
        .with_max_lines(1);
    // Two cues of at most 40 columns can be cut after word3, word4 or word5: word3 ends a
    // clause, word5 a sentence; the sentence wins, then the clause.
    let cues = split(&words(0, 10, &[(3, ","), (5, ".")]), &policy, 0);
    assert_eq!(cues.len(), 2);
    assert!(cues[0].text().ends_with("word5."), "{cues:?}");
    let cues = split(&words(0, 10, &[(3, ",")]), &policy, 0);
    assert!(cues[0].text().ends_with("word3,"), "{cues:?}");
    let cues = split(&words(0, 10, &[]), &policy, 0);
    assert!(cues[0].text().ends_with("word4"), "evenest: {cues:?}");
}

#[test]
fn lines_are_balanced_and_break_after_punctuation_on_a_tie() {
    let policy = CuePolicy::default().with_max_line_width(20);
    let mut s = SentenceBuf::default();
    s.text = s.push_str("one two three four five six");
    s.begin = Some(0);
    s.end = Some(1000);
    let cues = split(&s, &policy, 0);
    assert_eq!(cues[0].text(), "one two three\nfour five six");
}

#[test]
fn the_label_counts_on_the_first_line() {
    let policy = CuePolicy::default().with_max_line_width(30);
    let s = words(0, 4, &[]);
    assert_eq!(split(&s, &policy, 0)[0].lines().count(), 1);
    // `[Speaker 0] ` takes 12 of the 30 columns.
    assert_eq!(split(&s, &policy, 12)[0].lines().count(), 2);
}

#[test]
fn a_word_longer_than_the_limits_stands_alone() {
    let policy = CuePolicy::default()
        .with_max_line_width(8)
        .with_max_cue_duration(Duration::from_millis(300));
    let cues = split(&words(0, 3, &[]), &policy, 0);
    assert_eq!(cues.len(), 3, "each 500 ms word is longer than 300 ms");
    assert!(cues.iter().all(|c| c.words().count() == 1));
}

#[test]
fn order_handles_zero_length_identical_and_backward_cues() {
    let cue = |start, end| {
        let mut c = split(&words(0, 1, &[]), &CuePolicy::default(), 0).remove(0);
        c.start_ms = start;
        c.end_ms = end;
        c
    };
    let mut list = vec![cue(10, 10), cue(10, 10), cue(10, 5), cue(0, 0), cue(5, 100)];
    order(&mut list);
    let times: Vec<(u64, u64)> = list.iter().map(|c| (c.start_ms, c.end_ms)).collect();
    assert_eq!(times, [(0, 1), (5, 10), (10, 11), (11, 12), (12, 13)]);
}
