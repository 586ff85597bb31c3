//! `POST /compatible-mode/v1/chat/completions`: Qwen3-ASR-Flash (protocol.md §4.2) and
//! Qwen-Omni used as a transcriber (§5).

use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::qwen::{AsrOptions, annotation, asr_options};
use super::unix_secs;
use super::{Fail, Heard, hear, optional_bool, optional_object, split_pieces, token_estimate};
use crate::reply::Reply;
use crate::transcript::SyncCtx;

/// Audio tokens per second of audio, rounded up per second (§4.2).
const AUDIO_TOKENS_PER_SECOND: u64 = 25;

/// Which model family is answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Qwen3-ASR-Flash: `stream` optional, `annotations`, `asr_options`.
    QwenAsr,
    /// Qwen-Omni: `stream: true` required, plain chat chunks.
    Omni,
}

/// What a completion is made of, shared by the JSON and the stream renderings.
struct Completion<'a> {
    kind: Kind,
    model: &'a str,
    id: String,
    created: u64,
    heard: Heard,
    options: AsrOptions,
    prompt_text_tokens: u64,
}

pub(super) fn handle(
    ctx: &SyncCtx<'_>,
    headers: &HeaderMap,
    body: &Map<String, Value>,
    model: &str,
    kind: Kind,
) -> Result<Reply, Fail> {
    let stream = optional_bool(body, "stream", "stream")?.unwrap_or(false);
    if kind == Kind::Omni && !stream {
        return Err(Fail::invalid(
            "This model only supports streaming output: set `stream` to true (Qwen-Omni answers \
             only as a stream)",
        ));
    }
    let include_usage = match optional_object(body, "stream_options", "stream_options")? {
        Some(options) => optional_bool(options, "include_usage", "stream_options.include_usage")?
            .unwrap_or(false),
        None => false,
    };
    let options = match kind {
        Kind::QwenAsr => asr_options(body, "asr_options")?,
        Kind::Omni => AsrOptions::default(),
    };
    if kind == Kind::Omni {
        check_modalities(body)?;
    }
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            Fail::invalid(
                "`messages` is required: an optional system message, then a user message whose \
                 content holds one {\"type\": \"input_audio\", \"input_audio\": {\"data\": <url>}}",
            )
        })?;
    let (reference, prompt_text) = parse_messages(messages, kind)?;
    let heard = hear(ctx, headers, reference)?;
    let completion = Completion {
        kind,
        model,
        id: format!("chatcmpl-{}", ctx.request_id),
        created: unix_secs(),
        heard,
        options,
        prompt_text_tokens: token_estimate(&prompt_text),
    };
    if stream {
        return Ok(Reply::Sse {
            status: 200,
            frames: completion.stream_frames(include_usage, ctx.request_id),
        });
    }
    if completion.heard.fail_midstream {
        return Err(Fail::midstream());
    }
    Ok(Reply::ok(completion.json_body()))
}

fn check_modalities(body: &Map<String, Value>) -> Result<(), Fail> {
    match body.get("modalities") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items))
            if !items.is_empty()
                && items
                    .iter()
                    .all(|m| matches!(m.as_str(), Some("text" | "audio"))) =>
        {
            Ok(())
        }
        Some(other) => Err(Fail::invalid(format!(
            "`modalities` must be [\"text\"] or [\"text\", \"audio\"], got {other}"
        ))),
    }
}

/// Returns the audio reference and the text of the prompt (system and user text items).
fn parse_messages(messages: &[Value], kind: Kind) -> Result<(&str, String), Fail> {
    let mut prompt = String::new();
    let mut reference = None;
    for (i, message) in messages.iter().enumerate() {
        let path = format!("messages[{i}]");
        match message.get("role").and_then(Value::as_str) {
            Some("system") => prompt.push_str(&plain_text(message, &path)?),
            Some("user") => match message.get("content") {
                Some(Value::Array(items)) => {
                    for (k, item) in items.iter().enumerate() {
                        let item_path = format!("{path}.content[{k}]");
                        match item.get("type").and_then(Value::as_str) {
                            Some("input_audio") if reference.is_none() => {
                                reference = Some(audio_data(item, &item_path, kind)?);
                            }
                            Some("input_audio") => {
                                return Err(Fail::invalid(format!(
                                    "`{item_path}`: only one audio input is allowed per request"
                                )));
                            }
                            Some("text") if kind == Kind::Omni => {
                                let text =
                                    item.get("text").and_then(Value::as_str).ok_or_else(|| {
                                        Fail::invalid(format!(
                                            "`{item_path}.text` must be a string"
                                        ))
                                    })?;
                                prompt.push_str(text);
                            }
                            _ => {
                                return Err(Fail::invalid(format!(
                                    "`{item_path}.type` must be `input_audio`{}",
                                    if kind == Kind::Omni { " or `text`" } else { "" }
                                )));
                            }
                        }
                    }
                }
                Some(Value::String(text)) if kind == Kind::Omni => prompt.push_str(text),
                _ => {
                    return Err(Fail::invalid(format!(
                        "`{path}.content` must be a list holding the `input_audio` item"
                    )));
                }
            },
            Some("assistant") if kind == Kind::Omni => {
                prompt.push_str(&plain_text(message, &path)?);
            }
            _ => {
                return Err(Fail::invalid(format!(
                    "`{path}.role` must be `system` or `user`"
                )));
            }
        }
    }
    let reference = reference.ok_or_else(|| {
        Fail::invalid(
            "`messages` has no `input_audio` item; add {\"type\": \"input_audio\", \
             \"input_audio\": {\"data\": <url or data URI>}} to the user message",
        )
    })?;
    Ok((reference, prompt))
}

