//! Submit: validating the body (`POST …/asr/transcription`) and creating the task.

use serde_json::{Map, Value, json};

use super::{FetchJob, FileFailure, FileState, ModelKind, Shape, Task, TaskFile, Tasks};
use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::rng::Rng;
use crate::transcript::{AudioSource, TranscribeOptions, is_http_url, url_host};
use crate::uploads::Uploads;

/// Classifies `model` for the transcription endpoint.
pub(crate) fn model_kind(model: &str) -> ModelKind {
    if model.starts_with("qwen3-asr-flash-filetrans") {
        return ModelKind::Async(Shape::FileUrl);
    }
    let qwen_audio_filetrans =
        model.starts_with("qwen-audio-3.") && model.ends_with("-asr-flash-filetrans");
    let fun_asr = model.starts_with("fun-asr")
        && !model.starts_with("fun-asr-flash")
        && !model.starts_with("fun-asr-realtime");
    if fun_asr || model.starts_with("paraformer-") || qwen_audio_filetrans {
        return ModelKind::Async(Shape::FileUrls);
    }
    if model.starts_with("fun-asr-flash")
        || model.starts_with("fun-asr-realtime")
        || model.starts_with("qwen3-asr-flash")
        || (model.starts_with("qwen-audio-3.") && model.ends_with("-asr-flash"))
        || model.contains("omni")
    {
        return ModelKind::SyncOnly;
    }
    ModelKind::Unknown
}

/// A parsed, valid submit.
#[derive(Debug, Clone)]
pub(crate) struct SubmitSpec {
    pub(super) model: String,
    pub(super) shape: Shape,
    pub(super) urls: Vec<String>,
    pub(super) opts: TranscribeOptions,
    pub(super) enable_words: bool,
}

type Invalid = (u16, &'static str, String);

fn invalid(message: impl Into<String>) -> Invalid {
    (400, "InvalidParameter", message.into())
}

const URL_INVALID: &str = "InternalError.Algo.InvalidParameter: The provided URL does not appear \
                           to be valid. Ensure it is correctly formatted.";

/// Validates a submit body; errors are `(status, code, message)` as the service gives them.
pub(crate) fn parse_submit(body: &Value, oss_resolve: bool) -> Result<SubmitSpec, Invalid> {
    let obj = body
        .as_object()
        .ok_or_else(|| invalid("Required body invalid, please check the request body format."))?;
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        _ => return Err(invalid("Model not specified: `model` is required.")),
    };
    let shape = match model_kind(&model) {
        ModelKind::Async(shape) => shape,
        ModelKind::SyncOnly => {
            return Err((
                403,
                "AccessDenied",
                "Current user api does not support asynchronous calls.".to_owned(),
            ));
        }
        ModelKind::Unknown => return Err((404, "ModelNotFound", "Model not exist.".to_owned())),
    };
    let input = obj.get("input").and_then(Value::as_object).ok_or_else(|| {
        invalid("Required parameter(s) missing or invalid: `input` must be an object.")
    })?;
    let urls: Vec<String> = match shape {
        Shape::FileUrls => {
            let list = input
                .get("file_urls")
                .and_then(Value::as_array)
                .ok_or_else(|| invalid("input must contain file_urls"))?;
            if list.is_empty() || list.len() > 100 {
                return Err(invalid(format!(
                    "file_urls must hold 1 to 100 URLs, got {}",
                    list.len()
                )));
            }
            list.iter()
                .map(|u| {
                    u.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| invalid("file_urls must be an array of strings"))
                })
                .collect::<Result<_, _>>()?
        }
        Shape::FileUrl => match input.get("file_url") {
            Some(Value::String(u)) => vec![u.clone()],
            _ => return Err(invalid("input must contain file_url")),
        },
    };
    for u in &urls {
        if let Some(rest) = u.strip_prefix("oss://") {
            if !oss_resolve || rest.is_empty() {
                return Err((400, "invalid_parameter_error", URL_INVALID.to_owned()));
            }
        } else if !is_http_url(u) {
            return Err((400, "invalid_parameter_error", URL_INVALID.to_owned()));
        }
    }
    let empty = Map::new();
    let params = match obj.get("parameters") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(p)) => p,
        Some(_) => return Err(invalid("`parameters` must be an object")),
    };
    let mut opts = TranscribeOptions::default();
    if let Some(v) = params.get("channel_id") {
        let ids = v
            .as_array()
            .ok_or_else(|| invalid("parameters.channel_id must be an array of integers"))?;
        for id in ids {
            let id = id
                .as_u64()
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| invalid("parameters.channel_id must be an array of integers"))?;
            if !opts.channel_ids.contains(&id) {
                opts.channel_ids.push(id);
            }
        }
    }
    let flag = |name: &str| -> Result<bool, Invalid> {
        match params.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(format!("parameters.{name} must be a boolean"))),
        }
    };
    opts.diarization = flag("diarization_enabled")?;
    let enable_words = flag("enable_words")?;
    for name in [
        "disfluency_removal_enabled",
        "timestamp_alignment_enabled",
        "audio_event_detection_enabled",
        "enable_itn",
    ] {
        flag(name)?;
    }
    if let Some(v) = params.get("speaker_count").filter(|v| !v.is_null()) {
        let n = v
            .as_u64()
            .filter(|n| (2..=100).contains(n))
            .ok_or_else(|| invalid("parameters.speaker_count must be an integer from 2 to 100"))?;
        opts.speaker_count = u32::try_from(n).ok();
    }
    if let Some(v) = params.get("language_hints").filter(|v| !v.is_null()) {
        let ok = v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
        if !ok {
            return Err(invalid(
                "parameters.language_hints must be an array of strings",
            ));
        }
    }
    for name in ["vocabulary_id", "language"] {
        if let Some(v) = params.get(name).filter(|v| !v.is_null())
            && !v.is_string()
        {
            return Err(invalid(format!("parameters.{name} must be a string")));
        }
    }
    match params.get("special_word_filter") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(Value::String(s)) => {
            let parsed: Result<Value, _> = serde_json::from_str(s);
            if !matches!(parsed, Ok(Value::Object(_))) {
                return Err(invalid(
                    "parameters.special_word_filter must be a JSON object serialized as a string",
                ));
            }
        }
        Some(_) => {
            return Err(invalid(
                "parameters.special_word_filter must be a JSON object serialized as a string",
            ));
        }
    }
    if let Some(v) = params.get("vocabulary").filter(|v| !v.is_null()) {
        let words = v
            .as_object()
            .ok_or_else(|| invalid("parameters.vocabulary must be an object of word: weight"))?;
        for (word, weight) in words {
            let ok = weight
                .as_u64()
                .is_some_and(|w| (1..=5).contains(&w) || w == 50);
            if !ok {
                return Err(invalid(format!(
                    "parameters.vocabulary[\"{word}\"]: weight must be an integer from 1 to 5, or 50"
                )));
            }
        }
    }
    Ok(SubmitSpec {
        model,
        shape,
        urls,
        opts,
        enable_words,
    })
}

