//! A result document read straight into a [`Renderer`], without a `serde_json::Value` or the
//! typed model in between.
//!
//! Word timings are most of a result document's size and only subtitles read them, so each
//! sentence's strings go into one reusable buffer, the sentence is turned into its cues as
//! soon as it ends, and the buffer is reused for the next one. The same code reads a borrowed
//! buffer or a `std::io::Read`. It reads every shape the crate renders: Fun-ASR/Paraformer
//! (`properties`), Qwen filetrans (`audio_info`) and saved recognitions (times optional), all
//! of them `transcripts[]{channel_id, text, sentences[]{begin_time, end_time, text,
//! speaker_id?, words[]?}}`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::sink::Renderer;
use crate::tokens::RawWord;

/// Reads a whole document from `de` into `r`.
pub(crate) fn read<'de, D: de::Deserializer<'de>>(de: D, r: &mut Renderer) -> Result<(), D::Error> {
    de.deserialize_map(Doc { r })
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum DocField {
    Transcripts,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum ChannelField {
    ChannelId,
    Text,
    Sentences,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum SentenceField {
    BeginTime,
    EndTime,
    Text,
    SpeakerId,
    Words,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum WordField {
    BeginTime,
    EndTime,
    Text,
    Punctuation,
    #[serde(other)]
    Other,
}

/// A repeated field is an error, as it is for the typed model.
fn once<E: de::Error>(seen: &mut bool, field: &'static str) -> Result<(), E> {
    if std::mem::replace(seen, true) {
        Err(E::duplicate_field(field))
    } else {
        Ok(())
    }
}

struct Doc<'a> {
    r: &'a mut Renderer,
}

impl<'de> Visitor<'de> for Doc<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a result document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(field) = map.next_key::<DocField>()? {
            match field {
                DocField::Transcripts => {
                    once(&mut seen, "transcripts")?;
                    map.next_value_seed(Channels { r: &mut *self.r })?;
                }
                DocField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if seen {
            Ok(())
        } else {
            Err(de::Error::missing_field("transcripts"))
        }
    }
}

/// `$list`: a JSON list (`null` reads as empty) whose every element `$element` reads.
macro_rules! list_of {
    ($list:ident, $element:ident, $what:literal) => {
        struct $list<'a> {
            r: &'a mut Renderer,
        }

        impl<'de> DeserializeSeed<'de> for $list<'_> {
            type Value = ();

            fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
                de.deserialize_option(self)
            }
        }

        impl<'de> Visitor<'de> for $list<'_> {
            type Value = ();

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($what)
            }

            fn visit_none<E: de::Error>(self) -> Result<(), E> {
                Ok(())
            }

            fn visit_some<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
                de.deserialize_seq(self)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                while seq
                    .next_element_seed($element { r: &mut *self.r })?
                    .is_some()
                {}
                Ok(())
            }
        }

        struct $element<'a> {
            r: &'a mut Renderer,
        }

        impl<'de> DeserializeSeed<'de> for $element<'_> {
            type Value = ();

            fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
                de.deserialize_map(self)
            }
        }
    };
}

list_of!(Channels, Channel, "a list of transcripts");
list_of!(Sentences, Sentence, "a list of sentences");
list_of!(Words, Word, "a list of words");

impl<'de> Visitor<'de> for Channel<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a transcript")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let r = self.r;
        r.begin_channel();
        let (mut id_seen, mut text_seen, mut sentences_seen) = (false, false, false);
        while let Some(field) = map.next_key::<ChannelField>()? {
            match field {
                ChannelField::ChannelId => {
                    once(&mut id_seen, "channel_id")?;
                    r.channel_id(map.next_value()?);
                }
                ChannelField::Text if r.wants_channel_text() => {
                    once(&mut text_seen, "text")?;
                    let mut text = String::new();
                    map.next_value_seed(Append(&mut text))?;
                    r.channel_text(&text);
                }
                ChannelField::Text => {
                    once(&mut text_seen, "text")?;
                    map.next_value::<IgnoredAny>()?;
                }
                ChannelField::Sentences => {
                    once(&mut sentences_seen, "sentences")?;
                    map.next_value_seed(Sentences { r: &mut *r })?;
                }
                ChannelField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        r.end_channel();
        Ok(())
    }
}

impl<'de> Visitor<'de> for Sentence<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sentence")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let r = self.r;
        r.buf.clear();
        let mut seen = [false; 5];
        while let Some(field) = map.next_key::<SentenceField>()? {
            match field {
                SentenceField::BeginTime => {
                    once(&mut seen[0], "begin_time")?;
                    r.buf.begin = map.next_value()?;
                }
                SentenceField::EndTime => {
                    once(&mut seen[1], "end_time")?;
                    r.buf.end = map.next_value()?;
                }
                SentenceField::Text => {
                    once(&mut seen[2], "text")?;
                    let start = r.buf.arena.len();
                    map.next_value_seed(Append(&mut r.buf.arena))?;
                    r.buf.text = start..r.buf.arena.len();
                }
                SentenceField::SpeakerId => {
                    once(&mut seen[3], "speaker_id")?;
                    r.buf.speaker = map.next_value()?;
                }
                // Plain text and tsv read words only for a sentence without text of its own.
                SentenceField::Words if r.wants_words() || r.buf.text.is_empty() => {
                    once(&mut seen[4], "words")?;
                    map.next_value_seed(Words { r: &mut *r })?;
                }
                SentenceField::Words | SentenceField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        r.sentence();
        Ok(())
    }
}

impl<'de> Visitor<'de> for Word<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a word")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let buf = &mut self.r.buf;
        let mut word = RawWord {
            begin: None,
            end: None,
            text: 0..0,
            punctuation: 0..0,
        };
        let mut seen = [false; 4];
        while let Some(field) = map.next_key::<WordField>()? {
            match field {
                WordField::BeginTime => {
                    once(&mut seen[0], "begin_time")?;
                    word.begin = map.next_value()?;
                }
                WordField::EndTime => {
                    once(&mut seen[1], "end_time")?;
                    word.end = map.next_value()?;
                }
                WordField::Text => {
                    once(&mut seen[2], "text")?;
                    let start = buf.arena.len();
                    map.next_value_seed(Append(&mut buf.arena))?;
                    word.text = start..buf.arena.len();
                }
                WordField::Punctuation => {
                    once(&mut seen[3], "punctuation")?;
                    let start = buf.arena.len();
                    map.next_value_seed(Append(&mut buf.arena))?;
                    word.punctuation = start..buf.arena.len();
                }
                WordField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        buf.words.push(word);
        Ok(())
    }
}

/// A string (or `null`, as nothing) appended to a buffer, borrowed or not: no allocation
/// per string.
struct Append<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for Append<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Append<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_str(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
}
