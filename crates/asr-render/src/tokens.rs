//! A sentence cut into the units cues are made of: the service's words, or the text's own
//! break opportunities when there are no words, each with a display width, the strength of
//! the punctuation that ends it, and times that only move forward.

use std::ops::Range;

use asr_types::text::{is_closing, is_unspaced};
use unicode_width::UnicodeWidthStr as _;

/// One sentence as read from a document, its strings in one reusable buffer so reading a
/// long document allocates per sentence at most.
#[derive(Clone, Debug, Default)]
pub(crate) struct SentenceBuf {
    /// Every string of the sentence, back to back.
    pub arena: String,
    /// Start, ms.
    pub begin: Option<u64>,
    /// End, ms.
    pub end: Option<u64>,
    /// Speaker, from 0.
    pub speaker: Option<u64>,
    /// The sentence text, in `arena`.
    pub text: Range<usize>,
    /// The words, in order.
    pub words: Vec<RawWord>,
}

/// A word as read.
#[derive(Clone, Debug)]
pub(crate) struct RawWord {
    /// Start, ms.
    pub begin: Option<u64>,
    /// End, ms.
    pub end: Option<u64>,
    /// The word, in the sentence's arena.
    pub text: Range<usize>,
    /// The punctuation after it, in the sentence's arena.
    pub punctuation: Range<usize>,
}

impl SentenceBuf {
    /// Empties the buffer for the next sentence, keeping its memory.
    pub fn clear(&mut self) {
        self.arena.clear();
        self.begin = None;
        self.end = None;
        self.speaker = None;
        self.text = 0..0;
        self.words.clear();
    }

    /// Appends `s` to the arena; where it went.
    pub fn push_str(&mut self, s: &str) -> Range<usize> {
        let start = self.arena.len();
        self.arena.push_str(s);
        start..self.arena.len()
    }

    /// Appends a word.
    pub fn push_word(&mut self, text: &str, punctuation: &str, times: (Option<u64>, Option<u64>)) {
        let text = self.push_str(text);
        let punctuation = self.push_str(punctuation);
        self.words.push(RawWord {
            begin: times.0,
            end: times.1,
            text,
            punctuation,
        });
    }

    /// The sentence text.
    pub fn text(&self) -> &str {
        &self.arena[self.text.clone()]
    }

    fn get(&self, r: &Range<usize>) -> &str {
        &self.arena[r.clone()]
    }

    /// Whether the words spell the sentence text (letters and digits compared), so cues may
    /// be cut at their boundaries. A sentence without letters or digits takes any words.
    fn words_match_text(&self) -> bool {
        if self.words.is_empty() {
            return false;
        }
        let pieces = || {
            self.words
                .iter()
                .flat_map(|w| [self.get(&w.text), self.get(&w.punctuation)])
        };
        let text = self.text();
        if text.is_ascii() && pieces().all(str::is_ascii) {
            // Most documents: compare bytes, not chars.
            let keep = |b: &u8| b.is_ascii_alphanumeric();
            let from_words = pieces().flat_map(str::as_bytes).filter(|b| keep(b));
            let mut from_text = text.as_bytes().iter().filter(|b| keep(b)).peekable();
            let text_has_words = from_text.peek().is_some();
            return from_words.eq(from_text) || !text_has_words;
        }
        let from_words = pieces()
            .flat_map(str::chars)
            .filter(|c| c.is_alphanumeric());
        let mut from_text = text.chars().filter(|c| c.is_alphanumeric()).peekable();
        let text_has_words = from_text.peek().is_some();
        from_words.eq(from_text) || !text_has_words
    }
}

/// How strongly the punctuation at the end of a token separates it from the next one; cues
/// and lines are cut at the strongest boundaries first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Boundary {
    /// A plain word boundary.
    Word,
    /// Clause punctuation: `,` `;` `:` `、` `，` `—` …
    Clause,
    /// Sentence punctuation: `.` `!` `?` `。` `！` `？` `…`
    Sentence,
}

