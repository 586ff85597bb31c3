//! The rules behind `TranscriptionRequest::validate` and `QwenFiletransRequest::validate`.

use super::*;

/// Most context messages of one kind the service keeps (older ones are dropped).
const MAX_CONTEXT_PER_KIND: usize = 5;
/// Most characters of context text per round (the rest is truncated by the service).
const MAX_CONTEXT_CHARS: usize = 400;

/// The checks every async submit starts with: a well-formed id of a model that takes async
/// tasks.
fn check_async_model(model: &Model) -> Result<ModelFamily, ValidationError> {
    check_model_id(model)?;
    let family = model.family();
    if let Some(hint) = family.synchronous_call_hint() {
        return Err(ValidationError::new(
            "model",
            format!("`{model}` cannot be submitted as an async transcription task: {hint}"),
        ));
    }
    Ok(family)
}

pub(super) fn transcription(req: &TranscriptionRequest) -> Result<(), ValidationError> {
    let model = &req.model;
    let family = check_async_model(model)?;
    if family == ModelFamily::Qwen3AsrFiletrans {
        return Err(ValidationError::new(
            "model",
            format!(
                "`{model}` takes a single `input.file_url`, not `input.file_urls`; build a \
                 QwenFiletransRequest instead (one task per file)"
            ),
        ));
    }
    // Unknown ids may be models added after this SDK: only the model-independent rules apply.
    let known = family != ModelFamily::Other;

    check_file_urls(&req.input.file_urls)?;
    let p = &req.parameters;
    if let Some(ids) = &p.channel_id {
        check_channel_ids("parameters.channel_id", ids)?;
    }
    if let Some(id) = &p.vocabulary_id {
        if id.trim().is_empty() {
            return Err(ValidationError::new(
                "parameters.vocabulary_id",
                "the id is empty; pass the id returned by create_vocabulary or omit the field",
            ));
        }
        if known && !model.accepts_vocabulary_id() {
            let fix = if model.accepts_resources() {
                "use a phrase id in `resources` (with_phrase_id) instead"
            } else {
                "remove it"
            };
            return Err(unsupported("parameters.vocabulary_id", model, fix));
        }
    }
    if let Some(words) = &p.vocabulary {
        check_instant_vocabulary(model, known, words)?;
    }
    check_diarization(req, known)?;
    if let Some(hints) = &p.language_hints {
        check_language_hints(model, known, hints)?;
    }
    if known && p.special_word_filter.is_some() && !family.accepts_special_word_filter() {
        return Err(unsupported(
            "parameters.special_word_filter",
            model,
            "remove it (only Fun-ASR and Paraformer models filter words)",
        ));
    }
    if known && p.disfluency_removal_enabled == Some(true) && !family.accepts_disfluency_removal() {
        return Err(unsupported(
            "parameters.disfluency_removal_enabled",
            model,
            "remove it, or use a Paraformer model (e.g. paraformer-v2) for filler-word removal",
        ));
    }
    if known && p.timestamp_alignment_enabled == Some(true) && !family.accepts_timestamp_alignment()
    {
        return Err(unsupported(
            "parameters.timestamp_alignment_enabled",
            model,
            "remove it (this model's timestamps are always aligned; the option is Paraformer-only)",
        ));
    }
    if let Some(resources) = &req.resources {
        check_resources(model, known, resources)?;
    }
    if let Some(context) = &req.input.context {
        if known && !family.accepts_context() {
            return Err(unsupported(
                "input.context",
                model,
                "remove it, or use qwen-audio-3.0-asr-flash-filetrans or \
                 qwen-audio-3.1-asr-flash-filetrans, which take context",
            ));
        }
        check_context(context)?;
    }
    Ok(())
}

