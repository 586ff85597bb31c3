//! Routing: auth, faults, the request log, and dispatch to the endpoint handlers.
//!
//! | method + path | endpoint | auth |
//! |---|---|---|
//! | `POST /api/v1/services/audio/asr/transcription` | submit | yes |
//! | `GET /api/v1/tasks/{id}` | get_task | yes |
//! | `POST /api/v1/tasks/{id}/cancel` | cancel_task | yes |
//! | `GET /api/v1/tasks` | list_tasks | yes |
//! | `GET /api/v1/uploads?action=getPolicy&model=…` | upload_policy | yes |
//! | `POST /oss-upload` | upload (emulated OSS host) | no |
//! | `GET /results/{id}.json?Expires=…&OSSAccessKeyId=…&Signature=…` | result | no |
//! | `POST /api/v1/services/audio/asr/customization` | vocabulary | yes |
//! | `POST /api/v1/services/aigc/multimodal-generation/generation` | multimodal_generation | yes |
//! | `POST /compatible-mode/v1/chat/completions` | chat_completions | yes (OpenAI-shaped 401) |
//! | `POST /api/v1/tokens?expire_in_seconds=N` | tokens (mint an `st-` key) | yes, not by an `st-` key |
//! | `GET /__emulator/requests[?endpoint=name]` | request log, per-endpoint counts and refusals | no |
//! | `GET /__emulator/stats` | per-endpoint counts and task-API refusals, without the log | no |
//! | `GET`/`POST /__emulator/faults` | read / replace the fault rules (JSON) | no |
//! | `POST /__emulator/reset` | forget tasks, uploads, vocabularies, log; restore start faults | no |

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode, header};
use http_body::Body;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

use crate::body::EmuBody;
use crate::clock;
use crate::config::EmulatorConfig;
use crate::faults::{Decision, Endpoint, Fault, FaultConfig, FaultState};
use crate::fetch;
use crate::log::{LogEntry, RequestLog, loggable_body, loggable_headers};
use crate::quota::TaskQuota;
use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::rng::{ContentHash, Rng, mix};
use crate::sync;
use crate::tasks::{FetchJob, TaskSettings, Tasks, parse_submit};
use crate::tokens::{self, Tokens};
use crate::transcript::SyncCtx;
use crate::uploads::{self, Uploads, oss_error};
use crate::vocabulary::Vocabularies;

/// Largest JSON request body read into memory (data URIs are ≤ 10 MB of audio, ~14 MB base64).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The path of the emulated OSS upload host.
pub(crate) const UPLOAD_PATH: &str = "/oss-upload";

/// The connection is to be closed without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("emulated dropped connection")
    }
}

impl std::error::Error for DropConnection {}

/// State shared by every connection.
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) base_url: String,
    inner: Mutex<Inner>,
}

/// The mutable part; handlers hold the lock only while computing an answer.
pub(crate) struct Inner {
    ids: Rng,
    pub(crate) faults: FaultState,
    pub(crate) log: RequestLog,
    tasks: Tasks,
    uploads: Uploads,
    vocabularies: Vocabularies,
    quota: TaskQuota,
    tokens: Tokens,
}

