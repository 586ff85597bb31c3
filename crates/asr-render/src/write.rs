//! The formats' text: txt, srt, vtt and tsv, from cues and sentence lines.

use std::fmt::Write as _;

use asr_types::text::join_sentences;

use crate::cues::Cue;
use crate::sink::Line;
use crate::{ChannelLayout, Options};

/// The label of a cue or row: `Speaker N`, `Channel N` in the merged layout, or both.
pub(crate) fn label(options: &Options, channel: u32, speaker: Option<u64>) -> Option<String> {
    let speaker = speaker.filter(|_| options.speaker_labels);
    match (options.channels == ChannelLayout::Merged, speaker) {
        (true, Some(s)) => Some(format!("Channel {channel} Speaker {s}")),
        (true, None) => Some(format!("Channel {channel}")),
        (false, Some(s)) => Some(format!("Speaker {s}")),
        (false, None) => None,
    }
}

/// Columns the label takes on a cue's first line: `[Speaker N] ` as srt writes it. Both
/// subtitle formats keep the room, so they show the same cues.
pub(crate) fn label_width(options: &Options, channel: u32, speaker: Option<u64>) -> usize {
    label(options, channel, speaker).map_or(0, |l| l.len() + 3)
}

/// A channel for plain text.
pub(crate) struct TxtChannel<'a> {
    pub id: u32,
    pub text: &'a str,
    pub lines: &'a [Line],
}

/// Each channel's text (under `Channel N:` when there are several); one `Speaker N: `
/// paragraph per turn when diarized.
pub(crate) fn txt(channels: &[TxtChannel<'_>], diarized: bool, options: &Options) -> String {
    let mut out = String::new();
    let several = channels.len() > 1;
    for (i, channel) in channels.iter().enumerate() {
        if several {
            if i > 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "Channel {}:", channel.id);
        }
        if diarized && options.speaker_labels {
            for turn in channel.lines.chunk_by(|a, b| a.speaker == b.speaker) {
                let text = join_sentences(turn.iter().map(|l| l.text.as_str()));
                if text.is_empty() {
                    continue;
                }
                if let Some(id) = turn.first().and_then(|l| l.speaker) {
                    let _ = write!(out, "Speaker {id}: ");
                }
                out.push_str(&text);
                out.push('\n');
            }
        } else {
            let text = if channel.text.is_empty() {
                join_sentences(channel.lines.iter().map(|l| l.text.as_str()))
            } else {
                channel.text.to_owned()
            };
            if !text.is_empty() {
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    out
}

/// SubRip: numbered cues, the label as `[Speaker N] ` before the first line.
pub(crate) fn srt(cues: &[Cue], options: &Options) -> String {
    let mut out = String::with_capacity(cues.len() * 80);
    for (i, cue) in cues.iter().enumerate() {
        number(&mut out, i as u64 + 1, 1);
        out.push('\n');
        times(&mut out, cue, ',');
        if let Some(label) = label(options, cue.channel_id, cue.speaker_id) {
            let _ = write!(out, "[{label}] ");
        }
        out.push_str(cue.text());
        out.push_str("\n\n");
    }
    out
}

/// WebVTT: the label as a voice span `<v Speaker N>`; with word timestamps, a
/// `<hh:mm:ss.mmm>` before each later word whose start lies inside the cue (the format wants
/// them increasing and strictly inside).
pub(crate) fn vtt(cues: &[Cue], options: &Options) -> String {
    let mut out = String::with_capacity(8 + cues.len() * 80);
    out.push_str("WEBVTT\n\n");
    for cue in cues {
        times(&mut out, cue, '.');
        if let Some(label) = label(options, cue.channel_id, cue.speaker_id) {
            let _ = write!(out, "<v {label}>");
        }
        let text = cue.text();
        if options.word_timestamps {
            let mut last = cue.start_ms;
            let mut pos = 0;
            for (k, word) in cue.words().enumerate() {
                escape_vtt(&text[pos..word.offset], &mut out);
                if k > 0 && word.start_ms > last && word.start_ms < cue.end_ms {
                    out.push('<');
                    timestamp(&mut out, word.start_ms, '.');
                    out.push('>');
                    last = word.start_ms;
                }
                escape_vtt(word.text, &mut out);
                pos = word.offset + word.text.len();
            }
            escape_vtt(&text[pos..], &mut out);
        } else {
            escape_vtt(text, &mut out);
        }
        out.push_str("\n\n");
    }
    out
}

/// WebVTT cue text treats `&`, `<` and `>` as markup.
fn escape_vtt(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>']) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&gt;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

/// A header, then `start<TAB>end<TAB>speaker<TAB>text` per sentence, times in ms. Texts are
/// whitespace-normalized, so they hold no tab or line break.
pub(crate) fn tsv<'a>(lines: impl IntoIterator<Item = &'a Line>, options: &Options) -> String {
    let mut out = String::from("start\tend\tspeaker\ttext\n");
    for line in lines.into_iter().filter(|l| !l.text.is_empty()) {
        let label = label(options, line.channel, line.speaker).unwrap_or_default();
        let _ = writeln!(out, "{}\t{}\t{label}\t{}", line.begin, line.end, line.text);
    }
    out
}

/// A cue's timing line, `start --> end` and a line break.
fn times(out: &mut String, cue: &Cue, sep: char) {
    timestamp(out, cue.start_ms, sep);
    out.push_str(" --> ");
    timestamp(out, cue.end_ms, sep);
    out.push('\n');
}

/// `HH:MM:SS,mmm` (srt) or `HH:MM:SS.mmm` (vtt); hours grow past two digits when needed.
pub(crate) fn timestamp(out: &mut String, ms: u64, sep: char) {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    number(out, h, 2);
    out.push(':');
    number(out, m, 2);
    out.push(':');
    number(out, s, 2);
    out.push(sep);
    number(out, ms, 3);
}

/// `n` in decimal, zero-padded to `width` digits (a subtitle file is mostly numbers, and
/// `write!` is several times slower for them).
fn number(out: &mut String, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let (mut n, mut i) = (n, digits.len());
    while n > 0 || i > digits.len() - width {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests;
