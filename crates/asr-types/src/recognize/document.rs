//! The result document of a synchronous recognition, in the shape of a file transcription's.
//!
//! The service answers a recognition with events, not with a document; this is what a client
//! keeps of them (the settled sentences, the model, the usage) so a recognition is saved, read
//! back and rendered like a `transcription_url` document: `transcripts[].sentences[]`. Unlike
//! the file results, a sentence's times are optional (only Flash models give them) and its
//! words are the Flash words as sent.

use serde::{Deserialize, Serialize};

use super::FlashWord;
use crate::model::Model;
use crate::task::{Extra, RequestId};

/// A recognition saved as a result document.
///
/// ```
/// use asr_types::recognize::{RecognitionDocument, RecognitionSentence};
///
/// let mut sentence = RecognitionSentence::new(1, "Hello world.");
/// sentence.begin_time = Some(0);
/// sentence.end_time = Some(900);
/// let doc = RecognitionDocument::new(vec![sentence]);
/// let json = serde_json::to_value(&doc).unwrap();
/// assert_eq!(json["transcripts"][0]["text"], "Hello world.");
/// assert_eq!(json["transcripts"][0]["sentences"][0]["end_time"], 900);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecognitionDocument {
    /// The model that was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// The DashScope request id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// One track (recognition answers have one).
    #[serde(default)]
    pub transcripts: Vec<RecognitionTranscript>,
    /// Other fields (`usage`, as the dialect reported it).
    #[serde(flatten)]
    pub extra: Extra,
}

impl RecognitionDocument {
    /// A document of one track (channel 0) holding `sentences`, its text their
    /// [`join_sentences`](crate::text::join_sentences).
    pub fn new(sentences: Vec<RecognitionSentence>) -> Self {
        let text = crate::text::join_sentences(sentences.iter().map(|s| s.text.as_str()));
        RecognitionDocument {
            model: None,
            request_id: None,
            transcripts: vec![RecognitionTranscript {
                channel_id: 0,
                text,
                sentences,
                extra: Extra::new(),
            }],
            extra: Extra::new(),
        }
    }
}

/// One track of a [`RecognitionDocument`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecognitionTranscript {
    /// Track index.
    #[serde(default)]
    pub channel_id: u32,
    /// The whole text.
    #[serde(default)]
    pub text: String,
    /// Settled sentences in order.
    #[serde(default)]
    pub sentences: Vec<RecognitionSentence>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A settled sentence of a [`RecognitionTranscript`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecognitionSentence {
    /// Sentence number, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_id: Option<u64>,
    /// Start, ms (Flash models only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_time: Option<u64>,
    /// End, ms (Flash models only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<u64>,
    /// The text.
    #[serde(default)]
    pub text: String,
    /// Word timings (Flash models only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<FlashWord>>,
    /// Detected language (Qwen3-ASR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Detected emotion (Qwen3-ASR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emotion: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl RecognitionSentence {
    /// Sentence `sentence_id` with `text`, untimed.
    pub fn new(sentence_id: u64, text: impl Into<String>) -> Self {
        RecognitionSentence {
            sentence_id: Some(sentence_id),
            begin_time: None,
            end_time: None,
            text: text.into(),
            words: None,
            language: None,
            emotion: None,
            extra: Extra::new(),
        }
    }
}