/// A system/assistant message's text: a string or a list of `{"type": "text", "text"}`.
fn plain_text(message: &Value, path: &str) -> Result<String, Fail> {
    match message.get("content") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(k, item)| {
                item.get("text")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        Fail::invalid(format!(
                            "`{path}.content[{k}]` must be {{\"type\": \"text\", \"text\": …}}"
                        ))
                    })
            })
            .collect(),
        _ => Err(Fail::invalid(format!(
            "`{path}.content` must be a string or a list of text items"
        ))),
    }
}

fn audio_data<'a>(item: &'a Value, path: &str, kind: Kind) -> Result<&'a str, Fail> {
    let audio = item.get("input_audio").ok_or_else(|| {
        Fail::invalid(format!(
            "`{path}.input_audio` is required: {{\"data\": <url>}}"
        ))
    })?;
    let data = audio
        .get("data")
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            Fail::invalid(format!(
                "`{path}.input_audio.data` is required: an audio URL or a data URI"
            ))
        })?;
    if kind == Kind::Omni {
        match audio.get("format") {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => {
                return Err(Fail::invalid(format!(
                    "`{path}.input_audio.format` must be a string such as \"wav\", got {other}"
                )));
            }
        }
    }
    Ok(data)
}

impl Completion<'_> {
    fn audio_tokens(&self) -> u64 {
        self.heard.transcript.duration_secs() * AUDIO_TOKENS_PER_SECOND
    }

    fn usage(&self) -> Value {
        let completion = token_estimate(&self.heard.channel.text);
        let prompt = self.audio_tokens() + self.prompt_text_tokens;
        let mut usage = json!({
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"text_tokens": completion},
            "prompt_tokens_details": {
                "audio_tokens": self.audio_tokens(),
                "text_tokens": self.prompt_text_tokens,
            },
        });
        if self.kind == Kind::QwenAsr
            && let Some(obj) = usage.as_object_mut()
        {
            obj.insert(
                "seconds".into(),
                json!(self.heard.transcript.duration_secs()),
            );
        }
        usage
    }

    fn json_body(&self) -> Value {
        let mut message = json!({
            "content": self.heard.channel.text,
            "role": "assistant",
        });
        if self.kind == Kind::QwenAsr
            && let Some(obj) = message.as_object_mut()
        {
            obj.insert(
                "annotations".into(),
                json!([annotation(&self.heard, &self.options)]),
            );
        }
        json!({
            "choices": [{"finish_reason": "stop", "index": 0, "message": message}],
            "created": self.created,
            "id": self.id,
            "model": self.model,
            "object": "chat.completion",
            "usage": self.usage(),
        })
    }

    fn chunk(&self, choices: Value, usage: Value) -> String {
        let mut chunk = json!({
            "choices": choices,
            "object": "chat.completion.chunk",
            "usage": usage,
            "created": self.created,
            "model": self.model,
            "id": self.id,
        });
        if self.kind == Kind::Omni
            && let Some(obj) = chunk.as_object_mut()
        {
            obj.insert("system_fingerprint".into(), Value::Null);
        }
        format!("data: {chunk}\n\n")
    }

    fn delta_chunk(&self, delta: Value, finish_reason: Option<&str>) -> String {
        let mut choice = json!({
            "delta": delta,
            "finish_reason": finish_reason,
            "index": 0,
            "logprobs": null,
        });
        if self.kind == Kind::QwenAsr
            && finish_reason.is_none()
            && let Some(obj) = choice.as_object_mut()
        {
            obj.remove("finish_reason");
        }
        self.chunk(json!([choice]), Value::Null)
    }

    fn stream_frames(&self, include_usage: bool, request_id: &str) -> Vec<String> {
        let pieces = split_pieces(&self.heard.channel.text);
        let keep = if self.heard.fail_midstream {
            pieces.len() / 2
        } else {
            pieces.len()
        };
        let mut frames = vec![self.delta_chunk(json!({"content": "", "role": "assistant"}), None)];
        for piece in pieces.iter().take(keep) {
            let mut delta = json!({"content": piece, "role": null});
            if self.kind == Kind::QwenAsr
                && let Some(obj) = delta.as_object_mut()
            {
                obj.insert(
                    "annotations".into(),
                    json!([annotation(&self.heard, &self.options)]),
                );
            }
            frames.push(self.delta_chunk(delta, None));
        }
        if self.heard.fail_midstream {
            let error = Fail::midstream();
            frames.push(format!(
                "data: {}\n\n",
                json!({"error": error.openai_error(), "request_id": request_id})
            ));
            return frames;
        }
        let finish_delta = match self.kind {
            Kind::QwenAsr => json!({"role": null}),
            Kind::Omni => json!({"content": ""}),
        };
        frames.push(self.delta_chunk(finish_delta, Some("stop")));
        if include_usage {
            frames.push(self.chunk(json!([]), self.usage()));
        }
        frames.push("data: [DONE]\n\n".to_owned());
        frames
    }
}
