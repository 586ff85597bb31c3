//! Whole documents: channels, speakers, escapes, unknown fields, and what is refused.

use asr_render::{ChannelLayout, Error, Format, Json, Options};

/// A sentence of `n` words `word0 …` of 500 ms from `start`, with or without word times.
fn sentence(start: u64, n: usize, speaker: Option<u64>, with_words: bool) -> String {
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

fn text(out: &[asr_render::Output], i: usize) -> &str {
    std::str::from_utf8(&out[i].bytes).unwrap()
}

#[test]
fn several_channels_give_one_timed_output_each_and_one_txt() {
    let raw = doc(&[
        (0, vec![sentence(0, 2, None, true)]),
        (1, vec![sentence(100, 3, None, true)]),
    ]);
    let all = [
        Format::Txt,
        Format::Srt,
        Format::Vtt,
        Format::Tsv,
        Format::Json,
    ];
    let out = asr_render::render(&Json(raw.as_bytes()), &all, &Options::default()).unwrap();
    let suffixes: Vec<String> = out.iter().map(|o| o.file_suffix()).collect();
    assert_eq!(
        suffixes,
        [
            ".txt", ".ch0.srt", ".ch1.srt", ".ch0.vtt", ".ch1.vtt", ".ch0.tsv", ".ch1.tsv", ".json"
        ]
    );
    assert_eq!(
        text(&out, 0),
        "Channel 0:\nword0 word1\n\nChannel 1:\nword0 word1 word2\n"
    );
    assert_eq!(
        out[7].bytes,
        raw.as_bytes(),
        "json is the input, byte for byte"
    );

    let merged = Options::default().with_channels(ChannelLayout::Merged);
    let out =
        asr_render::render(&Json(raw.as_bytes()), &[Format::Srt, Format::Tsv], &merged).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(
        text(&out, 0),
        "1\n00:00:00,000 --> 00:00:00,100\n[Channel 0] word0 word1\n\n\
         2\n00:00:00,100 --> 00:00:01,600\n[Channel 1] word0 word1 word2\n\n",
        "the earlier cue ends where the later starts"
    );
    assert_eq!(
        text(&out, 1),
        "start\tend\tspeaker\ttext\n0\t1000\tChannel 0\tword0 word1\n\
         100\t1600\tChannel 1\tword0 word1 word2\n"
    );
}

#[test]
fn diarized_documents_label_speakers_in_every_text_format() {
    let raw = doc(&[(
        0,
        vec![
            sentence(0, 2, Some(0), true),
            sentence(1000, 2, Some(0), true),
            sentence(2000, 2, Some(1), true),
        ],
    )]);
    let formats = [Format::Txt, Format::Srt, Format::Vtt, Format::Tsv];
    let out = asr_render::render(&Json(raw.as_bytes()), &formats, &Options::default()).unwrap();
    assert_eq!(
        text(&out, 0),
        "Speaker 0: word0 word1 word0 word1\nSpeaker 1: word0 word1\n"
    );
    assert!(text(&out, 1).contains("[Speaker 1] word0 word1"));
    assert!(text(&out, 2).contains("<v Speaker 1>word0 word1"));
    assert!(text(&out, 3).contains("\tSpeaker 1\tword0 word1\n"));

    let off = Options::default().with_speaker_labels(false);
    let out = asr_render::render(&Json(raw.as_bytes()), &formats, &off).unwrap();
    assert!(
        out.iter()
            .all(|o| !text(&out, 0).contains("Speaker") && !o.bytes.is_empty())
    );
    assert!(!text(&out, 1).contains("Speaker") && !text(&out, 2).contains("<v"));
}

#[test]
fn vtt_escapes_markup_in_text_and_word_timestamps() {
    let raw = r#"{"transcripts":[{"channel_id":0,"text":"a<b & c>d","sentences":[
        {"begin_time":0,"end_time":1000,"text":"a<b & c>d","words":[
        {"begin_time":0,"end_time":300,"text":"a<b","punctuation":""},
        {"begin_time":300,"end_time":600,"text":" &","punctuation":""},
        {"begin_time":600,"end_time":1000,"text":" c>d","punctuation":""}]}]}]}"#;
    let words = Options::default().with_word_timestamps(true);
    let out = asr_render::render(&Json(raw.as_bytes()), &[Format::Vtt], &words).unwrap();
    assert!(
        text(&out, 0).contains("a&lt;b <00:00:00.300>&amp; <00:00:00.600>c&gt;d"),
        "{}",
        text(&out, 0)
    );
}

