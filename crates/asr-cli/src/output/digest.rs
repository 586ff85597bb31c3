//! A result document reduced, while it is parsed, to what the asked formats need.
//!
//! Word timings are most of a result document's size and only subtitle splitting reads them,
//! so each sentence is turned into its cues and its normalized text as soon as it is parsed and
//! then dropped. That keeps a 12-hour document rendered from a file at a fraction of its size
//! in memory, and lets the same code read from a borrowed buffer or from a reader.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::cues::{self, Cue, CueLimits};
use super::view::Sentence;

/// What to keep of each channel.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// The channel's own text (plain text output).
    pub text: bool,
    /// Each sentence's times, speaker and normalized text (plain text and tsv).
    pub lines: bool,
    /// Subtitle cues with these limits (srt and vtt).
    pub cues: Option<CueLimits>,
}

/// A document as far as the asked formats need it.
#[derive(Debug, Default)]
pub struct Digest {
    /// One entry per transcribed channel, in document order.
    pub channels: Vec<ChannelDigest>,
    /// Whether any sentence of any channel carries a speaker id.
    pub diarized: bool,
}

/// One channel, reduced.
#[derive(Debug, Default)]
pub struct ChannelDigest {
    /// Audio track index, 0-based.
    pub channel_id: u32,
    /// The whole channel's text, whitespace normalized; empty unless [`Needs::text`].
    pub text: String,
    /// Every sentence, in document order; empty unless [`Needs::lines`].
    pub lines: Vec<Line>,
    /// Subtitle cues in time order; empty unless [`Needs::cues`].
    pub cues: Vec<Cue>,
}

/// One sentence without its words.
#[derive(Debug)]
pub struct Line {
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// Speaker index when diarized.
    pub speaker_id: Option<i64>,
    /// The text, whitespace normalized (tabs included).
    pub text: String,
}

impl Digest {
    /// Reads a whole document from `de`, keeping what `needs` asks for.
    pub fn read<'de, D: de::Deserializer<'de>>(de: D, needs: Needs) -> Result<Self, D::Error> {
        let mut digest = Digest::default();
        de.deserialize_struct(
            "Doc",
            &["transcripts"],
            DocVisitor {
                needs,
                digest: &mut digest,
            },
        )?;
        Ok(digest)
    }
}

/// Field names as the derived view reads them; anything else is skipped unbuilt.
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

struct DocVisitor<'a> {
    needs: Needs,
    digest: &'a mut Digest,
}

impl<'de> Visitor<'de> for DocVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Doc")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(field) = map.next_key::<DocField>()? {
            match field {
                DocField::Transcripts if seen => {
                    return Err(de::Error::duplicate_field("transcripts"));
                }
                DocField::Transcripts => {
                    seen = true;
                    map.next_value_seed(Channels {
                        needs: self.needs,
                        digest: &mut *self.digest,
                    })?;
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

struct Channels<'a> {
    needs: Needs,
    digest: &'a mut Digest,
}

impl<'de> DeserializeSeed<'de> for Channels<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Channels<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(channel) = seq.next_element_seed(ChannelSeed {
            needs: self.needs,
            diarized: &mut self.digest.diarized,
        })? {
            self.digest.channels.push(channel);
        }
        Ok(())
    }
}

struct ChannelSeed<'a> {
    needs: Needs,
    diarized: &'a mut bool,
}

impl<'de> DeserializeSeed<'de> for ChannelSeed<'_> {
    type Value = ChannelDigest;

    fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<ChannelDigest, D::Error> {
        de.deserialize_struct("Channel", &["channel_id", "text", "sentences"], self)
    }
}

impl<'de> Visitor<'de> for ChannelSeed<'_> {
    type Value = ChannelDigest;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Channel")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ChannelDigest, A::Error> {
        let mut out = ChannelDigest::default();
        let (mut id_seen, mut text_seen, mut sentences_seen) = (false, false, false);
        while let Some(field) = map.next_key::<ChannelField>()? {
            match field {
                ChannelField::ChannelId => {
                    once(&mut id_seen, "channel_id")?;
                    out.channel_id = map.next_value()?;
                }
                ChannelField::Text => {
                    once(&mut text_seen, "text")?;
                    let text: Cow<'de, str> = map.next_value_seed(BorrowedText)?;
                    if self.needs.text {
                        out.text = cues::normalize(&text);
                    }
                }
                ChannelField::Sentences => {
                    once(&mut sentences_seen, "sentences")?;
                    let mut cues = self.needs.cues.map(cues::Builder::new);
                    map.next_value_seed(Sentences {
                        needs: self.needs,
                        diarized: &mut *self.diarized,
                        lines: &mut out.lines,
                        cues: cues.as_mut(),
                    })?;
                    out.cues = cues.map(cues::Builder::finish).unwrap_or_default();
                }
                ChannelField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A repeated field is an error, as it is for the derived view.
fn once<E: de::Error>(seen: &mut bool, field: &'static str) -> Result<(), E> {
    if std::mem::replace(seen, true) {
        Err(E::duplicate_field(field))
    } else {
        Ok(())
    }
}

/// A string borrowed from the input where it needs no unescaping.
struct BorrowedText;

impl<'de> DeserializeSeed<'de> for BorrowedText {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<Cow<'de, str>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap<'a>(#[serde(borrow)] Cow<'a, str>);
        Wrap::deserialize(de).map(|w| w.0)
    }
}

struct Sentences<'a> {
    needs: Needs,
    diarized: &'a mut bool,
    lines: &'a mut Vec<Line>,
    cues: Option<&'a mut cues::Builder>,
}

impl<'de> DeserializeSeed<'de> for Sentences<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Sentences<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(sentence) = seq.next_element::<Sentence<'de>>()? {
            *self.diarized |= sentence.speaker_id.is_some();
            if let Some(cues) = self.cues.as_deref_mut() {
                cues.push(&sentence);
            }
            if self.needs.lines {
                self.lines.push(Line {
                    begin_time: sentence.begin_time,
                    end_time: sentence.end_time,
                    speaker_id: sentence.speaker_id,
                    text: cues::normalize(&sentence.text),
                });
            }
        }
        Ok(())
    }
}