pub(super) fn qwen_filetrans(req: &QwenFiletransRequest) -> Result<(), ValidationError> {
    let model = &req.model;
    let family = check_async_model(model)?;
    if family.file_input() == Some(crate::model::FileInput::FileUrls) {
        return Err(ValidationError::new(
            "model",
            format!(
                "`{model}` takes `input.file_urls`, not a single `input.file_url`; build a \
                 TranscriptionRequest instead"
            ),
        ));
    }
    check_media_url("input.file_url", &req.input.file_url)?;
    let p = &req.parameters;
    if let Some(code) = &p.language
        && family == ModelFamily::Qwen3AsrFiletrans
        && !QWEN3_ASR_LANGUAGES.contains(&code.as_str())
    {
        return Err(ValidationError::new(
            "parameters.language",
            format!(
                "`{}` is not a language code `{model}` knows; use one of {}, or omit the \
                     field for unknown or mixed languages",
                snippet(code),
                QWEN3_ASR_LANGUAGES.join(" ")
            ),
        ));
    }
    if let Some(ids) = &p.channel_id {
        check_channel_ids("parameters.channel_id", ids)?;
    }
    Ok(())
}

fn check_model_id(model: &Model) -> Result<(), ValidationError> {
    if model.as_str().trim().is_empty() {
        return Err(ValidationError::new(
            "model",
            "the model id is empty; pass one such as `fun-asr` or `qwen3-asr-flash-filetrans`",
        ));
    }
    Ok(())
}

fn unsupported(field: &str, model: &Model, fix: &str) -> ValidationError {
    ValidationError::new(
        field,
        format!("model `{model}` does not take this option; {fix}"),
    )
}

fn check_file_urls(urls: &[String]) -> Result<(), ValidationError> {
    if urls.is_empty() {
        return Err(ValidationError::new(
            "input.file_urls",
            "no URL given; pass 1 to 100 file URLs",
        ));
    }
    if urls.len() > MAX_FILE_URLS {
        return Err(ValidationError::new(
            "input.file_urls",
            format!(
                "at most {MAX_FILE_URLS} URLs per task, got {}; split the batch into several tasks",
                urls.len()
            ),
        ));
    }
    for (i, url) in urls.iter().enumerate() {
        check_media_url(&format!("input.file_urls[{i}]"), url)?;
    }
    Ok(())
}

fn check_instant_vocabulary(
    model: &Model,
    known: bool,
    words: &BTreeMap<String, u32>,
) -> Result<(), ValidationError> {
    if known && !model.accepts_instant_vocabulary() {
        return Err(unsupported(
            "parameters.vocabulary",
            model,
            "instant hot words are only for qwen-audio-3.0-asr-flash-filetrans; create a \
             hot-word list and pass `vocabulary_id` instead",
        ));
    }
    check_hot_words(words)
}

fn check_diarization(req: &TranscriptionRequest, known: bool) -> Result<(), ValidationError> {
    let p = &req.parameters;
    let model = &req.model;
    if known && p.diarization_enabled == Some(true) && !model.accepts_diarization() {
        return Err(unsupported(
            "parameters.diarization_enabled",
            model,
            "remove it, or use a Fun-ASR or Paraformer model or qwen-audio-3.1-asr-flash-filetrans \
             for speaker diarization",
        ));
    }
    if let Some(count) = p.speaker_count {
        if p.diarization_enabled != Some(true) {
            return Err(ValidationError::new(
                "parameters.speaker_count",
                "only takes effect with speaker diarization; set `diarization_enabled: true` \
                 or remove `speaker_count`",
            ));
        }
        if !(2..=100).contains(&count) {
            return Err(ValidationError::new(
                "parameters.speaker_count",
                format!(
                    "must be 2 to 100, got {count}; pass the expected number of speakers or \
                     omit it to detect automatically"
                ),
            ));
        }
    }
    Ok(())
}

fn check_language_hints(
    model: &Model,
    known: bool,
    hints: &[String],
) -> Result<(), ValidationError> {
    if hints.is_empty() {
        return Err(ValidationError::new(
            "parameters.language_hints",
            "the list is empty; pass language codes such as [\"zh\"] or omit the field to \
             detect the language automatically",
        ));
    }
    if known && model.rejects_language_hints() {
        return Err(unsupported(
            "parameters.language_hints",
            model,
            "remove it (among Paraformer models only paraformer-v2 takes language hints)",
        ));
    }
    if !known {
        return Ok(());
    }
    let Some(rule) = model.language_hints() else {
        return Ok(());
    };
    if let Some(max) = rule.max
        && hints.len() > max
    {
        return Err(ValidationError::new(
            "parameters.language_hints",
            format!(
                "`{model}` takes at most {max} language hints, got {}; keep the {max} most \
                     likely languages",
                hints.len()
            ),
        ));
    }
    for (i, hint) in hints.iter().enumerate() {
        if !rule.accepts(hint) {
            return Err(ValidationError::new(
                format!("parameters.language_hints[{i}]"),
                format!(
                    "`{}` is not a language code `{model}` knows; use one of {}",
                    snippet(hint),
                    rule.all().collect::<Vec<_>>().join(" ")
                ),
            ));
        }
    }
    Ok(())
}

