//! Transcripts: recorded ones for the fixture audio, deterministic emulated ones otherwise.
//!
//! Known audio is listed in `fixtures/audio/transcripts.json` (embedded at build time) and
//! matched by file name (the URL path's or upload key's last segment) or by content hash
//! ([`ContentHash`], FNV-1a 64). Any other audio gets a transcript whose text starts with
//! `[emulated]`, generated from its name or hash, whose duration comes from the WAV header when
//! the bytes are known, else from the size, else [`DEFAULT_DURATION_MS`].
//!
//! Handlers of the sync endpoints get a [`SyncCtx`]: the request id, [`SyncCtx::resolve`] to
//! turn an audio reference (URL, `oss://` key, data URI) into an [`AudioSource`], and
//! [`transcribe`] to get the transcript.

use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::Value;

use crate::rng::{ContentHash, Rng, mix};
use crate::uploads::Uploads;
use crate::wav::{self, WavInfo};

/// Duration assumed for a URL whose bytes the emulator never saw.
pub const DEFAULT_DURATION_MS: u64 = 10_000;

/// The largest data URI payload accepted, after decoding (protocol §1.6, 10 485 760 bytes).
pub const MAX_DATA_URI_BYTES: usize = 10_485_760;

/// Everything the emulator knows about one audio input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioSource {
    /// File name: last path segment of the URL or upload key, percent-decoded.
    pub name: Option<String>,
    /// Size in bytes, when the bytes were seen.
    pub size: Option<u64>,
    /// [`ContentHash`] of the whole content as 16 hex digits, when the bytes were seen.
    pub hash: Option<String>,
    /// The WAV header, when the bytes were seen and are a WAV file.
    pub wav: Option<WavInfo>,
}

impl AudioSource {
    /// A source known only by its URL (nothing downloaded).
    pub fn from_url(url: &str) -> Self {
        AudioSource {
            name: file_name(url),
            ..AudioSource::default()
        }
    }

    /// A source whose bytes are all at hand.
    pub fn from_bytes(name: Option<&str>, bytes: &[u8]) -> Self {
        AudioSource {
            name: name.and_then(file_name),
            size: Some(bytes.len() as u64),
            hash: Some(ContentHash::hex_of(bytes)),
            wav: wav::parse(bytes, bytes.len() as u64),
        }
    }
}

/// The last path segment of a URL or key, without query or fragment, percent-decoded.
pub fn file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    let last = path.rsplit('/').next()?;
    if last.is_empty() {
        return None;
    }
    Some(percent_decode(last))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Options that shape a transcript.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscribeOptions {
    /// Channels to transcribe (`parameters.channel_id`); empty means `[0]`.
    pub channel_ids: Vec<u32>,
    /// Add `speaker_id` to sentences.
    pub diarization: bool,
    /// Speaker count hint for emulated diarization (default 2).
    pub speaker_count: Option<u32>,
}

/// One word with its timing; `text` carries a leading space for space-separated languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// The word.
    pub text: String,
    /// Punctuation following the word (may be empty).
    pub punctuation: String,
}

/// One sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Start, ms.
    pub begin_time: u64,
    /// End, ms.
    pub end_time: u64,
    /// Text, punctuation included.
    pub text: String,
    /// Speaker (only with diarization).
    pub speaker_id: Option<u32>,
    /// Words; their `text + punctuation` concatenate to the sentence text.
    pub words: Vec<Word>,
}

/// The transcript of one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelTranscript {
    /// Channel index.
    pub channel_id: u32,
    /// Full text.
    pub text: String,
    /// Sentences in time order.
    pub sentences: Vec<Sentence>,
}

impl ChannelTranscript {
    /// Sum of sentence spans: the "detected speech" duration (billing basis).
    pub fn content_duration_ms(&self) -> u64 {
        self.sentences
            .iter()
            .map(|s| s.end_time.saturating_sub(s.begin_time))
            .sum()
    }
}

