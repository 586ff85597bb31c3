//! Async transcription tasks: submit validation, the status lifecycle, task queries, cancel,
//! list, and the signed result documents (protocol §2, §4.3).
//!
//! A task is PENDING for the first third of the processing time, RUNNING until it has passed
//! (and until every `--fetch` download has finished), then terminal. Its results are computed
//! once, at the first query after that. Each query mints a fresh signed result URL, so a client
//! whose URL expired recovers by querying the task again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::clock;
use crate::config::AllFailedStatus;
use crate::reply::Reply;
use crate::rng::Rng;
use crate::transcript::{
    AudioSource, TranscribeOptions, Transcript, is_http_url, transcribe, url_host,
};
use crate::uploads::{Uploads, oss_error};

/// Request-body shape of a model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `input.file_urls` (Fun-ASR, Paraformer, qwen-audio filetrans); results in `results[]`.
    FileUrls,
    /// `input.file_url` (qwen3-asr-flash-filetrans); result in `result`.
    FileUrl,
}

/// What the emulator thinks of a model name on the async endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModelKind {
    Async(Shape),
    /// A model served by the sync endpoints only.
    SyncOnly,
    Unknown,
}

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

/// Why one file could not be transcribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileFailure {
    /// Host never resolves, connection failed, `oss://` object missing.
    DownloadFailed,
    /// The download answered with this HTTP status.
    HttpStatus(u16),
}

impl FileFailure {
    fn code_message(&self, shape: Shape) -> (String, String) {
        match (self, shape) {
            (FileFailure::HttpStatus(s), Shape::FileUrl) => {
                let reason = match s {
                    403 => "FORBIDDEN",
                    404 => "NOT_FOUND",
                    _ => "DOWNLOAD_FAILED",
                };
                let code = format!("FILE_{s}_{reason}");
                (code.clone(), code)
            }
            _ => (
                "InvalidFile.DownloadFailed".to_owned(),
                "The audio file cannot be downloaded.".to_owned(),
            ),
        }
    }
}

/// Where a file stands.
#[derive(Debug, Clone)]
pub(crate) enum FileState {
    /// A `--fetch` download is in flight.
    Fetching,
    Ready(AudioSource),
    Failed(FileFailure),
}

#[derive(Debug, Clone)]
struct TaskFile {
    url: String,
    state: FileState,
}

#[derive(Debug, Clone)]
enum FileResult {
    Ok { doc_id: String },
    Failed { code: String, message: String },
}

#[derive(Debug, Clone)]
struct Finished {
    end_ms: i64,
    results: Vec<FileResult>,
    usage_secs: u64,
    /// `(input, output)` tokens, for the models billed per token.
    usage_tokens: Option<(u64, u64)>,
}

#[derive(Debug, Clone)]
struct Task {
    id: String,
    model: String,
    shape: Shape,
    files: Vec<TaskFile>,
    opts: TranscribeOptions,
    enable_words: bool,
    submit_at: Instant,
    submit_ms: i64,
    request_id: String,
    api_key_id: String,
    canceled_ms: Option<i64>,
    finished: Option<Finished>,
}

/// A parsed, valid submit.
#[derive(Debug, Clone)]
pub(crate) struct SubmitSpec {
    model: String,
    shape: Shape,
    urls: Vec<String>,
    opts: TranscribeOptions,
    enable_words: bool,
}

/// A download the router must start for a `--fetch` task.
#[derive(Debug, Clone)]
pub(crate) struct FetchJob {
    pub(crate) task_id: String,
    pub(crate) index: usize,
    pub(crate) url: String,
}

/// A result document and the signed URLs minted for it.
#[derive(Debug, Clone)]
struct ResultDoc {
    body: Bytes,
}

#[derive(Debug, Clone)]
struct SignedUrl {
    doc_id: String,
    expires_unix: i64,
    valid_until: Instant,
}

/// Settings the task store needs.
#[derive(Debug, Clone)]
pub(crate) struct TaskSettings {
    pub(crate) processing_time: Duration,
    pub(crate) result_url_ttl: Duration,
    pub(crate) all_failed_status: AllFailedStatus,
    pub(crate) fetch: bool,
    pub(crate) base_url: String,
}

/// All tasks, result documents and signed URLs.
#[derive(Debug)]
pub(crate) struct Tasks {
    settings: TaskSettings,
    tasks: BTreeMap<String, Task>,
    /// Task ids in submit order, for listing.
    order: Vec<String>,
    docs: BTreeMap<String, ResultDoc>,
    urls: BTreeMap<String, SignedUrl>,
    access_key_id: String,
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
    pub(crate) fn new(settings: TaskSettings, rng: &mut Rng) -> Self {
        Tasks {
            settings,
            tasks: BTreeMap::new(),
            order: Vec::new(),
            docs: BTreeMap::new(),
            urls: BTreeMap::new(),
            access_key_id: format!("LTAI5t{}", rng.hex(18)),
        }
    }

