//! Transcripts and subtitles from DashScope result documents: txt, json, srt, vtt and tsv.
//!
//! This crate never performs I/O (beyond reading a caller's `std::io::Read`), never reads a
//! clock or the environment and depends on no runtime: give it a result document (the bytes
//! downloaded from a task's `transcription_url`, a typed [`ResultDocument`], or a saved
//! synchronous recognition, [`RecognitionDocument`]) and it gives back the bytes of each
//! format.
//!
//! ```
//! use asr_render::{Format, Json, Options};
//!
//! # fn main() -> Result<(), asr_render::Error> {
//! let raw = br#"{"transcripts":[{"channel_id":0,"text":"Hello world.","sentences":[
//!     {"begin_time":0,"end_time":1200,"text":"Hello world."}]}]}"#;
//! let outputs = asr_render::render(&Json(raw), &[Format::Srt], &Options::default())?;
//! assert_eq!(outputs[0].bytes, b"1\n00:00:00,000 --> 00:00:01,200\nHello world.\n\n");
//! # Ok(())
//! # }
//! ```
//!
//! # Formats
//!
//! One example document, a diarized conversation, in every format (`json` is the document
//! itself: the service's bytes when rendering [`Json`], else the typed document serialized):
//!
//! ```
//! use asr_render::{Format, Json, Options};
//!
//! # fn main() -> Result<(), asr_render::Error> {
//! let raw = br#"{"transcripts":[{"channel_id":0,"text":"Hi there. Hello!","sentences":[
//!   {"begin_time":0,"end_time":900,"text":"Hi there.","speaker_id":0,"words":[
//!     {"begin_time":0,"end_time":400,"text":"Hi","punctuation":""},
//!     {"begin_time":400,"end_time":900,"text":" there","punctuation":"."}]},
//!   {"begin_time":1000,"end_time":1500,"text":"Hello!","speaker_id":1}]}]}"#;
//! let render = |format, options: &Options| -> Result<String, asr_render::Error> {
//!     let out = asr_render::render(&Json(raw), &[format], options)?;
//!     Ok(String::from_utf8_lossy(&out[0].bytes).into_owned())
//! };
//! let options = Options::default();
//! assert_eq!(render(Format::Txt, &options)?, "Speaker 0: Hi there.\nSpeaker 1: Hello!\n");
//! assert_eq!(
//!     render(Format::Srt, &options)?,
//!     "1\n00:00:00,000 --> 00:00:00,900\n[Speaker 0] Hi there.\n\n\
//!      2\n00:00:01,000 --> 00:00:01,500\n[Speaker 1] Hello!\n\n"
//! );
//! assert_eq!(
//!     render(Format::Vtt, &options.with_word_timestamps(true))?,
//!     "WEBVTT\n\n00:00:00.000 --> 00:00:00.900\n<v Speaker 0>Hi <00:00:00.400>there.\n\n\
//!      00:00:01.000 --> 00:00:01.500\n<v Speaker 1>Hello!\n\n"
//! );
//! assert_eq!(
//!     render(Format::Tsv, &options)?,
//!     "start\tend\tspeaker\ttext\n0\t900\tSpeaker 0\tHi there.\n1000\t1500\tSpeaker 1\tHello!\n"
//! );
//! assert_eq!(render(Format::Json, &options)?.as_bytes(), raw);
//! # Ok(())
//! # }
//! ```
//!
//! # The cue rules
//!
//! Subtitles (srt, vtt) are made of cues under a [`CuePolicy`]. Every rule below holds for
//! every input, whatever its words' times (zero-length, overlapping, unsorted or missing) and
//! script (spaced, CJK without spaces, mixed); the crate's property tests check each one on
//! generated documents.
//!
//! 1. **Tokens.** A sentence is cut into tokens, which are never cut further: the service's
//!    words (with their punctuation) when the words spell the sentence's text, letters and
//!    digits compared; else the text's own break opportunities (UAX #14) at spaces and next to
//!    characters of unspaced scripts (Han, kana). Punctuation without a word joins the token
//!    before it. Every token appears in exactly one cue, once, in order.
//! 2. **Lines.** A cue has 1 to `max_lines` lines, each at most `max_line_width` columns
//!    (UAX #11: East Asian wide characters count 2), the speaker label `[Speaker N] `
//!    included on the first line. A line may be wider only when it holds a single token: a
//!    word wider than the limit stands alone on its line.
//! 3. **Duration.** A cue lasts at most `max_cue_duration`, unless it holds a single token
//!    that lasts longer.
//! 4. **Times.** Token times are the words' times, clamped into the sentence's span; a
//!    missing time (and a token cut from text) gets a share of the span in proportion to its
//!    width; starts and ends never go back. A cue runs from its first token's start to its
//!    last token's end, the first cue of a sentence from the sentence's start and the last to
//!    the sentence's end where that keeps rule 3.
//! 5. **Order.** In each output, cue starts strictly increase, every cue ends after it starts
//!    (at least 1 ms), and no cue ends after the next one starts: overlapping sentences are
//!    cut short, never stacked.
//! 6. **Speakers.** A cue holds tokens of one sentence, so of one speaker and one channel: a
//!    new cue on every speaker change.
//! 7. **Splitting.** A sentence gets the fewest cues rules 2 and 3 allow; among those, the
//!    split with the fewest cuts at plain word boundaries, then the fewest at clause
//!    punctuation (`,` `;` `:` `、` `，` …) — sentence punctuation (`.` `?` `!` `。` …) first,
//!    then clause punctuation, then words — then the most even cue widths.
//! 8. **Balance.** A cue gets the fewest lines that hold it; among those, the breaking whose
//!    longest line is shortest, then the one breaking after the strongest punctuation.
//!
//! # Channels
//!
//! A document with several channels (a stereo call) gives, by default, one srt, vtt and tsv
//! output per channel ([`ChannelLayout::Separate`], [`Output::channel`] says which), each
//! channel its own timeline; [`ChannelLayout::Merged`] gives one output whose cues and rows
//! are labelled `Channel N`. Plain text holds every channel under `Channel N:` headings.
//!
//! # Memory
//!
//! [`render_reader`] (and [`render`] of [`Json`]) read the document once, sentence by
//! sentence, and keep only what the formats need: a sentence's words are dropped as soon as
//! its cues are made, so a 12-hour document renders without holding its word timings.

