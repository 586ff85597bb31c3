//! Turns recognition answers into settled sentences plus interim text.
//!
//! Three dialects feed one [`Accumulator`]:
//!
//! - Flash (`fun-asr-flash`, `qwen-audio-3.x-asr-flash`): every event carries the *whole* text
//!   so far in `output.text` and the current sentence with `sentence_end`; a final sentence
//!   settles, the rest is interim (see "Flash text" below).
//! - Qwen3-ASR native: `choices[0].message.content` is the whole text so far, or only the new
//!   piece with `incremental_output: true` ([`Accumulator::with_incremental_output`]); the text
//!   settles as one sentence when `finish_reason` is `stop`.
//! - OpenAI-compatible (Qwen-ASR, Omni): `delta.content` pieces are appended; `finish_reason`
//!   settles; a `choices: []` chunk carries usage; `[DONE]` ends.
//!
//! | method | role |
//! |---|---|
//! | [`Accumulator::handle_native`], [`Accumulator::handle_chunk`], [`Accumulator::handle_completion`] | feed an answer |
//! | [`Accumulator::handle_end`] | the body ended (or `[DONE]` came) |
//! | [`Accumulator::poll_event`] | take the next [`RecognitionEvent`] |
//!
//! Feed each parsed answer, drain `poll_event`, and call `handle_end` once at the end of the
//! body; the last events are then any unsettled text as a sentence, the usage, and `Done`.
//!
//! # Flash text
//!
//! - A sentence settles when it arrives with `sentence_end: true`, once per `sentence_id`: a
//!   settled sentence is final (its words are `fixed`), so later answers for the same id are
//!   ignored rather than replacing it, and a consumer may print each
//!   [`RecognitionEvent::Sentence`] as it lands. Sentence indexes are unique.
//! - The interim text is the part of the latest `output.text` that the settled sentences do not
//!   cover. The sentences are read in order from the start of `output.text`, comparing letters
//!   and digits only, so the space the service puts between English sentences, full-width
//!   versus half-width punctuation and CJK text without spaces all line up.
//! - A single answer (audio under 60 s, or no streaming) carries the whole text but only its
//!   last sentence. When `output.text` holds text before that sentence that no settled
//!   sentence covers, and earlier ids never came final, that text settles first as one
//!   sentence without times, under the first missing id. When every earlier id settled,
//!   nothing is added, so no text is ever settled twice.
//! - Text that cannot be lined up at all is dropped after a final sentence (it is taken to be
//!   that sentence spelled differently) and replaced by the current sentence's text while one
//!   is in progress: repeating text would be worse than missing a revision.
//! - [`Accumulator::text`] and [`join_sentences`] join sentences with a space, except after
//!   CJK punctuation and between characters of unspaced scripts, which gives back
//!   `output.text` for the service's own joining.
//!
//! A streaming driver (the transport's job; here with the whole body at once):
//!
//! ```
//! use asr_protocol::endpoints::recognize_native;
//! use asr_protocol::recognition::{Accumulator, RecognitionEvent};
//! use asr_protocol::sse::SseDecoder;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let body = b"id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":{\"text\":\"Hi.\",\
//!     \"sentence\":{\"sentence_id\":1,\"sentence_end\":true,\"text\":\"Hi.\"}}}\n\n";
//! let mut decoder = SseDecoder::new();
//! let mut acc = Accumulator::new();
//! let mut events = Vec::new();
//! for chunk in body.chunks(7) {
//!     decoder.push(chunk);
//!     while let Some(event) = decoder.next_event() {
//!         // An `event:error` surfaces here as `ResponseError::Api` with the service's code.
//!         if let Some(answer) = recognize_native::parse_event(&event?)? {
//!             acc.handle_native(&answer);
//!         }
//!         events.extend(std::iter::from_fn(|| acc.poll_event()));
//!     }
//! }
//! while let Some(event) = decoder.finish() {
//!     if let Some(answer) = recognize_native::parse_event(&event?)? {
//!         acc.handle_native(&answer);
//!     }
//! }
//! acc.handle_end();
//! events.extend(std::iter::from_fn(|| acc.poll_event()));
//! assert!(matches!(&events[0], RecognitionEvent::Sentence(s) if s.text == "Hi."));
//! assert_eq!(events.last(), Some(&RecognitionEvent::Done));
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;

use asr_types::recognize::{
    Annotation, ChatUsage, FlashSentence, FlashWord, RecognitionDocument, RecognitionSentence,
    RecognitionUsage,
};
use asr_types::{ChatCompletion, ChatCompletionChunk, RecognitionResponse};

