//! Text rules shared by the accumulator and its callers: joining sentences, and lining settled
//! sentences up with a cumulative Flash `output.text`.
//!
//! The service's `output.text` and its sentences' `text` need not agree byte for byte: English
//! sentences are joined with a space in the cumulative text, a sentence may carry a half-width
//! comma where the text has a full-width one, and nothing guarantees the case of a revised
//! word. Matching therefore compares letters and digits only (case-insensitively), skipping
//! whitespace everywhere and punctuation where one side lacks it.

/// Joins sentence texts the way the language writes them: one space between sentences, none
/// after CJK punctuation (`。`, `！`, `，`, …) and none between two characters of scripts
/// written without spaces (Han, kana).
///
/// Each part is trimmed and empty parts are skipped. This is the joining rule of
/// [`Accumulator::text`](super::Accumulator::text) and of the transport's recognition text.
///
/// ```
/// use asr_protocol::recognition::join_sentences;
/// assert_eq!(join_sentences(["Good morning.", "How are you?"]), "Good morning. How are you?");
/// assert_eq!(join_sentences(["今天天气很好。", "我们去公园吧。"]), "今天天气很好。我们去公园吧。");
/// ```
pub fn join_sentences<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if let (Some(a), Some(b)) = (out.chars().last(), part.chars().next()) {
            let unspaced = is_cjk_punctuation(a) || (is_unspaced(a) && is_unspaced(b));
            if !unspaced {
                out.push(' ');
            }
        }
        out.push_str(part);
    }
    out
}

/// Characters of scripts written without spaces between words or sentences, and their
/// punctuation.
fn is_unspaced(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'     // CJK radicals, Kangxi radicals
        | '\u{3000}'..='\u{30FF}'   // CJK symbols and punctuation, Hiragana, Katakana
        | '\u{3100}'..='\u{312F}'   // Bopomofo
        | '\u{31A0}'..='\u{31FF}'   // Bopomofo extended, Katakana extensions
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}'   // half-width and full-width forms
        | '\u{20000}'..='\u{3FFFF}' // CJK extensions B and later
    )
}

/// Full-width punctuation, which carries its own spacing.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}')
        || (matches!(c, '\u{FF00}'..='\u{FFEF}') && !c.is_alphanumeric())
}

/// Punctuation that closes what precedes it, so it belongs to the sentence before it.
/// ASCII quotes are left out: they open as often as they close.
fn is_closing(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
            | '…'
            | '。'
            | '，'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '」'
            | '』'
            | '》'
            | '”'
            | '’'
    )
}

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