mod cues;
mod error;
mod options;
mod read;
mod sink;
mod tokens;
mod write;

use std::io::Read;

use asr_types::recognize::RecognitionDocument;
use asr_types::transcript::ResultDocument;

pub use cues::{Cue, CueWord};
pub use error::Error;
pub use options::{ChannelLayout, CuePolicy, Format, Options};

use sink::Renderer;

/// A result document exactly as received: its bytes are the `json` output, and it is read
/// without building a `serde_json::Value` or the typed model.
#[derive(Clone, Copy, Debug)]
pub struct Json<'a>(pub &'a [u8]);

mod sealed {
    /// What a renderable document does; kept private so the set of documents can grow.
    pub trait Feed {
        /// Feeds every channel and sentence into the renderer.
        fn feed(&self, r: &mut crate::sink::Renderer) -> Result<(), crate::Error>;
        /// The `json` output.
        fn json(&self) -> Result<Vec<u8>, crate::Error>;
    }
}

/// A document this crate renders: [`Json`] (the service's bytes, either result shape or a
/// saved recognition), [`ResultDocument`] and [`RecognitionDocument`].
pub trait Document: sealed::Feed {}

impl Document for Json<'_> {}
impl Document for ResultDocument {}
impl Document for RecognitionDocument {}

impl sealed::Feed for Json<'_> {
    fn feed(&self, r: &mut Renderer) -> Result<(), Error> {
        let mut de = serde_json::Deserializer::from_slice(self.0);
        read::read(&mut de, r)
            .and_then(|()| de.end())
            .map_err(Error::Parse)
    }

    fn json(&self) -> Result<Vec<u8>, Error> {
        Ok(self.0.to_vec())
    }
}

/// The typed document as the service would send it, indented, with a final newline.
fn typed_json(doc: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    let mut bytes = serde_json::to_vec_pretty(doc).map_err(Error::Parse)?;
    bytes.push(b'\n');
    Ok(bytes)
}

impl sealed::Feed for ResultDocument {
    fn feed(&self, r: &mut Renderer) -> Result<(), Error> {
        for channel in self.channels() {
            r.begin_channel();
            r.channel_id(channel.channel_id);
            r.channel_text(channel.text);
            for s in &channel.sentences {
                r.buf.clear();
                r.buf.begin = Some(s.begin_time);
                r.buf.end = Some(s.end_time);
                r.buf.speaker = s.speaker_id;
                r.buf.text = r.buf.push_str(s.text);
                for w in s.words {
                    let punctuation = w.punctuation.as_deref().unwrap_or("");
                    let times = (Some(w.begin_time), Some(w.end_time));
                    r.buf.push_word(&w.text, punctuation, times);
                }
                r.sentence();
            }
            r.end_channel();
        }
        Ok(())
    }

    fn json(&self) -> Result<Vec<u8>, Error> {
        typed_json(self)
    }
}

impl sealed::Feed for RecognitionDocument {
    fn feed(&self, r: &mut Renderer) -> Result<(), Error> {
        for channel in &self.transcripts {
            r.begin_channel();
            r.channel_id(channel.channel_id);
            r.channel_text(&channel.text);
            for s in &channel.sentences {
                r.buf.clear();
                r.buf.begin = s.begin_time;
                r.buf.end = s.end_time;
                r.buf.text = r.buf.push_str(&s.text);
                for w in s.words.iter().flatten() {
                    let punctuation = w.punctuation.as_deref().unwrap_or("");
                    r.buf
                        .push_word(&w.text, punctuation, (w.begin_time, w.end_time));
                }
                r.sentence();
            }
            r.end_channel();
        }
        Ok(())
    }

