//! Rendering result documents into txt, json, srt, vtt and tsv, and writing them atomically.

pub mod cues;
pub mod digest;
pub mod files;
pub mod view;

use std::fmt::Write as _;

use asr_protocol::recognition::join_sentences;

use crate::cli::{Format, OutputArgs};
use cues::{Cue, CueLimits};
use digest::{ChannelDigest, Digest, Line, Needs};

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
    let mut de = serde_json::Deserializer::from_slice(raw);
    let digest = Digest::read(&mut de, needs(formats, opts))
        .and_then(|digest| de.end().map(|()| digest))
        .map_err(ParseError::new)?;
    Ok(artifacts(&digest, formats, Some(raw)))
}

/// [`render`] for a document read from `reader`, without holding the whole of it: only what
/// the formats need is kept, so peak memory stays well under the document's size.
///
/// `json` needs the bytes as they are, so when it is asked for the document is read whole.
pub fn render_reader(
    mut reader: impl std::io::Read,
    formats: &[Format],
    opts: RenderOptions,
) -> Result<Vec<Artifact>, ParseError> {
    if formats.contains(&Format::Json) {
        let mut raw = Vec::new();
        reader
            .read_to_end(&mut raw)
            .map_err(|e| ParseError::new(serde_json::Error::io(e)))?;
        return render(&raw, formats, opts);
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    let digest = Digest::read(&mut de, needs(formats, opts))
        .and_then(|digest| de.end().map(|()| digest))
        .map_err(ParseError::new)?;
    Ok(artifacts(&digest, formats, None))
}

fn needs(formats: &[Format], opts: RenderOptions) -> Needs {
    Needs {
        text: formats.contains(&Format::Txt),
        lines: formats.contains(&Format::Txt) || formats.contains(&Format::Tsv),
        cues: (formats.contains(&Format::Srt) || formats.contains(&Format::Vtt))
            .then_some(opts.limits),
    }
}

/// Every asked format, once each, in the order asked. `raw` is the `json` output.
fn artifacts(digest: &Digest, formats: &[Format], raw: Option<&[u8]>) -> Vec<Artifact> {
    let diarized = digest.diarized;
    let several = digest.channels.len() > 1;
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
                bytes: raw.map(<[u8]>::to_vec).unwrap_or_default(),
            }),
            Format::Txt => out.push(Artifact {
                format,
                channel: None,
                bytes: txt(digest, diarized).into_bytes(),
            }),
            Format::Srt | Format::Vtt | Format::Tsv => {
                for channel in &digest.channels {
                    let text = match format {
                        Format::Srt => srt(&channel.cues, diarized),
                        Format::Vtt => vtt(&channel.cues, diarized),
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
    out
}

/// Plain text: the text of each channel, one line per speaker turn when diarized.
fn txt(digest: &Digest, diarized: bool) -> String {
    let mut out = String::new();
    let several = digest.channels.len() > 1;
    for (i, channel) in digest.channels.iter().enumerate() {
        if several {
            if i > 0 {
                out.push('\n');
            }
            let _ = writeln!(out, "Channel {}:", channel.channel_id);
        }
        if diarized {
            speaker_turns(&channel.lines, &mut out);
        } else {
            let text = if channel.text.is_empty() {
                join_sentences(channel.lines.iter().map(|l| l.text.as_str()))
            } else {
                channel.text.clone()
            };
            if !text.is_empty() {
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    out
}

fn speaker_turns(lines: &[Line], out: &mut String) {
    for turn in lines.chunk_by(|a, b| a.speaker_id == b.speaker_id) {
        let text = join_sentences(turn.iter().map(|l| l.text.as_str()));
        if !text.is_empty() {
            if let Some(id) = turn.first().and_then(|l| l.speaker_id) {
                let _ = write!(out, "{}: ", speaker_label(id));
            }
            out.push_str(&text);
            out.push('\n');
        }
    }
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

/// whisper's tsv: a header, then `start<TAB>end<TAB>text` per sentence, times in ms. The
/// text is whitespace-normalized already, so it holds no tab.
fn tsv(channel: &ChannelDigest) -> String {
    let mut out = String::with_capacity(16 + channel.lines.len() * 64);
    out.push_str("start\tend\ttext\n");
    for line in channel.lines.iter().filter(|l| !l.text.is_empty()) {
        let _ = writeln!(out, "{}\t{}\t{}", line.begin_time, line.end_time, line.text);
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
