//! Text rules of the languages the service transcribes: how sentences are joined, which
//! scripts are written without spaces, which punctuation closes what precedes it.
//!
//! They live here, beside the result documents, because every reader of those documents
//! needs them: the protocol's recognition accumulator and the renderers alike.

/// Joins sentence texts the way the language writes them: one space between sentences, none
/// after CJK punctuation (`。`, `！`, `，`, …) and none between two characters of scripts
/// written without spaces (Han, kana).
///
/// Each part is trimmed and empty parts are skipped. This is the joining rule of
/// `asr_protocol`'s recognition accumulator, of the transport's recognition text and of
/// plain-text renderings.
///
/// ```
/// use asr_types::text::join_sentences;
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
///
/// ```
/// use asr_types::text::is_unspaced;
/// assert!(is_unspaced('欢') && is_unspaced('。'));
/// assert!(!is_unspaced('a'));
/// ```
pub fn is_unspaced(c: char) -> bool {
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
///
/// ```
/// use asr_types::text::is_cjk_punctuation;
/// assert!(is_cjk_punctuation('，') && !is_cjk_punctuation(','));
/// ```
pub fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}')
        || (matches!(c, '\u{FF00}'..='\u{FFEF}') && !c.is_alphanumeric())
}

/// Punctuation that closes what precedes it, so it belongs to the sentence before it.
/// ASCII quotes are left out: they open as often as they close.
///
/// ```
/// use asr_types::text::is_closing;
/// assert!(is_closing('.') && is_closing('。') && is_closing('」'));
/// assert!(!is_closing('"') && !is_closing('('));
/// ```
pub fn is_closing(c: char) -> bool {
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