    fn json(&self) -> Result<Vec<u8>, Error> {
        typed_json(self)
    }
}

/// One rendered output.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Output {
    /// The format.
    pub format: Format,
    /// `Some(id)` when the document has several channels and this output holds channel `id`
    /// alone ([`ChannelLayout::Separate`]).
    pub channel: Option<u32>,
    /// The contents.
    pub bytes: Vec<u8>,
}

impl Output {
    fn new(format: Format, channel: Option<u32>, bytes: Vec<u8>) -> Self {
        Output {
            format,
            channel,
            bytes,
        }
    }

    /// What follows a file's stem: `.srt`, or `.ch1.srt` for one channel of several.
    ///
    /// ```
    /// use asr_render::{Format, Json, Options};
    ///
    /// let raw = br#"{"transcripts":[]}"#;
    /// let out = asr_render::render(&Json(raw), &[Format::Vtt], &Options::default()).unwrap();
    /// assert_eq!(out[0].file_suffix(), ".vtt");
    /// ```
    pub fn file_suffix(&self) -> String {
        match self.channel {
            Some(id) => format!(".ch{id}.{}", self.format.extension()),
            None => format!(".{}", self.format.extension()),
        }
    }
}

/// The cues of one output: a channel ([`ChannelLayout::Separate`]) or all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Track {
    /// The channel, or `None` for merged channels.
    pub channel_id: Option<u32>,
    /// The cues, in order.
    pub cues: Vec<Cue>,
}

/// Renders `doc` into every format of `formats`, each once, in the order given; srt, vtt and
/// tsv give one output per channel when there are several (see [`ChannelLayout`]).
///
/// ```
/// use asr_render::{Format, Json, Options};
///
/// let raw = br#"{"transcripts":[{"channel_id":0,"text":"Hi.","sentences":[
///     {"begin_time":0,"end_time":500,"text":"Hi."}]}]}"#;
/// let out = asr_render::render(&Json(raw), &Format::ALL, &Options::default()).unwrap();
/// let names: Vec<String> = out.iter().map(|o| o.file_suffix()).collect();
/// assert_eq!(names, [".txt", ".json", ".srt", ".vtt", ".tsv"]);
/// ```
///
/// # Errors
///
/// [`Error::Parse`] when [`Json`] bytes are not a result document; [`Error::Untimed`] when
/// srt, vtt or tsv is asked of a sentence without times; [`Error::Options`] for a
/// [`CuePolicy`] that leaves no room.
pub fn render<D: Document + ?Sized>(
    doc: &D,
    formats: &[Format],
    options: &Options,
) -> Result<Vec<Output>, Error> {
    let mut r = Renderer::new(formats, options)?;
    doc.feed(&mut r)?;
    let json = if formats.contains(&Format::Json) {
        Some(doc.json()?)
    } else {
        None
    };
    r.finish(json)
}

/// [`render`] for the bytes of a document read from `reader`, without holding them: only
/// what the formats need is kept, so memory stays a fraction of the document's size.
///
/// `json` needs the bytes as they are, so when it is asked for the document is read whole.
///
/// # Errors
///
/// As [`render`]; a failed read is an [`Error::Parse`] whose source is an I/O error.
pub fn render_reader(
    mut reader: impl Read,
    formats: &[Format],
    options: &Options,
) -> Result<Vec<Output>, Error> {
    if formats.contains(&Format::Json) {
        let mut raw = Vec::new();
        reader
            .read_to_end(&mut raw)
            .map_err(|e| Error::Parse(serde_json::Error::io(e)))?;
        return render(&Json(&raw), formats, options);
    }
    let mut r = Renderer::new(formats, options)?;
    let mut de = serde_json::Deserializer::from_reader(reader);
    read::read(&mut de, &mut r)
        .and_then(|()| de.end())
        .map_err(Error::Parse)?;
    r.finish(None)
}

/// The subtitle cues of `doc`, one [`Track`] per channel (or one for merged channels): what
/// srt and vtt are written from.
///
/// ```
/// use asr_render::{Json, Options};
///
/// let raw = br#"{"transcripts":[{"channel_id":0,"text":"","sentences":[
///     {"begin_time":0,"end_time":900,"text":"Hi there.","speaker_id":1}]}]}"#;
/// let tracks = asr_render::cues(&Json(raw), &Options::default()).unwrap();
/// let cue = &tracks[0].cues[0];
/// assert_eq!((cue.start_ms, cue.end_ms, cue.speaker_id), (0, 900, Some(1)));
/// assert_eq!(cue.words().map(|w| w.text).collect::<Vec<_>>(), ["Hi", "there."]);
/// ```
///
/// # Errors
///
/// As [`render`] of srt.
pub fn cues<D: Document + ?Sized>(doc: &D, options: &Options) -> Result<Vec<Track>, Error> {
    let mut r = Renderer::new(&[Format::Srt], options)?;
    doc.feed(&mut r)?;
    r.tracks()
}
