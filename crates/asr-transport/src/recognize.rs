//! Synchronous recognition: Fun-ASR-Flash and Qwen-Audio-3.x-ASR-Flash, Qwen3-ASR-Flash
//! (native or OpenAI-compatible) and Qwen-Omni used as a transcriber (protocol §3–§5).
//!
//! | call | answer |
//! |---|---|
//! | [`Client::recognize`] | the whole [`Recognition`] once the service is done |
//! | [`Client::recognize_stream`] | a [`RecognitionStream`] of [`RecognitionEvent`]s as they arrive |
//! | [`Client::prepare_audio`] | a local file as a data URI, or uploaded (`oss://`) when too large |
//! | [`Client::recognize_file`] | a local file with the model's default request |
//!
//! A call without streaming goes through the client's stack like a submit: it is resent only
//! when it cannot have reached the service (a connect failure, or a 429/503 refusal), since a
//! second copy is billed again. A stream bypasses the stack because the stack collects whole
//! bodies; it gets the same resend rule until its first byte, and none after it: an error in
//! mid-stream ends the stream with the service's code and message.

mod driver;

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use asr_protocol::endpoints::{chat_completions, recognize_native};
use asr_protocol::recognition::local_file::{self, AudioPlan};
use asr_protocol::recognition::{self, Accumulator, join_sentences};
use asr_protocol::{BuildError, RequestContext};
use asr_types::recognize::{RecognitionDocument, check_duration};
use asr_types::{ModelFamily, RequestId, ValidationError};
use futures_util::Stream;

pub use asr_protocol::recognition::{RecognitionEvent, RecognizedSentence, Usage};
pub use asr_types::{ChatCompletionRequest, FlashRequest, QwenAsrRequest};

use self::driver::Driver;
use crate::Model;
use crate::client::Client;
use crate::error::Error;

/// The system message of the user guide's Omni transcription example: without it Omni also
/// describes non-speech sounds.
pub const OMNI_SYSTEM_PROMPT: &str = "Transcribe the following audio exactly as spoken. Output \
                                      only the transcription text. Ignore non-speech sounds.";

/// The instruction that follows the audio in the guide's Omni transcription example.
pub const OMNI_PROMPT: &str = "Transcribe this audio.";

/// A recognition call of any family.
///
/// Build it from a typed body: [`FlashRequest`] and [`QwenAsrRequest`] go to the native
/// endpoint, [`ChatCompletionRequest`] to the OpenAI-compatible one; a
/// [`recognize_native::Request`] also says whether to stream.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RecognizeRequest {
    /// `POST …/services/aigc/multimodal-generation/generation` (Flash, Qwen3-ASR).
    Native(recognize_native::Request),
    /// `POST …/compatible-mode/v1/chat/completions` (Qwen3-ASR, Omni).
    Compatible(ChatCompletionRequest),
}

impl From<recognize_native::Request> for RecognizeRequest {
    fn from(r: recognize_native::Request) -> Self {
        RecognizeRequest::Native(r)
    }
}

impl From<FlashRequest> for RecognizeRequest {
    fn from(r: FlashRequest) -> Self {
        RecognizeRequest::Native(r.into())
    }
}

impl From<QwenAsrRequest> for RecognizeRequest {
    fn from(r: QwenAsrRequest) -> Self {
        RecognizeRequest::Native(r.into())
    }
}

impl From<ChatCompletionRequest> for RecognizeRequest {
    fn from(r: ChatCompletionRequest) -> Self {
        RecognizeRequest::Compatible(r)
    }
}

impl RecognizeRequest {
    /// The default request of `model`'s family for one audio reference (URL, `oss://` URL or
    /// data URI) in `format` (`wav`, `mp3`, …; Flash requires it, Omni sends it along):
    /// a [`FlashRequest`], a native [`QwenAsrRequest`], or an Omni [`ChatCompletionRequest`]
    /// with the user guide's transcription prompts ([`OMNI_SYSTEM_PROMPT`], [`OMNI_PROMPT`]).
    ///
    /// ```
    /// use asr_transport::{Model, RecognizeRequest};
    /// let request = RecognizeRequest::for_model(
    ///     Model::FUN_ASR_FLASH_2026_06_15,
    ///     "https://example.com/hello.wav",
    ///     Some("wav"),
    /// )?;
    /// assert!(request.validate().is_ok());
    /// # Ok::<(), asr_transport::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Build`] with a [`ValidationError`] on `model` for a model that is not a
    /// synchronous recognition model, or on `parameters.format` for Flash without a format.
    pub fn for_model(
        model: Model,
        audio: impl Into<String>,
        format: Option<&str>,
    ) -> Result<Self, Error> {
        let audio = audio.into();
        match model.family() {
            ModelFamily::Flash => {
                let format = format.filter(|f| !f.trim().is_empty()).ok_or_else(|| {
                    invalid(
                        "parameters.format",
                        "Flash models need the audio format; pass it, e.g. `wav`, `mp3` or `opus`",
                    )
                })?;
                Ok(FlashRequest::new(model, audio, format).into())
            }
            ModelFamily::Qwen3AsrFlash => Ok(QwenAsrRequest::new(model, audio).into()),
            ModelFamily::Omni => {
                Ok(
                    ChatCompletionRequest::omni(model, audio, format.unwrap_or("wav"), OMNI_PROMPT)
                        .with_system(OMNI_SYSTEM_PROMPT)
                        .into(),
                )
            }
            _ => Err(invalid(
                "model",
                format!(
                    "`{model}` is not a synchronous recognition model; use fun-asr-flash-2026-06-15, \
                     qwen-audio-3.x-asr-flash, qwen3-asr-flash or a Qwen-Omni model (file models \
                     such as fun-asr go through submit/transcribe)"
                ),
            )),
        }
    }