/// A transcript of one audio input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// `false` for recorded fixture transcripts, `true` for generated ones.
    pub emulated: bool,
    /// Container format (`wav`, `mp3`, …) for Qwen's `audio_info.format`.
    pub format: String,
    /// Encoding name for Fun-ASR's `properties.audio_format` (e.g. `pcm_s16le`).
    pub audio_format: String,
    /// Sampling rate, Hz.
    pub sample_rate: u32,
    /// Channels in the audio.
    pub channel_count: u32,
    /// Audio duration, ms.
    pub duration_ms: u64,
    /// Language code (Qwen's per-sentence `language`, annotations).
    pub language: String,
    /// Emotion (Qwen's per-sentence `emotion`, annotations).
    pub emotion: String,
    /// One transcript per requested channel that exists in the audio.
    pub channels: Vec<ChannelTranscript>,
}

impl Transcript {
    /// Audio duration in whole seconds, rounded up (billing granularity), at least 1.
    pub fn duration_secs(&self) -> u64 {
        self.duration_ms.div_ceil(1000).max(1)
    }

    /// The text of all channels, joined by a space.
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self.channels.iter().map(|c| c.text.trim_end()).collect();
        parts.join(" ")
    }
}

// ---------------------------------------------------------------------------------------------
// The manifest of known audio.

#[derive(Debug, Clone)]
struct KnownFile {
    name: String,
    hash: String,
    format: String,
    sample_rate: u32,
    duration_ms: u64,
    language: String,
    emotion: String,
    channels: Vec<ChannelTranscript>,
}

/// The embedded manifest text.
pub(crate) const MANIFEST: &str = include_str!("../../../fixtures/audio/transcripts.json");

fn str_field(v: &Value, k: &str) -> Result<String, String> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("missing string `{k}`"))
}

fn u64_field(v: &Value, k: &str) -> Result<u64, String> {
    v.get(k)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing integer `{k}`"))
}

fn parse_word(w: &Value) -> Result<Word, String> {
    Ok(Word {
        begin_time: u64_field(w, "begin_time")?,
        end_time: u64_field(w, "end_time")?,
        text: str_field(w, "text")?,
        punctuation: w
            .get("punctuation")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    })
}

fn parse_sentence(s: &Value) -> Result<Sentence, String> {
    let words = s
        .get("words")
        .and_then(Value::as_array)
        .map(|ws| ws.iter().map(parse_word).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    Ok(Sentence {
        begin_time: u64_field(s, "begin_time")?,
        end_time: u64_field(s, "end_time")?,
        text: str_field(s, "text")?,
        speaker_id: s
            .get("speaker_id")
            .and_then(Value::as_u64)
            .and_then(|x| u32::try_from(x).ok()),
        words,
    })
}

fn parse_file(f: &Value) -> Result<KnownFile, String> {
    let channels = f
        .get("channels")
        .and_then(Value::as_array)
        .ok_or("missing array `channels`")?
        .iter()
        .map(|c| {
            let sentences = c
                .get("sentences")
                .and_then(Value::as_array)
                .ok_or("missing array `sentences`")?
                .iter()
                .map(parse_sentence)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ChannelTranscript {
                channel_id: u32::try_from(u64_field(c, "channel_id")?)
                    .map_err(|e| e.to_string())?,
                text: str_field(c, "text")?,
                sentences,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(KnownFile {
        name: str_field(f, "name")?,
        hash: str_field(f, "hash")?,
        format: str_field(f, "format")?,
        sample_rate: u32::try_from(u64_field(f, "sample_rate")?).map_err(|e| e.to_string())?,
        duration_ms: u64_field(f, "duration_ms")?,
        language: str_field(f, "language")?,
        emotion: str_field(f, "emotion")?,
        channels,
    })
}

/// Parses a manifest text; errors name the file and field.
fn parse_manifest(text: &str) -> Result<Vec<KnownFile>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("manifest: {e}"))?;
    v.get("files")
        .and_then(Value::as_array)
        .ok_or("manifest: missing array `files`")?
        .iter()
        .enumerate()
        .map(|(i, f)| parse_file(f).map_err(|e| format!("manifest files[{i}]: {e}")))
        .collect()
}

fn known_files() -> &'static [KnownFile] {
    static KNOWN: OnceLock<Vec<KnownFile>> = OnceLock::new();
    // A broken manifest is caught by the unit tests; at run time it only means "nothing known".
    KNOWN.get_or_init(|| parse_manifest(MANIFEST).unwrap_or_default())
}

/// Names of the known fixture files.
pub fn known_names() -> Vec<&'static str> {
    known_files().iter().map(|f| f.name.as_str()).collect()
}

