//! Subtitle cues: one per sentence, long sentences split at word boundaries, times fixed so
//! they strictly increase.

#[cfg(test)]
use super::view::Channel;
use super::view::{Sentence, Word};

/// Limits for a cue.
#[derive(Debug, Clone, Copy)]
pub struct CueLimits {
    /// Longest line, in characters; a cue holds at most two lines.
    pub max_line_chars: usize,
    /// Longest cue, in milliseconds.
    pub max_cue_ms: u64,
}

/// One subtitle cue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, ms.
    pub start: u64,
    /// End, ms; always greater than `start`.
    pub end: u64,
    /// Speaker index when diarized.
    pub speaker: Option<i64>,
    /// The text, already wrapped into lines with `\n`.
    pub text: String,
}

/// The cues of one channel, in time order, with strictly increasing, non-overlapping times.
#[cfg(test)]
pub fn build(channel: &Channel<'_>, limits: CueLimits) -> Vec<Cue> {
    let mut builder = Builder::new(limits);
    for sentence in &channel.sentences {
        builder.push(sentence);
    }
    builder.finish()
}

/// Cues built one sentence at a time, so a streamed document never holds its word timings.
#[derive(Debug)]
pub struct Builder {
    limits: CueLimits,
    max_chars: usize,
    cues: Vec<Cue>,
}

impl Builder {
    /// An empty channel.
    pub fn new(limits: CueLimits) -> Self {
        Self {
            limits,
            max_chars: limits.max_line_chars.saturating_mul(2).max(1),
            cues: Vec::new(),
        }
    }

    /// The cues of the next sentence, already wrapped into lines.
    pub fn push(&mut self, sentence: &Sentence<'_>) {
        let first = self.cues.len();
        split_sentence(sentence, self.limits, self.max_chars, &mut self.cues);
        for cue in &mut self.cues[first..] {
            cue.text = wrap(&cue.text, self.limits.max_line_chars);
        }
    }

    /// The cues in time order, with strictly increasing, non-overlapping times.
    pub fn finish(mut self) -> Vec<Cue> {
        fix_times(&mut self.cues);
        self.cues
    }
}

fn split_sentence(s: &Sentence<'_>, limits: CueLimits, max_chars: usize, out: &mut Vec<Cue>) {
    let words = s.words.as_deref().unwrap_or_default();
    let mut text = normalize(&s.text);
    if text.is_empty() && !words.is_empty() {
        text = join_words(words);
    }
    if text.is_empty() {
        return;
    }
    let duration = s.end_time.saturating_sub(s.begin_time);
    if text.chars().count() <= max_chars && duration <= limits.max_cue_ms {
        out.push(Cue {
            start: s.begin_time,
            end: s.end_time,
            speaker: s.speaker_id,
            text,
        });
    } else if !words.is_empty() {
        split_by_words(s, words, limits, max_chars, out);
    } else {
        split_by_text(s, &text, limits, max_chars, out);
    }
}

