//! What to render and how: formats, the cue policy, labels, channel layout.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::Error;

/// An output format.
///
/// ```
/// use asr_render::Format;
/// assert_eq!("srt".parse::<Format>().unwrap(), Format::Srt);
/// assert_eq!(Format::Vtt.extension(), "vtt");
/// assert_eq!(Format::ALL.len(), 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Plain text: each channel's text, one speaker-labelled paragraph per turn when diarized.
    Txt,
    /// The result document: the service's bytes when rendering them, else the typed
    /// document serialized.
    Json,
    /// SubRip subtitles.
    Srt,
    /// WebVTT subtitles, speakers as `<v Speaker N>`, optionally with word timestamps.
    Vtt,
    /// Tab-separated `start`, `end` (ms), `speaker`, `text`, one row per sentence, with a header.
    Tsv,
}

impl Format {
    /// Every format, in the order `--format all` writes them.
    pub const ALL: [Format; 5] = [
        Format::Txt,
        Format::Json,
        Format::Srt,
        Format::Vtt,
        Format::Tsv,
    ];

    /// The file extension, also the format's name.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Json => "json",
            Format::Srt => "srt",
            Format::Vtt => "vtt",
            Format::Tsv => "tsv",
        }
    }

    /// Whether the format needs sentence times (srt, vtt, tsv).
    pub fn is_timed(self) -> bool {
        matches!(self, Format::Srt | Format::Vtt | Format::Tsv)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Format::ALL
            .into_iter()
            .find(|f| f.extension().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::Options {
                field: "format",
                problem: format!("unknown format `{s}`; use txt, json, srt, vtt or tsv"),
            })
    }
}

/// The limits every subtitle cue keeps (see the crate docs for the full rule set).
///
/// ```
/// use std::time::Duration;
/// use asr_render::CuePolicy;
///
/// let policy = CuePolicy::default()
///     .with_max_line_width(32)
///     .with_max_lines(1)
///     .with_max_cue_duration(Duration::from_secs(5));
/// assert_eq!(policy.max_line_width, 32);
/// assert_eq!(CuePolicy::default().max_lines, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CuePolicy {
    /// Longest line, in terminal columns: East Asian wide characters count 2 (default 42).
    pub max_line_width: usize,
    /// Most lines in a cue (default 2).
    pub max_lines: usize,
    /// Longest cue (default 7 s), unless a single word lasts longer.
    pub max_cue_duration: Duration,
}

impl Default for CuePolicy {
    fn default() -> Self {
        CuePolicy {
            max_line_width: 42,
            max_lines: 2,
            max_cue_duration: Duration::from_secs(7),
        }
    }
}

impl CuePolicy {
    /// Sets [`CuePolicy::max_line_width`].
    pub fn with_max_line_width(mut self, columns: usize) -> Self {
        self.max_line_width = columns;
        self
    }

    /// Sets [`CuePolicy::max_lines`].
    pub fn with_max_lines(mut self, lines: usize) -> Self {
        self.max_lines = lines;
        self
    }

    /// Sets [`CuePolicy::max_cue_duration`].
    pub fn with_max_cue_duration(mut self, duration: Duration) -> Self {
        self.max_cue_duration = duration;
        self
    }

    /// Checks that every limit leaves room for a cue.
    ///
    /// # Errors
    ///
    /// [`Error::Options`] naming the field: a width or line count of 0, or a duration under
    /// 1 ms.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |field, problem: &str| {
            Err(Error::Options {
                field,
                problem: problem.to_owned(),
            })
        };
        if self.max_line_width == 0 {
            return bad("max_line_width", "must be at least 1 column");
        }
        if self.max_lines == 0 {
            return bad("max_lines", "must be at least 1 line");
        }
        if self.max_cue_duration < Duration::from_millis(1) {
            return bad("max_cue_duration", "must be at least 1 ms");
        }
        Ok(())
    }

    /// The duration limit in whole milliseconds.
    pub(crate) fn max_cue_ms(&self) -> u64 {
        u64::try_from(self.max_cue_duration.as_millis()).unwrap_or(u64::MAX)
    }
}

/// How a document with several channels (a stereo call) is rendered in the time-based formats.
///
/// Plain text always holds every channel in one file, under `Channel N:` headings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelLayout {
    /// One srt, vtt and tsv output per channel (`Output::channel` says which), each with its
    /// own timeline: two people talking at once stay whole. The default.
    #[default]
    Separate,
    /// One output for all channels: cues (and tsv rows) in time order, each labelled
    /// `Channel N`. Cues never overlap, so where channels talk at once the earlier cue is
    /// cut short when the later one starts.
    Merged,
}

/// Everything a rendering needs besides the document and the formats.
///
/// ```
/// use asr_render::{ChannelLayout, Options};
///
/// let options = Options::default()
///     .with_speaker_labels(false)
///     .with_word_timestamps(true)
///     .with_channels(ChannelLayout::Merged);
/// assert!(!options.speaker_labels);
/// assert!(Options::default().speaker_labels);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The subtitle cue limits.
    pub cues: CuePolicy,
    /// Label speakers (`Speaker N`) in txt, srt and vtt, and fill tsv's speaker column, when
    /// the document is diarized (default true).
    pub speaker_labels: bool,
    /// VTT: a `<hh:mm:ss.mmm>` timestamp before each word after the first (default false).
    pub word_timestamps: bool,
    /// Several channels: one output each, or one labelled output.
    pub channels: ChannelLayout,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cues: CuePolicy::default(),
            speaker_labels: true,
            word_timestamps: false,
            channels: ChannelLayout::Separate,
        }
    }
}

impl Options {
    /// Sets [`Options::cues`].
    pub fn with_cues(mut self, cues: CuePolicy) -> Self {
        self.cues = cues;
        self
    }

    /// Sets [`Options::speaker_labels`].
    pub fn with_speaker_labels(mut self, on: bool) -> Self {
        self.speaker_labels = on;
        self
    }

    /// Sets [`Options::word_timestamps`].
    pub fn with_word_timestamps(mut self, on: bool) -> Self {
        self.word_timestamps = on;
        self
    }

    /// Sets [`Options::channels`].
    pub fn with_channels(mut self, layout: ChannelLayout) -> Self {
        self.channels = layout;
        self
    }
}
