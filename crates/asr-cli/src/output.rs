//! Rendering result documents into txt, json, srt, vtt and tsv, and writing them atomically.

pub mod cues;
pub mod files;
pub mod view;

use std::fmt::Write as _;

use crate::cli::{Format, OutputArgs};
use cues::{Cue, CueLimits};
use view::{Channel, Doc};

pub use view::ParseError;

/// Options for rendering.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Subtitle limits.
    pub limits: CueLimits,
}

impl RenderOptions {
    /// The options given on the command line.
    pub fn from_args(args: &OutputArgs) -> anyhow::Result<Self> {
        let secs = args.max_cue_seconds;
        if !(secs.is_finite() && (0.5..=3600.0).contains(&secs)) {
            return Err(crate::exit::invalid_input(format!(
                "`--max-cue-seconds`: must be between 0.5 and 3600, got {secs}"
            )));
        }
        Ok(Self {
            limits: CueLimits {
                max_line_chars: args.max_line_chars as usize,
                max_cue_ms: (secs * 1000.0).round() as u64,
            },
        })
    }
}

/// One rendered output: a format, and the channel when a time-based format is split per
/// channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The format.
    pub format: Format,
    /// `Some(id)` when the document has several channels and this file holds one of them.
    pub channel: Option<u32>,
    /// The file contents.
    pub bytes: Vec<u8>,
}

impl Artifact {
    /// The file name suffix after the input's stem: `.srt`, or `.ch1.srt` per channel.
    pub fn suffix(&self) -> String {
        match self.channel {
            Some(id) => format!(".ch{id}.{}", self.format.extension()),
            None => format!(".{}", self.format.extension()),
        }
    }
}

/// Render `raw` (a result document exactly as received) into every format asked for.
///
/// `json` is `raw` itself; srt, vtt and tsv give one artifact per channel when there are
/// several.
pub fn render(
    raw: &[u8],
    formats: &[Format],
    opts: RenderOptions,
) -> Result<Vec<Artifact>, ParseError> {
    let doc = Doc::parse(raw)?;
    let diarized = doc.is_diarized();
    let several = doc.transcripts.len() > 1;
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for &format in formats {
        if seen.contains(&format) {
            continue;
        }
        seen.push(format);
        match format {
            Format::Json => out.push(Artifact {
                format,
                channel: None,
                bytes: raw.to_vec(),
            }),
            Format::Txt => out.push(Artifact {
                format,
                channel: None,
                bytes: txt(&doc, diarized).into_bytes(),
            }),
            Format::Srt | Format::Vtt | Format::Tsv => {
                for channel in &doc.transcripts {
                    let text = match format {
                        Format::Srt => srt(&cues::build(channel, opts.limits), diarized),
                        Format::Vtt => vtt(&cues::build(channel, opts.limits), diarized),
                        _ => tsv(channel),
                    };
                    out.push(Artifact {
                        format,
                        channel: several.then_some(channel.channel_id),
                        bytes: text.into_bytes(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Plain text: the text of each channel, one line per speaker turn when diarized.
fn txt(doc: &Doc<'_>, diarized: bool) -> String {
    let mut out = String::new();
    let several = doc.transcripts.len() > 1;
    for (i, channel) in doc.transcripts.iter().enumerate() {
        if several {
            if i > 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "Channel {}:", channel.channel_id);
        }
        if diarized {
            speaker_turns(channel, &mut out);
        } else {
            let mut text = cues::normalize(&channel.text);
            if text.is_empty() {
                text = join_sentences(channel.sentences.iter().map(|s| s.text.as_ref()));
            }
            if !text.is_empty() {
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    out
}

fn speaker_turns(channel: &Channel<'_>, out: &mut String) {
    let mut i = 0;
    let sentences = &channel.sentences;
    while i < sentences.len() {
        let speaker = sentences[i].speaker_id;
        let mut j = i;
        while j < sentences.len() && sentences[j].speaker_id == speaker {
            j += 1;
        }
        let text = join_sentences(sentences[i..j].iter().map(|s| s.text.as_ref()));
        if !text.is_empty() {
            if let Some(id) = speaker {
                let _ = write!(out, "{}: ", speaker_label(id));
            }
            out.push_str(&text);
            out.push('\n');
        }
        i = j;
    }
}

/// Join sentences with a space, except between two characters of an unspaced script.
fn join_sentences<'s>(parts: impl Iterator<Item = &'s str>) -> String {
    let mut out = String::new();
    for part in parts {
        let part = cues::normalize(part);
        if part.is_empty() {
            continue;
        }
        let needs_space = match (out.chars().last(), part.chars().next()) {
            (Some(a), Some(b)) => a.is_ascii() || b.is_ascii(),
            _ => false,
        };
        if needs_space {
            out.push(' ');
        }
        out.push_str(&part);
    }
    out
}

fn speaker_label(id: i64) -> String {
    format!("Speaker {id}")
}

fn srt(cues: &[Cue], diarized: bool) -> String {
    let mut out = String::with_capacity(cues.len() * 64);
    for (i, cue) in cues.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}\n{} --> {}",
            i + 1,
            timestamp(cue.start, ','),
            timestamp(cue.end, ',')
        );
        if let (true, Some(id)) = (diarized, cue.speaker) {
            let _ = write!(out, "[{}] ", speaker_label(id));
        }
        out.push_str(&cue.text);
        out.push_str("\n\n");
    }
    out
}

fn vtt(cues: &[Cue], diarized: bool) -> String {
    let mut out = String::with_capacity(8 + cues.len() * 64);
    out.push_str("WEBVTT\n\n");
    for cue in cues {
        let _ = writeln!(
            out,
            "{} --> {}",
            timestamp(cue.start, '.'),
            timestamp(cue.end, '.')
        );
        if let (true, Some(id)) = (diarized, cue.speaker) {
            let _ = write!(out, "<v {}>", speaker_label(id));
        }
        escape_vtt(&cue.text, &mut out);
        out.push_str("\n\n");
    }
    out
}

/// WebVTT cue text treats `&`, `<` and `>` as markup.
fn escape_vtt(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// whisper's tsv: a header, then `start<TAB>end<TAB>text` per sentence, times in ms.
fn tsv(channel: &Channel<'_>) -> String {
    let mut out = String::with_capacity(16 + channel.sentences.len() * 64);
    out.push_str("start\tend\ttext\n");
    for s in &channel.sentences {
        let text = cues::normalize(&s.text.replace('\t', " "));
        if text.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}\t{}\t{}", s.begin_time, s.end_time, text);
    }
    out
}

/// `HH:MM:SS,mmm` (srt) or `HH:MM:SS.mmm` (vtt).
fn timestamp(ms: u64, sep: char) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

#[cfg(test)]
mod tests;
