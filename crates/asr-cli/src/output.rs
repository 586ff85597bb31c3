//! Rendering through `asr-render` with the command line's options, and writing the outputs
//! atomically.

pub mod files;

use std::time::Duration;

use asr_render::{ChannelLayout, CuePolicy, Document, Json, Options, Output};

use crate::cli::{Format, OutputArgs};

pub use asr_render::Error as ParseError;

/// Options for rendering.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// What asr-render is told.
    pub options: Options,
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
        let cues = CuePolicy::default()
            .with_max_line_width(args.max_line_chars as usize)
            .with_max_lines(args.max_lines as usize)
            .with_max_cue_duration(Duration::from_millis((secs * 1000.0).round() as u64));
        let channels = if args.merge_channels {
            ChannelLayout::Merged
        } else {
            ChannelLayout::Separate
        };
        Ok(Self {
            options: Options::default()
                .with_cues(cues)
                .with_speaker_labels(!args.no_speaker_labels)
                .with_word_timestamps(args.word_timestamps)
                .with_channels(channels),
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

fn to_render(formats: &[Format]) -> Vec<asr_render::Format> {
    formats
        .iter()
        .flat_map(|f| match f {
            Format::All => asr_render::Format::ALL.to_vec(),
            Format::Txt => vec![asr_render::Format::Txt],
            Format::Json => vec![asr_render::Format::Json],
            Format::Srt => vec![asr_render::Format::Srt],
            Format::Vtt => vec![asr_render::Format::Vtt],
            Format::Tsv => vec![asr_render::Format::Tsv],
        })
        .collect()
}

fn artifacts(outputs: Vec<Output>) -> Vec<Artifact> {
    outputs
        .into_iter()
        .map(|o| Artifact {
            format: match o.format {
                asr_render::Format::Json => Format::Json,
                asr_render::Format::Srt => Format::Srt,
                asr_render::Format::Vtt => Format::Vtt,
                asr_render::Format::Tsv => Format::Tsv,
                _ => Format::Txt,
            },
            channel: o.channel,
            bytes: o.bytes,
        })
        .collect()
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
    render_document(&Json(raw), formats, opts)
}

/// [`render`] of a typed document (`json` is the document serialized).
pub fn render_document<D: Document + ?Sized>(
    doc: &D,
    formats: &[Format],
    opts: RenderOptions,
) -> Result<Vec<Artifact>, ParseError> {
    asr_render::render(doc, &to_render(formats), &opts.options).map(artifacts)
}

/// [`render`] for a document read from `reader`, without holding the whole of it: only what
/// the formats need is kept, so peak memory stays well under the document's size.
///
/// `json` needs the bytes as they are, so when it is asked for the document is read whole.
pub fn render_reader(
    reader: impl std::io::Read,
    formats: &[Format],
    opts: RenderOptions,
) -> Result<Vec<Artifact>, ParseError> {
    asr_render::render_reader(reader, &to_render(formats), &opts.options).map(artifacts)
}

#[cfg(test)]
mod tests;
