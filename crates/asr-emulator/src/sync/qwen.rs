//! Qwen3-ASR-Flash on `multimodal-generation` (protocol.md §4.1), and the checks it shares with
//! the OpenAI-compatible mode (§4.2).

use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::{
    Fail, Heard, hear, native_error_event, native_event, optional_bool, optional_object,
    split_pieces, token_estimate,
};
use crate::reply::Reply;
use crate::transcript::SyncCtx;

/// Language codes of `asr_options.language` (§4.1).
const LANGUAGES: &[&str] = &[
    "zh", "yue", "en", "ja", "de", "ko", "ru", "fr", "pt", "ar", "it", "es", "hi", "id", "th",
    "tr", "uk", "vi", "cs", "da", "fil", "fi", "is", "ms", "no", "pl", "sv",
];

/// The checked `asr_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct AsrOptions {
    pub(super) language: Option<String>,
}

/// Checks `asr_options` (native: inside `parameters`; compatible mode: top level).
pub(super) fn asr_options(parent: &Map<String, Value>, path: &str) -> Result<AsrOptions, Fail> {
    let Some(options) = optional_object(parent, "asr_options", path)? else {
        return Ok(AsrOptions::default());
    };
    let language = match options.get("language") {
        None | Some(Value::Null) => None,
        Some(Value::String(code)) if LANGUAGES.contains(&code.as_str()) => Some(code.clone()),
        Some(other) => {
            return Err(Fail::invalid(format!(
                "`{path}.language` {other} is not supported; use one of {} or omit it for \
                 automatic detection",
                LANGUAGES.join(" ")
            )));
        }
    };
    for flag in ["enable_itn", "enable_lid", "enable_words"] {
        optional_bool(options, flag, &format!("{path}.{flag}"))?;
    }
    Ok(AsrOptions { language })
}

/// The `audio_info` annotation: the requested language, else the transcript's.
pub(super) fn annotation(heard: &Heard, options: &AsrOptions) -> Value {
    json!({
        "type": "audio_info",
        "language": options.language.clone().unwrap_or_else(|| heard.transcript.language.clone()),
        "emotion": heard.transcript.emotion,
    })
}

pub(super) fn handle(
    ctx: &SyncCtx<'_>,
    headers: &HeaderMap,
    body: &Map<String, Value>,
    stream: bool,
) -> Result<Reply, Fail> {
    let messages = body
        .get("input")
        .and_then(|i| i.get("messages"))
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            Fail::invalid(
                "`input.messages` is required: an optional system message with context, then \
                 one user message with one {\"audio\": <url>} item",
            )
        })?;
    let (reference, context) = parse_messages(messages)?;
    let params = optional_object(body, "parameters", "parameters")?;
    let empty = Map::new();
    let params = params.unwrap_or(&empty);
    let options = asr_options(params, "parameters.asr_options")?;
    let incremental = optional_bool(
        params,
        "incremental_output",
        "parameters.incremental_output",
    )?
    .unwrap_or(false);
    match params.get("result_format") {
        None | Some(Value::Null) => {}
        Some(Value::String(f)) if f == "message" || f == "text" => {}
        Some(other) => {
            return Err(Fail::invalid(format!(
                "`parameters.result_format` must be \"message\", got {other}"
            )));
        }
    }
    let heard = hear(ctx, headers, reference)?;
    let rid = ctx.request_id;
    let input_tokens = token_estimate(&context);
    if !stream {
        if heard.fail_midstream {
            return Err(Fail::midstream());
        }
        let text = heard.channel.text.clone();
        return Ok(Reply::ok(event_body(
            &heard,
            &options,
            &text,
            &text,
            "stop",
            input_tokens,
            rid,
        )));
    }
    let pieces = split_pieces(&heard.channel.text);
    let count = pieces.len().max(1);
    let keep = if heard.fail_midstream {
        (count / 2).max(1)
    } else {
        count
    };
    let mut frames = Vec::new();
    let mut so_far = String::new();
    for i in 0..keep {
        let piece = pieces.get(i).copied().unwrap_or("");
        so_far.push_str(piece);
        let last = i + 1 == count;
        // The service writes the string "null" while generating (protocol §4.1).
        let finish = if last { "stop" } else { "null" };
        let shown = if incremental { piece } else { so_far.as_str() };
        let body = event_body(&heard, &options, shown, &so_far, finish, input_tokens, rid);
        frames.push(native_event(i + 1, &body));
    }
    if heard.fail_midstream {
        frames.push(native_error_event(keep + 1, &Fail::midstream(), rid));
    }
    Ok(Reply::Sse {
        status: 200,
        frames,
    })
}

