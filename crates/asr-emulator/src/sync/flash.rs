//! Fun-ASR-Flash and Qwen-Audio-3.x-ASR-Flash on `multimodal-generation` (protocol.md §3).

use http::HeaderMap;
use serde_json::{Map, Value, json};

use super::{Fail, Heard, hear, native_error_event, native_event, optional_object};
use crate::reply::Reply;
use crate::transcript::{Sentence, SyncCtx};

/// Context messages kept per kind (the most recent ones).
const MAX_CONTEXT_PER_KIND: usize = 5;
/// Context characters kept per round, summed over all items.
const MAX_CONTEXT_CHARS: usize = 400;
/// Audio shorter than this is answered with a single event even when streaming (§3.3).
const MIN_MULTI_EVENT_MS: u64 = 60_000;

/// Language codes of `parameters.language_hints` (§3.1).
const LANGUAGES: &[&str] = &[
    "zh", "en", "ja", "ko", "vi", "th", "id", "ms", "tl", "hi", "ar", "fr", "de", "es", "pt", "ru",
    "it", "nl", "sv", "da", "fi", "no", "el", "pl", "cs", "hu", "ro", "bg", "hr", "sk",
];

/// What the emulator kept of the context, for the `x-emulator-context` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct ContextReport {
    pub(super) input_text: (usize, usize),
    pub(super) text: (usize, usize),
    pub(super) chars: (usize, usize),
}

impl ContextReport {
    fn header(&self) -> String {
        format!(
            "input_text={}/{}; text={}/{}; chars={}/{}",
            self.input_text.0,
            self.input_text.1,
            self.text.0,
            self.text.1,
            self.chars.0,
            self.chars.1
        )
    }
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
                "`input.messages` is required: context messages (optional) followed by one \
                 user message holding an `input_audio` item",
            )
        })?;
    let (audio_message, context) = messages
        .split_last()
        .ok_or_else(|| Fail::invalid("`input.messages` is empty"))?;
    let reference = audio_reference(audio_message, messages.len() - 1)?;
    let report = check_context(context)?;
    check_parameters(body)?;
    let heard = hear(ctx, headers, reference)?;
    let rid = ctx.request_id;
    let per_token = body
        .get("model")
        .and_then(Value::as_str)
        .is_some_and(counts_tokens);
    if stream {
        return Ok(Reply::Sse {
            status: 200,
            frames: stream_frames(&heard, rid, per_token),
        });
    }
    if heard.fail_midstream {
        return Err(Fail::midstream());
    }
    let sentences = &heard.channel.sentences;
    let last = sentences.len().saturating_sub(1);
    let mut body = result_body(&heard, last, true, rid);
    if per_token {
        add_tokens(&mut body);
    }
    let headers = if context.is_empty() {
        Vec::new()
    } else {
        vec![("x-emulator-context".to_owned(), report.header())]
    };
    Ok(Reply::Json {
        status: 200,
        headers,
        body,
    })
}

/// The `input_audio.data` of the last message, which must be a user message with exactly one
/// `input_audio` item and nothing else.
fn audio_reference(message: &Value, index: usize) -> Result<&str, Fail> {
    let path = format!("input.messages[{index}]");
    if message.get("role").and_then(Value::as_str) != Some("user") {
        return Err(Fail::invalid(format!(
            "`{path}.role` must be `user`: the last message holds the audio (context messages \
             go before it)"
        )));
    }
    let content = content_items(message, &path)?;
    let mut found = None;
    for (k, item) in content.iter().enumerate() {
        match item.get("type").and_then(Value::as_str) {
            Some("input_audio") if found.is_none() => {
                let data = item
                    .get("input_audio")
                    .and_then(|a| a.get("data"))
                    .and_then(Value::as_str)
                    .filter(|d| !d.is_empty())
                    .ok_or_else(|| {
                        Fail::invalid(format!(
                            "`{path}.content[{k}].input_audio.data` is required: an audio URL \
                             or a data URI"
                        ))
                    })?;
                found = Some(data);
            }
            Some("input_audio") => {
                return Err(Fail::invalid(format!(
                    "`{path}.content[{k}]`: only one `input_audio` item is allowed per request"
                )));
            }
            _ => {
                return Err(Fail::invalid(format!(
                    "`{path}.content[{k}]` must be the `input_audio` item; put context \
                     (`input_text`, `text`) in earlier messages"
                )));
            }
        }
    }
    found.ok_or_else(|| {
        Fail::invalid(format!(
            "`{path}.content` has no `input_audio` item; exactly one is required"
        ))
    })
}

fn content_items<'a>(message: &'a Value, path: &str) -> Result<&'a Vec<Value>, Fail> {
    message
        .get("content")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            Fail::invalid(format!(
                "Role must be user or assistant and Content length must be greater than 0 \
                 (`{path}.content`)"
            ))
        })
}