/// The warnings of a `file_urls` request: an undocumented model, and language hints only one
/// documentation page lists.
pub(super) fn transcription_warnings(req: &TranscriptionRequest) -> Vec<Warning> {
    let model = &req.model;
    let mut warnings: Vec<Warning> = model.warning().into_iter().collect();
    if let (Some(rule), Some(hints)) = (model.language_hints(), &req.parameters.language_hints) {
        for (i, hint) in hints.iter().enumerate() {
            if rule.is_listed_once(hint) {
                warnings.push(Warning::LanguageListedOnce {
                    field: format!("parameters.language_hints[{i}]"),
                    code: hint.clone(),
                    model: model.clone(),
                });
            }
        }
    }
    warnings
}

fn check_resources(
    model: &Model,
    known: bool,
    resources: &[Resource],
) -> Result<(), ValidationError> {
    if known && !model.accepts_resources() {
        return Err(unsupported(
            "resources",
            model,
            "phrase resources are only for paraformer-v1, paraformer-8k-v1 and \
             paraformer-mtl-v1; create a hot-word list and pass `vocabulary_id` instead",
        ));
    }
    for (i, r) in resources.iter().enumerate() {
        if r.resource_id.trim().is_empty() {
            return Err(ValidationError::new(
                format!("resources[{i}].resource_id"),
                "the phrase id is empty; pass the id returned when the phrase list was created",
            ));
        }
        if r.resource_type.trim().is_empty() {
            return Err(ValidationError::new(
                format!("resources[{i}].resource_type"),
                "the resource type is empty; use `asr_phrase`",
            ));
        }
    }
    Ok(())
}

fn check_context(context: &[ContextMessage]) -> Result<(), ValidationError> {
    let mut users = 0;
    let mut assistants = 0;
    let mut chars = 0;
    for (i, message) in context.iter().enumerate() {
        let (expected, count) = match message.role {
            ContextRole::User => (ContextContentType::InputText, &mut users),
            ContextRole::Assistant => (ContextContentType::Text, &mut assistants),
        };
        *count += 1;
        if message.content.is_empty() {
            return Err(ValidationError::new(
                format!("input.context[{i}].content"),
                "the message has no content; add a text item or remove the message",
            ));
        }
        for (j, item) in message.content.iter().enumerate() {
            if item.kind != expected {
                let (role, kind) = match message.role {
                    ContextRole::User => ("user", "input_text"),
                    ContextRole::Assistant => ("assistant", "text"),
                };
                return Err(ValidationError::new(
                    format!("input.context[{i}].content[{j}].type"),
                    format!("{role} messages carry `{kind}` items; change the type to `{kind}`"),
                ));
            }
            if item.text.is_empty() {
                return Err(ValidationError::new(
                    format!("input.context[{i}].content[{j}].text"),
                    "the text is empty; remove the item or give it text",
                ));
            }
            chars += item.text.chars().count();
        }
    }
    for (count, role) in [(users, "user"), (assistants, "assistant")] {
        if count > MAX_CONTEXT_PER_KIND {
            return Err(ValidationError::new(
                "input.context",
                format!(
                    "at most {MAX_CONTEXT_PER_KIND} {role} messages are used, got {count}; keep \
                     the {MAX_CONTEXT_PER_KIND} most recent"
                ),
            ));
        }
    }
    if chars > MAX_CONTEXT_CHARS {
        return Err(ValidationError::new(
            "input.context",
            format!(
                "context text is limited to {MAX_CONTEXT_CHARS} characters in total, got {chars}, \
                 and the service would silently cut the end; shorten it to the most relevant terms"
            ),
        ));
    }
    Ok(())
}