/// Greedily fill cues with whole words until the next word would break a limit.
fn split_by_words(
    s: &Sentence<'_>,
    words: &[Word<'_>],
    limits: CueLimits,
    max_chars: usize,
    out: &mut Vec<Cue>,
) {
    let first = out.len();
    let mut chunk = String::new();
    let mut chunk_chars = 0usize;
    let mut chunk_start = 0u64;
    let mut chunk_end = 0u64;
    for word in words {
        let piece_chars = word.text.chars().count() + word.punctuation.chars().count();
        let fits = chunk_chars + piece_chars <= max_chars
            && word.end_time.saturating_sub(chunk_start) <= limits.max_cue_ms;
        if !chunk.is_empty() && !fits {
            push_chunk(out, s, chunk_start, chunk_end, &chunk);
            chunk.clear();
            chunk_chars = 0;
        }
        if chunk.is_empty() {
            chunk_start = word.begin_time;
        }
        chunk.push_str(&word.text);
        chunk.push_str(&word.punctuation);
        chunk_chars += piece_chars;
        chunk_end = word.end_time;
    }
    if !chunk.is_empty() {
        push_chunk(out, s, chunk_start, chunk_end, &chunk);
    }
    // The sentence's own span wins at both ends: words may start after the sentence does.
    if let Some(cue) = out.get_mut(first) {
        cue.start = cue.start.min(s.begin_time);
    }
    if out.len() > first
        && let Some(cue) = out.last_mut()
    {
        cue.end = cue.end.max(s.end_time);
    }
}

fn push_chunk(out: &mut Vec<Cue>, s: &Sentence<'_>, start: u64, end: u64, raw: &str) {
    let text = normalize(raw);
    if !text.is_empty() {
        out.push(Cue {
            start,
            end,
            speaker: s.speaker_id,
            text,
        });
    }
}

/// Without word times: split at spaces (or between characters for unspaced scripts) and share
/// the sentence's time in proportion to the characters.
fn split_by_text(
    s: &Sentence<'_>,
    text: &str,
    limits: CueLimits,
    max_chars: usize,
    out: &mut Vec<Cue>,
) {
    let total = text.chars().count().max(1) as u64;
    let duration = s.end_time.saturating_sub(s.begin_time);
    let by_time = limits
        .max_cue_ms
        .saturating_mul(total)
        .checked_div(duration)
        .map_or(max_chars, |n| usize::try_from(n).unwrap_or(max_chars));
    let limit = max_chars.min(by_time).max(1);
    let mut offset = 0u64;
    for chunk in chunks(text, limit) {
        let len = chunk.chars().count() as u64;
        let start = s.begin_time + duration * offset / total;
        offset += len + 1;
        let end = s.begin_time + duration * offset.min(total) / total;
        out.push(Cue {
            start,
            end,
            speaker: s.speaker_id,
            text: chunk,
        });
    }
}

/// Split `text` into pieces of at most `limit` characters, at spaces where possible.
fn chunks(text: &str, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_chars = 0usize;
    for token in text.split(' ').filter(|t| !t.is_empty()) {
        let token_chars = token.chars().count();
        let needed = if current.is_empty() {
            token_chars
        } else {
            current_chars + 1 + token_chars
        };
        if needed <= limit {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(token);
            current_chars = needed;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            current_chars = 0;
        }
        if token_chars <= limit {
            current.push_str(token);
            current_chars = token_chars;
        } else {
            // A token longer than a cue (unspaced scripts) is cut between characters.
            let chars: Vec<char> = token.chars().collect();
            let mut parts = chars.chunks(limit).map(|c| c.iter().collect::<String>());
            let mut last = parts.next_back();
            pieces.extend(parts);
            if let Some(last) = last.take() {
                current_chars = last.chars().count();
                current = last;
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// Wrap a cue's text into lines of at most `max` characters: two balanced lines when that
/// works, else greedily.
pub fn wrap(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    // Prefer the space nearest the middle that leaves both lines short enough.
    let middle = count / 2;
    let best = text
        .char_indices()
        .enumerate()
        .filter(|(_, (_, c))| *c == ' ')
        .filter(|(i, _)| *i <= max && count - i - 1 <= max)
        .min_by_key(|(i, _)| i.abs_diff(middle));
    if let Some((_, (byte, _))) = best {
        return format!("{}\n{}", &text[..byte], &text[byte + 1..]);
    }
    chunks(text, max).join("\n")
}

/// Collapse runs of whitespace into one space and trim.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for part in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

fn join_words(words: &[Word<'_>]) -> String {
    let mut raw = String::new();
    for w in words {
        raw.push_str(&w.text);
        raw.push_str(&w.punctuation);
    }
    normalize(&raw)
}

/// Make cue times strictly increasing and non-overlapping: players and validators reject
/// cues that go back in time, and overlapping speakers would otherwise stack up.
pub fn fix_times(cues: &mut [Cue]) {
    cues.sort_by_key(|c| c.start);
    for i in 0..cues.len() {
        if i > 0 {
            let prev_start = cues[i - 1].start;
            if cues[i].start <= prev_start {
                cues[i].start = prev_start + 1;
            }
            let start = cues[i].start;
            if cues[i - 1].end > start {
                cues[i - 1].end = start;
            }
        }
        if cues[i].end <= cues[i].start {
            cues[i].end = cues[i].start + 1;
        }
    }
}
