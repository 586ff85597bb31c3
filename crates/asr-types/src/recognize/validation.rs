//! The rules behind the `validate` methods of the recognition requests.

use super::*;
use crate::model::{FUN_ASR_LANGUAGES, ModelFamily, QWEN3_ASR_LANGUAGES};
use crate::validate::{check_hot_words, check_media_url, snippet};

/// Most context messages of each kind (user `input_text`, assistant `text`) the service reads.
pub const MAX_CONTEXT_PER_KIND: usize = 5;
/// Most characters of context text per round; the service silently cuts the rest from the end.
pub const MAX_CONTEXT_CHARS: usize = 400;
/// Most bytes of one data URI, encoded (`Exceeded limit on max bytes per data-uri item`).
pub const MAX_DATA_URI_BYTES: usize = 10 * 1024 * 1024;
/// Longest audio, in ms, of the short-audio models (Flash, Qwen3-ASR-Flash).
pub const MAX_AUDIO_MS: u64 = 5 * 60 * 1000;

/// Checks an audio duration against the model's documented limit, for callers that know it
/// (a local file's header, a probe).
///
/// Flash and Qwen3-ASR-Flash take at most 5 minutes. Omni limits differ per model; for
/// `qwen3-omni-flash` the docs disagree (150 s vs 20 min, protocol §9 item 9) and the larger
/// limit is applied so no accepted file is refused. Unknown models are not checked.
///
/// # Errors
///
/// A [`ValidationError`] on `audio` naming the limit and the fix.
pub fn check_duration(model: &Model, duration_ms: u64) -> Result<(), ValidationError> {
    let (limit, fix) = match model.family() {
        ModelFamily::Flash | ModelFamily::Qwen3AsrFlash => (
            MAX_AUDIO_MS,
            "split the audio, or use an async model (fun-asr, qwen3-asr-flash-filetrans) for \
             long recordings",
        ),
        ModelFamily::Omni => match model.as_str() {
            "qwen-omni-turbo" => (3 * 60 * 1000, "split the audio or use qwen3.5-omni-plus"),
            id if id.starts_with("qwen3.5-omni") => (3 * 3600 * 1000, "split the audio"),
            _ => (20 * 60 * 1000, "split the audio or use qwen3.5-omni-plus"),
        },
        _ => return Ok(()),
    };
    if duration_ms > limit {
        return Err(ValidationError::new(
            "audio",
            format!(
                "`{model}` takes at most {} of audio, got {}; {fix}",
                format_ms(limit),
                format_ms(duration_ms)
            ),
        ));
    }
    Ok(())
}

fn format_ms(ms: u64) -> String {
    let s = ms / 1000;
    let tenths = (ms % 1000) / 100;
    if s >= 60 {
        format!("{}m{:02}.{tenths}s", s / 60, s % 60)
    } else {
        format!("{s}.{tenths}s")
    }
}