impl Inner {
    fn new(config: &EmulatorConfig, base_url: &str) -> Self {
        let mut ids = Rng::new(config.seed);
        let tasks = Tasks::new(
            TaskSettings {
                processing_time: config.processing_time,
                result_url_ttl: config.result_url_ttl,
                all_failed_status: config.all_failed_status,
                fetch: config.fetch,
                base_url: base_url.to_owned(),
            },
            &mut ids,
        );
        Inner {
            ids,
            faults: FaultState::new(config.faults.clone(), config.seed),
            log: RequestLog::default(),
            tasks,
            uploads: Uploads::default(),
            vocabularies: Vocabularies::new(
                config.vocabulary_ready_after,
                config.vocabulary_quota,
                config.vocabulary_update_interval,
            ),
            quota: TaskQuota::new(config.task_query_limit),
            tokens: Tokens::default(),
        }
    }
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, base_url: String) -> Self {
        let inner = Mutex::new(Inner::new(&config, &base_url));
        Shared {
            config,
            base_url,
            inner,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent-enough data for an emulator.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets everything but the configuration (the id generator keeps running so that ids
    /// stay unique across resets).
    pub(crate) fn reset(&self) {
        let mut g = self.lock();
        let ids = g.ids.clone();
        *g = Inner::new(&self.config, &self.base_url);
        g.ids = ids;
    }

    /// Replaces the fault rules.
    pub(crate) fn set_faults(&self, faults: FaultConfig) {
        self.lock().faults.config = faults;
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a query string; the last value of a repeated key wins.
pub(crate) fn parse_query(q: Option<&str>) -> BTreeMap<String, String> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Which endpoint a method and path address, plus the `{id}` path parameter if any.
pub(crate) fn classify(method: &Method, path: &str) -> (Endpoint, Option<String>) {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    if let Some(endpoint) = table::fixed_path(method, path) {
        return (endpoint, None);
    }
    let post = method == Method::POST;
    let get = method == Method::GET;
    if let Some(rest) = path.strip_prefix("/api/v1/tasks/") {
        if let Some(id) = rest.strip_suffix("/cancel") {
            if post && !id.is_empty() && !id.contains('/') {
                return (Endpoint::CancelTask, Some(percent_decode(id)));
            }
        } else if get && !rest.is_empty() && !rest.contains('/') {
            return (Endpoint::GetTask, Some(percent_decode(rest)));
        }
    }
    if let Some(file) = path.strip_prefix("/results/")
        && get
        && !file.contains('/')
    {
        return (Endpoint::Result, Some(file.to_owned()));
    }
    (Endpoint::NotFound, None)
}

/// A caller that passed [`authorize`].
struct Caller {
    /// A stable, non-secret id for the key (a temporary key has its minting key's id).
    key_id: String,
    /// Whether the key is a temporary `st-` key.
    temporary: bool,
}

/// Checks `Authorization: Bearer …`: the configured key (or any `sk-…` when none is set), or
/// a temporary key minted here that has not expired.
fn authorize(
    config: &EmulatorConfig,
    tokens: &Tokens,
    now: Instant,
    headers: &HeaderMap,
) -> Result<Caller, &'static str> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("No API-key provided.")?;
    let (scheme, key) = value
        .trim()
        .split_once(' ')
        .ok_or("Invalid API-key provided.")?;
    let key = key.trim();
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("Invalid API-key provided.");
    }
    if key.starts_with(tokens::PREFIX) {
        return match tokens.check(key, now) {
            Some(parent) => Ok(Caller {
                key_id: parent.to_owned(),
                temporary: true,
            }),
            None => Err("Invalid API-key provided."),
        };
    }
    let ok = match &config.api_key {
        Some(want) => key == want,
        None => key.starts_with("sk-") && key.len() > 3,
    };
    if !ok {
        return Err("Invalid API-key provided.");
    }
    let mut h = ContentHash::default();
    h.update(key.as_bytes());
    Ok(Caller {
        key_id: (mix(h.value()) % 1_000_000).to_string(),
        temporary: false,
    })
}

/// An error in the envelope the endpoint's clients expect.
fn endpoint_error(
    endpoint: Endpoint,
    status: u16,
    request_id: &str,
    code: &str,
    message: &str,
) -> Reply {
    if endpoint.is_oss() {
        return oss_error(status, code, message, request_id);
    }
    if endpoint.is_compatible_mode() {
        let kind = match status {
            401 | 400 | 404 => "invalid_request_error",
            429 => "limit_requests",
            _ => "internal_error",
        };
        return Reply::Json {
            status,
            headers: Vec::new(),
            body: json!({
                "error": {"message": message, "type": kind, "param": null, "code": code},
                "request_id": request_id,
            }),
        };
    }
    Reply::error(status, request_id, code, message)
}

/// The answer to a throttle / 500 / 503 fault, plus extra headers (`Retry-After`).
fn fault_reply(
    endpoint: Endpoint,
    fault: Fault,
    request_id: &str,
) -> (Reply, Vec<(String, String)>) {
    let (status, code, message, retry_after) = match (fault, endpoint.is_oss()) {
        (Fault::Error(e), _) => (e.status, e.code, e.message, None),
        (Fault::Throttle { retry_after_secs }, false) => (
            429,
            if endpoint.is_compatible_mode() {
                "limit_requests"
            } else {
                "Throttling.RateQuota"
            },
            "Requests rate limit exceeded, please try again later.",
            Some(retry_after_secs),
        ),
        (Fault::Throttle { retry_after_secs }, true) => (
            503,
            "SlowDown",
            "Please reduce your request rate.",
            Some(retry_after_secs),
        ),
        (Fault::ServerError, false) => (
            500,
            "InternalError",
            "An internal error has occured, please try again later or contact service support.",
            None,
        ),
        (Fault::ServerError, true) => (
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
            None,
        ),
        _ => (
            503,
            "ServiceUnavailable",
            "Service temporarily unavailable, please try again later.",
            None,
        ),
    };
    let reply = endpoint_error(endpoint, status, request_id, code, message);
    let extra = retry_after
        .map(|secs| ("retry-after".to_owned(), secs.to_string()))
        .into_iter()
        .collect();
    (reply, extra)
}

/// Reads a whole body, up to `limit` bytes; beyond that the rest is drained and `Err(size)`.
async fn collect<B>(mut body: B, limit: usize) -> Result<Bytes, u64>
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut buf = Vec::new();
    let mut size: u64 = 0;
    let mut over = false;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            size += data.len() as u64;
            if size > limit as u64 {
                over = true;
                buf = Vec::new();
            } else {
                buf.extend_from_slice(&data);
            }
        }
    }
    if over {
        Err(size)
    } else {
        Ok(Bytes::from(buf))
    }
}

