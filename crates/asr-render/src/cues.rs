//! Subtitle cues: a sentence's tokens split into cues and lines under a [`CuePolicy`], then
//! every cue of an output put in order without overlaps.

use crate::CuePolicy;
use crate::tokens::{Boundary, Token, Tokens};

/// One subtitle cue.
///
/// Its text is one to [`CuePolicy::max_lines`] lines; [`Cue::words`] gives back the words it
/// holds with their start times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms; always after the start.
    pub end_ms: u64,
    /// The channel the sentence is from.
    pub channel_id: u32,
    /// The sentence's speaker, when diarized.
    pub speaker_id: Option<u64>,
    /// The sentence's position in its channel, from 0: every cue holds words of one sentence.
    pub sentence: usize,
    /// Lines joined by `\n`.
    text: String,
    /// Where each word starts in `text`, and when.
    marks: Vec<Mark>,
}

/// A word's place in a cue's text and its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    at: u32,
    /// Byte length; the top bit says whether a space comes before the word.
    len: u32,
    begin: u64,
    end: u64,
}

const SPACE_BEFORE: u32 = 1 << 31;

/// A word of a [`Cue`], with its punctuation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CueWord<'a> {
    /// The word as shown.
    pub text: &'a str,
    /// Its byte offset in [`Cue::text`].
    pub offset: usize,
    /// Whether running text puts a space between it and the word before (at the start of a
    /// line, the line break stands for that space).
    pub space_before: bool,
    /// Its start, ms.
    pub start_ms: u64,
    /// Its end, ms.
    pub end_ms: u64,
}

impl Cue {
    /// The cue text, lines joined by `\n` (no speaker label, no markup).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The lines.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.split('\n')
    }

    /// Each word (with its punctuation), in order, with its times: the word's own, clamped
    /// into its sentence and never going back. They may lie outside the cue where the cue was
    /// shortened to keep cues apart.
    pub fn words(&self) -> impl Iterator<Item = CueWord<'_>> {
        self.marks.iter().map(|m| {
            let at = m.at as usize;
            CueWord {
                text: &self.text[at..at + (m.len & !SPACE_BEFORE) as usize],
                offset: at,
                space_before: m.len & SPACE_BEFORE != 0,
                start_ms: m.begin,
                end_ms: m.end,
            }
        })
    }
}

/// Lexicographic cost of a way to cut a sentence into cues: fewer cues, then fewer cuts at
/// plain word boundaries, then fewer at clause punctuation, then cues of more even widths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Cost {
    cues: u32,
    word_cuts: u32,
    clause_cuts: u32,
    squares: u64,
}

/// Lines filled greedily, one token at a time: the fewest lines tokens need.
#[derive(Clone, Copy, Debug)]
struct Fill {
    max: u64,
    label: u64,
    lines: usize,
    current: u64,
}

impl Fill {
    fn new(max: u64, label: u64) -> Self {
        Fill {
            max,
            label,
            lines: 0,
            current: 0,
        }
    }

    fn push(&mut self, t: &Token) {
        let w = u64::from(t.width);
        let gap = u64::from(t.space_before);
        if self.lines == 0 {
            self.lines = 1;
            self.current = self.label + w;
        } else if self.current + gap + w <= self.max {
            self.current += gap + w;
        } else {
            self.lines += 1;
            self.current = w;
        }
    }
}

/// Reusable buffers of the splitter.
#[derive(Debug, Default)]
pub(crate) struct Splitter {
    best: Vec<Option<(Cost, usize)>>,
    cuts: Vec<usize>,
    lines: Vec<Option<(LineCost, usize)>>,
    /// Where each line after the first starts, in the cue being broken.
    breaks: Vec<usize>,
}

/// Cost of a way to break a cue into lines: shortest longest line, then breaks at the
/// strongest punctuation, then even lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct LineCost {
    longest: u64,
    penalty: u32,
    squares: u64,
}

impl Splitter {
    /// Appends the cues of one sentence (its tokens in `tokens`) to `out`.
    ///
    /// `label` is the width of the speaker label that will precede each cue's first line.
    pub fn split(
        &mut self,
        tokens: &Tokens,
        policy: &CuePolicy,
        label: usize,
        (channel_id, speaker_id, sentence): (u32, Option<u64>, usize),
        out: &mut Vec<Cue>,
    ) {
        let list = &tokens.list;
        let n = list.len();
        if n == 0 {
            return;
        }
        let max_w = policy.max_line_width as u64;
        let max_ms = policy.max_cue_ms();
        let label = label as u64;
        self.best.clear();
        self.best.resize(n + 1, None);
        self.best[0] = Some((Cost::default(), 0));
        for i in 0..n {
            let Some((base, _)) = self.best[i] else {
                continue;
            };
            let mut fill = Fill::new(max_w, label);
            let mut width = 0u64;
            for j in i + 1..=n {
                let t = &list[j - 1];
                fill.push(t);
                width += u64::from(t.width) + u64::from(j > i + 1 && t.space_before);
                // Both limits only grow with j, so the first breach ends the row; a single
                // token always makes a cue.
                if j > i + 1 && (fill.lines > policy.max_lines || t.end - list[i].begin > max_ms) {
                    break;
                }
                let cut = if j < n {
                    t.boundary
                } else {
                    Boundary::Sentence
                };
                let cost = Cost {
                    cues: base.cues + 1,
                    word_cuts: base.word_cuts + u32::from(cut == Boundary::Word),
                    clause_cuts: base.clause_cuts + u32::from(cut == Boundary::Clause),
                    squares: base.squares + width * width,
                };
                if self.best[j].is_none_or(|(c, _)| cost < c) {
                    self.best[j] = Some((cost, i));
                }
            }
            if i == 0 && self.best[n].is_some() {
                // The whole sentence fits one cue: nothing beats that.
                break;
            }
        }
        self.cuts.clear();
        let mut j = n;
        while j > 0 {
            self.cuts.push(j);
            j = self.best[j].map_or(0, |(_, i)| i);
        }
        self.cuts.push(0);
        self.cuts.reverse();
        let (span_begin, span_end) = tokens.span;
        for k in 0..self.cuts.len() - 1 {
            let (a, b) = (self.cuts[k], self.cuts[k + 1]);
            let mut start = list[a].begin;
            let mut end = list[b - 1].end;
            let single = b - a == 1;
            // The sentence's own start and end, where that keeps the cue within the limit.
            if a == 0 && (single || end - span_begin <= max_ms) {
                start = span_begin;
            }
            if b == n && (single || span_end - start <= max_ms) {
                end = span_end;
            }
            let (text, marks) = self.lines(tokens, &list[a..b], policy, label);
            out.push(Cue {
                start_ms: start,
                end_ms: end,
                channel_id,
                speaker_id,
                sentence,
                text,
                marks,
            });
        }
    }