    /// Creates a task; returns the answer and the downloads to start.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn submit(
        &mut self,
        spec: SubmitSpec,
        uploads: &Uploads,
        rng: &mut Rng,
        now: Instant,
        wall_ms: i64,
        request_id: &str,
        api_key_id: &str,
    ) -> (Reply, Vec<FetchJob>) {
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

    /// Records the outcome of a `--fetch` download.
    pub(crate) fn fetched(&mut self, task_id: &str, index: usize, state: FileState) {
        if let Some(f) = self
            .tasks
            .get_mut(task_id)
            .and_then(|t| t.files.get_mut(index))
        {
            f.state = state;
        }
    }

    fn phase(&self, t: &Task, now: Instant) -> &'static str {
        if t.canceled_ms.is_some() {
            return "CANCELED";
        }
        let elapsed = now.saturating_duration_since(t.submit_at);
        let pt = self.settings.processing_time;
        if elapsed < pt / 3 {
            "PENDING"
        } else if elapsed < pt
            || t.files
                .iter()
                .any(|f| matches!(f.state, FileState::Fetching))
        {
            "RUNNING"
        } else {
            "DONE"
        }
    }

    fn finish(&mut self, id: &str, rng: &mut Rng, wall_ms: i64) {
        let Some(task) = self.tasks.get(id) else {
            return;
        };
        if task.finished.is_some() {
            return;
        }
        let task = task.clone();
        let mut results = Vec::new();
        let mut usage_secs = 0;
        let per_token = crate::sync::counts_tokens(&task.model);
        let mut tokens = (0, 0);
        for f in &task.files {
            match &f.state {
                FileState::Ready(src) => {
                    let tr = transcribe(src, &task.opts);
                    usage_secs += billed_secs(&tr, task.shape);
                    tokens.0 += tr.duration_secs()
                        * (tr.channels.len().max(1) as u64)
                        * crate::sync::AUDIO_TOKENS_PER_SECOND;
                    tokens.1 += crate::sync::token_estimate(&tr.text());
                    let doc = match task.shape {
                        Shape::FileUrls => funasr_doc(&f.url, &tr),
                        Shape::FileUrl => qwen_doc(&f.url, &tr, task.enable_words),
                    };
                    let doc_id = rng.uuid();
                    self.docs.insert(
                        doc_id.clone(),
                        ResultDoc {
                            body: Bytes::from(doc.to_string()),
                        },
                    );
                    results.push(FileResult::Ok { doc_id });
                }
                FileState::Failed(why) => {
                    let (code, message) = why.code_message(task.shape);
                    results.push(FileResult::Failed { code, message });
                }
                FileState::Fetching => results.push(FileResult::Failed {
                    code: "InvalidFile.DownloadFailed".to_owned(),
                    message: "The audio file cannot be downloaded.".to_owned(),
                }),
            }
        }
        let pt_ms = i64::try_from(self.settings.processing_time.as_millis()).unwrap_or(0);
        // The nominal end; a slow `--fetch` download ends later, at the moment it is noticed.
        let nominal = task.submit_ms + pt_ms;
        let end_ms = if task
            .files
            .iter()
            .all(|f| !matches!(f.state, FileState::Fetching))
        {
            nominal
        } else {
            wall_ms.max(nominal)
        };
        if let Some(t) = self.tasks.get_mut(id) {
            t.finished = Some(Finished {
                end_ms,
                results,
                usage_secs,
                usage_tokens: per_token.then_some(tokens),
            });
        }
    }

    /// Mints a signed URL for a result document.
    fn sign(&mut self, doc_id: &str, rng: &mut Rng, now: Instant, wall_ms: i64) -> String {
        let ttl = self.settings.result_url_ttl;
        let expires_unix = (wall_ms + i64::try_from(ttl.as_millis()).unwrap_or(0)) / 1000;
        let signature = base64::engine::general_purpose::STANDARD.encode(rng.hex(20));
        self.urls.insert(
            signature.clone(),
            SignedUrl {
                doc_id: doc_id.to_owned(),
                expires_unix,
                valid_until: now + ttl,
            },
        );
        format!(
            "{}/results/{doc_id}.json?Expires={expires_unix}&OSSAccessKeyId={}&Signature={}",
            self.settings.base_url,
            self.access_key_id,
            percent_encode(&signature)
        )
    }

    /// `GET /tasks/{id}`.
    pub(crate) fn query(
        &mut self,
        id: &str,
        rng: &mut Rng,
        now: Instant,
        wall_ms: i64,
        request_id: &str,
    ) -> Reply {
        let Some(task) = self.tasks.get(id) else {
            return Reply::ok(json!({
                "request_id": request_id,
                "output": {"task_id": id, "task_status": "UNKNOWN"},
            }));
        };
        let phase = self.phase(task, now);
        if phase == "DONE" {
            self.finish(id, rng, wall_ms);
        }
        let Some(task) = self.tasks.get(id).cloned() else {
            return Reply::error(500, request_id, "InternalError", "task vanished");
        };
        let pt_ms = i64::try_from(self.settings.processing_time.as_millis()).unwrap_or(0);
        let mut out = Map::new();
        out.insert("task_id".into(), json!(task.id));
        out.insert(
            "submit_time".into(),
            json!(clock::task_time(task.submit_ms)),
        );
        out.insert(
            "scheduled_time".into(),
            json!(clock::task_time(task.submit_ms + pt_ms / 3)),
        );
        let total = task.files.len();
        let mut body = Map::new();
        body.insert("request_id".into(), json!(request_id));
        match (phase, &task.finished) {
            ("DONE", Some(fin)) => {
                out.insert("end_time".into(), json!(clock::task_time(fin.end_ms)));
                let ok = fin
                    .results
                    .iter()
                    .filter(|r| matches!(r, FileResult::Ok { .. }))
                    .count();
                let all_failed = ok == 0;
                let status = match (task.shape, all_failed, self.settings.all_failed_status) {
                    (Shape::FileUrl, true, _)
                    | (Shape::FileUrls, true, AllFailedStatus::Failed) => "FAILED",
                    _ => "SUCCEEDED",
                };
                out.insert("task_status".into(), json!(status));
                if status == "FAILED"
                    && let Some(FileResult::Failed { code, message }) = fin.results.first()
                {
                    out.insert("code".into(), json!(code));
                    out.insert("message".into(), json!(message));
                }
                match task.shape {
                    Shape::FileUrls => {
                        let mut results = Vec::new();
                        for (f, r) in task.files.iter().zip(&fin.results) {
                            results.push(match r {
                                FileResult::Ok { doc_id } => json!({
                                    "file_url": f.url,
                                    "transcription_url": self.sign(doc_id, rng, now, wall_ms),
                                    "subtask_status": "SUCCEEDED",
                                }),
                                FileResult::Failed { code, message } => json!({
                                    "file_url": f.url,
                                    "code": code,
                                    "message": message,
                                    "subtask_status": "FAILED",
                                }),
                            });
                        }
                        out.insert("results".into(), Value::Array(results));
                        out.insert(
                            "task_metrics".into(),
                            json!({"TOTAL": total, "SUCCEEDED": ok, "FAILED": total - ok}),
                        );
                        let usage = match fin.usage_tokens {
                            // Billed per token: the tokens instead of speech seconds.
                            Some((input, output)) => {
                                json!({"input_tokens": input, "output_tokens": output})
                            }
                            None => json!({"duration": fin.usage_secs}),
                        };
                        body.insert("usage".into(), usage);
                    }
                    Shape::FileUrl => {
                        if let Some(FileResult::Ok { doc_id }) = fin.results.first() {
                            let url = self.sign(doc_id, rng, now, wall_ms);
                            out.insert("result".into(), json!({"transcription_url": url}));
                            body.insert("usage".into(), json!({"seconds": fin.usage_secs}));
                        }
                    }
                }
            }
            (phase, _) => {
                let status = if phase == "DONE" { "RUNNING" } else { phase };
                out.insert("task_status".into(), json!(status));
                if let (Some(ms), "CANCELED") = (task.canceled_ms, status) {
                    out.insert("end_time".into(), json!(clock::task_time(ms)));
                }
                out.insert(
                    "task_metrics".into(),
                    json!({"TOTAL": total, "SUCCEEDED": 0, "FAILED": 0}),
                );
            }
        }
        body.insert("output".into(), Value::Object(out));
        Reply::ok(Value::Object(body))
    }

    /// `POST /tasks/{id}/cancel`.
    pub(crate) fn cancel(
        &mut self,
        id: &str,
        now: Instant,
        wall_ms: i64,
        request_id: &str,
    ) -> Reply {
        let pending = self
            .tasks
            .get(id)
            .is_some_and(|t| self.phase(t, now) == "PENDING");
        if !pending {
            return Reply::error(
                400,
                request_id,
                "UnsupportedOperation",
                "Failed to cancel the task, please confirm if the task is in PENDING status.",
            );
        }
        if let Some(t) = self.tasks.get_mut(id) {
            t.canceled_ms = Some(wall_ms);
        }
        Reply::ok(json!({"request_id": request_id}))
    }

    /// `GET /tasks?…` (flat response, protocol §2.8).
    pub(crate) fn list(
        &mut self,
        query: &BTreeMap<String, String>,
        rng: &mut Rng,
        now: Instant,
        wall_ms: i64,
        request_id: &str,
    ) -> Reply {
        let param = |k: &str| query.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let int = |k: &str, default: u64| -> Result<u64, String> {
            match param(k) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("{k} must be a positive integer, got `{v}`")),
            }
        };
        let time = |k: &str| -> Result<Option<i64>, String> {
            param(k)
                .map(|v| {
                    clock::parse_compact(v)
                        .ok_or_else(|| format!("{k} must be formatted YYYYMMDDhhmmss, got `{v}`"))
                })
                .transpose()
        };
        let parsed = (|| -> Result<_, String> {
            let page_no = int("page_no", 1)?;
            let page_size = int("page_size", 10)?;
            if page_size > 100 {
                return Err(format!("page_size must be at most 100, got {page_size}"));
            }
            let day = 24 * 3600 * 1000;
            let (start, end) = match (time("start_time")?, time("end_time")?) {
                (Some(s), Some(e)) => (s, e),
                (Some(s), None) => (s, s + day),
                (None, Some(e)) => (e - day, e),
                (None, None) => (wall_ms - day, wall_ms),
            };
            if end < start || end - start > day {
                return Err(
                    "the time window from start_time to end_time must be 0 to 24 hours".to_owned(),
                );
            }
            Ok((page_no, page_size, start, end))
        })();
        let (page_no, page_size, start, end) = match parsed {
            Ok(p) => p,
            Err(msg) => return Reply::error(400, request_id, "InvalidParameter", &msg),
        };
        let ids: Vec<String> = self.order.iter().rev().cloned().collect();
        let mut items = Vec::new();
        for id in ids {
            let Some(task) = self.tasks.get(&id) else {
                continue;
            };
            let phase = self.phase(task, now);
            if phase == "DONE" {
                self.finish(&id, rng, wall_ms);
            }
            let Some(task) = self.tasks.get(&id) else {
                continue;
            };
            let status = match (phase, &task.finished) {
                ("DONE", Some(fin)) => {
                    let ok = fin
                        .results
                        .iter()
                        .any(|r| matches!(r, FileResult::Ok { .. }));
                    let failed = !ok
                        && (task.shape == Shape::FileUrl
                            || self.settings.all_failed_status == AllFailedStatus::Failed);
                    if failed { "FAILED" } else { "SUCCEEDED" }
                }
                ("DONE", None) => "RUNNING",
                (p, _) => p,
            };
            if task.submit_ms < start || task.submit_ms > end {
                continue;
            }
            if param("task_id").is_some_and(|t| t != task.id)
                || param("model_name").is_some_and(|m| m != task.model)
                || param("status").is_some_and(|s| !s.eq_ignore_ascii_case(status))
                || param("api_key_id").is_some_and(|k| k != task.api_key_id)
            {
                continue;
            }
            let pt_ms = i64::try_from(self.settings.processing_time.as_millis()).unwrap_or(0);
            let mut item = json!({
                "api_key_id": task.api_key_id,
                "caller_parent_id": "1000000000000000",
                "caller_uid": "1000000000000000",
                "gmt_create": task.submit_ms,
                "model_name": task.model,
                "region": "cn-beijing",
                "request_id": task.request_id,
                "start_time": task.submit_ms + pt_ms / 3,
                "status": status,
                "task_id": task.id,
                "user_api_unique_key": format!("apikey:v1:audio:asr:transcription:{}", task.model),
            });
            let end_ms = task
                .canceled_ms
                .or_else(|| task.finished.as_ref().map(|f| f.end_ms));
            if let (Some(ms), Some(obj)) = (end_ms, item.as_object_mut()) {
                obj.insert("end_time".into(), json!(ms));
            }
            items.push(item);
        }
        let total = items.len() as u64;
        let total_page = total.div_ceil(page_size);
        let skip = usize::try_from((page_no - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let take = usize::try_from(page_size).unwrap_or(usize::MAX);
        let data: Vec<Value> = items.into_iter().skip(skip).take(take).collect();
        Reply::ok(json!({
            "request_id": request_id,
            "total": total,
            "total_page": total_page,
            "page_no": page_no,
            "page_size": page_size,
            "data": data,
        }))
    }

    /// `GET /results/{doc}.json?Expires=…&OSSAccessKeyId=…&Signature=…`.
    pub(crate) fn result(
        &self,
        doc_file: &str,
        query: &BTreeMap<String, String>,
        now: Instant,
        request_id: &str,
    ) -> Reply {
        let Some(doc_id) = doc_file.strip_suffix(".json") else {
            return oss_error(
                404,
                "NoSuchKey",
                "The specified key does not exist.",
                request_id,
            );
        };
        let Some(doc) = self.docs.get(doc_id) else {
            return oss_error(
                404,
                "NoSuchKey",
                "The specified key does not exist.",
                request_id,
            );
        };
        let signed = query.get("Signature").and_then(|s| self.urls.get(s));
        let Some(signed) = signed.filter(|s| {
            s.doc_id == doc_id
                && query.get("Expires").map(String::as_str) == Some(&s.expires_unix.to_string())
                && query.get("OSSAccessKeyId") == Some(&self.access_key_id)
        }) else {
            return oss_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                request_id,
            );
        };
        if now >= signed.valid_until {
            return oss_error(403, "AccessDenied", "Request has expired.", request_id);
        }
        Reply::Bytes {
            status: 200,
            content_type: "application/json".to_owned(),
            body: doc.body.clone(),
        }
    }
}