    /// The model.
    pub fn model(&self) -> &Model {
        match self {
            RecognizeRequest::Native(r) => r.model(),
            RecognizeRequest::Compatible(r) => &r.model,
        }
    }

    /// Whether the request asks for a stream.
    pub fn is_stream(&self) -> bool {
        match self {
            RecognizeRequest::Native(r) => r.stream,
            RecognizeRequest::Compatible(r) => r.is_stream(),
        }
    }

    /// The same request, streaming or not (OpenAI-compatible streams also ask for usage).
    pub fn with_stream(self, stream: bool) -> Self {
        match self {
            RecognizeRequest::Native(r) => RecognizeRequest::Native(r.with_stream(stream)),
            RecognizeRequest::Compatible(r) => RecognizeRequest::Compatible(r.with_stream(stream)),
        }
    }

    /// Checks the body against the documented rules (context limits, option/model
    /// compatibility, Omni only streaming, …).
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            RecognizeRequest::Native(r) => r.validate(),
            RecognizeRequest::Compatible(r) => r.validate(),
        }
    }

    fn build(&self, ctx: &RequestContext) -> Result<http::Request<Vec<u8>>, BuildError> {
        match self {
            RecognizeRequest::Native(r) => recognize_native::build(r, ctx),
            RecognizeRequest::Compatible(r) => chat_completions::build(r, ctx),
        }
    }

    fn accumulator(&self) -> Accumulator {
        match self {
            RecognizeRequest::Native(r) => r.accumulator(),
            RecognizeRequest::Compatible(_) => Accumulator::new(),
        }
    }
}

fn invalid(field: &str, problem: impl Into<String>) -> Error {
    Error::Build(BuildError::Validation(ValidationError::new(field, problem)))
}

/// A finished recognition.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Recognition {
    /// The model that was asked.
    pub model: Model,
    /// The settled sentences in order; with times and words for Flash models, with language
    /// and emotion for Qwen3-ASR, one sentence per reply otherwise.
    pub sentences: Vec<RecognizedSentence>,
    /// Billing usage, when the service reported it.
    pub usage: Option<Usage>,
    /// The DashScope request id (quote it to support), when known.
    pub request_id: Option<RequestId>,
}

impl Recognition {
    /// A recognition gathered by the caller, e.g. from a [`RecognitionStream`]'s events
    /// (whose request id is not known).
    pub fn new(model: Model, sentences: Vec<RecognizedSentence>, usage: Option<Usage>) -> Self {
        Recognition {
            model,
            sentences,
            usage,
            request_id: None,
        }
    }

    /// The whole text: the sentences joined by
    /// [`join_sentences`](asr_protocol::recognition::join_sentences) (a space between
    /// sentences, none after CJK punctuation or between CJK characters).
    pub fn text(&self) -> String {
        join_sentences(self.sentences.iter().map(|s| s.text.as_str()))
    }

    /// Whether every sentence has start and end times (so subtitles can be made).
    pub fn has_times(&self) -> bool {
        !self.sentences.is_empty()
            && self
                .sentences
                .iter()
                .all(|s| s.begin_ms.is_some() && s.end_ms.is_some())
    }

    /// The recognition as a result document (the file transcriptions' shape, times left out
    /// where the model gave none), for saving and for `asr_render`.
    pub fn document(&self) -> RecognitionDocument {
        let mut doc = recognition::to_document(&self.sentences, self.usage.as_ref());
        doc.model = Some(self.model.clone());
        doc.request_id.clone_from(&self.request_id);
        doc
    }