pub mod local_file;
mod text;

pub use text::join_sentences;

/// What a recognition stream reports, in order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RecognitionEvent {
    /// The unsettled text now (replaces the previous interim; empty once it settled).
    Interim(String),
    /// A settled sentence.
    Sentence(RecognizedSentence),
    /// Billing usage, once, just before [`RecognitionEvent::Done`].
    Usage(Usage),
    /// The stream ended.
    Done,
}

/// A settled sentence.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RecognizedSentence {
    /// Sentence number from 1, unique within a recognition: the Flash `sentence_id`, else the
    /// next number after the highest one used.
    pub index: u64,
    /// The text.
    pub text: String,
    /// Start in ms, when the model gives times (Flash).
    pub begin_ms: Option<u64>,
    /// End in ms, when the model gives times (Flash).
    pub end_ms: Option<u64>,
    /// Word timings (Flash).
    pub words: Vec<FlashWord>,
    /// Detected language (Qwen3-ASR annotations).
    pub language: Option<String>,
    /// Detected emotion (Qwen3-ASR annotations).
    pub emotion: Option<String>,
}

impl RecognizedSentence {
    /// The sentence as a saved recognition document holds it.
    ///
    /// ```
    /// use asr_protocol::recognition::RecognizedSentence;
    ///
    /// let mut s = RecognizedSentence::default();
    /// s.index = 2;
    /// s.text = "Hi.".into();
    /// s.begin_ms = Some(100);
    /// let saved = s.to_document();
    /// assert_eq!((saved.sentence_id, saved.begin_time, saved.end_time), (Some(2), Some(100), None));
    /// ```
    pub fn to_document(&self) -> RecognitionSentence {
        let mut out = RecognitionSentence::new(self.index, self.text.clone());
        out.begin_time = self.begin_ms;
        out.end_time = self.end_ms;
        out.words = (!self.words.is_empty()).then(|| self.words.clone());
        out.language.clone_from(&self.language);
        out.emotion.clone_from(&self.emotion);
        out
    }
}

/// What a client keeps of a recognition, as a result document in the file transcriptions'
/// shape (one channel), with the usage under `usage` as the dialect reported it.
///
/// ```
/// use asr_protocol::recognition::{RecognizedSentence, to_document};
///
/// let mut s = RecognizedSentence::default();
/// s.index = 1;
/// s.text = "Hello.".into();
/// let doc = to_document(&[s], None);
/// assert_eq!(doc.transcripts[0].text, "Hello.");
/// ```
pub fn to_document(sentences: &[RecognizedSentence], usage: Option<&Usage>) -> RecognitionDocument {
    let mut doc = RecognitionDocument::new(
        sentences
            .iter()
            .map(RecognizedSentence::to_document)
            .collect(),
    );
    let usage = match usage {
        Some(Usage::Native(u)) => serde_json::to_value(u).ok(),
        Some(Usage::Chat(u)) => serde_json::to_value(u).ok(),
        None => None,
    };
    if let Some(usage) = usage {
        doc.extra.insert("usage".to_owned(), usage);
    }
    doc
}

/// Usage as the dialect reports it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Usage {
    /// Native: Flash `duration`, Qwen3-ASR `seconds` and tokens.
    Native(RecognitionUsage),
    /// OpenAI-compatible tokens (and `seconds` for Qwen-ASR).
    Chat(ChatUsage),
}

/// How Qwen3-ASR native events carry text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextMode {
    Cumulative,
    Incremental,
}

/// The state machine; see the module docs.
#[derive(Clone, Debug)]
pub struct Accumulator {
    mode: TextMode,
    sentences: Vec<RecognizedSentence>,
    interim: String,
    /// Flash: the id of the sentence in progress, given to its text if the stream ends first.
    pending_id: Option<u64>,
    /// Qwen/chat text of the current reply.
    reply: String,
    language: Option<String>,
    emotion: Option<String>,
    usage: Option<Usage>,
    events: VecDeque<RecognitionEvent>,
    ended: bool,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator::new()
    }
}

impl Accumulator {
    /// An accumulator for cumulative native text (Flash; Qwen3-ASR without
    /// `incremental_output`) and for OpenAI-compatible deltas.
    pub fn new() -> Self {
        Accumulator {
            mode: TextMode::Cumulative,
            sentences: Vec::new(),
            interim: String::new(),
            pending_id: None,
            reply: String::new(),
            language: None,
            emotion: None,
            usage: None,
            events: VecDeque::new(),
            ended: false,
        }
    }