/// `true` for hosts that can never be downloaded from (the reserved `.invalid` TLD).
pub(crate) fn never_resolves(url: &str) -> bool {
    url_host(url).is_some_and(|h| h == "invalid" || h.ends_with(".invalid"))
}

impl Tasks {
    /// Creates a task; returns the answer and the downloads to start.
    pub(crate) fn submit(
        &mut self,
        ctx: RequestCtx<'_>,
        spec: SubmitSpec,
        uploads: &Uploads,
        rng: &mut Rng,
    ) -> (Reply, Vec<FetchJob>) {
        let RequestCtx {
            now,
            wall_ms,
            request_id,
            api_key_id,
        } = ctx;
        let id = rng.uuid();
        let mut jobs = Vec::new();
        let files = spec
            .urls
            .iter()
            .enumerate()
            .map(|(index, url)| {
                let state = if let Some(key) = url.strip_prefix("oss://") {
                    match uploads.get(key) {
                        Some(o) => FileState::Ready(o.source.clone()),
                        None => FileState::Failed(FileFailure::DownloadFailed),
                    }
                } else if never_resolves(url) {
                    FileState::Failed(FileFailure::DownloadFailed)
                } else if self.settings.fetch && url.starts_with("http://") {
                    jobs.push(FetchJob {
                        task_id: id.clone(),
                        index,
                        url: url.clone(),
                    });
                    FileState::Fetching
                } else {
                    FileState::Ready(AudioSource::from_url(url))
                };
                TaskFile {
                    url: url.clone(),
                    state,
                }
            })
            .collect();
        self.tasks.insert(
            id.clone(),
            Task {
                id: id.clone(),
                model: spec.model,
                shape: spec.shape,
                files,
                opts: spec.opts,
                enable_words: spec.enable_words,
                submit_at: now,
                submit_ms: wall_ms,
                request_id: request_id.to_owned(),
                api_key_id: api_key_id.to_owned(),
                canceled_ms: None,
                finished: None,
            },
        );
        self.order.push(id.clone());
        let reply = Reply::ok(json!({
            "request_id": request_id,
            "output": {"task_id": id, "task_status": "PENDING"},
        }));
        (reply, jobs)
    }
}