#[test]
fn a_streamed_document_renders_as_the_buffered_one_does() {
    // Two channels, speakers, a sentence long enough to split, escaped text and an unknown
    // field: everything the streamed reading keeps or drops.
    let mut raw = doc(&[
        (
            0,
            vec![
                sentence(0, 30, Some(0), true),
                sentence(20_000, 3, Some(1), false),
            ],
        ),
        (1, vec![sentence(500, 2, None, true)]),
    ]);
    raw = raw.replacen(
        r#""text":"""#,
        r#""text":"caf\u00e9\tbar","extra":[1,{"a":null}]"#,
        1,
    );
    let narrow = Options::default().with_cues(
        asr_render::CuePolicy::default()
            .with_max_line_width(10)
            .with_max_cue_duration(std::time::Duration::from_secs(2)),
    );
    for formats in [
        &[Format::Txt, Format::Srt, Format::Vtt, Format::Tsv][..],
        &[Format::Srt],
        &[Format::Tsv, Format::Txt],
    ] {
        let buffered = asr_render::render(&Json(raw.as_bytes()), formats, &narrow).unwrap();
        let streamed = asr_render::render_reader(raw.as_bytes(), formats, &narrow).unwrap();
        assert_eq!(streamed, buffered, "{formats:?}");
    }
    let out =
        asr_render::render(&Json(raw.as_bytes()), &[Format::Txt], &Options::default()).unwrap();
    assert!(text(&out, 0).contains("Speaker 1: word0 word1 word2"));
    let streamed =
        asr_render::render_reader(raw.as_bytes(), &[Format::Srt, Format::Json], &narrow).unwrap();
    let json = streamed.iter().find(|o| o.format == Format::Json).unwrap();
    assert!(
        json.bytes == raw.as_bytes(),
        "json is the input, byte for byte"
    );
}

#[test]
fn what_is_not_a_result_document_is_refused_the_same_way_streamed_or_not() {
    for bad in [
        &b"{\"output\":{}}"[..],
        b"not json",
        b"[1, 2]",
        b"{\"transcripts\":[]} trailing",
        b"{\"transcripts\":[],\"transcripts\":[]}",
        b"{\"transcripts\":[{\"sentences\":[{\"begin_time\":-1,\"end_time\":0}]}]}",
        b"{\"transcripts\":[{\"sentences\":[{\"words\":[{\"text\":7}]}]}]}",
    ] {
        let options = Options::default();
        let buffered = asr_render::render(&Json(bad), &[Format::Srt], &options).unwrap_err();
        let streamed = asr_render::render_reader(bad, &[Format::Srt], &options).unwrap_err();
        for err in [&buffered, &streamed] {
            assert!(matches!(err, Error::Parse(_)), "{err:?}");
            assert!(err.to_string().contains("transcription_url"), "{err}");
        }
        let cause = |e: &Error| std::error::Error::source(e).map(ToString::to_string);
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

#[test]
fn a_sentence_without_times_refuses_timed_formats_only() {
    let raw = br#"{"transcripts":[{"channel_id":3,"text":"Hi. Yes.","sentences":[
        {"begin_time":0,"end_time":500,"text":"Hi."},{"text":"Yes."}]}]}"#;
    let options = Options::default();
    let err = asr_render::render(&Json(raw), &[Format::Txt, Format::Vtt], &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`vtt` needs sentence times, but sentence 2 of channel 3 has none; render txt or json \
         instead"
    );
    let out = asr_render::render(&Json(raw), &[Format::Txt], &options).unwrap();
    assert_eq!(text(&out, 0), "Hi. Yes.\n");
}

#[test]
fn a_policy_without_room_is_refused_naming_the_field() {
    let options = Options::default().with_cues(asr_render::CuePolicy::default().with_max_lines(0));
    let err = asr_render::render(&Json(b"{}"), &[Format::Srt], &options).unwrap_err();
    assert_eq!(err.to_string(), "`max_lines`: must be at least 1 line");
}