fn find_known(src: &AudioSource) -> Option<&'static KnownFile> {
    let files = known_files();
    if let Some(h) = &src.hash
        && let Some(f) = files.iter().find(|f| &f.hash == h)
    {
        return Some(f);
    }
    // A name match only counts when the content does not contradict it.
    let name = src.name.as_deref()?;
    files.iter().find(|f| f.name == name && src.hash.is_none())
}

// ---------------------------------------------------------------------------------------------
// Generation.

/// Produces the transcript of `src`.
pub fn transcribe(src: &AudioSource, opts: &TranscribeOptions) -> Transcript {
    let wanted: Vec<u32> = if opts.channel_ids.is_empty() {
        vec![0]
    } else {
        opts.channel_ids.clone()
    };
    if let Some(known) = find_known(src) {
        let channels = wanted
            .iter()
            .filter_map(|id| known.channels.iter().find(|c| c.channel_id == *id))
            .map(|c| {
                let mut c = c.clone();
                for s in &mut c.sentences {
                    s.speaker_id = if opts.diarization {
                        Some(s.speaker_id.unwrap_or(0))
                    } else {
                        None
                    };
                }
                c
            })
            .collect();
        return Transcript {
            emulated: false,
            format: known.format.clone(),
            audio_format: "pcm_s16le".to_owned(),
            sample_rate: known.sample_rate,
            channel_count: u32::try_from(known.channels.len()).unwrap_or(1),
            duration_ms: known.duration_ms,
            language: known.language.clone(),
            emotion: known.emotion.clone(),
            channels,
        };
    }
    emulate(src, opts, &wanted)
}

fn extension(src: &AudioSource) -> String {
    src.name
        .as_deref()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 5)
        .unwrap_or_else(|| "wav".to_owned())
}

/// Bytes per second assumed when only the size is known.
fn assumed_byte_rate(ext: &str) -> u64 {
    match ext {
        "wav" | "pcm" => 32_000,
        "flac" => 20_000,
        "mp4" | "mkv" | "avi" | "mov" | "flv" | "wmv" | "mpeg" | "webm" => 125_000,
        "amr" => 1_600,
        _ => 16_000,
    }
}

const WORDS: [&str; 48] = [
    "the", "audio", "emulator", "speaks", "clearly", "about", "weather", "reports", "and", "quiet",
    "rivers", "under", "bright", "morning", "light", "with", "seven", "small", "boats", "sailing",
    "past", "green", "hills", "while", "people", "listen", "to", "music", "from", "distant",
    "towns", "every", "evening", "brings", "calm", "voices", "over", "open", "fields", "near",
    "old", "stone", "bridges", "where", "children", "play", "simple", "games",
];

fn emulate(src: &AudioSource, opts: &TranscribeOptions, wanted: &[u32]) -> Transcript {
    let ext = extension(src);
    let duration_ms = match (&src.wav, src.size) {
        (Some(w), _) => w.duration_ms,
        (None, Some(size)) => size * 1000 / assumed_byte_rate(&ext),
        (None, None) => DEFAULT_DURATION_MS,
    };
    let channel_count = src.wav.map_or(0, |w| u32::from(w.channels));
    let seed_text = src
        .hash
        .clone()
        .or_else(|| src.name.clone())
        .unwrap_or_default();
    let seed = {
        let mut h = ContentHash::default();
        h.update(seed_text.as_bytes());
        h.value()
    };
    let speakers = opts.speaker_count.unwrap_or(2).max(1);
    let channels = wanted
        .iter()
        // Unknown channel counts (no header) accept every requested channel.
        .filter(|id| channel_count == 0 || **id < channel_count)
        .map(|id| emulate_channel(mix(seed ^ u64::from(*id)), *id, duration_ms, opts, speakers))
        .collect();
    Transcript {
        emulated: true,
        audio_format: match (src.wav, ext.as_str()) {
            (Some(w), _) => w.audio_format(),
            (None, "wav") => "pcm_s16le".to_owned(),
            (None, other) => other.to_owned(),
        },
        format: ext,
        sample_rate: src.wav.map_or(16_000, |w| w.sample_rate),
        channel_count: channel_count.max(1),
        duration_ms,
        language: "en".to_owned(),
        emotion: "neutral".to_owned(),
        channels,
    }
}