    /// Billed audio seconds, when the usage says.
    pub fn audio_seconds(&self) -> Option<f64> {
        match self.usage.as_ref()? {
            Usage::Native(u) => u.audio_seconds(),
            Usage::Chat(u) => u.seconds.as_ref().and_then(|n| n.as_f64()),
            _ => None,
        }
    }

    /// Tokens, for models whose usage is counted in tokens (`qwen-audio-3.1-asr-flash`
    /// natively; the OpenAI-compatible answers' `prompt_tokens`/`completion_tokens`).
    pub fn billed_tokens(&self) -> Option<asr_types::TokenUsage> {
        match self.usage.as_ref()? {
            Usage::Native(u) => u.billed_tokens(),
            Usage::Chat(u) => {
                asr_types::TokenUsage::from_parts(u.prompt_tokens, u.completion_tokens)
            }
            _ => None,
        }
    }
}

/// The events of one recognition, as they arrive; see [`Client::recognize_stream`].
///
/// Ends after [`RecognitionEvent::Done`], or after the first error.
pub struct RecognitionStream {
    inner: Pin<Box<dyn Stream<Item = Result<RecognitionEvent, Error>> + Send>>,
}

impl fmt::Debug for RecognitionStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecognitionStream").finish_non_exhaustive()
    }
}

impl Stream for RecognitionStream {
    type Item = Result<RecognitionEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// A local file made ready for a recognition request.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalAudio {
    /// What goes in the request: a base64 data URI, or the `oss://` URL of the upload.
    pub reference: String,
    /// The lower-cased extension, which is the `format` value the service expects.
    pub format: Option<String>,
    /// Whether the file was uploaded (too large to inline) rather than inlined.
    pub uploaded: bool,
    /// The file's size in bytes.
    pub size: u64,
}

impl fmt::Debug for LocalAudio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A data URI is up to 10 MB of base64: show its start only.
        let shown: String = self.reference.chars().take(48).collect();
        f.debug_struct("LocalAudio")
            .field(
                "reference",
                &format_args!("{shown}… ({} bytes)", self.reference.len()),
            )
            .field("format", &self.format)
            .field("uploaded", &self.uploaded)
            .field("size", &self.size)
            .finish()
    }
}

impl Client {
    /// Recognises one audio and returns the whole result.
    ///
    /// Streaming requests (Omni always streams) are read to the end and gathered; others are
    /// one JSON answer. The user guide's Flash request as a typed call:
    ///
    /// ```
    /// use asr_transport::{FlashRequest, Model};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let request = FlashRequest::new(
    ///     Model::FUN_ASR_FLASH_2026_06_15,
    ///     "https://example.com/hello_en.wav",
    ///     "wav",
    /// )
    /// .with_sample_rate(16000);
    /// let recognition = client.recognize(request).await?;
    /// assert_eq!(recognition.text(), "Hello world, this is the speech emulator.");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Build`] for a request that breaks a documented rule (nothing is sent),
    /// [`Error::Response`] with the service's code and message (also for an error in
    /// mid-stream), [`Error::Timeout`], and the connection errors.
    pub async fn recognize(
        &self,
        request: impl Into<RecognizeRequest>,
    ) -> Result<Recognition, Error> {
        let request = request.into();
        let model = request.model().clone();
        let mut driver = Driver::new(self.clone(), request);
        while let Some(event) = driver.next().await {
            event?;
        }
        Ok(Recognition {
            model,
            sentences: driver.sentences().to_vec(),
            usage: driver.usage().cloned(),
            request_id: driver.request_id().cloned(),
        })
    }

    /// Recognises one audio as a stream of events: interim text as it changes, each sentence
    /// once it settles, then the usage and [`RecognitionEvent::Done`].
    ///
    /// The request is switched to streaming (`X-DashScope-SSE: enable`, or `stream: true`).
    /// Flash models stream several events only for audio of 60 s or more; shorter audio gives
    /// its result in one go. Nothing is sent until the stream is first polled; dropping it
    /// closes the connection. Each event must arrive within the attempt timeout
    /// ([`Config::with_attempt_timeout`](crate::Config::with_attempt_timeout)); the total
    /// timeout and the concurrency limit of the stack do not apply to streams.
    ///
    /// ```
    /// use asr_transport::{ChatCompletionRequest, Model, RecognitionEvent};
    /// use futures_util::StreamExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let request = ChatCompletionRequest::omni(
    ///     Model::QWEN3_OMNI_FLASH,
    ///     "https://example.com/welcome_zh.wav",
    ///     "wav",
    ///     "Transcribe this audio.",
    /// );
    /// let mut events = client.recognize_stream(request);
    /// while let Some(event) = events.next().await {
    ///     match event? {
    ///         RecognitionEvent::Interim(text) => eprint!("\r{text}"),
    ///         RecognitionEvent::Sentence(s) => println!("{}", s.text),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Each item is an event or, last, the error that ended the stream (as
    /// [`Client::recognize`]); sentences settled before a mid-stream error are yielded first.
    pub fn recognize_stream(&self, request: impl Into<RecognizeRequest>) -> RecognitionStream {
        let request = request.into().with_stream(true);
        let driver = Driver::new(self.clone(), request);
        let stream = futures_util::stream::unfold(driver, |mut driver| async move {
            let item = driver.next().await?;
            Some((item, driver))
        });
        RecognitionStream {
            inner: Box::pin(stream),
        }
    }