/// A token of a sentence: never cut.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    /// Byte offset of its text in [`Tokens::text`].
    pub start: u32,
    /// Byte length of its text.
    pub len: u32,
    /// Display width in columns.
    pub width: u32,
    /// Whether a space separates it from the token before.
    pub space_before: bool,
    /// The boundary after it.
    pub boundary: Boundary,
    /// Start, ms; never before the previous token's.
    pub begin: u64,
    /// End, ms; never before its own start or the previous token's end.
    pub end: u64,
}

/// The tokens of one sentence (a reusable buffer).
#[derive(Clone, Debug, Default)]
pub(crate) struct Tokens {
    /// The tokens' texts, back to back.
    pub text: String,
    /// The tokens, in order.
    pub list: Vec<Token>,
    /// The sentence's span, ms: cues of the sentence never leave it.
    pub span: (u64, u64),
    scratch: String,
}

impl Tokens {
    /// The text of `t`.
    pub fn str(&self, t: &Token) -> &str {
        &self.text[t.start as usize..(t.start + t.len) as usize]
    }

    /// Cuts `s` into tokens with times; `s` must have both times.
    pub fn build(&mut self, s: &SentenceBuf) {
        self.text.clear();
        self.list.clear();
        if s.words_match_text() {
            self.cut_words(s);
        } else {
            self.cut_text(s.text());
        }
        self.time(s);
    }

    fn cut_words(&mut self, s: &SentenceBuf) {
        // Whether the word before ended in whitespace, i.e. a space follows it.
        let mut open_space = false;
        for w in &s.words {
            let (text, punct) = (s.get(&w.text), s.get(&w.punctuation));
            let starts_space = text
                .chars()
                .chain(punct.chars())
                .next()
                .is_some_and(char::is_whitespace);
            let tail = if punct.is_empty() { text } else { punct };
            let ends_space = tail.ends_with(char::is_whitespace);
            let start = self.text.len();
            push_normalized(&mut self.text, text);
            let text_end = self.text.len();
            push_normalized(&mut self.text, punct);
            if self.text.len() == start {
                // Nothing visible: the word only says where a space goes.
                open_space |= starts_space || ends_space;
                continue;
            }
            if text_end == start
                && let Some(glued) = self.list.last_mut()
            {
                // Punctuation alone belongs to the word before it, so a line never starts
                // with it.
                let all = &self.text[glued.start as usize..];
                glued.len = all.len() as u32;
                glued.width = width(all);
                glued.boundary = boundary(all);
                if let Some(end) = w.end {
                    glued.end = if glued.end == u64::MAX {
                        end
                    } else {
                        glued.end.max(end)
                    };
                }
                open_space = ends_space;
                continue;
            }
            let token = &self.text[start..];
            let space_before = !self.list.is_empty()
                && (open_space
                    || starts_space
                    || self.text[..start]
                        .chars()
                        .next_back()
                        .zip(token.chars().next())
                        .is_some_and(|(a, b)| needs_space(a, b)));
            self.list.push(Token {
                start: start as u32,
                len: (self.text.len() - start) as u32,
                width: width(token),
                space_before,
                boundary: boundary(token),
                begin: w.begin.unwrap_or(u64::MAX),
                end: w.end.unwrap_or(u64::MAX),
            });
            open_space = ends_space;
        }
    }

    fn cut_text(&mut self, raw: &str) {
        let mut norm = std::mem::take(&mut self.scratch);
        norm.clear();
        push_normalized(&mut norm, raw);
        let mut seg_start = 0;
        let mut space_before = false;
        for (at, _) in unicode_linebreak::linebreaks(&norm) {
            let before = norm[..at].chars().next_back();
            let after = norm[at..].chars().next();
            // The text's break opportunities, narrowed to spaces and unspaced scripts: a
            // hyphenated word stays one token.
            let cut = after.is_none()
                || before == Some(' ')
                || before.is_some_and(is_unspaced)
                || after.is_some_and(is_unspaced);
            if !cut {
                continue;
            }
            let piece = norm[seg_start..at].trim_end_matches(' ');
            if !piece.is_empty() {
                let start = self.text.len();
                self.text.push_str(piece);
                self.list.push(Token {
                    start: start as u32,
                    len: piece.len() as u32,
                    width: width(piece),
                    space_before: space_before && !self.list.is_empty(),
                    boundary: boundary(piece),
                    begin: u64::MAX,
                    end: u64::MAX,
                });
            }
            space_before = before == Some(' ');
            seg_start = at;
        }
        self.scratch = norm;
    }