/// Checks the context messages' roles, kinds and order, and reports what the documented limits
/// keep: the most recent 5 messages of each kind and 400 characters in all, cut from the end.
pub(super) fn check_context(context: &[Value]) -> Result<ContextReport, Fail> {
    // Per message: (is a user `input_text` message, its characters).
    let mut messages: Vec<(bool, usize)> = Vec::new();
    let mut previous_role = None;
    for (i, message) in context.iter().enumerate() {
        let path = format!("input.messages[{i}]");
        let role = message.get("role").and_then(Value::as_str);
        let expected_kind = match role {
            Some("user") => "input_text",
            Some("assistant") => "text",
            _ => {
                return Err(Fail::invalid(format!(
                    "Role must be user or assistant and Content length must be greater than 0 \
                     (`{path}.role`)"
                )));
            }
        };
        if role == Some("assistant") && previous_role != Some("user") {
            return Err(Fail::invalid(format!(
                "`{path}`: an assistant `text` context message must follow the user \
                 `input_text` message it answers"
            )));
        }
        previous_role = role;
        let mut chars = 0;
        for (k, item) in content_items(message, &path)?.iter().enumerate() {
            let kind = item.get("type").and_then(Value::as_str);
            if kind == Some("input_audio") {
                return Err(Fail::invalid(format!(
                    "`{path}.content[{k}]`: the `input_audio` item belongs in the last \
                     message; context messages come before it"
                )));
            }
            if kind != Some(expected_kind) {
                return Err(Fail::invalid(format!(
                    "`{path}.content[{k}].type` must be `{expected_kind}` for a {} context \
                     message",
                    role.unwrap_or_default()
                )));
            }
            let text = item.get("text").and_then(Value::as_str).ok_or_else(|| {
                Fail::invalid(format!("`{path}.content[{k}].text` must be a string"))
            })?;
            chars += text.chars().count();
        }
        messages.push((role == Some("user"), chars));
    }
    let total_user = messages.iter().filter(|(user, _)| *user).count();
    let total_assistant = messages.len() - total_user;
    // Keep the most recent messages of each kind.
    let mut kept_user = 0;
    let mut kept_assistant = 0;
    let mut chars = 0;
    for (user, message_chars) in messages.iter().rev() {
        let count = if *user {
            &mut kept_user
        } else {
            &mut kept_assistant
        };
        if *count < MAX_CONTEXT_PER_KIND {
            *count += 1;
            chars += message_chars;
        }
    }
    Ok(ContextReport {
        input_text: (kept_user, total_user),
        text: (kept_assistant, total_assistant),
        chars: (chars.min(MAX_CONTEXT_CHARS), chars),
    })
}