fn header_is(headers: &HeaderMap, name: &str, value: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
}

/// Handles one request.
pub(crate) async fn handle<B>(
    shared: Arc<Shared>,
    req: http::Request<B>,
) -> Result<Response<EmuBody>, DropConnection>
where
    B: Body<Data = Bytes> + Unpin,
{
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    if let Some(admin_path) = path.strip_prefix("/__emulator/") {
        return Ok(admin(&shared, &parts.method, admin_path, parts.uri.query(), body).await);
    }
    let (endpoint, id) = classify(&parts.method, &path);
    let (request_id, decision) = {
        let mut g = shared.lock();
        let request_id = g.ids.uuid();
        (request_id, g.faults.decide(endpoint))
    };
    let mut entry = LogEntry {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: loggable_headers(&parts.headers),
        endpoint,
        status: None,
        body_size: 0,
        body: None,
        fault: decision.fault.map(Fault::name),
        request_id: request_id.clone(),
    };
    if decision.fault == Some(Fault::Drop) {
        shared.lock().log.push(entry);
        return Err(DropConnection);
    }
    let early_fault = match decision.fault {
        Some(
            f
            @ (Fault::Throttle { .. } | Fault::ServerError | Fault::Unavailable | Fault::Error(_)),
        ) => Some(f),
        _ => None,
    };
    let mut extra_headers = Vec::new();
    let (reply, jobs) = if endpoint == Endpoint::Upload && early_fault.is_none() {
        let (reply, size) = upload(&shared, &parts.headers, body, &request_id).await;
        entry.body_size = size;
        (reply, Vec::new())
    } else {
        match collect(body, MAX_BODY).await {
            Err(size) => {
                entry.body_size = size;
                let reply = endpoint_error(
                    endpoint,
                    413,
                    &request_id,
                    "BadRequest.TooLarge",
                    "Payload Too Large.",
                );
                (reply, Vec::new())
            }
            Ok(bytes) => {
                entry.body_size = bytes.len() as u64;
                entry.body = loggable_body(&bytes);
                match early_fault {
                    Some(f) => {
                        let (reply, extra) = fault_reply(endpoint, f, &request_id);
                        extra_headers = extra;
                        (reply, Vec::new())
                    }
                    None => {
                        let mut g = shared.lock();
                        dispatch(
                            &shared,
                            &mut g,
                            endpoint,
                            id.as_deref(),
                            &parts,
                            &bytes,
                            &request_id,
                        )
                    }
                }
            }
        }
    };
    for job in jobs {
        spawn_fetch(Arc::clone(&shared), job);
    }
    let lost = decision.fault == Some(Fault::LoseResponse);
    entry.status = (!lost).then_some(reply.status());
    shared.lock().log.push(entry);
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    if lost {
        return Err(DropConnection);
    }
    Ok(into_response(
        reply,
        extra_headers,
        &request_id,
        endpoint,
        decision,
        shared.config.sse_frame_interval,
    ))
}