    /// Makes a local file usable in a recognition request of `model`: a base64 data URI when
    /// the encoded file fits the service's 10 MB limit, else an upload to temporary storage
    /// whose `oss://` URL is returned (requests using it get
    /// `X-DashScope-OssResourceResolve: enable` automatically).
    ///
    /// Omni models get the documented `data:;base64,…` form (the codec travels in `format`).
    ///
    /// A WAV file's duration is read from its header and checked against the model's limit
    /// (5 minutes for Flash and Qwen3-ASR) before anything is sent.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read, [`Error::Build`] for audio longer than the
    /// model takes, and those of [`Client::upload`] for a large file.
    pub async fn prepare_audio(
        &self,
        path: impl AsRef<Path>,
        model: &Model,
    ) -> Result<LocalAudio, Error> {
        let path = path.as_ref();
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = tokio::fs::metadata(path).await.map_err(io_err)?;
        if !meta.is_file() {
            return Err(io_err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file; pass an audio or video file",
            )));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let format = local_file::format_for(&name);
        let size = meta.len();
        if format.as_deref() == Some("wav") {
            // Refuse audio the model cannot take before uploading or sending it.
            let head = read_head(path, 4096).await.map_err(io_err)?;
            if let Some(ms) = wav_duration_ms(&head, size) {
                check_duration(model, ms).map_err(|e| Error::Build(BuildError::Validation(e)))?;
            }
        }
        match local_file::plan(&name, size) {
            AudioPlan::DataUri { mime, .. } => {
                let bytes = tokio::fs::read(path).await.map_err(io_err)?;
                let mime = if model.family() == ModelFamily::Omni {
                    ""
                } else {
                    mime
                };
                Ok(LocalAudio {
                    reference: local_file::data_uri(mime, &bytes),
                    format,
                    uploaded: false,
                    size: bytes.len() as u64,
                })
            }
            _ => {
                let upload = self.upload(path, model).await?;
                Ok(LocalAudio {
                    reference: upload.oss_url,
                    format,
                    uploaded: true,
                    size: upload.size,
                })
            }
        }
    }

    /// Recognises a local file with `model`'s default request
    /// ([`RecognizeRequest::for_model`], the format taken from the extension).
    ///
    /// # Errors
    ///
    /// As [`Client::prepare_audio`], [`RecognizeRequest::for_model`] and
    /// [`Client::recognize`].
    pub async fn recognize_file(
        &self,
        path: impl AsRef<Path>,
        model: Model,
    ) -> Result<Recognition, Error> {
        let audio = self.prepare_audio(path, &model).await?;
        let request = RecognizeRequest::for_model(model, audio.reference, audio.format.as_deref())?;
        self.recognize(request).await
    }
}

/// The first `n` bytes of a file (fewer if it is shorter).
async fn read_head(path: &Path, n: u64) -> std::io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt as _;
    let file = tokio::fs::File::open(path).await?;
    let mut head = Vec::new();
    file.take(n).read_to_end(&mut head).await?;
    Ok(head)
}

/// The duration of a PCM-style WAV file from its header (`fmt ` byte rate, `data` length),
/// given the first bytes and the file's size; `None` when the header is not understood.
fn wav_duration_ms(head: &[u8], file_size: u64) -> Option<u64> {
    let u32_at = |at: usize| {
        head.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if head.get(0..4)? != b"RIFF" || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12;
    let mut byte_rate = None;
    while at + 8 <= head.len() {
        let id = head.get(at..at + 4)?;
        let len = u64::from(u32_at(at + 4)?);
        if id == b"fmt " {
            byte_rate = u32_at(at + 16).filter(|r| *r > 0);
        } else if id == b"data" {
            let available = file_size.saturating_sub(at as u64 + 8);
            // Streamed WAVs leave the length 0 or all ones; the file size tells then.
            let data = if len == 0 || len == u64::from(u32::MAX) {
                available
            } else {
                len.min(available)
            };
            return Some(data.saturating_mul(1000) / u64::from(byte_rate?));
        }
        at = at
            .checked_add(8)?
            .checked_add(usize::try_from(len + len % 2).ok()?)?;
    }
    None
}

#[cfg(test)]
mod tests;
