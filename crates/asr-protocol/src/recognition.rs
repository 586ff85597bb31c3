//! Turns recognition answers into settled sentences plus interim text.
//!
//! Three dialects feed one [`Accumulator`]:
//!
//! - Flash (`fun-asr-flash`, `qwen-audio-3.x-asr-flash`): every event carries the *whole* text
//!   so far in `output.text` and the current sentence with `sentence_end`; a final sentence
//!   settles, the rest is interim.
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

use asr_types::recognize::{Annotation, ChatUsage, FlashWord, RecognitionUsage};
use asr_types::{ChatCompletion, ChatCompletionChunk, RecognitionResponse};

pub mod local_file;

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
    /// Sentence number from 1 (Flash `sentence_id`, else the position).
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
        let full = response.output.text.clone();
        match response.sentence() {
            Some(sentence) if sentence.is_final() => {
                let index = sentence
                    .sentence_id
                    .unwrap_or(self.sentences.len() as u64 + 1);
                let settled = RecognizedSentence {
                    index,
                    text: sentence.text.clone(),
                    begin_ms: sentence.begin_time,
                    end_ms: sentence.end_time,
                    words: sentence.words.clone().unwrap_or_default(),
                    language: None,
                    emotion: None,
                };
                match self.sentences.iter_mut().find(|s| s.index == index) {
                    // A revision of a settled sentence replaces it.
                    Some(existing) if *existing == settled => {}
                    Some(existing) => {
                        *existing = settled.clone();
                        self.events.push_back(RecognitionEvent::Sentence(settled));
                    }
                    None => {
                        self.sentences.push(settled.clone());
                        self.events.push_back(RecognitionEvent::Sentence(settled));
                    }
                }
                let rest = full.map(|t| self.unsettled(&t)).unwrap_or_default();
                self.set_interim(rest);
            }
            Some(sentence) => {
                let rest = match full {
                    Some(t) => self.unsettled(&t),
                    None => sentence.text.clone(),
                };
                self.set_interim(rest);
            }
            None => {
                if let Some(t) = full {
                    let rest = self.unsettled(&t);
                    self.set_interim(rest);
                }
            }
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
            self.push_sentence(text, self.language.clone(), self.emotion.clone());
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

    /// Settled text followed by the interim text.
    pub fn text(&self) -> String {
        let mut text: String = self.sentences.iter().map(|s| s.text.as_str()).collect();
        text.push_str(&self.interim);
        text
    }

    /// The last usage seen.
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref()
    }

    /// Whether [`Accumulator::handle_end`] was called.
    pub fn is_done(&self) -> bool {
        self.ended
    }

    /// The part of a cumulative text after the settled sentences; the whole text if it was
    /// revised so the settled prefix no longer matches.
    fn unsettled(&self, full: &str) -> String {
        let settled: String = self.sentences.iter().map(|s| s.text.as_str()).collect();
        full.strip_prefix(settled.as_str())
            .unwrap_or(full)
            .to_owned()
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
        let sentence = RecognizedSentence {
            index: self.sentences.len() as u64 + 1,
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