/// Longest a generated transcript gets, whatever the audio length: keeps result documents of
/// hour-long (or gigabyte) inputs small.
const MAX_SENTENCES: u64 = 120;

fn emulate_channel(
    seed: u64,
    channel_id: u32,
    duration_ms: u64,
    opts: &TranscribeOptions,
    speakers: u32,
) -> ChannelTranscript {
    let mut rng = Rng::new(seed);
    let count = (duration_ms / 4000).clamp(1, MAX_SENTENCES);
    let slot = (duration_ms / count).max(1);
    let mut sentences = Vec::new();
    for i in 0..count {
        let n_words = 4 + (rng.next_u64() % 5) as usize;
        let slot_start = i * slot;
        let lead = (slot / 20).min(200);
        let begin = slot_start + lead;
        let span = (n_words as u64 * 350)
            .min(slot.saturating_sub(2 * lead))
            .max(1);
        let mut texts: Vec<String> = (0..n_words)
            .map(|_| WORDS[(rng.next_u64() % WORDS.len() as u64) as usize].to_owned())
            .collect();
        if i == 0 {
            texts.insert(0, "[emulated]".to_owned());
        }
        let n = texts.len() as u64;
        let words: Vec<Word> = texts
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let k = k as u64;
                let mut text = if k == 0 { t.clone() } else { format!(" {t}") };
                // Capitalise the first real word of the sentence.
                let cap_at = if i == 0 { 1 } else { 0 };
                if k == cap_at {
                    let (lead_space, rest) = text.split_at(usize::from(k != 0));
                    let mut cs = rest.chars();
                    text = match cs.next() {
                        Some(c) => format!("{lead_space}{}{}", c.to_uppercase(), cs.as_str()),
                        None => text.clone(),
                    };
                }
                Word {
                    begin_time: begin + span * k / n,
                    end_time: begin + span * (k + 1) / n,
                    text,
                    punctuation: if k + 1 == n {
                        ".".to_owned()
                    } else {
                        String::new()
                    },
                }
            })
            .collect();
        let text: String = words
            .iter()
            .map(|w| format!("{}{}", w.text, w.punctuation))
            .collect();
        sentences.push(Sentence {
            begin_time: begin,
            end_time: begin + span,
            text,
            speaker_id: opts
                .diarization
                .then(|| u32::try_from(i % u64::from(speakers)).unwrap_or(0)),
            words,
        });
    }
    let text = sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    ChannelTranscript {
        channel_id,
        text,
        sentences,
    }
}

// ---------------------------------------------------------------------------------------------
// Sync handlers' context.

/// Why an audio reference in a sync request cannot be used; `code()`/`message()` are the
/// service's (protocol §1.6, §7).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudioRefError {
    /// An `oss://` URL without `X-DashScope-OssResourceResolve: enable`.
    OssNotResolved,
    /// An `oss://` URL that was never uploaded here.
    OssNotFound,
    /// Not an http(s)/oss URL nor a data URI.
    InvalidUrl,
    /// A data URI whose base64 payload does not decode.
    InvalidDataUri,
    /// A data URI over [`MAX_DATA_URI_BYTES`].
    DataUriTooLarge,
}