pub(super) fn flash(req: &FlashRequest) -> Result<(), ValidationError> {
    let model = &req.model;
    let family = model.family();
    check_model(model, family, ModelFamily::Flash, "FlashRequest")?;
    let known = family == ModelFamily::Flash;
    let messages = &req.input.messages;
    let audio_at = check_audio_message(messages, "input.messages", |c| {
        c.kind == Some(ContentType::InputAudio) || c.input_audio.is_some()
    })?;
    let mut context = Vec::new();
    let mut users = 0;
    let mut assistants = 0;
    for (i, message) in messages.iter().enumerate().take(audio_at) {
        let (expected, kind, count) = match message.role {
            Role::User => (ContentType::InputText, "input_text", &mut users),
            Role::Assistant => (ContentType::Text, "text", &mut assistants),
            Role::System => {
                return Err(ValidationError::new(
                    format!("input.messages[{i}].role"),
                    "Flash models take no system message; put terms or earlier text in a user \
                     `input_text` context message instead",
                ));
            }
        };
        *count += 1;
        if message.content.is_empty() {
            return Err(ValidationError::new(
                format!("input.messages[{i}].content"),
                "the message has no content; add a text item or remove the message",
            ));
        }
        for (j, item) in message.content.iter().enumerate() {
            let field = format!("input.messages[{i}].content[{j}]");
            if item.kind != Some(expected) || item.input_audio.is_some() || item.audio.is_some() {
                return Err(ValidationError::new(
                    format!("{field}.type"),
                    format!(
                        "context before the audio message must be text: {} messages carry \
                         `{kind}` items, and the audio goes only in the last message",
                        role_name(message.role)
                    ),
                ));
            }
            let text = item.text.as_deref().unwrap_or_default();
            if text.is_empty() {
                return Err(ValidationError::new(
                    format!("{field}.text"),
                    "the text is empty; remove the item or give it text",
                ));
            }
            context.push((field, text));
        }
    }
    for (count, role) in [(users, "user"), (assistants, "assistant")] {
        if count > MAX_CONTEXT_PER_KIND {
            return Err(ValidationError::new(
                "input.messages",
                format!(
                    "at most {MAX_CONTEXT_PER_KIND} {role} context messages are read, got \
                     {count}, and the service drops the oldest; keep the \
                     {MAX_CONTEXT_PER_KIND} most recent"
                ),
            ));
        }
    }
    check_context_chars(&context)?;

    let p = &req.parameters;
    if p.format.trim().is_empty() {
        return Err(ValidationError::new(
            "parameters.format",
            "the audio format is required; pass it, e.g. `wav`, `mp3` or `opus`",
        ));
    }
    if let Some(rate) = &p.sample_rate
        && (rate.is_empty() || !rate.bytes().all(|b| b.is_ascii_digit()) || rate.starts_with('0'))
    {
        return Err(ValidationError::new(
            "parameters.sample_rate",
            format!(
                "`{}` is not a sample rate; pass the rate in Hz as a decimal string such as \
                     \"16000\"",
                snippet(rate)
            ),
        ));
    }
    if let Some(id) = &p.vocabulary_id
        && id.trim().is_empty()
    {
        return Err(ValidationError::new(
            "parameters.vocabulary_id",
            "the id is empty; pass the id returned by create_vocabulary or omit the field",
        ));
    }
    if let Some(words) = &p.vocabulary {
        check_instant_vocabulary(model, known, words)?;
    }
    if let Some(hints) = &p.language_hints {
        check_flash_language_hints(model, known, hints)?;
    }
    Ok(())
}

pub(super) fn qwen_asr(req: &QwenAsrRequest) -> Result<(), ValidationError> {
    let model = &req.model;
    let family = model.family();
    check_model(model, family, ModelFamily::Qwen3AsrFlash, "QwenAsrRequest")?;
    let messages = &req.input.messages;
    let audio_at = check_audio_message(messages, "input.messages", |c| c.audio.is_some())?;
    for (i, message) in messages.iter().enumerate().take(audio_at) {
        if message.role != Role::System || i > 0 {
            return Err(ValidationError::new(
                format!("input.messages[{i}].role"),
                "Qwen3-ASR takes one optional system message (the context) first, then the \
                 user message with the audio; put all context text in the system message",
            ));
        }
        for (j, item) in message.content.iter().enumerate() {
            if item.text.is_none() || item.audio.is_some() || item.input_audio.is_some() {
                return Err(ValidationError::new(
                    format!("input.messages[{i}].content[{j}]"),
                    "system content items are `{\"text\": …}`; move audio to the user message",
                ));
            }
        }
    }
    if let Some(options) = &req.parameters.asr_options {
        check_qwen_language(model, family, options)?;
    }
    Ok(())
}

