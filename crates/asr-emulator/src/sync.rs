//! The synchronous recognition endpoints (protocol.md §3, §4.1, §4.2, §5).
//!
//! - `POST /api/v1/services/aigc/multimodal-generation/generation` ([`multimodal_generation`]):
//!   Fun-ASR-Flash and Qwen-Audio-3.x-ASR-Flash (§3: `input_audio` plus context messages,
//!   `parameters.format` required), and Qwen3-ASR-Flash (§4.1: `audio` item, optional system
//!   context, `asr_options`, `annotations`). JSON by default; native DashScope SSE (§1.5) with
//!   `X-DashScope-SSE: enable`.
//! - `POST /compatible-mode/v1/chat/completions` ([`chat_completions`]): Qwen3-ASR-Flash in
//!   OpenAI-compatible mode (§4.2, stream or not) and Qwen-Omni (§5, `stream: true` mandatory).
//!
//! Not emulated: `fun-asr-realtime` over HTTP (§3.5), `--fetch` for sync calls, and Qwen-Omni's
//! audio output (`modalities: ["text", "audio"]` is accepted; only text comes back).
//!
//! Audio references may be `http(s)://` URLs (never downloaded here: the transcript comes from
//! the name), `oss://` URLs of files uploaded to this emulator (only with
//! `X-DashScope-OssResourceResolve: enable`), or `data:[<mime>];base64,…` URIs of at most
//! 10 MB decoded. Hosts under the reserved `.invalid` domain fail with
//! `InvalidFile.DownloadFailed`, as a file the service cannot download does.
//!
//! Emulator-only behaviour, for client tests:
//! - **Failing mid-stream**: audio at the host `error-midstream.invalid` (for example
//!   `https://error-midstream.invalid/a.wav`) makes a streamed answer send about half of its
//!   events and then an error (native: an `event:error` frame with `status:500` and
//!   `{"code":"InternalError",…}`; compatible mode: a `data: {"error":{…}}` chunk and no
//!   `[DONE]`). Without streaming the same audio gives HTTP 500 `InternalError`.
//! - **Context report**: Flash requests with context get a response header
//!   `x-emulator-context: input_text=K/N; text=K/N; chars=K/N` saying how many context
//!   messages of each kind and how many characters were kept after the documented limits (the
//!   most recent 5 messages per kind; 400 characters in all, cut from the end). The service
//!   truncates rather than rejects, so the emulator does too; malformed context (wrong role,
//!   type or order, audio before the end) is a 400 `InvalidParameter`.
//! - A Flash answer without streaming is the final event of the stream: `output.text` is the
//!   whole transcript and `output.sentence` its last sentence.
//! - Flash streaming follows the documented rule that only audio of 60 s or more is streamed
//!   in several events (per sentence: a partial event, then the final one); shorter audio gives
//!   one final event.

use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::transcript::{
    AudioRefError, AudioSource, ChannelTranscript, SyncCtx, TranscribeOptions, Transcript, url_host,
};

mod compat;
mod flash;

pub(crate) use self::flash::{AUDIO_TOKENS_PER_SECOND, counts_tokens};
mod qwen;

#[cfg(test)]
mod tests;

/// Audio at this host makes streamed answers fail halfway (see the module docs).
pub const ERROR_MIDSTREAM_HOST: &str = "error-midstream.invalid";

/// Longest audio the sync models take (§3, §4.1: 5 minutes).
const MAX_SYNC_AUDIO_MS: u64 = 300_000;

/// Most stream events a transcript is cut into; keeps long emulated transcripts' streams short.
const MAX_STREAM_PIECES: usize = 32;

/// `POST /api/v1/services/aigc/multimodal-generation/generation`.
///
/// Routes on `model`: `fun-asr-flash…` and `qwen-audio-3.x-asr-flash` take the Flash body
/// (§3), `qwen3-asr-flash…` the Qwen3-ASR body (§4.1); async-only models get the service's 403.
pub fn multimodal_generation(ctx: &SyncCtx<'_>, headers: &HeaderMap, body: &Value) -> Reply {
    let rid = ctx.request_id;
    if header_enabled(headers, "x-dashscope-async") {
        return Fail::new(
            403,
            "AccessDenied",
            "Current user api does not support asynchronous calls.",
        )
        .native(rid);
    }
    let Some(body) = body.as_object() else {
        return Fail::invalid("the request body must be a JSON object").native(rid);
    };
    let model = match body.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.as_str(),
        _ => {
            return Fail::invalid(
                "`model` is required, e.g. `qwen3-asr-flash` or `fun-asr-flash-2026-06-15`",
            )
            .native(rid);
        }
    };
    let stream = header_enabled(headers, "x-dashscope-sse");
    let result = match SyncModel::of(model) {
        SyncModel::Flash => flash::handle(ctx, headers, body, stream),
        SyncModel::Qwen3Asr => qwen::handle(ctx, headers, body, stream),
        SyncModel::AsyncOnly => Err(Fail::new(
            403,
            "AccessDenied",
            "current user api does not support synchronous calls.",
        )),
        SyncModel::Omni => Err(Fail::invalid(format!(
            "`model` `{model}` is served by the OpenAI-compatible endpoint: POST \
             /compatible-mode/v1/chat/completions"
        ))),
        SyncModel::Unknown => Err(Fail::new(
            400,
            "InvalidParameter",
            format!(
                "Model not exist. `model` `{model}` is not a speech model of this endpoint; use \
                 fun-asr-flash-2026-06-15, qwen-audio-3.0-asr-flash, qwen-audio-3.1-asr-flash \
                 or qwen3-asr-flash"
            ),
        )),
    };
    result.unwrap_or_else(|fail| fail.native(rid))
}

