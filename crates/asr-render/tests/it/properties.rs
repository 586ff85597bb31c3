//! Every cue rule of the crate docs, checked on generated documents (see `generate.rs`) under
//! generated policies. Each property restates its rule independently of the implementation:
//! widths, line fills and split costs are recomputed here from the cues' own words.

use std::time::Duration;

use asr_render::{ChannelLayout, Cue, CuePolicy, Format, Json, Options, Track};
use proptest::prelude::*;
use unicode_width::UnicodeWidthStr as _;

use crate::generate::{self, Doc, Sentence, Times};

fn options() -> impl Strategy<Value = Options> {
    (
        4usize..60,
        1usize..=4,
        300u64..10_000,
        any::<bool>(),
        prop::bool::weighted(0.25),
    )
        .prop_map(|(width, lines, ms, labels, merged)| {
            Options::default()
                .with_cues(
                    CuePolicy::default()
                        .with_max_line_width(width)
                        .with_max_lines(lines)
                        .with_max_cue_duration(Duration::from_millis(ms)),
                )
                .with_speaker_labels(labels)
                .with_channels(if merged {
                    ChannelLayout::Merged
                } else {
                    ChannelLayout::Separate
                })
        })
}

fn width(s: &str) -> usize {
    s.width()
}

/// The label's columns on a cue's first line, as srt writes it: `[Speaker N] `.
fn label_width(o: &Options, cue: &Cue) -> usize {
    let speaker = cue.speaker_id.filter(|_| o.speaker_labels);
    let label = match (o.channels, speaker) {
        (ChannelLayout::Merged, Some(s)) => format!("Channel {} Speaker {s}", cue.channel_id),
        (ChannelLayout::Merged, None) => format!("Channel {}", cue.channel_id),
        (_, Some(s)) => format!("Speaker {s}"),
        _ => return 0,
    };
    label.len() + 3
}

/// A cue's tokens: text, width, whether a space comes before, start, end.
#[derive(Clone, Debug)]
struct Tok {
    text: String,
    width: usize,
    space: bool,
    start: u64,
    end: u64,
}

fn tokens(cue: &Cue) -> Vec<Tok> {
    cue.words()
        .map(|w| Tok {
            text: w.text.to_owned(),
            width: width(w.text),
            space: w.space_before,
            start: w.start_ms,
            end: w.end_ms,
        })
        .collect()
}

/// The tokens of each line of a cue.
fn lines_of(cue: &Cue) -> Vec<Vec<Tok>> {
    let toks = tokens(cue);
    let mut out = Vec::new();
    let mut at = 0;
    for line in cue.text().split('\n') {
        let range = at..at + line.len();
        out.push(
            cue.words()
                .zip(&toks)
                .filter(|(w, _)| range.contains(&w.offset))
                .map(|(_, t)| t.clone())
                .collect(),
        );
        at = range.end + 1;
    }
    out
}

fn line_width(toks: &[Tok]) -> usize {
    toks.iter()
        .enumerate()
        .map(|(i, t)| t.width + usize::from(i > 0 && t.space))
        .sum()
}

/// Fewest lines `toks` need (first line after `label` columns); greedy filling is optimal.
fn fewest_lines(toks: &[Tok], max: usize, label: usize) -> usize {
    let (mut lines, mut current) = (0, 0);
    for t in toks {
        if lines == 0 {
            (lines, current) = (1, label + t.width);
        } else if current + usize::from(t.space) + t.width <= max {
            current += usize::from(t.space) + t.width;
        } else {
            (lines, current) = (lines + 1, t.width);
        }
    }
    lines
}

/// The shortest possible longest line over every breaking of `toks` into `count` lines.
fn shortest_longest(toks: &[Tok], count: usize, max: usize, label: usize) -> Option<usize> {
    fn go(toks: &[Tok], count: usize, max: usize, label: usize) -> Option<usize> {
        if count == 1 {
            let w = label + line_width(toks);
            return (w <= max || toks.len() == 1).then_some(w);
        }
        (1..toks.len())
            .filter_map(|i| {
                let w = label + line_width(&toks[..i]);
                if w > max && i > 1 {
                    return None;
                }
                go(&toks[i..], count - 1, max, 0).map(|rest| rest.max(w))
            })
            .min()
    }
    go(toks, count, max, label)
}

fn strength(token: &str) -> u8 {
    let last = token
        .chars()
        .rev()
        .find(|c| !")]}\"'”’」』》）】〉".contains(*c));
    match last {
        Some(c) if ".!?…。！？".contains(c) => 2,
        Some(c) if ",;:、，；：—–".contains(c) => 1,
        _ => 0,
    }
}

