#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn timestamps_use_the_format_separator_and_hours() {
    let ts = |ms, sep| {
        let mut s = String::new();
        timestamp(&mut s, ms, sep);
        s
    };
    assert_eq!(ts(0, ','), "00:00:00,000");
    assert_eq!(ts(3_723_004, '.'), "01:02:03.004");
    assert_eq!(ts(43_200_000, ','), "12:00:00,000");
    assert_eq!(ts(360_000_000, ','), "100:00:00,000");
}

#[test]
fn vtt_escapes_markup_characters() {
    let mut out = String::new();
    escape_vtt("a<b & c>d --> e", &mut out);
    assert_eq!(out, "a&lt;b &amp; c&gt;d --&gt; e");
}

#[test]
fn labels_name_speakers_and_merged_channels() {
    let o = Options::default();
    assert_eq!(label(&o, 1, Some(2)).as_deref(), Some("Speaker 2"));
    assert_eq!(label(&o, 1, None), None);
    assert_eq!(label_width(&o, 1, Some(2)), "[Speaker 2] ".len());
    let merged = o.with_channels(ChannelLayout::Merged);
    assert_eq!(label(&merged, 1, None).as_deref(), Some("Channel 1"));
    assert_eq!(
        label(&merged, 1, Some(0)).as_deref(),
        Some("Channel 1 Speaker 0")
    );
    let off = o.with_speaker_labels(false);
    assert_eq!(label(&off, 1, Some(2)), None);
}

#[test]
fn tsv_has_a_header_and_a_speaker_column() {
    let line = |speaker, text: &str| Line {
        begin: 0,
        end: 900,
        speaker,
        channel: 0,
        text: text.to_owned(),
    };
    let lines = [line(Some(1), "Hi."), line(None, ""), line(None, "Yes.")];
    assert_eq!(
        tsv(&lines, &Options::default()),
        "start\tend\tspeaker\ttext\n0\t900\tSpeaker 1\tHi.\n0\t900\t\tYes.\n"
    );
}