fn spawn_fetch(shared: Arc<Shared>, job: FetchJob) {
    tokio::spawn(async move {
        let state = fetch::fetch(&job.url).await;
        shared.lock().tasks.fetched(&job.task_id, job.index, state);
    });
}

/// Computes the answer of a DashScope or OSS endpoint (no faults here): authenticates the
/// caller, applies the task-API quota, then calls the endpoint's handler from [`table::ROUTES`].
fn dispatch(
    shared: &Shared,
    g: &mut Inner,
    endpoint: Endpoint,
    id: Option<&str>,
    parts: &http::request::Parts,
    body: &[u8],
    request_id: &str,
) -> (Reply, Vec<FetchJob>) {
    let now = Instant::now();
    let wall = clock::unix_ms(SystemTime::now());
    let route = table::route(endpoint);
    let caller = if route.auth {
        match authorize(&shared.config, &g.tokens, now, &parts.headers) {
            Ok(c) => c,
            Err(message) => {
                let (code, message) = if endpoint.is_compatible_mode() {
                    (
                        "invalid_api_key",
                        "Incorrect API key provided. For details, see: \
                         https://help.aliyun.com/zh/model-studio/error-code#apikey-error",
                    )
                } else {
                    ("InvalidApiKey", message)
                };
                return (
                    endpoint_error(endpoint, 401, request_id, code, message),
                    Vec::new(),
                );
            }
        }
    } else {
        Caller {
            key_id: String::new(),
            temporary: false,
        }
    };
    let api_key_id = caller.key_id.as_str();
    if endpoint.is_task_api() && !g.quota.admit(api_key_id, now) {
        let reply = Reply::error(
            429,
            request_id,
            "Throttling.RateQuota",
            "Requests rate limit exceeded, please try again later.",
        );
        return (reply, Vec::new());
    }
    let query = parse_query(parts.uri.query());
    (route.handler)(table::Call {
        shared,
        g,
        ctx: RequestCtx {
            now,
            wall_ms: wall,
            request_id,
            api_key_id,
        },
        endpoint,
        id: id.unwrap_or(""),
        parts,
        body,
        query: &query,
        temporary: caller.temporary,
    })
}

/// Routes the sync endpoints to their handlers (module `sync`).
fn sync_call(endpoint: Endpoint, ctx: &SyncCtx<'_>, headers: &HeaderMap, body: &Value) -> Reply {
    if endpoint == Endpoint::ChatCompletions {
        sync::chat_completions(ctx, headers, body)
    } else {
        sync::multimodal_generation(ctx, headers, body)
    }
}

/// The emulated OSS upload host.
async fn upload<B>(shared: &Shared, headers: &HeaderMap, body: B, request_id: &str) -> (Reply, u64)
where
    B: Body<Data = Bytes> + Unpin,
{
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = uploads::boundary(ct) else {
        let size = collect(body, 0).await.err().unwrap_or(0);
        let r = oss_error(
            400,
            "InvalidArgument",
            "The upload must be multipart/form-data with a boundary.",
            request_id,
        );
        return (r, size);
    };
    let (form, size) = uploads::read_form(body, &boundary, |fields| {
        shared.lock().uploads.check_form(fields, Instant::now())
    })
    .await;
    let form = match form {
        Ok(f) => f,
        Err(failure) => return (failure.error.into_reply(request_id), size),
    };
    let field = |name: &str| {
        form.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let key = field("key").unwrap_or_default();
    let success = field("success_action_status").unwrap_or_default();
    {
        let mut g = shared.lock();
        // Re-check: another upload may have taken the key while this one streamed.
        if let Err(e) = g.uploads.check_form(&form.fields, Instant::now())
            && e.code != "AccessDenied"
        {
            return (e.into_reply(request_id), size);
        }
        g.uploads.insert(key.clone(), form.file.into_object(&key));
    }
    let status = match success.as_str() {
        "200" => 200,
        "201" => 201,
        _ => 204,
    };
    let reply = Reply::Bytes {
        status,
        content_type: "application/octet-stream".to_owned(),
        body: Bytes::new(),
    };
    (reply, size)
}

/// The `/__emulator/*` endpoints (never faulted, never logged).
async fn admin<B>(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: B,
) -> Response<EmuBody>
where
    B: Body<Data = Bytes> + Unpin,
{
    let body = collect(body, 1024 * 1024).await.unwrap_or_default();
    let (status, value) = match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "requests") => {
            let q = parse_query(query);
            match q.get("endpoint").map(|n| (n, Endpoint::from_name(n))) {
                Some((n, None)) => (
                    400,
                    json!({"error": format!("`endpoint`: unknown endpoint name `{n}`")}),
                ),
                Some((_, Some(e))) => (200, shared.lock().log.to_json(Some(e))),
                None => (200, shared.lock().log.to_json(None)),
            }
        }
        ("GET", "stats") => (200, shared.lock().log.stats()),
        ("POST", "reset") => {
            shared.reset();
            (200, json!({"reset": true}))
        }
        ("GET", "faults") => (200, shared.lock().faults.config.to_json()),
        ("POST" | "PUT", "faults") => {
            let parsed = serde_json::from_slice::<Value>(&body)
                .map_err(|e| format!("fault config: body is not JSON: {e}"))
                .and_then(|v| FaultConfig::from_json(&v));
            match parsed {
                Ok(cfg) => {
                    let v = cfg.to_json();
                    shared.set_faults(cfg);
                    (200, v)
                }
                Err(e) => (400, json!({"error": e})),
            }
        }
        _ => (
            404,
            json!({"error": "unknown admin endpoint; use GET /__emulator/requests, GET /__emulator/stats, GET|POST /__emulator/faults or POST /__emulator/reset"}),
        ),
    };
    json_response(status, &value, Vec::new())
}