/// The cost the crate minimizes, recomputed for a split of `toks` at `cuts`.
fn split_cost(
    toks: &[Tok],
    cuts: &[usize],
    o: &Options,
    label: usize,
) -> Option<(usize, usize, usize, usize)> {
    let policy = o.cues;
    let max_ms = policy.max_cue_duration.as_millis() as u64;
    let (mut words, mut clauses, mut squares) = (0, 0, 0);
    for pair in cuts.windows(2) {
        let cue = &toks[pair[0]..pair[1]];
        let single = cue.len() == 1;
        if !single
            && (fewest_lines(cue, policy.max_line_width, label) > policy.max_lines
                || cue[cue.len() - 1].end - cue[0].start > max_ms)
        {
            return None;
        }
        if pair[1] < toks.len() {
            match strength(&toks[pair[1] - 1].text) {
                0 => words += 1,
                1 => clauses += 1,
                _ => {}
            }
        }
        squares += line_width(cue).pow(2);
    }
    Some((cuts.len() - 1, words, clauses, squares))
}

/// The sentence's tokens in the input: its words when they spell its text, else its text.
fn expected_tokens(s: &Sentence) -> (bool, String) {
    let strip = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let alnum = |t: &str| {
        t.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    match &s.words {
        Some(words) if !words.is_empty() => {
            let joined: String = words
                .iter()
                .map(|w| format!("{}{}", w.text, w.punctuation))
                .collect();
            if alnum(&joined) == alnum(&s.text) || alnum(&s.text).is_empty() {
                (true, strip(&joined))
            } else {
                (false, strip(&s.text))
            }
        }
        _ => (false, strip(&s.text)),
    }
}

/// Checks every rule on one document; returns the first broken one.
fn check(doc: &Doc, o: &Options, clean: bool) -> Result<(), TestCaseError> {
    let raw = doc.to_json();
    let tracks: Vec<Track> = asr_render::cues(&Json(&raw), o).unwrap();
    let policy = o.cues;
    let max_ms = policy.max_cue_duration.as_millis() as u64;
    let merged = o.channels == ChannelLayout::Merged;
    prop_assert_eq!(tracks.len(), if merged { 1 } else { doc.channels.len() });

    for track in &tracks {
        // Order: starts strictly increase, cues last at least 1 ms and never overlap.
        for pair in track.cues.windows(2) {
            prop_assert!(pair[0].start_ms < pair[1].start_ms, "order: {pair:?}");
            prop_assert!(pair[0].end_ms <= pair[1].start_ms, "overlap: {pair:?}");
        }
        for cue in &track.cues {
            prop_assert!(cue.end_ms > cue.start_ms, "zero length: {cue:?}");
            let toks = tokens(cue);
            prop_assert!(!toks.is_empty(), "empty cue: {cue:?}");
            // Duration: at most the limit unless one token.
            prop_assert!(
                cue.end_ms - cue.start_ms <= max_ms || toks.len() == 1,
                "duration: {cue:?}"
            );
            // Lines: 1..=max_lines, each within the width (label included) unless one token.
            let label = label_width(o, cue);
            let lines = lines_of(cue);
            prop_assert!(
                (1..=policy.max_lines).contains(&lines.len()),
                "lines: {cue:?}"
            );
            for (i, line) in lines.iter().enumerate() {
                let w = line_width(line) + if i == 0 { label } else { 0 };
                prop_assert!(
                    w <= policy.max_line_width || line.len() == 1,
                    "width {w}: {cue:?}"
                );
                prop_assert!(!line.is_empty(), "empty line: {cue:?}");
            }
            // Balance: the fewest lines, and no breaking of them has a shorter longest line.
            prop_assert_eq!(
                lines.len(),
                fewest_lines(&toks, policy.max_line_width, label),
                "not the fewest lines: {:?}",
                cue
            );
            let longest = lines
                .iter()
                .enumerate()
                .map(|(i, l)| line_width(l) + if i == 0 { label } else { 0 })
                .max()
                .unwrap_or(0);
            if toks.len() <= 24 {
                let best =
                    shortest_longest(&toks, lines.len(), policy.max_line_width, label).unwrap();
                prop_assert_eq!(longest, best, "unbalanced: {:?}", cue);
            }
            // Speakers and channels: the cue's sentence says who.
            let (_, sentences) = doc
                .channels
                .iter()
                .find(|(id, _)| *id == cue.channel_id)
                .unwrap();
            let s = &sentences[cue.sentence];
            prop_assert_eq!(cue.speaker_id, s.speaker);
        }
    }

    // Every token once, in order, never cut: per sentence, its cues' words spell it and fall
    // on the input's word boundaries.
    for (channel_id, sentences) in &doc.channels {
        for (index, s) in sentences.iter().enumerate() {
            let cues: Vec<&Cue> = tracks
                .iter()
                .flat_map(|t| &t.cues)
                .filter(|c| c.channel_id == *channel_id && c.sentence == index)
                .collect();
            let (from_words, expected) = expected_tokens(s);
            let toks: Vec<Tok> = cues.iter().flat_map(|c| tokens(c)).collect();
            let got: String = toks.iter().map(|t| t.text.replace(' ', "")).collect();
            prop_assert_eq!(
                &got,
                &expected,
                "sentence {} of channel {}",
                index,
                channel_id
            );
            if from_words {
                // Each token is one or more whole input words.
                let words: Vec<String> = s
                    .words
                    .iter()
                    .flatten()
                    .map(|w| format!("{}{}", w.text, w.punctuation).replace(' ', ""))
                    .filter(|w| !w.is_empty())
                    .collect();
                let mut bounds = vec![0];
                for w in &words {
                    bounds.push(bounds[bounds.len() - 1] + w.len());
                }
                let mut at = 0;
                for t in &toks {
                    at += t.text.replace(' ', "").len();
                    prop_assert!(bounds.contains(&at), "cut inside a word: {:?}", t);
                }
            } else {
                // Cut from text: never between two letters of a spaced script.
                for pair in toks.windows(2) {
                    let (a, b) = (
                        pair[0].text.chars().last().unwrap(),
                        pair[1].text.chars().next().unwrap(),
                    );
                    let unspaced = |c: char| asr_types::text::is_unspaced(c);
                    prop_assert!(
                        pair[1].space || unspaced(a) || unspaced(b),
                        "cut inside a word: {:?}",
                        pair
                    );
                }
            }

            // Splitting: no other split of a short sentence costs less.
            let label = cues.first().map_or(0, |c| label_width(o, c));
            let n = toks.len();
            if (2..=12).contains(&n) {
                let mut chosen = vec![0];
                for c in &cues {
                    chosen.push(chosen[chosen.len() - 1] + tokens(c).len());
                }
                let actual = split_cost(&toks, &chosen, o, label);
                prop_assert!(actual.is_some(), "infeasible split {chosen:?}");
                let best = (0u32..1 << (n - 1))
                    .filter_map(|mask| {
                        let mut cuts = vec![0];
                        cuts.extend((1..n).filter(|i| mask & (1 << (i - 1)) != 0));
                        cuts.push(n);
                        split_cost(&toks, &cuts, o, label)
                    })
                    .min();
                prop_assert_eq!(actual, best, "not the best split of {:?}", s.text);
            }

            // Times (clean documents, where nothing needed moving; merged channels talk at
            // once): from the words.
            let alone = !merged || doc.channels.len() == 1;
            if clean && alone && from_words && !cues.is_empty() {
                let words: Vec<&generate::Word> = s.words.iter().flatten().collect();
                let inputs: Vec<u64> = words.iter().map(|w| w.begin.unwrap()).collect();
                for t in &toks {
                    prop_assert!(inputs.contains(&t.start), "a time not from a word: {:?}", t);
                }
                for (k, cue) in cues.iter().enumerate() {
                    let toks = tokens(cue);
                    let (first, last) = (&toks[0], &toks[toks.len() - 1]);
                    let single = toks.len() == 1;
                    let mut start = first.start;
                    if k == 0 && (single || last.end - s.begin <= max_ms) {
                        start = s.begin;
                    }
                    let mut end = last.end;
                    if k + 1 == cues.len() && (single || s.end - start <= max_ms) {
                        end = s.end;
                    }
                    prop_assert_eq!((cue.start_ms, cue.end_ms), (start, end), "{:?}", cue);
                }
            }
        }
    }
    Ok(())
}

/// The srt text keeps the same promises as the cues it is written from.
fn check_srt(doc: &Doc, o: &Options) -> Result<(), TestCaseError> {
    let raw = doc.to_json();
    let outputs = asr_render::render(&Json(&raw), &[Format::Srt, Format::Vtt], o).unwrap();
    let tracks = asr_render::cues(&Json(&raw), o).unwrap();
    let srts: Vec<&asr_render::Output> =
        outputs.iter().filter(|x| x.format == Format::Srt).collect();
    prop_assert_eq!(srts.len(), tracks.len().max(1));
    for (srt, track) in srts.iter().zip(&tracks) {
        let text = std::str::from_utf8(&srt.bytes).unwrap();
        let blocks: Vec<&str> = text.split("\n\n").filter(|b| !b.is_empty()).collect();
        prop_assert_eq!(blocks.len(), track.cues.len());
        for (block, cue) in blocks.iter().zip(&track.cues) {
            let lines: Vec<&str> = block.lines().skip(2).collect();
            prop_assert!(lines.len() <= o.cues.max_lines, "{block}");
            // The label takes exactly the columns the cue rules reserved for it.
            let label = label_width(o, cue);
            let cue_lines: Vec<&str> = cue.lines().collect();
            prop_assert_eq!(lines[0].width(), label + cue_lines[0].width(), "{}", block);
            prop_assert_eq!(&lines[1..], &cue_lines[1..]);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn every_cue_rule_holds_on_messy_documents(doc in generate::doc(Times::Messy), o in options()) {
        check(&doc, &o, false)?;
        check_srt(&doc, &o)?;
    }

    #[test]
    fn cue_times_come_from_word_times_on_clean_documents(
        doc in generate::doc(Times::Clean),
        o in options(),
    ) {
        check(&doc, &o, true)?;
    }
}