    /// Gives every token times inside the sentence's span. Missing word times share the span
    /// in proportion to the widths; then starts and ends are made to never go back.
    fn time(&mut self, s: &SentenceBuf) {
        let (b, e) = (s.begin.unwrap_or(0), s.end.unwrap_or(0));
        let known = || {
            self.list
                .iter()
                .flat_map(|t| [t.begin, t.end])
                .filter(|&t| t != u64::MAX)
        };
        let span = match (known().min(), known().max()) {
            _ if e > b => (b, e),
            // An empty sentence span: the words' own times, if any.
            (Some(lo), Some(hi)) => (lo, hi),
            _ => (b, b),
        };
        self.span = span;
        let total: u64 = self.list.iter().map(|t| u64::from(t.width.max(1))).sum();
        let at = |cum: u64| {
            span.0 + ((span.1 - span.0) as u128 * cum as u128 / total.max(1) as u128) as u64
        };
        let (mut cum, mut prev_begin, mut prev_end) = (0u64, span.0, span.0);
        for t in &mut self.list {
            let nominal_begin = at(cum);
            cum += u64::from(t.width.max(1));
            let nominal_end = at(cum);
            let clamp = |v: u64, nominal: u64| {
                if v == u64::MAX {
                    nominal
                } else {
                    v.clamp(span.0, span.1)
                }
            };
            t.begin = clamp(t.begin, nominal_begin).max(prev_begin);
            t.end = clamp(t.end, nominal_end).max(t.begin).max(prev_end);
            prev_begin = t.begin;
            prev_end = t.end;
        }
    }
}

/// Appends `s` with each run of inner whitespace as one space, without leading or trailing
/// whitespace and without control characters (which would end a subtitle line or break a
/// tsv row).
pub(crate) fn push_normalized(out: &mut String, s: &str) {
    let mut pending = false;
    let mut wrote = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending = wrote;
        } else if !c.is_control() {
            if pending {
                out.push(' ');
                pending = false;
            }
            out.push(c);
            wrote = true;
        }
    }
}

/// `s` normalized as [`push_normalized`] does, in a new string.
pub(crate) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_normalized(&mut out, s);
    out
}

/// Display width in columns (UAX #11: wide and full-width characters count 2).
pub(crate) fn width(s: &str) -> u32 {
    let w = if s.is_ascii() { s.len() } else { s.width() };
    u32::try_from(w).unwrap_or(u32::MAX)
}

/// Two words given without whitespace between them still get a space when both are of a
/// script written with spaces and the second starts with a letter or digit.
fn needs_space(a: char, b: char) -> bool {
    !is_unspaced(a)
        && !is_unspaced(b)
        && b.is_alphanumeric()
        && (a.is_alphanumeric() || is_closing(a))
}

/// The boundary after a token: its last character, looking through closing quotes and
/// brackets.
pub(crate) fn boundary(token: &str) -> Boundary {
    let last = token.chars().rev().find(|c| {
        !matches!(
            c,
            ')' | ']' | '}' | '"' | '\'' | '”' | '’' | '」' | '』' | '》' | '）' | '】' | '〉'
        )
    });
    match last {
        Some('.' | '!' | '?' | '…' | '。' | '！' | '？' | '‼' | '⁇' | '⁈' | '⁉' | '｡') => {
            Boundary::Sentence
        }
        Some(',' | ';' | ':' | '、' | '，' | '；' | '：' | '—' | '–' | '､') => {
            Boundary::Clause
        }
        _ => Boundary::Word,
    }
}

#[cfg(test)]
mod tests;