fn json_response(status: u16, value: &Value, extra: Vec<(String, String)>) -> Response<EmuBody> {
    let bytes = Bytes::from(value.to_string());
    build(status, "application/json", extra, EmuBody::full(bytes))
}

fn build(
    status: u16,
    content_type: &str,
    extra: Vec<(String, String)>,
    body: EmuBody,
) -> Response<EmuBody> {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    for (k, v) in extra {
        if let (Ok(k), Ok(v)) = (
            header::HeaderName::from_bytes(k.as_bytes()),
            header::HeaderValue::from_str(&v),
        ) {
            h.append(k, v);
        }
    }
    resp
}

/// Frames a reply, applying the truncation fault.
fn into_response(
    reply: Reply,
    mut extra: Vec<(String, String)>,
    request_id: &str,
    endpoint: Endpoint,
    decision: Decision,
    sse_interval: std::time::Duration,
) -> Response<EmuBody> {
    let truncate = decision.fault == Some(Fault::Truncate);
    let id_header = if endpoint.is_oss() {
        "x-oss-request-id"
    } else {
        "x-request-id"
    };
    extra.push((id_header.to_owned(), request_id.to_owned()));
    let (status, content_type, chunks): (u16, String, Vec<Bytes>) = match reply {
        Reply::Json {
            status,
            headers,
            body,
        } => {
            extra.extend(headers);
            (
                status,
                "application/json".to_owned(),
                vec![Bytes::from(body.to_string())],
            )
        }
        Reply::Bytes {
            status,
            content_type,
            body,
        } => (status, content_type, vec![body]),
        Reply::Sse { status, frames } => (
            status,
            "text/event-stream;charset=UTF-8".to_owned(),
            frames.into_iter().map(Bytes::from).collect(),
        ),
    };
    let is_sse = content_type.starts_with("text/event-stream");
    let total: u64 = chunks.iter().map(|c| c.len() as u64).sum();
    let body = if truncate {
        // Half the bytes (or half the frames), then an abort; the length header promises all.
        let mut flat: Vec<u8> = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        for c in &chunks {
            flat.extend_from_slice(c);
        }
        let half = Bytes::from(flat).slice(..usize::try_from(total / 2).unwrap_or(0));
        extra.push(("content-length".to_owned(), total.to_string()));
        EmuBody::chunks(vec![half], sse_interval, Some(1), Some(total))
    } else if is_sse {
        EmuBody::chunks(chunks, sse_interval, None, None)
    } else {
        let mut flat = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        for c in &chunks {
            flat.extend_from_slice(c);
        }
        EmuBody::full(flat)
    };
    build(status, &content_type, extra, body)
}

mod table;

#[cfg(test)]
mod tests;