/// `POST /compatible-mode/v1/chat/completions`.
///
/// Qwen3-ASR-Flash (`stream` optional) and Qwen-Omni (`stream: true` required); errors use the
/// OpenAI-shaped envelope `{"error": {message, type, param, code}, "request_id"}`.
pub fn chat_completions(ctx: &SyncCtx<'_>, headers: &HeaderMap, body: &Value) -> Reply {
    let rid = ctx.request_id;
    let Some(body) = body.as_object() else {
        return Fail::invalid("the request body must be a JSON object").openai(rid);
    };
    let model = match body.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.as_str(),
        _ => {
            return Fail::invalid("`model` is required, e.g. `qwen3-asr-flash`").openai(rid);
        }
    };
    let result = match SyncModel::of(model) {
        SyncModel::Qwen3Asr => compat::handle(ctx, headers, body, model, compat::Kind::QwenAsr),
        SyncModel::Omni => compat::handle(ctx, headers, body, model, compat::Kind::Omni),
        _ => Err(Fail::new(
            404,
            "model_not_found",
            format!(
                "The model `{model}` does not exist or you do not have access to it. Speech \
                 models of this endpoint: qwen3-asr-flash, qwen3-omni-flash, \
                 qwen3.5-omni-plus, qwen3.5-omni-flash"
            ),
        )),
    };
    result.unwrap_or_else(|fail| fail.openai(rid))
}

/// Which body a model takes on the sync endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SyncModel {
    /// Fun-ASR-Flash, Qwen-Audio-3.x-ASR-Flash (§3).
    Flash,
    /// Qwen3-ASR-Flash (§4.1, §4.2).
    Qwen3Asr,
    /// Qwen-Omni (§5).
    Omni,
    /// File-transcription models: async submit only.
    AsyncOnly,
    /// Anything else.
    Unknown,
}

impl SyncModel {
    fn of(model: &str) -> SyncModel {
        if model.contains("realtime") {
            // fun-asr-realtime's HTTP body (§3.5) is not emulated.
            SyncModel::Unknown
        } else if model.ends_with("-filetrans") || model.contains("-filetrans-") {
            SyncModel::AsyncOnly
        } else if model.starts_with("fun-asr-flash")
            || (model.starts_with("qwen-audio-3.") && model.contains("-asr-flash"))
        {
            SyncModel::Flash
        } else if model.starts_with("qwen3-asr-flash") {
            SyncModel::Qwen3Asr
        } else if model.starts_with("qwen") && model.contains("omni") {
            SyncModel::Omni
        } else if model.starts_with("fun-asr") || model.starts_with("paraformer") {
            SyncModel::AsyncOnly
        } else {
            SyncModel::Unknown
        }
    }
}

/// A rejected request, rendered as a native or OpenAI-shaped envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fail {
    status: u16,
    code: String,
    message: String,
}

