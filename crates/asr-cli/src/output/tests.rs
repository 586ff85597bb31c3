use super::cues::{self, CueLimits};
use super::*;
use crate::testutil::TempDir;

const LIMITS: CueLimits = CueLimits {
    max_line_chars: 42,
    max_cue_ms: 7000,
};

fn opts(max_line_chars: usize, max_cue_ms: u64) -> RenderOptions {
    RenderOptions {
        limits: CueLimits {
            max_line_chars,
            max_cue_ms,
        },
    }
}

fn text_of(artifacts: &[Artifact], i: usize) -> &str {
    std::str::from_utf8(&artifacts[i].bytes).unwrap()
}

/// A sentence of `n` English words, 500 ms each, starting at `start`.
fn sentence_json(start: u64, n: usize, speaker: Option<i64>, with_words: bool) -> String {
    let words: Vec<String> = (0..n)
        .map(|i| {
            let b = start + i as u64 * 500;
            format!(
                r#"{{"begin_time":{b},"end_time":{},"text":"{}word{i}","punctuation":""}}"#,
                b + 500,
                if i == 0 { "" } else { " " }
            )
        })
        .collect();
    let text: Vec<String> = (0..n).map(|i| format!("word{i}")).collect();
    let speaker = speaker.map_or(String::new(), |s| format!(r#","speaker_id":{s}"#));
    let words = if with_words {
        format!(r#","words":[{}]"#, words.join(","))
    } else {
        String::new()
    };
    format!(
        r#"{{"begin_time":{start},"end_time":{},"text":"{}"{speaker}{words}}}"#,
        start + n as u64 * 500,
        text.join(" ")
    )
}

fn doc(channels: &[(u32, Vec<String>)]) -> String {
    let transcripts: Vec<String> = channels
        .iter()
        .map(|(id, sentences)| {
            format!(
                r#"{{"channel_id":{id},"text":"","sentences":[{}]}}"#,
                sentences.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"properties":{{"channels":[0]}},"transcripts":[{}]}}"#,
        transcripts.join(",")
    )
}

fn assert_cues_well_formed(cues: &[cues::Cue], limits: CueLimits) {
    for pair in cues.windows(2) {
        assert!(pair[1].start > pair[0].start, "{pair:?}");
        assert!(pair[0].end <= pair[1].start, "{pair:?}");
    }
    for cue in cues {
        assert!(cue.end > cue.start, "{cue:?}");
        let lines: Vec<&str> = cue.text.lines().collect();
        assert!(lines.len() <= 2, "{cue:?}");
        for line in lines {
            assert!(line.chars().count() <= limits.max_line_chars, "{cue:?}");
        }
    }
}

#[test]
fn a_short_sentence_is_one_cue() {
    let raw = doc(&[(0, vec![sentence_json(1000, 4, None, true)])]);
    let d = view::Doc::parse(raw.as_bytes()).unwrap();
    let cues = cues::build(&d.transcripts[0], LIMITS);
    assert_eq!(cues.len(), 1);
    assert_eq!(cues[0].start, 1000);
    assert_eq!(cues[0].end, 3000);
    assert_eq!(cues[0].text, "word0 word1 word2 word3");
}

#[test]
fn a_long_sentence_splits_at_word_boundaries_within_the_limits() {
    // 40 words over 20 s: too long for one 7 s cue.
    let raw = doc(&[(0, vec![sentence_json(0, 40, None, true)])]);
    let d = view::Doc::parse(raw.as_bytes()).unwrap();
    let cues = cues::build(&d.transcripts[0], LIMITS);
    assert!(cues.len() >= 3, "{cues:?}");
    assert_cues_well_formed(&cues, LIMITS);
    for cue in &cues {
        assert!(cue.end - cue.start <= LIMITS.max_cue_ms, "{cue:?}");
        // Every cue holds whole words.
        for token in cue.text.split_whitespace() {
            assert!(token.starts_with("word"), "{cue:?}");
        }
    }
    assert_eq!(cues[0].start, 0);
    assert_eq!(cues.last().unwrap().end, 20_000);
    let joined: Vec<&str> = cues
        .iter()
        .flat_map(|c| c.text.split_whitespace())
        .collect();
    assert_eq!(joined.len(), 40, "no word lost or repeated");
}

#[test]
fn without_word_times_a_long_sentence_shares_its_time_by_characters() {
    let raw = doc(&[(0, vec![sentence_json(0, 40, None, false)])]);
    let d = view::Doc::parse(raw.as_bytes()).unwrap();
    let cues = cues::build(&d.transcripts[0], LIMITS);
    assert!(cues.len() >= 3, "{cues:?}");
    assert_cues_well_formed(&cues, LIMITS);
    for cue in &cues {
        assert!(cue.end - cue.start <= LIMITS.max_cue_ms, "{cue:?}");
    }
    let joined: Vec<&str> = cues
        .iter()
        .flat_map(|c| c.text.split_whitespace())
        .collect();
    assert_eq!(joined.len(), 40);
}

#[test]
fn unspaced_text_is_cut_between_characters() {
    let text = "欢迎使用阿里云".repeat(20);
    let raw = format!(
        r#"{{"audio_info":{{"format":"wav"}},"transcripts":[{{"channel_id":0,"text":"{text}","sentences":[{{"sentence_id":0,"begin_time":0,"end_time":20000,"text":"{text}"}}]}}]}}"#
    );
    let d = view::Doc::parse(raw.as_bytes()).unwrap();
    let cues = cues::build(&d.transcripts[0], LIMITS);
    assert!(cues.len() >= 3);
    assert_cues_well_formed(&cues, LIMITS);
    let joined: String = cues.iter().map(|c| c.text.replace('\n', "")).collect();
    assert_eq!(joined, text);
}

#[test]
fn overlapping_and_out_of_order_sentences_get_strictly_increasing_times() {
    let raw = doc(&[(
        0,
        vec![
            sentence_json(5000, 2, Some(1), true),
            sentence_json(1000, 4, Some(0), true),
            sentence_json(1000, 2, Some(1), true),
            sentence_json(2500, 2, Some(0), true),
        ],
    )]);
    let d = view::Doc::parse(raw.as_bytes()).unwrap();
    let cues = cues::build(&d.transcripts[0], LIMITS);
    assert_eq!(cues.len(), 4);
    assert_cues_well_formed(&cues, LIMITS);
}

#[test]
fn fix_times_handles_zero_length_and_identical_cues() {
    let cue = |start, end| cues::Cue {
        start,
        end,
        speaker: None,
        text: "x".into(),
    };
    let mut list = vec![cue(10, 10), cue(10, 10), cue(10, 5), cue(0, 0)];
    cues::fix_times(&mut list);
    assert_cues_well_formed(&list, LIMITS);
    assert_eq!(list[0].start, 0);
}

#[test]
fn wrap_prefers_two_balanced_lines() {
    assert_eq!(cues::wrap("short", 42), "short");
    assert_eq!(
        cues::wrap("one two three four five six", 20),
        "one two three\nfour five six"
    );
    assert_eq!(cues::wrap("abcdefghij", 4), "abcd\nefgh\nij");
}

#[test]
fn several_channels_give_one_time_based_file_each_and_one_txt() {
    let raw = doc(&[
        (0, vec![sentence_json(0, 2, None, true)]),
        (1, vec![sentence_json(100, 3, None, true)]),
    ]);
    let all = [
        Format::Txt,
        Format::Srt,
        Format::Vtt,
        Format::Tsv,
        Format::Json,
    ];
    let artifacts = render(raw.as_bytes(), &all, opts(42, 7000)).unwrap();
    let suffixes: Vec<String> = artifacts.iter().map(Artifact::suffix).collect();
    assert_eq!(
        suffixes,
        [
            ".txt", ".ch0.srt", ".ch1.srt", ".ch0.vtt", ".ch1.vtt", ".ch0.tsv", ".ch1.tsv", ".json"
        ]
    );
    assert_eq!(
        text_of(&artifacts, 0),
        "Channel 0:\nword0 word1\n\nChannel 1:\nword0 word1 word2\n"
    );
    assert_eq!(
        artifacts[7].bytes,
        raw.as_bytes(),
        "json is the input, byte for byte"
    );
}

#[test]
fn diarized_documents_label_speakers_in_every_text_format() {
    let raw = doc(&[(
        0,
        vec![
            sentence_json(0, 2, Some(0), true),
            sentence_json(1000, 2, Some(0), true),
            sentence_json(2000, 2, Some(1), true),
        ],
    )]);
    let artifacts = render(
        raw.as_bytes(),
        &[Format::Txt, Format::Srt, Format::Vtt],
        opts(42, 7000),
    )
    .unwrap();
    assert_eq!(
        text_of(&artifacts, 0),
        "Speaker 0: word0 word1 word0 word1\nSpeaker 1: word0 word1\n"
    );
    assert!(text_of(&artifacts, 1).contains("[Speaker 1] word0 word1"));
    assert!(text_of(&artifacts, 2).contains("<v Speaker 1>word0 word1"));
}

#[test]
fn vtt_escapes_markup_characters() {
    let raw = r#"{"properties":{},"transcripts":[{"channel_id":0,"text":"a<b & c>d","sentences":[{"begin_time":0,"end_time":1000,"text":"a<b & c>d"}]}]}"#;
    let artifacts = render(raw.as_bytes(), &[Format::Vtt], opts(42, 7000)).unwrap();
    assert!(text_of(&artifacts, 0).contains("a&lt;b &amp; c&gt;d"));
}

#[test]
fn timestamps_use_the_format_separator_and_hours() {
    assert_eq!(timestamp(0, ','), "00:00:00,000");
    assert_eq!(timestamp(3_723_004, '.'), "01:02:03.004");
    assert_eq!(timestamp(43_200_000, ','), "12:00:00,000");
}

#[test]
fn a_document_without_transcripts_is_refused_with_a_hint() {
    let err = render(b"{\"output\":{}}", &[Format::Txt], opts(42, 7000)).unwrap_err();
    assert!(err.to_string().contains("transcription_url"), "{err}");
    let err = render(b"not json", &[Format::Txt], opts(42, 7000)).unwrap_err();
    assert!(
        err.to_string().contains("not a transcription result"),
        "{err}"
    );
}

#[test]
fn stems_come_from_paths_and_urls_and_collisions_get_a_number() {
    assert_eq!(files::stem_of("/data/talk.wav"), "talk");
    assert_eq!(files::stem_of("talk"), "talk");
    assert_eq!(
        files::stem_of("https://h/x/y/meeting.mp3?Expires=1&a=b"),
        "meeting"
    );
    assert_eq!(files::stem_of("oss://bucket/dir/a.b.wav"), "a.b");
    assert_eq!(files::stem_of("https://h/"), "h");
    assert_eq!(files::stem_of(".wav"), ".wav");
    assert_eq!(files::stem_of("a/b:c.wav"), "b_c");
    assert_eq!(
        files::assign_stems(["a/x.wav", "b/x.mp3", "X.wav", "x-2.wav", "y.wav"]),
        ["x", "x-2", "X-3", "x-2-2", "y"]
    );
}

#[test]
fn atomic_writes_replace_the_file_and_leave_no_temporary() {
    let dir = TempDir::new("atomic");
    let path = dir.path().join("out.srt");
    files::write_atomic(&path, b"first").unwrap();
    files::write_atomic(&path, b"second").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["out.srt"]);
}

#[test]
fn a_streamed_document_renders_as_the_buffered_one_does() {
    // Two channels, speakers, a sentence long enough to split, escaped text and an unknown
    // field: everything the streamed reading keeps or drops.
    let mut raw = doc(&[
        (
            0,
            vec![
                sentence_json(0, 30, Some(0), true),
                sentence_json(20_000, 3, Some(1), false),
            ],
        ),
        (1, vec![sentence_json(500, 2, None, true)]),
    ]);
    raw = raw.replacen(
        r#""text":"""#,
        r#""text":"caf\u00e9\tbar","extra":[1,{"a":null}]"#,
        1,
    );
    let text_formats = [Format::Txt, Format::Srt, Format::Vtt, Format::Tsv];
    for formats in [
        &text_formats[..],
        &[Format::Srt],
        &[Format::Tsv, Format::Txt],
    ] {
        let buffered = render(raw.as_bytes(), formats, opts(10, 2000)).unwrap();
        let streamed = render_reader(raw.as_bytes(), formats, opts(10, 2000)).unwrap();
        assert_eq!(streamed, buffered, "{formats:?}");
    }
    assert!(
        text_of(
            &render(raw.as_bytes(), &[Format::Txt], opts(42, 7000)).unwrap(),
            0
        )
        .contains("Speaker 1: word0 word1 word2")
    );
    let with_json = [Format::Srt, Format::Json];
    let streamed = render_reader(raw.as_bytes(), &with_json, opts(42, 7000)).unwrap();
    assert_eq!(
        streamed[2].bytes,
        raw.as_bytes(),
        "json is the input, byte for byte"
    );
}

#[test]
fn a_streamed_document_refuses_what_the_buffered_one_refuses() {
    for bad in [
        &b"{\"output\":{}}"[..],
        b"not json",
        b"{\"transcripts\":[]} trailing",
        b"{\"transcripts\":[],\"transcripts\":[]}",
        b"{\"transcripts\":[{\"sentences\":[{\"begin_time\":-1,\"end_time\":0}]}]}",
    ] {
        let streamed = render_reader(bad, &[Format::Srt], opts(42, 7000)).unwrap_err();
        let buffered = render(bad, &[Format::Srt], opts(42, 7000)).unwrap_err();
        assert!(
            streamed.to_string().contains("transcription_url"),
            "{streamed}"
        );
        let cause = |e: &ParseError| std::error::Error::source(e).map(ToString::to_string);
        assert!(cause(&streamed).is_some());
        // The reader reports the same problem, if not always at the same column.
        let first_word = |s: Option<String>| {
            s.unwrap_or_default()
                .split_whitespace()
                .next()
                .map(str::to_owned)
        };
        assert_eq!(first_word(cause(&streamed)), first_word(cause(&buffered)));
    }
}