impl AudioRefError {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        400
    }

    /// The `code` of the error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            AudioRefError::OssNotResolved | AudioRefError::InvalidUrl => "invalid_parameter_error",
            AudioRefError::OssNotFound => "InvalidFile.DownloadFailed",
            AudioRefError::InvalidDataUri => "InvalidParameter",
            AudioRefError::DataUriTooLarge => "InternalError.Algo.InvalidParameter",
        }
    }

    /// The `message` of the error envelope.
    pub fn message(&self) -> &'static str {
        match self {
            AudioRefError::OssNotResolved | AudioRefError::InvalidUrl => {
                "InternalError.Algo.InvalidParameter: The provided URL does not appear to be \
                 valid. Ensure it is correctly formatted."
            }
            AudioRefError::OssNotFound => "The audio file cannot be downloaded.",
            AudioRefError::InvalidDataUri => "The audio data URI is not valid base64.",
            AudioRefError::DataUriTooLarge => {
                "Exceeded limit on max bytes per data-uri item : 10485760"
            }
        }
    }
}

/// What a sync handler gets besides the request: the request id and access to uploads.
#[derive(Debug, Clone, Copy)]
pub struct SyncCtx<'a> {
    /// The request id to put in the answer.
    pub request_id: &'a str,
    pub(crate) uploads: &'a Uploads,
}

impl<'a> SyncCtx<'a> {
    /// The request id to put in the answer.
    pub fn request_id(&self) -> &'a str {
        self.request_id
    }

    /// The uploaded object behind `oss://key` (or a bare key), if any.
    pub fn uploaded(&self, oss_url: &str) -> Option<AudioSource> {
        let key = oss_url.strip_prefix("oss://").unwrap_or(oss_url);
        self.uploads.get(key).map(|o| o.source.clone())
    }

    /// Turns an audio reference into a source: `http(s)://` URLs (name only, never fetched),
    /// `oss://` URLs (must have been uploaded, and need `oss_resolve` = the request carried
    /// `X-DashScope-OssResourceResolve: enable`), or `data:[<mime>];base64,<payload>`.
    ///
    /// # Errors
    /// [`AudioRefError`] with the service's code and message.
    pub fn resolve(
        &self,
        reference: &str,
        oss_resolve: bool,
    ) -> Result<AudioSource, AudioRefError> {
        resolve_reference(self.uploads, reference, oss_resolve)
    }

    /// Shorthand for [`transcribe`].
    pub fn transcribe(&self, src: &AudioSource, opts: &TranscribeOptions) -> Transcript {
        transcribe(src, opts)
    }
}

/// See [`SyncCtx::resolve`].
pub(crate) fn resolve_reference(
    uploads: &Uploads,
    reference: &str,
    oss_resolve: bool,
) -> Result<AudioSource, AudioRefError> {
    let r = reference.trim();
    if let Some(rest) = r.strip_prefix("data:") {
        let (meta, payload) = rest.split_once(',').ok_or(AudioRefError::InvalidDataUri)?;
        if !meta.ends_with(";base64") {
            return Err(AudioRefError::InvalidDataUri);
        }
        // Reject before decoding: base64 is 4/3 of the payload.
        if payload.len() / 4 * 3 > MAX_DATA_URI_BYTES + 3 {
            return Err(AudioRefError::DataUriTooLarge);
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(payload.trim())
            .map_err(|_| AudioRefError::InvalidDataUri)?;
        if bytes.len() > MAX_DATA_URI_BYTES {
            return Err(AudioRefError::DataUriTooLarge);
        }
        return Ok(AudioSource::from_bytes(None, &bytes));
    }
    if let Some(key) = r.strip_prefix("oss://") {
        if !oss_resolve {
            return Err(AudioRefError::OssNotResolved);
        }
        return uploads
            .get(key)
            .map(|o| o.source.clone())
            .ok_or(AudioRefError::OssNotFound);
    }
    if is_http_url(r) {
        return Ok(AudioSource::from_url(r));
    }
    Err(AudioRefError::InvalidUrl)
}

/// `http://host…` or `https://host…` with a non-empty host and no whitespace.
pub(crate) fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// The host of an http(s) URL, lowercased, without port or credentials.
pub(crate) fn url_host(s: &str) -> Option<String> {
    let rest = s.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    Some(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests;