fn billed_secs(tr: &Transcript, shape: Shape) -> u64 {
    match shape {
        // Fun-ASR bills detected speech per channel.
        Shape::FileUrls => tr
            .channels
            .iter()
            .map(|c| c.content_duration_ms().div_ceil(1000))
            .sum(),
        // Qwen filetrans bills audio seconds per channel.
        Shape::FileUrl => tr.duration_secs() * (tr.channels.len().max(1) as u64),
    }
}

/// Percent-encodes everything but unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The Fun-ASR result document (protocol §2.7).
pub(crate) fn funasr_doc(file_url: &str, tr: &Transcript) -> Value {
    let transcripts: Vec<Value> = tr
        .channels
        .iter()
        .map(|c| {
            let sentences: Vec<Value> = c
                .sentences
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut v = json!({
                        "begin_time": s.begin_time,
                        "end_time": s.end_time,
                        "text": s.text,
                        "sentence_id": i + 1,
                        "words": s.words.iter().map(|w| json!({
                            "begin_time": w.begin_time,
                            "end_time": w.end_time,
                            "text": w.text,
                            "punctuation": w.punctuation,
                        })).collect::<Vec<_>>(),
                    });
                    if let (Some(id), Some(obj)) = (s.speaker_id, v.as_object_mut()) {
                        obj.insert("speaker_id".into(), json!(id));
                    }
                    v
                })
                .collect();
            json!({
                "channel_id": c.channel_id,
                "content_duration_in_milliseconds": c.content_duration_ms(),
                "text": c.text,
                "sentences": sentences,
            })
        })
        .collect();
    json!({
        "file_url": file_url,
        "properties": {
            "audio_format": tr.audio_format,
            "channels": (0..tr.channel_count).collect::<Vec<_>>(),
            "original_sampling_rate": tr.sample_rate,
            "original_duration_in_milliseconds": tr.duration_ms,
        },
        "transcripts": transcripts,
    })
}

