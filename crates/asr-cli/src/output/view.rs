//! A borrowed view of a result document of either shape.
//!
//! The Fun-ASR/Paraformer document (`properties`, sentence ids from 1) and the
//! qwen3-asr-flash-filetrans document (`audio_info`, sentence ids from 0, words optional) agree
//! on everything a renderer reads: `transcripts[]{channel_id, text, sentences[]{begin_time,
//! end_time, text, speaker_id?, words[]?}}`. Parsing straight into this view borrows strings
//! from the input bytes where they need no unescaping, so a 12-hour transcript renders without
//! building the full typed model; [`super::digest`] reads one sentence of it at a time.

use std::borrow::Cow;

use serde::Deserialize;

/// A result document, as far as rendering needs it. Rendering reads documents through
/// [`super::digest`], sentence by sentence; the whole view is for tests.
#[cfg(test)]
#[derive(Debug, Deserialize)]
pub struct Doc<'a> {
    /// One entry per transcribed channel.
    #[serde(borrow)]
    pub transcripts: Vec<Channel<'a>>,
}

/// One channel's sentences (the rest of a channel is read by [`super::digest`]).
#[cfg(test)]
#[derive(Debug, Deserialize)]
pub struct Channel<'a> {
    /// Sentences in time order.
    #[serde(borrow, default)]
    pub sentences: Vec<Sentence<'a>>,
}

/// One sentence with its times in milliseconds.
#[derive(Debug, Deserialize)]
pub struct Sentence<'a> {
    /// Start, ms from the start of the audio.
    pub begin_time: u64,
    /// End, ms from the start of the audio.
    pub end_time: u64,
    /// The sentence text.
    #[serde(borrow, default)]
    pub text: Cow<'a, str>,
    /// Speaker index (0-based), only when diarization was on.
    #[serde(default)]
    pub speaker_id: Option<i64>,
    /// Word timings, when the model produced them.
    #[serde(borrow, default)]
    pub words: Option<Vec<Word<'a>>>,
}

/// One word with its times in milliseconds.
#[derive(Debug, Deserialize)]
pub struct Word<'a> {
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// The word, possibly with a leading or trailing space.
    #[serde(borrow, default)]
    pub text: Cow<'a, str>,
    /// Punctuation following the word, possibly empty.
    #[serde(borrow, default)]
    pub punctuation: Cow<'a, str>,
}

/// Why a document could not be read.
#[derive(Debug)]
pub struct ParseError(serde_json::Error);

impl ParseError {
    /// Wraps the parser's error.
    pub fn new(source: serde_json::Error) -> Self {
        Self(source)
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_io() {
            // A document streamed from a file can fail to be read half way.
            return f.write_str("could not read the result document");
        }
        f.write_str(
            "not a transcription result document: expected the JSON downloaded from a task's \
             `transcription_url`, with a `transcripts` array",
        )
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[cfg(test)]
impl<'a> Doc<'a> {
    /// Parse a result document from its raw bytes.
    pub fn parse(raw: &'a [u8]) -> Result<Self, ParseError> {
        serde_json::from_slice(raw).map_err(ParseError::new)
    }
}