pub(super) fn chat(req: &ChatCompletionRequest) -> Result<(), ValidationError> {
    let model = &req.model;
    let family = model.family();
    if model.as_str().trim().is_empty() {
        return Err(ValidationError::new(
            "model",
            "the model id is empty; pass e.g. `qwen3-asr-flash` or `qwen3-omni-flash`",
        ));
    }
    match family {
        ModelFamily::Qwen3AsrFlash | ModelFamily::Omni | ModelFamily::Other => {}
        ModelFamily::Flash => {
            return Err(ValidationError::new(
                "model",
                format!(
                    "`{model}` is not served by the OpenAI-compatible endpoint; build a \
                     FlashRequest for the native multimodal-generation call instead"
                ),
            ));
        }
        _ => return Err(wrong_call(model, family)),
    }
    let omni = family == ModelFamily::Omni;
    let qwen = family == ModelFamily::Qwen3AsrFlash;
    if omni && req.stream != Some(true) {
        return Err(ValidationError::new(
            "stream",
            format!(
                "`{model}` only answers streaming requests (a non-streaming call is rejected \
                 with 400); set `stream: true`"
            ),
        ));
    }
    if req.stream_options.is_some() && req.stream != Some(true) {
        return Err(ValidationError::new(
            "stream_options",
            "only applies to streaming requests; set `stream: true` or remove `stream_options`",
        ));
    }
    if omni && req.asr_options.is_some() {
        return Err(ValidationError::new(
            "asr_options",
            format!(
                "`{model}` does not take `asr_options` (Qwen-ASR only); describe the language in \
                 the system prompt instead, or remove it"
            ),
        ));
    }
    if qwen && req.modalities.is_some() {
        return Err(ValidationError::new(
            "modalities",
            format!("`{model}` only outputs text and does not take `modalities`; remove it"),
        ));
    }
    if let Some(options) = &req.asr_options {
        check_qwen_language(model, family, options)?;
    }

    let Some(last) = req.messages.last() else {
        return Err(ValidationError::new(
            "messages",
            "no message given; add a user message with one `input_audio` part",
        ));
    };
    let last_at = req.messages.len() - 1;
    if last.role != Role::User {
        return Err(ValidationError::new(
            format!("messages[{last_at}].role"),
            "the last message must be the user message holding the audio; move it to the end",
        ));
    }
    let mut audio = 0;
    for (i, message) in req.messages.iter().enumerate() {
        if i < last_at && message.role != Role::System {
            return Err(ValidationError::new(
                format!("messages[{i}].role"),
                "only one optional system message may precede the user message with the audio; \
                 merge the context into the system message",
            ));
        }
        let ChatContent::Parts(parts) = &message.content else {
            continue;
        };
        for (j, part) in parts.iter().enumerate() {
            let field = format!("messages[{i}].content[{j}]");
            match (&part.kind, &part.input_audio) {
                (ChatPartType::InputAudio, Some(a)) => {
                    if i != last_at {
                        return Err(ValidationError::new(
                            field,
                            "audio goes in the last (user) message; move it there",
                        ));
                    }
                    audio += 1;
                    check_audio(&format!("{field}.input_audio.data"), &a.data)?;
                    if omni && a.format.as_deref().is_none_or(str::is_empty) && is_data_uri(&a.data)
                    {
                        return Err(ValidationError::new(
                            format!("{field}.input_audio.format"),
                            "Omni needs the codec of inline audio; set `format`, e.g. `wav` or \
                             `mp3`",
                        ));
                    }
                }
                (ChatPartType::InputAudio, None) => {
                    return Err(ValidationError::new(
                        format!("{field}.input_audio"),
                        "an `input_audio` part needs `input_audio.data`; give the audio URL or \
                         data URI",
                    ));
                }
                (ChatPartType::Text, _) => {
                    if qwen && i == last_at {
                        return Err(ValidationError::new(
                            field,
                            "Qwen-ASR takes only the audio in the user message; put context \
                             text in a system message",
                        ));
                    }
                }
            }
        }
    }
    if audio != 1 {
        return Err(ValidationError::new(
            format!("messages[{last_at}].content"),
            format!(
                "exactly one `input_audio` part is required, got {audio}; send one file per request"
            ),
        ));
    }
    Ok(())
}