/// The qwen3-asr-flash-filetrans result document (protocol §4.3).
pub(crate) fn qwen_doc(file_url: &str, tr: &Transcript, enable_words: bool) -> Value {
    let transcripts: Vec<Value> = tr
        .channels
        .iter()
        .map(|c| {
            let sentences: Vec<Value> = c
                .sentences
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut v = json!({
                        "sentence_id": i,
                        "begin_time": s.begin_time,
                        "end_time": s.end_time,
                        "language": tr.language,
                        "emotion": tr.emotion,
                        "text": s.text,
                    });
                    if enable_words && let Some(obj) = v.as_object_mut() {
                        obj.insert(
                            "words".into(),
                            s.words
                                .iter()
                                .map(|w| {
                                    json!({
                                        "begin_time": w.begin_time,
                                        "end_time": w.end_time,
                                        "text": w.text,
                                        "punctuation": w.punctuation,
                                    })
                                })
                                .collect(),
                        );
                    }
                    v
                })
                .collect();
            json!({"channel_id": c.channel_id, "text": c.text, "sentences": sentences})
        })
        .collect();
    json!({
        "file_url": file_url,
        "audio_info": {"format": tr.format, "sample_rate": tr.sample_rate},
        "transcripts": transcripts,
    })
}

#[cfg(test)]
mod tests;