fn check_parameters(body: &Map<String, Value>) -> Result<(), Fail> {
    let params = optional_object(body, "parameters", "parameters")?.ok_or_else(|| {
        Fail::invalid(
            "`parameters.format` is required: the audio format, e.g. {\"format\": \"wav\"}",
        )
    })?;
    match params.get("format") {
        Some(Value::String(f)) if !f.is_empty() => {}
        _ => {
            return Err(Fail::invalid(
                "`parameters.format` is required: the audio format, e.g. `wav`, `mp3`, `opus`",
            ));
        }
    }
    match params.get("sample_rate") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.parse::<u32>().is_ok() => {}
        Some(Value::Number(n)) if n.as_u64().is_some() => {}
        Some(other) => {
            return Err(Fail::invalid(format!(
                "`parameters.sample_rate` must be a sample rate in Hz such as \"16000\", got \
                 {other}"
            )));
        }
    }
    match params.get("vocabulary_id") {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(other) => {
            return Err(Fail::invalid(format!(
                "`parameters.vocabulary_id` must be a string, got {other}"
            )));
        }
    }
    if let Some(hints) = params.get("language_hints") {
        let codes = hints.as_array().ok_or_else(|| {
            Fail::invalid("`parameters.language_hints` must be a list of language codes")
        })?;
        for code in codes {
            if !code.as_str().is_some_and(|c| LANGUAGES.contains(&c)) {
                return Err(Fail::invalid(format!(
                    "`parameters.language_hints`: {code} is not a supported language code; use \
                     one of {}",
                    LANGUAGES.join(" ")
                )));
            }
        }
    }
    if let Some(words) = optional_object(params, "vocabulary", "parameters.vocabulary")? {
        for (word, weight) in words {
            match weight.as_i64() {
                Some(1..=5 | 50) => {}
                _ => {
                    return Err(Fail::invalid(format!(
                        "`parameters.vocabulary` weight of {word:?} must be an integer 1-5, or \
                         50 for a super hot word; got {weight}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// `{"begin_time", "channel_id", "end_time"?, "sentence_end", "sentence_id", "text", "words"}`;
/// a partial sentence (`done == false`) has the first half of its words, not fixed, and no
/// `end_time`.
fn sentence_json(s: &Sentence, id: usize, channel_id: u32, done: bool) -> (Value, String) {
    let words: Vec<_> = if done {
        s.words.iter().collect()
    } else {
        s.words.iter().take(s.words.len().div_ceil(2)).collect()
    };
    let text: String = if done {
        s.text.clone()
    } else {
        words
            .iter()
            .map(|w| format!("{}{}", w.text, w.punctuation))
            .collect()
    };
    let words_json: Vec<Value> = words
        .iter()
        .map(|w| {
            json!({
                "begin_time": w.begin_time,
                "end_time": w.end_time,
                "fixed": done,
                "punctuation": w.punctuation,
                "text": w.text,
            })
        })
        .collect();
    let mut sentence = json!({
        "begin_time": s.begin_time,
        "channel_id": channel_id,
        "sentence_end": done,
        "sentence_id": id,
        "text": text,
        "words": words_json,
    });
    if done && let Some(obj) = sentence.as_object_mut() {
        obj.insert("end_time".into(), json!(s.end_time));
    }
    (sentence, text)
}

/// The response body after sentence `index` (final when `done`), with the cumulative text.
fn result_body(heard: &Heard, index: usize, done: bool, request_id: &str) -> Value {
    let sentences = &heard.channel.sentences;
    let channel_id = heard.channel.channel_id;
    let Some(s) = sentences.get(index) else {
        // No speech at all: an empty final sentence.
        return json!({
            "output": {
                "sentence": {
                    "begin_time": 0, "channel_id": channel_id, "end_time": 0,
                    "sentence_end": true, "sentence_id": 1, "text": "", "words": [],
                },
                "text": "",
            },
            "usage": {"duration": heard.transcript.duration_secs()},
            "request_id": request_id,
        });
    };
    let (sentence, partial_text) = sentence_json(s, index + 1, channel_id, done);
    let mut before: Vec<&str> = sentences[..index].iter().map(|s| s.text.as_str()).collect();
    before.push(&partial_text);
    let text = before.join(" ");
    let mut body = json!({
        "output": {"sentence": sentence, "text": text},
        "request_id": request_id,
    });
    if done && let Some(obj) = body.as_object_mut() {
        let duration = if index + 1 == sentences.len() {
            heard.transcript.duration_secs()
        } else {
            s.end_time.div_ceil(1000).max(1)
        };
        obj.insert("usage".into(), json!({"duration": duration}));
    }
    body
}

/// Whether a model's usage is counted in tokens: the Qwen-Audio 3.1 models (protocol §11
/// item 5 documents token limits and per-token billing for them).
pub(crate) fn counts_tokens(model: &str) -> bool {
    model.starts_with("qwen-audio-3.1-")
}

/// Audio tokens per second of audio, as the Qwen audio models count them (protocol §4.2).
pub(crate) const AUDIO_TOKENS_PER_SECOND: u64 = 25;

/// Adds `input_tokens` (audio) and `output_tokens` (the text so far) beside a `usage.duration`.
fn add_tokens(body: &mut Value) {
    let output = super::token_estimate(body["output"]["text"].as_str().unwrap_or_default());
    if let Some(usage) = body.get_mut("usage").and_then(Value::as_object_mut) {
        let seconds = usage.get("duration").and_then(Value::as_u64).unwrap_or(0);
        usage.insert(
            "input_tokens".into(),
            json!(seconds * AUDIO_TOKENS_PER_SECOND),
        );
        usage.insert("output_tokens".into(), json!(output));
    }
}

fn stream_frames(heard: &Heard, request_id: &str, per_token: bool) -> Vec<String> {
    let sentences = heard.channel.sentences.len();
    let mut bodies = Vec::new();
    // A stream made to fail needs events before the failure, whatever the audio length.
    let multi = heard.transcript.duration_ms >= MIN_MULTI_EVENT_MS || heard.fail_midstream;
    if multi && sentences > 0 {
        for i in 0..sentences {
            bodies.push(result_body(heard, i, false, request_id));
            bodies.push(result_body(heard, i, true, request_id));
        }
    } else {
        bodies.push(result_body(
            heard,
            sentences.saturating_sub(1),
            true,
            request_id,
        ));
    }
    if per_token {
        bodies.iter_mut().for_each(add_tokens);
    }
    let keep = if heard.fail_midstream {
        (bodies.len() / 2).max(1)
    } else {
        bodies.len()
    };
    let mut frames: Vec<String> = bodies
        .iter()
        .take(keep)
        .enumerate()
        .map(|(i, b)| native_event(i + 1, b))
        .collect();
    if heard.fail_midstream {
        frames.push(native_error_event(keep + 1, &Fail::midstream(), request_id));
    }
    frames
}