    /// Breaks one cue's tokens into the fewest lines, the longest of them as short as it can
    /// be, preferring breaks after punctuation; its text and word marks.
    fn lines(
        &mut self,
        tokens: &Tokens,
        list: &[Token],
        policy: &CuePolicy,
        label: u64,
    ) -> (String, Vec<Mark>) {
        let max_w = policy.max_line_width as u64;
        let m = list.len();
        let mut fill = Fill::new(max_w, label);
        list.iter().for_each(|t| fill.push(t));
        let count = fill.lines;
        self.breaks.clear();
        if count > 1 {
            self.balance(list, count, max_w, label);
        }
        let breaks = &self.breaks;
        let mut text = String::with_capacity(list.iter().map(|t| t.len as usize + 1).sum());
        let mut marks = Vec::with_capacity(m);
        for (i, t) in list.iter().enumerate() {
            if i > 0 {
                if breaks.contains(&i) {
                    text.push('\n');
                } else if t.space_before {
                    text.push(' ');
                }
            }
            marks.push(Mark {
                at: text.len() as u32,
                len: t.len | if t.space_before { SPACE_BEFORE } else { 0 },
                begin: t.begin,
                end: t.end,
            });
            text.push_str(tokens.str(t));
        }
        (text, marks)
    }
}

impl Splitter {
    /// Fills [`Splitter::breaks`] with the best way to set `list` on exactly `count` lines
    /// (the fewest that hold it): the shortest longest line, then breaks after the strongest
    /// punctuation, then even lines.
    fn balance(&mut self, list: &[Token], count: usize, max_w: u64, label: u64) {
        let m = list.len();
        // lines[k * (m + 1) + p]: the best way to set the first p tokens on k lines.
        let stride = m + 1;
        self.lines.clear();
        self.lines.resize((count + 1) * stride, None);
        self.lines[0] = Some((LineCost::default(), 0));
        for k in 1..=count {
            for p in k..=m {
                let mut best: Option<(LineCost, usize)> = None;
                let penalty = match list[p - 1].boundary {
                    _ if p == m => 0,
                    Boundary::Sentence => 0,
                    Boundary::Clause => 1,
                    Boundary::Word => 2,
                };
                // The line holds tokens q..p; it widens as q moves back.
                let mut width = 0u64;
                for q in (k - 1..p).rev() {
                    width += u64::from(list[q].width);
                    if q + 1 < p {
                        width += u64::from(list[q + 1].space_before);
                    }
                    let w = width + if k == 1 { label } else { 0 };
                    if w > max_w && p - q > 1 {
                        break;
                    }
                    let Some((prev, _)) = self.lines[(k - 1) * stride + q] else {
                        continue;
                    };
                    if k == 1 && q > 0 {
                        continue;
                    }
                    let cost = LineCost {
                        longest: prev.longest.max(w),
                        penalty: prev.penalty + penalty,
                        squares: prev.squares + w * w,
                    };
                    if best.is_none_or(|(c, _)| cost < c) {
                        best = Some((cost, q));
                    }
                }
                self.lines[k * stride + p] = best;
            }
        }
        let mut p = m;
        for k in (1..=count).rev() {
            p = self.lines[k * stride + p].map_or(0, |(_, q)| q);
            if k > 1 {
                self.breaks.push(p);
            }
        }
    }
}

/// Puts cues in order and keeps them apart: starts strictly increase, each cue ends after it
/// starts, and no cue ends after the next one starts. Players and validators reject cues
/// that go back in time, and overlapping cues stack on screen.
pub(crate) fn order(cues: &mut [Cue]) {
    cues.sort_by_key(|c| c.start_ms);
    for i in 0..cues.len() {
        if i > 0 {
            let prev_start = cues[i - 1].start_ms;
            if cues[i].start_ms <= prev_start {
                cues[i].start_ms = prev_start + 1;
            }
            let start = cues[i].start_ms;
            if cues[i - 1].end_ms > start {
                cues[i - 1].end_ms = start;
            }
        }
        if cues[i].end_ms <= cues[i].start_ms {
            cues[i].end_ms = cues[i].start_ms + 1;
        }
    }
}

#[cfg(test)]
mod tests;