    /// Reads Qwen3-ASR native text as increments (the request set `incremental_output: true`).
    pub fn with_incremental_output(mut self, incremental: bool) -> Self {
        self.mode = if incremental {
            TextMode::Incremental
        } else {
            TextMode::Cumulative
        };
        self
    }

    /// Feeds a native answer (a JSON body or one SSE event).
    pub fn handle_native(&mut self, response: &RecognitionResponse) {
        if self.ended {
            return;
        }
        if let Some(usage) = &response.usage {
            self.usage = Some(Usage::Native(usage.clone()));
        }
        if let Some(choice) = response.choice() {
            let piece: String = choice
                .message
                .content
                .iter()
                .filter_map(|c| c.text.as_deref())
                .collect();
            match self.mode {
                TextMode::Cumulative => self.reply = piece,
                TextMode::Incremental => self.reply.push_str(&piece),
            }
            self.note_annotations(choice.message.annotations.as_deref());
            if choice.is_finished() {
                self.settle_reply();
            } else {
                let reply = self.reply.clone();
                self.set_interim(reply);
            }
            return;
        }
        self.handle_flash(response);
    }

    /// A Flash answer: see "Flash text" in the module docs.
    fn handle_flash(&mut self, response: &RecognitionResponse) {
        let full = response.output.text.as_deref();
        let Some(sentence) = response.sentence() else {
            if let Some(rest) = full.and_then(|t| self.uncovered(t)) {
                self.set_interim(rest.to_owned());
            }
            return;
        };
        let settled = sentence
            .sentence_id
            .is_some_and(|id| self.sentences.iter().any(|s| s.index == id));
        if sentence.is_final() {
            if !settled {
                if let Some(full) = full {
                    self.settle_gap(sentence, full);
                }
                let index = sentence.sentence_id.unwrap_or_else(|| self.next_index());
                self.pending_id = None;
                let sentence = RecognizedSentence {
                    index,
                    text: sentence.text.clone(),
                    begin_ms: sentence.begin_time,
                    end_ms: sentence.end_time,
                    words: sentence.words.clone().unwrap_or_default(),
                    language: None,
                    emotion: None,
                };
                self.sentences.push(sentence.clone());
                self.events.push_back(RecognitionEvent::Sentence(sentence));
            }
            // Text that cannot be lined up after a final sentence is taken to be that sentence
            // spelled differently: dropping it loses nothing, keeping it would repeat it.
            let rest = full.and_then(|t| self.uncovered(t)).unwrap_or_default();
            self.set_interim(rest.to_owned());
            return;
        }
        if !settled && let Some(id) = sentence.sentence_id {
            self.pending_id = Some(id);
        }
        let rest = match full.and_then(|t| self.uncovered(t)) {
            Some(rest) => rest.to_owned(),
            // A partial of a settled sentence adds nothing to what settled.
            None if settled => return,
            None => sentence.text.trim().to_owned(),
        };
        self.set_interim(rest);
    }

    /// Settles, as one sentence without times, the text of `full` that lies before the final
    /// `sentence` and after the settled sentences, when sentences before it never came final:
    /// a single answer (short audio, or no streaming) carries the whole text but only its last
    /// sentence. The gap sentence takes the first missing id, below the final sentence's own.
    fn settle_gap(&mut self, sentence: &FlashSentence, full: &str) {
        let index = self.next_index();
        if sentence.sentence_id.is_some_and(|id| id <= index) {
            // Every earlier id settled: anything left over is their text spelled differently.
            return;
        }
        let Some(rest) = self.uncovered(full) else {
            return;
        };
        let Some((at, _)) = text::rfind(rest, &sentence.text) else {
            return;
        };
        let gap = rest[..at].trim();
        if text::has_words(gap) {
            self.push_sentence(gap.to_owned(), None, None);
        }
    }

    /// Feeds an OpenAI-compatible stream chunk.
    pub fn handle_chunk(&mut self, chunk: &ChatCompletionChunk) {
        if self.ended {
            return;
        }
        if let Some(usage) = &chunk.usage {
            self.usage = Some(Usage::Chat(usage.clone()));
        }
        let Some(choice) = chunk.choices.first() else {
            return;
        };
        if let Some(piece) = &choice.delta.content {
            self.reply.push_str(piece);
        }
        self.note_annotations(choice.delta.annotations.as_deref());
        let finished = choice
            .finish_reason
            .as_deref()
            .is_some_and(|r| !r.is_empty() && r != "null");
        if finished {
            self.settle_reply();
        } else {
            let reply = self.reply.clone();
            self.set_interim(reply);
        }
    }

