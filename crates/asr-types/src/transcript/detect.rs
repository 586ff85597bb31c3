//! One-pass deserialization of [`ResultDocument`]: both shapes' fields are read into a private
//! union, and the few fields only one shape types stay raw JSON until the shape is known.
//!
//! Going through a `serde_json::Value` first made a 12-hour document 2.5 times slower to parse;
//! the union reads every common field (words above all) straight into its final type.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{
    AudioInfo, AudioProperties, QwenSentence, QwenTranscript, QwenTranscription, ResultDocument,
    Sentence, Transcript, Transcription, Word,
};
use crate::task::Extra;

/// A field one shape types and the other keeps in `extra`. `Some` whenever the key is present,
/// even as `null`, because presence is what tells the shapes apart.
type Raw = Option<Value>;

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Raw, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

// `expecting` names the §2.7 types, so a non-object reads as it did before.
#[derive(Deserialize)]
#[serde(expecting = "struct Transcription")]
struct AnyDocument {
    #[serde(default)]
    file_url: Option<String>,
    #[serde(default, deserialize_with = "present")]
    properties: Raw,
    #[serde(default, deserialize_with = "present")]
    audio_info: Raw,
    #[serde(default)]
    transcripts: Vec<AnyTranscript>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
#[serde(expecting = "struct Transcript")]
struct AnyTranscript {
    channel_id: u32,
    #[serde(default, deserialize_with = "present")]
    content_duration_in_milliseconds: Raw,
    #[serde(default)]
    text: String,
    #[serde(default)]
    sentences: Vec<AnySentence>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
#[serde(expecting = "struct Sentence")]
struct AnySentence {
    begin_time: u64,
    end_time: u64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    sentence_id: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    speaker_id: Raw,
    #[serde(default, deserialize_with = "present")]
    language: Raw,
    #[serde(default, deserialize_with = "present")]
    emotion: Raw,
    #[serde(default)]
    words: Option<Vec<Word>>,
    #[serde(flatten)]
    extra: Extra,
}

impl<'de> Deserialize<'de> for ResultDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Detect by key rather than trying both shapes, so a broken document reports the
        // error of the shape it claims to be.
        let doc = AnyDocument::deserialize(deserializer)?;
        let is_qwen = doc.audio_info.is_some()
            || (doc.properties.is_none()
                && doc.transcripts.iter().any(|t| {
                    t.sentences
                        .iter()
                        .any(|s| s.language.is_some() || s.emotion.is_some())
                }));
        let document = if is_qwen {
            doc.into_qwen().map(ResultDocument::Qwen)
        } else {
            doc.into_transcription().map(ResultDocument::Transcription)
        };
        document.map_err(D::Error::custom)
    }
}

/// The typed value of a raw field: absent and `null` are both `None`, as for a derived
/// `Option` field.
fn typed<T: for<'de> Deserialize<'de>>(raw: Raw) -> Result<Option<T>, serde_json::Error> {
    Ok(raw.map(Option::<T>::deserialize).transpose()?.flatten())
}

/// Keeps a field the chosen shape does not type, as the derived `flatten` would have.
fn keep(extra: &mut Extra, key: &str, raw: Raw) {
    if let Some(value) = raw {
        extra.insert(key.to_owned(), value);
    }
}

impl AnyDocument {
    fn into_transcription(self) -> Result<Transcription, serde_json::Error> {
        // `audio_info` is absent here: its presence alone makes a document Qwen.
        Ok(Transcription {
            file_url: self.file_url,
            properties: typed::<AudioProperties>(self.properties)?,
            transcripts: self
                .transcripts
                .into_iter()
                .map(AnyTranscript::into_transcript)
                .collect::<Result<_, _>>()?,
            extra: self.extra,
        })
    }

    fn into_qwen(mut self) -> Result<QwenTranscription, serde_json::Error> {
        keep(&mut self.extra, "properties", self.properties);
        Ok(QwenTranscription {
            file_url: self.file_url,
            audio_info: typed::<AudioInfo>(self.audio_info)?,
            transcripts: self
                .transcripts
                .into_iter()
                .map(AnyTranscript::into_qwen)
                .collect::<Result<_, _>>()?,
            extra: self.extra,
        })
    }
}

impl AnyTranscript {
    fn into_transcript(self) -> Result<Transcript, serde_json::Error> {
        Ok(Transcript {
            channel_id: self.channel_id,
            content_duration_in_milliseconds: typed(self.content_duration_in_milliseconds)?,
            text: self.text,
            sentences: self
                .sentences
                .into_iter()
                .map(AnySentence::into_sentence)
                .collect::<Result<_, _>>()?,
            extra: self.extra,
        })
    }

    fn into_qwen(mut self) -> Result<QwenTranscript, serde_json::Error> {
        keep(
            &mut self.extra,
            "content_duration_in_milliseconds",
            self.content_duration_in_milliseconds,
        );
        Ok(QwenTranscript {
            channel_id: self.channel_id,
            text: self.text,
            sentences: self
                .sentences
                .into_iter()
                .map(AnySentence::into_qwen)
                .collect::<Result<_, _>>()?,
            extra: self.extra,
        })
    }
}

impl AnySentence {
    fn into_sentence(mut self) -> Result<Sentence, serde_json::Error> {
        keep(&mut self.extra, "language", self.language);
        keep(&mut self.extra, "emotion", self.emotion);
        Ok(Sentence {
            begin_time: self.begin_time,
            end_time: self.end_time,
            text: self.text,
            sentence_id: self.sentence_id,
            speaker_id: typed(self.speaker_id)?,
            words: self.words,
            extra: self.extra,
        })
    }

    fn into_qwen(mut self) -> Result<QwenSentence, serde_json::Error> {
        keep(&mut self.extra, "speaker_id", self.speaker_id);
        Ok(QwenSentence {
            sentence_id: self.sentence_id,
            begin_time: self.begin_time,
            end_time: self.end_time,
            text: self.text,
            language: typed(self.language)?,
            emotion: typed(self.emotion)?,
            words: self.words,
            extra: self.extra,
        })
    }
}
