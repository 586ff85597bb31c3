//! The result documents downloaded from `transcription_url`.
//!
//! Two shapes exist: [`Transcription`] (protocol §2.7: Fun-ASR, Paraformer, Qwen-Audio filetrans,
//! recognisable by `properties`) and [`QwenTranscription`] (protocol §4.3:
//! Qwen3-ASR-Flash-Filetrans, recognisable by `audio_info`). [`ResultDocument`] accepts either
//! and offers one normalised view, [`ResultDocument::channels`], for renderers.
//! Times are integer milliseconds from the start of the audio.

use serde::{Deserialize, Serialize};

use crate::task::Extra;

mod detect;

/// Result document of Fun-ASR, Paraformer and Qwen-Audio filetrans tasks (protocol §2.7).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transcription {
    /// The input URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// Properties of the audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<AudioProperties>,
    /// One entry per requested track.
    #[serde(default)]
    pub transcripts: Vec<Transcript>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `properties` of a [`Transcription`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AudioProperties {
    /// Decoded format, e.g. `pcm_s16le`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_format: Option<String>,
    /// Tracks in the file: `[0]` mono, `[0, 1]` stereo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<u32>>,
    /// Sample rate of the file, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_sampling_rate: Option<u64>,
    /// Length of the file, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_duration_in_milliseconds: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One track of a [`Transcription`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transcript {
    /// Track index.
    pub channel_id: u32,
    /// Detected speech, ms (the billing basis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_duration_in_milliseconds: Option<u64>,
    /// Full text of the track.
    #[serde(default)]
    pub text: String,
    /// Sentences in order.
    #[serde(default)]
    pub sentences: Vec<Sentence>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A sentence of a [`Transcript`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sentence {
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// Sentence text.
    #[serde(default)]
    pub text: String,
    /// Index, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_id: Option<u64>,
    /// Speaker, from 0; only with diarization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_id: Option<u64>,
    /// Words with timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A word with timestamps (both document shapes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Word {
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// The word; English words may carry a leading space.
    #[serde(default)]
    pub text: String,
    /// Punctuation following the word, possibly empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punctuation: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Result document of Qwen3-ASR-Flash-Filetrans tasks (protocol §4.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenTranscription {
    /// The input URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// Properties of the audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_info: Option<AudioInfo>,
    /// One entry per requested track.
    #[serde(default)]
    pub transcripts: Vec<QwenTranscript>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `audio_info` of a [`QwenTranscription`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AudioInfo {
    /// Container format, e.g. `mp3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Sample rate, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One track of a [`QwenTranscription`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenTranscript {
    /// Track index.
    pub channel_id: u32,
    /// Full text of the track.
    #[serde(default)]
    pub text: String,
    /// Sentences in order.
    #[serde(default)]
    pub sentences: Vec<QwenSentence>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A sentence of a [`QwenTranscript`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenSentence {
    /// Index, from **0** (unlike the §2.7 shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_id: Option<u64>,
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// Sentence text.
    #[serde(default)]
    pub text: String,
    /// Detected language code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Detected emotion (`neutral`, `happy`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emotion: Option<String>,
    /// Words with timestamps; only with `enable_words`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<Word>>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Either result document, detected by its keys (`audio_info` ⇒ Qwen, otherwise §2.7).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ResultDocument {
    /// The §2.7 shape (`properties`).
    Transcription(Transcription),
    /// The §4.3 shape (`audio_info`).
    Qwen(QwenTranscription),
}

impl ResultDocument {
    /// The input URL.
    pub fn file_url(&self) -> Option<&str> {
        match self {
            ResultDocument::Transcription(t) => t.file_url.as_deref(),
            ResultDocument::Qwen(q) => q.file_url.as_deref(),
        }
    }

    /// Every track in a shape-independent view, in document order.
    pub fn channels(&self) -> Vec<ChannelView<'_>> {
        match self {
            ResultDocument::Transcription(t) => t
                .transcripts
                .iter()
                .map(|tr| ChannelView {
                    channel_id: tr.channel_id,
                    text: &tr.text,
                    sentences: tr
                        .sentences
                        .iter()
                        .map(|s| SentenceView {
                            sentence_id: s.sentence_id,
                            begin_time: s.begin_time,
                            end_time: s.end_time,
                            text: &s.text,
                            speaker_id: s.speaker_id,
                            language: None,
                            emotion: None,
                            words: s.words.as_deref().unwrap_or(&[]),
                        })
                        .collect(),
                })
                .collect(),
            ResultDocument::Qwen(q) => q
                .transcripts
                .iter()
                .map(|tr| ChannelView {
                    channel_id: tr.channel_id,
                    text: &tr.text,
                    sentences: tr
                        .sentences
                        .iter()
                        .map(|s| SentenceView {
                            sentence_id: s.sentence_id,
                            begin_time: s.begin_time,
                            end_time: s.end_time,
                            text: &s.text,
                            speaker_id: None,
                            language: s.language.as_deref(),
                            emotion: s.emotion.as_deref(),
                            words: s.words.as_deref().unwrap_or(&[]),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<Transcription> for ResultDocument {
    fn from(t: Transcription) -> Self {
        ResultDocument::Transcription(t)
    }
}

impl From<QwenTranscription> for ResultDocument {
    fn from(q: QwenTranscription) -> Self {
        ResultDocument::Qwen(q)
    }
}

/// One track of a [`ResultDocument`], whatever its shape.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ChannelView<'a> {
    /// Track index.
    pub channel_id: u32,
    /// Full text.
    pub text: &'a str,
    /// Sentences in order.
    pub sentences: Vec<SentenceView<'a>>,
}

/// One sentence of a [`ChannelView`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SentenceView<'a> {
    /// Index as sent (from 1 in §2.7 documents, from 0 in Qwen documents).
    pub sentence_id: Option<u64>,
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// Text.
    pub text: &'a str,
    /// Speaker, with diarization (§2.7 only).
    pub speaker_id: Option<u64>,
    /// Language code (Qwen only).
    pub language: Option<&'a str>,
    /// Emotion (Qwen only).
    pub emotion: Option<&'a str>,
    /// Words, empty when not requested.
    pub words: &'a [Word],
}