impl Fail {
    fn new(status: u16, code: &str, message: impl Into<String>) -> Fail {
        Fail {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 `InvalidParameter`.
    fn invalid(message: impl Into<String>) -> Fail {
        Fail::new(400, "InvalidParameter", message)
    }

    fn download_failed() -> Fail {
        Fail::new(
            400,
            "InvalidFile.DownloadFailed",
            "The audio file cannot be downloaded.",
        )
    }

    fn midstream() -> Fail {
        Fail::new(
            500,
            "InternalError",
            format!("Emulated failure: audio at {ERROR_MIDSTREAM_HOST} always fails."),
        )
    }

    fn native(self, request_id: &str) -> Reply {
        Reply::error(self.status, request_id, &self.code, &self.message)
    }

    /// `{"error": {message, type, param, code}, "request_id"}`; native `InvalidParameter`
    /// becomes `invalid_parameter_error` as compatible mode spells it.
    fn openai(self, request_id: &str) -> Reply {
        Reply::Json {
            status: self.status,
            headers: Vec::new(),
            body: json!({
                "error": self.openai_error(),
                "request_id": request_id,
            }),
        }
    }

    fn openai_error(&self) -> Value {
        let code = match self.code.as_str() {
            "InvalidParameter" => "invalid_parameter_error",
            other => other,
        };
        let kind = if self.status >= 500 {
            "internal_error"
        } else {
            "invalid_request_error"
        };
        json!({
            "message": self.message,
            "type": kind,
            "param": null,
            "code": code,
        })
    }
}

impl From<AudioRefError> for Fail {
    fn from(e: AudioRefError) -> Fail {
        Fail::new(e.status(), e.code(), e.message())
    }
}

/// Whether header `name` is present with the value `enable` (any case).
fn header_enabled(headers: &HeaderMap, name: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("enable"))
}

/// The transcript of one sync request's audio, plus whether it should fail mid-stream.
#[derive(Debug, Clone)]
struct Heard {
    transcript: Transcript,
    /// Channel 0 (sync models transcribe the first track).
    channel: ChannelTranscript,
    fail_midstream: bool,
}

/// Resolves an audio reference and transcribes it, applying the download and length rules.
fn hear(ctx: &SyncCtx<'_>, headers: &HeaderMap, reference: &str) -> Result<Heard, Fail> {
    let oss_resolve = header_enabled(headers, "x-dashscope-ossresourceresolve");
    let source: AudioSource = ctx.resolve(reference, oss_resolve)?;
    let mut fail_midstream = false;
    if !reference.starts_with("data:") && !reference.starts_with("oss://") {
        let host = url_host(reference).unwrap_or_default();
        if host == ERROR_MIDSTREAM_HOST {
            fail_midstream = true;
        } else if host == "invalid" || host.ends_with(".invalid") {
            return Err(Fail::download_failed());
        }
    }
    let transcript = ctx.transcribe(&source, &TranscribeOptions::default());
    if transcript.duration_ms > MAX_SYNC_AUDIO_MS {
        return Err(Fail::new(
            400,
            "InvalidFile.AudioLengthError",
            format!(
                "Audio length must be between 1s and 300s. This audio lasts {} s; use the \
                 async file transcription for longer audio.",
                transcript.duration_ms.div_ceil(1000)
            ),
        ));
    }
    let channel = transcript
        .channels
        .first()
        .cloned()
        .unwrap_or_else(|| ChannelTranscript {
            channel_id: 0,
            text: String::new(),
            sentences: Vec::new(),
        });
    Ok(Heard {
        transcript,
        channel,
        fail_midstream,
    })
}

/// Cuts `text` into stream pieces whose concatenation is exactly `text`: a new piece starts at
/// each space and after every two non-ASCII characters, then pieces are merged so that there
/// are at most [`MAX_STREAM_PIECES`].
fn split_pieces(text: &str) -> Vec<&str> {
    let mut cuts = vec![0];
    let mut non_ascii_in_piece = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if i > start && (c == ' ' || non_ascii_in_piece >= 2) {
            cuts.push(i);
            start = i;
            non_ascii_in_piece = 0;
        }
        if !c.is_ascii() {
            non_ascii_in_piece += 1;
        }
    }
    let pieces = cuts.len();
    let group = pieces.div_ceil(MAX_STREAM_PIECES).max(1);
    let mut out = Vec::new();
    let mut k = 0;
    while k < pieces {
        let from = cuts[k];
        let to = cuts.get(k + group).copied().unwrap_or(text.len());
        if to > from {
            out.push(&text[from..to]);
        }
        k += group;
    }
    out
}

/// A rough token count: one per ASCII word or number, one per other letter (CJK characters
/// are about a token each); only used to fill the usage fields plausibly.
pub(crate) fn token_estimate(text: &str) -> u64 {
    let mut tokens = 0;
    let mut in_word = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if !in_word {
                tokens += 1;
            }
            in_word = true;
        } else {
            in_word = false;
            if !c.is_ascii() && c.is_alphanumeric() {
                tokens += 1;
            }
        }
    }
    tokens
}

/// Seconds since the Unix epoch, for OpenAI's `created`.
fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One native SSE event (§1.5): `id`, `event:result`, the `:HTTP_STATUS/200` comment, `data`.
fn native_event(id: usize, data: &Value) -> String {
    format!("id:{id}\nevent:result\n:HTTP_STATUS/200\ndata:{data}\n\n")
}

/// The native SSE error event: `event:error` with the status both as the service's comment
/// line and as the `status:` field the official SDK reads.
fn native_error_event(id: usize, fail: &Fail, request_id: &str) -> String {
    let data = json!({"code": fail.code, "message": fail.message, "request_id": request_id});
    format!(
        "id:{id}\nevent:error\n:HTTP_STATUS/{s}\nstatus:{s}\ndata:{data}\n\n",
        s = fail.status
    )
}

/// A JSON object field that must be an object when present.
fn optional_object<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, Fail> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(Fail::invalid(format!(
            "`{path}` must be a JSON object, got {other}"
        ))),
    }
}

/// A boolean field that must be a boolean when present.
fn optional_bool(map: &Map<String, Value>, field: &str, path: &str) -> Result<Option<bool>, Fail> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(Fail::invalid(format!(
            "`{path}` must be true or false, got {other}"
        ))),
    }
}
