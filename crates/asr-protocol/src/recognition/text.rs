//! Text rules shared by the accumulator and its callers: joining sentences, and lining settled
//! sentences up with a cumulative Flash `output.text`.
//!
//! The service's `output.text` and its sentences' `text` need not agree byte for byte: English
//! sentences are joined with a space in the cumulative text, a sentence may carry a half-width
//! comma where the text has a full-width one, and nothing guarantees the case of a revised
//! word. Matching therefore compares letters and digits only (case-insensitively), skipping
//! whitespace everywhere and punctuation where one side lacks it.

use asr_types::text::is_closing;
pub use asr_types::text::join_sentences;

/// Whether `text` has any letter or digit (text of punctuation and spaces says nothing).
pub(super) fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

fn same(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Where `needle` ends when it is read in `hay` from byte `start`, tolerating whitespace and
/// punctuation differences; `None` when a letter or digit differs.
///
/// Closing punctuation directly after the match is taken with it, so `Hello` read in
/// `Hello! How` ends before the space.
pub(super) fn match_at(hay: &str, start: usize, needle: &str) -> Option<usize> {
    let rest = hay.get(start..)?;
    let mut h = rest.char_indices().peekable();
    let mut n = needle.chars().peekable();
    loop {
        while n.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&nc) = n.peek() else { break };
        while h.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        match h.peek().copied() {
            Some((_, hc)) if same(nc, hc) => {
                n.next();
                h.next();
            }
            // Punctuation the other side lacks (or spells differently) is skipped.
            _ if !nc.is_alphanumeric() => {
                n.next();
            }
            Some((_, hc)) if !hc.is_alphanumeric() => {
                h.next();
            }
            _ => return None,
        }
    }
    while h.next_if(|(_, c)| is_closing(*c)).is_some() {}
    Some(start + h.peek().map_or(rest.len(), |(i, _)| *i))
}

/// The last place `needle` can be read in `hay`, as a byte range; `None` when it cannot, or
/// when `needle` has no letter or digit to anchor on.
pub(super) fn rfind(hay: &str, needle: &str) -> Option<(usize, usize)> {
    let first = needle.chars().find(|c| c.is_alphanumeric())?;
    hay.char_indices()
        .rev()
        .filter(|(_, c)| same(*c, first))
        .find_map(|(at, _)| match_at(hay, at, needle).map(|end| (at, end)))
}

/// `text` without the whitespace and closing punctuation that a match left at its start, nor
/// trailing whitespace.
pub(super) fn trim_rest(text: &str) -> &str {
    text.trim_start_matches(|c: char| c.is_whitespace() || is_closing(c))
        .trim_end()
}
