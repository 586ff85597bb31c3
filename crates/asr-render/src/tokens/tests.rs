#![allow(clippy::unwrap_used)]

use super::*;

/// A sentence from `(text, punctuation, begin, end)` words.
fn sentence(
    text: &str,
    span: (u64, u64),
    words: &[(&str, &str, Option<u64>, Option<u64>)],
) -> SentenceBuf {
    let mut s = SentenceBuf::default();
    s.text = s.push_str(text);
    s.begin = Some(span.0);
    s.end = Some(span.1);
    for &(t, p, b, e) in words {
        let text = s.push_str(t);
        let punctuation = s.push_str(p);
        s.words.push(RawWord {
            begin: b,
            end: e,
            text,
            punctuation,
        });
    }
    s
}

fn texts(t: &Tokens) -> Vec<(&str, bool)> {
    t.list.iter().map(|k| (t.str(k), k.space_before)).collect()
}

#[test]
fn words_keep_their_spacing_and_punctuation() {
    let s = sentence(
        "Hello world, this 这里是阿里",
        (0, 1000),
        &[
            ("Hello", "", Some(0), Some(100)),
            (" world", ", ", Some(100), Some(200)),
            ("this", "", Some(200), Some(300)),
            ("这里是", "", Some(300), Some(400)),
            ("阿里", "", Some(400), Some(500)),
        ],
    );
    let mut t = Tokens::default();
    t.build(&s);
    assert_eq!(
        texts(&t),
        [
            ("Hello", false),
            ("world,", true),
            ("this", true),
            ("这里是", false),
            ("阿里", false)
        ]
    );
    assert_eq!(t.list[1].boundary, Boundary::Clause);
    assert_eq!(t.list[3].width, 6, "wide characters count 2");
}

#[test]
fn punctuation_alone_joins_the_word_before_and_empty_words_vanish() {
    let s = sentence(
        "Yes. OK",
        (0, 1000),
        &[
            ("Yes", "", Some(0), Some(100)),
            ("", ".", Some(100), Some(150)),
            (" ", "", None, None),
            ("OK", "", Some(200), Some(300)),
        ],
    );
    let mut t = Tokens::default();
    t.build(&s);
    assert_eq!(texts(&t), [("Yes.", false), ("OK", true)]);
    assert_eq!(t.list[0].boundary, Boundary::Sentence);
    assert_eq!(t.list[0].end, 150);
}

#[test]
fn words_that_do_not_spell_the_text_give_way_to_it() {
    // The diarization fixture's shape: two words for a whole sentence.
    let s = sentence(
        "Hello world, this is it.",
        (0, 2400),
        &[
            ("Hello ", "", Some(0), Some(500)),
            ("world", ", ", Some(500), Some(900)),
        ],
    );
    let mut t = Tokens::default();
    t.build(&s);
    let words: Vec<&str> = texts(&t).into_iter().map(|(w, _)| w).collect();
    assert_eq!(words, ["Hello", "world,", "this", "is", "it."]);
    // Text tokens share the span by width.
    assert_eq!(t.list[0].begin, 0);
    assert_eq!(t.list[4].end, 2400);
    assert!(t.list.windows(2).all(|p| p[0].end <= p[1].begin));
}

#[test]
fn text_is_cut_at_spaces_and_between_unspaced_characters_only() {
    let s = sentence("a well-known café, 欢迎使用阿里云。（好）", (0, 1000), &[]);
    let mut t = Tokens::default();
    t.build(&s);
    let words: Vec<&str> = texts(&t).into_iter().map(|(w, _)| w).collect();
    assert_eq!(
        words,
        [
            "a",
            "well-known",
            "café,",
            "欢",
            "迎",
            "使",
            "用",
            "阿",
            "里",
            "云。",
            "（好）"
        ]
    );
}

#[test]
fn word_times_are_filled_clamped_and_never_go_back() {
    let s = sentence(
        "a b c d e",
        (1000, 2000),
        &[
            ("a", "", Some(500), Some(1100)),
            ("b", "", None, None),
            ("c", "", Some(1800), Some(1900)),
            ("d", "", Some(1200), Some(1300)),
            ("e", "", Some(1950), Some(5000)),
        ],
    );
    let mut t = Tokens::default();
    t.build(&s);
    let times: Vec<(u64, u64)> = t.list.iter().map(|k| (k.begin, k.end)).collect();
    assert_eq!(
        times,
        [
            (1000, 1100),
            (1200, 1400),
            (1800, 1900),
            (1800, 1900),
            (1950, 2000)
        ]
    );
}

#[test]
fn an_empty_sentence_span_takes_the_words_times() {
    let s = sentence(
        "a b",
        (700, 700),
        &[
            ("a", "", Some(100), Some(200)),
            ("b", "", Some(300), Some(400)),
        ],
    );
    let mut t = Tokens::default();
    t.build(&s);
    assert_eq!(t.span, (100, 400));
    assert_eq!((t.list[1].begin, t.list[1].end), (300, 400));
}

#[test]
fn boundaries_look_through_closing_quotes() {
    assert_eq!(boundary("said.\""), Boundary::Sentence);
    assert_eq!(boundary("好。」"), Boundary::Sentence);
    assert_eq!(boundary("well,"), Boundary::Clause);
    assert_eq!(boundary("3.5"), Boundary::Word);
}

#[test]
fn normalizing_drops_control_characters_and_collapses_spaces() {
    assert_eq!(normalize("  a\t\tb\u{7}c \n"), "a bc");
}