fn check_model(
    model: &Model,
    family: ModelFamily,
    expected: ModelFamily,
    builder: &str,
) -> Result<(), ValidationError> {
    if model.as_str().trim().is_empty() {
        return Err(ValidationError::new(
            "model",
            "the model id is empty; pass e.g. `fun-asr-flash-2026-06-15` or `qwen3-asr-flash`",
        ));
    }
    if family == expected || family == ModelFamily::Other {
        return Ok(());
    }
    let fix = match family {
        ModelFamily::Flash => "build a FlashRequest instead".to_owned(),
        ModelFamily::Qwen3AsrFlash => {
            "build a QwenAsrRequest (native) or a ChatCompletionRequest instead".to_owned()
        }
        ModelFamily::Omni => {
            "build a streaming ChatCompletionRequest (OpenAI-compatible) instead".to_owned()
        }
        _ => return Err(wrong_call(model, family)),
    };
    Err(ValidationError::new(
        "model",
        format!("`{model}` does not take a {builder}; {fix}"),
    ))
}

fn wrong_call(model: &Model, family: ModelFamily) -> ValidationError {
    let why = if family.is_async() {
        "it is an async file-transcription model; submit a transcription task instead"
    } else {
        "it is not a synchronous recognition model; use the realtime API or another model"
    };
    ValidationError::new(
        "model",
        format!("`{model}` cannot recognise synchronously: {why}"),
    )
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// Checks that the last message is a user message with exactly one audio item and that no
/// other message holds audio; returns the index of the audio message.
fn check_audio_message(
    messages: &[Message],
    field: &str,
    is_audio: impl Fn(&Content) -> bool,
) -> Result<usize, ValidationError> {
    let Some(last) = messages.last() else {
        return Err(ValidationError::new(
            field,
            "no message given; add a user message with one audio item",
        ));
    };
    let last_at = messages.len() - 1;
    for (i, message) in messages.iter().enumerate().take(last_at) {
        if message.content.iter().any(|c| c.audio_data().is_some()) {
            return Err(ValidationError::new(
                format!("{field}[{i}]"),
                "only the last message may hold audio, and only one audio per request; send \
                 other files in separate requests",
            ));
        }
    }
    if last.role != Role::User {
        return Err(ValidationError::new(
            format!("{field}[{last_at}].role"),
            "the last message must be the user message holding the audio; put context before it",
        ));
    }
    let audio: Vec<_> = last
        .content
        .iter()
        .enumerate()
        .filter(|(_, c)| c.audio_data().is_some())
        .collect();
    if audio.len() != 1 || last.content.len() != 1 || !is_audio(audio[0].1) {
        return Err(ValidationError::new(
            format!("{field}[{last_at}].content"),
            format!(
                "the audio message must hold exactly one audio item of this model's kind and \
                 nothing else, got {} item(s) of which {} audio; send one file per request",
                last.content.len(),
                audio.len()
            ),
        ));
    }
    let (j, item) = audio[0];
    let data = item.audio_data().unwrap_or_default();
    let leaf = if item.input_audio.is_some() {
        "input_audio.data"
    } else {
        "audio"
    };
    check_audio(&format!("{field}[{last_at}].content[{j}].{leaf}"), data)?;
    Ok(last_at)
}

fn is_data_uri(data: &str) -> bool {
    data.trim_start()
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"))
}

/// An audio reference: http(s), `oss://`, or a base64 data URI within the size limit.
fn check_audio(field: &str, data: &str) -> Result<(), ValidationError> {
    if !is_data_uri(data) {
        return check_media_url(field, data);
    }
    let Some((head, payload)) = data.split_once(',') else {
        return Err(ValidationError::new(
            field,
            "the data URI has no `,` before its payload; use `data:<mime>;base64,<base64 bytes>`",
        ));
    };
    if !head.to_ascii_lowercase().ends_with(";base64") {
        return Err(ValidationError::new(
            field,
            format!(
                "`{}` is not a base64 data URI; use `data:<mime>;base64,<base64 bytes>`",
                snippet(head)
            ),
        ));
    }
    if payload.is_empty() {
        return Err(ValidationError::new(
            field,
            "the data URI carries no audio; encode the file's bytes after `base64,`",
        ));
    }
    if data.len() > MAX_DATA_URI_BYTES {
        return Err(ValidationError::new(
            field,
            format!(
                "the data URI is {} bytes, over the service's limit of {MAX_DATA_URI_BYTES} bytes \
                 (10 MB) per inline item; upload the file and pass its oss:// URL instead",
                data.len()
            ),
        ));
    }
    Ok(())
}

/// The 400-character rule, with what the service would cut.
fn check_context_chars(items: &[(String, &str)]) -> Result<(), ValidationError> {
    let total: usize = items.iter().map(|(_, t)| t.chars().count()).sum();
    if total <= MAX_CONTEXT_CHARS {
        return Ok(());
    }
    let mut seen = 0;
    let mut cut_from = "";
    for (field, text) in items {
        let n = text.chars().count();
        if seen + n > MAX_CONTEXT_CHARS {
            cut_from = field;
            break;
        }
        seen += n;
    }
    Err(ValidationError::new(
        "input.messages",
        format!(
            "context text is {total} characters, over the {MAX_CONTEXT_CHARS} read per round; \
             the service would silently cut the last {} characters, starting in `{cut_from}` \
             after its first {} characters; shorten the context to the most relevant terms",
            total - MAX_CONTEXT_CHARS,
            MAX_CONTEXT_CHARS - seen
        ),
    ))
}

fn check_instant_vocabulary(
    model: &Model,
    known: bool,
    words: &std::collections::BTreeMap<String, u32>,
) -> Result<(), ValidationError> {
    if known && !model.accepts_instant_vocabulary() {
        return Err(ValidationError::new(
            "parameters.vocabulary",
            format!(
                "model `{model}` does not take instant hot words (only qwen-audio-3.0-asr-flash \
                 does); create a hot-word list and pass `vocabulary_id` instead"
            ),
        ));
    }
    check_hot_words(words)
}

fn check_flash_language_hints(
    model: &Model,
    known: bool,
    hints: &[String],
) -> Result<(), ValidationError> {
    if hints.is_empty() {
        return Err(ValidationError::new(
            "parameters.language_hints",
            "the list is empty; pass language codes such as [\"zh\"] or omit the field to detect \
             the language automatically",
        ));
    }
    if !known {
        return Ok(());
    }
    if model.as_str().starts_with("qwen-audio-") && hints.len() > 4 {
        return Err(ValidationError::new(
            "parameters.language_hints",
            format!(
                "`{model}` reads at most 4 language hints, got {}; keep the 4 most likely",
                hints.len()
            ),
        ));
    }
    for (i, hint) in hints.iter().enumerate() {
        if !FUN_ASR_LANGUAGES.contains(&hint.as_str()) {
            return Err(ValidationError::new(
                format!("parameters.language_hints[{i}]"),
                format!(
                    "`{}` is not a language code `{model}` knows; use one of {}",
                    snippet(hint),
                    FUN_ASR_LANGUAGES.join(" ")
                ),
            ));
        }
    }
    Ok(())
}

fn check_qwen_language(
    model: &Model,
    family: ModelFamily,
    options: &AsrOptions,
) -> Result<(), ValidationError> {
    if let Some(code) = &options.language
        && family == ModelFamily::Qwen3AsrFlash
        && !QWEN3_ASR_LANGUAGES.contains(&code.as_str())
    {
        return Err(ValidationError::new(
            "asr_options.language",
            format!(
                "`{}` is not a language code `{model}` knows; use one of {}, or omit it for \
                     unknown or mixed languages",
                snippet(code),
                QWEN3_ASR_LANGUAGES.join(" ")
            ),
        ));
    }
    Ok(())
}