/// Returns the audio reference and the context text of the messages.
fn parse_messages(messages: &[Value]) -> Result<(&str, String), Fail> {
    let mut context = String::new();
    let mut reference = None;
    for (i, message) in messages.iter().enumerate() {
        let path = format!("input.messages[{i}]");
        match message.get("role").and_then(Value::as_str) {
            Some("system") if i == 0 => context = system_text(message, &path)?,
            Some("system") => {
                return Err(Fail::invalid(format!(
                    "`{path}`: the system message (context) must be the first message"
                )));
            }
            Some("user") if reference.is_none() => reference = Some(audio_item(message, &path)?),
            Some("user") => {
                return Err(Fail::invalid(format!(
                    "`{path}`: only one user message (with one audio item) is allowed"
                )));
            }
            _ => {
                return Err(Fail::invalid(format!(
                    "`{path}.role` must be `system` (context, first) or `user` (the audio)"
                )));
            }
        }
    }
    let reference = reference.ok_or_else(|| {
        Fail::invalid("`input.messages` has no user message with an {\"audio\": <url>} item")
    })?;
    Ok((reference, context))
}

fn system_text(message: &Value, path: &str) -> Result<String, Fail> {
    match message.get("content") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(items)) => {
            let mut text = String::new();
            for (k, item) in items.iter().enumerate() {
                let piece = item.get("text").and_then(Value::as_str).ok_or_else(|| {
                    Fail::invalid(format!(
                        "`{path}.content[{k}]` must be {{\"text\": <context>}}"
                    ))
                })?;
                text.push_str(piece);
            }
            Ok(text)
        }
        _ => Err(Fail::invalid(format!(
            "`{path}.content` must be [{{\"text\": <context>}}]"
        ))),
    }
}

fn audio_item<'a>(message: &'a Value, path: &str) -> Result<&'a str, Fail> {
    let items = message
        .get("content")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            Fail::invalid(format!(
                "`{path}.content` must be [{{\"audio\": <url or data URI>}}]"
            ))
        })?;
    let mut found = None;
    for (k, item) in items.iter().enumerate() {
        match item.get("audio") {
            Some(Value::String(a)) if !a.is_empty() && found.is_none() => found = Some(a.as_str()),
            Some(Value::String(a)) if !a.is_empty() => {
                return Err(Fail::invalid(format!(
                    "`{path}.content[{k}]`: only one audio item is allowed per request"
                )));
            }
            _ => {
                return Err(Fail::invalid(format!(
                    "`{path}.content[{k}]` must be {{\"audio\": <url or data URI>}} (the native \
                     key is `audio`, not `input_audio`)"
                )));
            }
        }
    }
    found.ok_or_else(|| Fail::invalid(format!("`{path}.content` has no audio item")))
}

fn event_body(
    heard: &Heard,
    options: &AsrOptions,
    shown: &str,
    so_far: &str,
    finish_reason: &str,
    input_tokens: u64,
    request_id: &str,
) -> Value {
    json!({
        "output": {
            "choices": [{
                "finish_reason": finish_reason,
                "message": {
                    "annotations": [annotation(heard, options)],
                    "content": [{"text": shown}],
                    "role": "assistant",
                },
            }],
        },
        "usage": {
            "input_tokens_details": {"text_tokens": input_tokens},
            "output_tokens_details": {"text_tokens": token_estimate(so_far)},
            "seconds": heard.transcript.duration_secs(),
        },
        "request_id": request_id,
    })
}