    /// Feeds a whole non-streaming OpenAI-compatible answer and ends.
    pub fn handle_completion(&mut self, completion: &ChatCompletion) {
        if self.ended {
            return;
        }
        if let Some(choice) = completion.choices.first() {
            self.reply = choice.message.content.clone().unwrap_or_default();
            self.note_annotations(choice.message.annotations.as_deref());
            self.settle_reply();
        }
        if let Some(usage) = &completion.usage {
            self.usage = Some(Usage::Chat(usage.clone()));
        }
        self.handle_end();
    }

    /// The stream ended (end of body, or `[DONE]`): unsettled text settles so nothing is lost,
    /// then the usage and `Done` are emitted. Later calls do nothing.
    pub fn handle_end(&mut self) {
        if self.ended {
            return;
        }
        if !self.interim.is_empty() {
            let text = std::mem::take(&mut self.interim);
            self.reply.clear();
            let index = self
                .pending_id
                .take()
                .filter(|id| !self.sentences.iter().any(|s| s.index == *id))
                .unwrap_or_else(|| self.next_index());
            self.settle(index, text, self.language.clone(), self.emotion.clone());
            self.events
                .push_back(RecognitionEvent::Interim(String::new()));
        }
        if let Some(usage) = &self.usage {
            self.events
                .push_back(RecognitionEvent::Usage(usage.clone()));
        }
        self.events.push_back(RecognitionEvent::Done);
        self.ended = true;
    }

    /// The next event, `None` when there is none yet.
    pub fn poll_event(&mut self) -> Option<RecognitionEvent> {
        self.events.pop_front()
    }

    /// The sentences settled so far.
    pub fn sentences(&self) -> &[RecognizedSentence] {
        &self.sentences
    }

    /// The unsettled text.
    pub fn interim(&self) -> &str {
        &self.interim
    }

    /// Settled text followed by the interim text, joined by [`join_sentences`].
    pub fn text(&self) -> String {
        join_sentences(
            self.sentences
                .iter()
                .map(|s| s.text.as_str())
                .chain([self.interim.as_str()]),
        )
    }

    /// The last usage seen.
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref()
    }

    /// Whether [`Accumulator::handle_end`] was called.
    pub fn is_done(&self) -> bool {
        self.ended
    }

    /// The part of a cumulative `full` text that no settled sentence covers: what follows the
    /// settled sentences read in order from its start, or failing that what follows the last
    /// settled sentence wherever it is found; `None` when neither lines up.
    fn uncovered<'t>(&self, full: &'t str) -> Option<&'t str> {
        let mut at = 0;
        for sentence in &self.sentences {
            match text::match_at(full, at, &sentence.text) {
                Some(end) => at = end,
                None => {
                    let last = self.sentences.last()?;
                    let (_, end) = text::rfind(full, &last.text)?;
                    return full.get(end..).map(text::trim_rest);
                }
            }
        }
        full.get(at..).map(text::trim_rest)
    }

    /// The index after the highest one used: Flash ids need not start at 1 nor be dense.
    fn next_index(&self) -> u64 {
        self.sentences.iter().map(|s| s.index).max().unwrap_or(0) + 1
    }

    fn set_interim(&mut self, text: String) {
        if text != self.interim {
            self.interim = text.clone();
            self.events.push_back(RecognitionEvent::Interim(text));
        }
    }

    fn settle_reply(&mut self) {
        let text = std::mem::take(&mut self.reply);
        let had_interim = !self.interim.is_empty();
        self.interim.clear();
        if !text.is_empty() {
            self.push_sentence(text, self.language.clone(), self.emotion.clone());
        }
        if had_interim {
            self.events
                .push_back(RecognitionEvent::Interim(String::new()));
        }
    }

    fn push_sentence(&mut self, text: String, language: Option<String>, emotion: Option<String>) {
        let index = self.next_index();
        self.settle(index, text, language, emotion);
    }

    fn settle(
        &mut self,
        index: u64,
        text: String,
        language: Option<String>,
        emotion: Option<String>,
    ) {
        let sentence = RecognizedSentence {
            index,
            text,
            language,
            emotion,
            ..RecognizedSentence::default()
        };
        self.sentences.push(sentence.clone());
        self.events.push_back(RecognitionEvent::Sentence(sentence));
    }

    fn note_annotations(&mut self, annotations: Option<&[Annotation]>) {
        for a in annotations.into_iter().flatten() {
            if a.language.is_some() {
                self.language.clone_from(&a.language);
            }
            if a.emotion.is_some() {
                self.emotion.clone_from(&a.emotion);
            }
        }
    }
}

#[cfg(test)]
mod tests;
