//! The client: one shared tower stack and connection pool, and the API calls.

mod raw;
mod token;
mod track;
mod upload;
mod wait;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asr_protocol::endpoints::{
    cancel_task, fetch_result, get_task, list_tasks, submit_qwen_filetrans, submit_transcription,
};
use asr_protocol::retry::{Operation, Outcome, may_resend};
use asr_protocol::{RequestContext, Retryability};
use asr_types::{
    CancelResponse, ListTasksQuery, QwenFiletransRequest, SubmitResponse, TaskId, TaskListItem,
    TaskResponse, TranscriptionRequest,
};
use bytes::Bytes;
use futures_util::Stream;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower::ServiceExt;

pub use self::track::{TaskTracker, TrackOptions, TrackStream};
pub use self::upload::Upload;
pub use self::wait::{WaitCallback, WaitEvent, WaitOptions};
use crate::config::{Config, check_url};
use crate::connect::ProxyConnector;
use crate::error::Error;
use crate::layers::{
    Backoff, GateKind, RateLimiter, Resend, RetryPolicy, Stack, StackResponse, TaskApi, Verdict,
};
use crate::send::{BodyLimit, HttpService, Hyper};

/// The asynchronous DashScope client.
///
/// Cheap to clone: clones share the connection pool, the concurrency limit, the retry budget,
/// the task-query budget and the upload-policy cache.
///
/// One call per API operation; the batch pipeline built on them (grouping, journal, resume)
/// is the `asr-batch` crate.
///
/// ```no_run
/// use asr_transport::{Client, Model, TranscriptionRequest, WaitOptions};
///
/// # async fn run() -> Result<(), asr_transport::Error> {
/// let client = Client::builder().with_api_key("sk-…").build()?;
/// let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
/// let task = client.submit(request).await?.output.task_id;
/// let done = client.wait(&task, WaitOptions::default()).await?;
/// for url in done.output.transcription_urls() {
///     println!("{}", client.fetch_result(url).await?.channels()[0].text);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("native_base", &self.inner.ctx.native_base)
            .field("api_key", &self.inner.ctx.api_key)
            .finish_non_exhaustive()
    }
}

struct Inner {
    ctx: RequestContext,
    config: Config,
    stack: Stack,
    /// The lane of task-API requests: same pool, retry budget and query budget.
    task_stack: Stack,
    hyper: Hyper,
    limiter: Arc<RateLimiter>,
    uploads: Mutex<upload::PolicyCache>,
    policy_fetch: tokio::sync::Mutex<()>,
    /// When this client last updated each vocabulary (the service's own record has only
    /// whole seconds, see `crate::vocabulary`).
    vocabulary_updates: Mutex<crate::vocabulary::RecentUpdates>,
}

/// The two submit shapes: `input.file_urls` (Fun-ASR, Paraformer, Qwen-Audio filetrans) and
/// `input.file_url` (Qwen3-ASR-Flash-Filetrans).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Submission {
    /// The `file_urls` shape.
    Transcription(TranscriptionRequest),
    /// The `file_url` shape.
    QwenFiletrans(QwenFiletransRequest),
}

impl From<TranscriptionRequest> for Submission {
    fn from(r: TranscriptionRequest) -> Self {
        Submission::Transcription(r)
    }
}

impl From<QwenFiletransRequest> for Submission {
    fn from(r: QwenFiletransRequest) -> Self {
        Submission::QwenFiletrans(r)
    }
}

/// How a request goes through the stack.
#[derive(Clone, Copy)]
pub(crate) struct SendOptions {
    resend: Resend,
    task_api: bool,
    limit: Option<usize>,
}

impl SendOptions {
    pub(crate) const QUERY: Self = Self {
        resend: Resend::Freely,
        task_api: true,
        limit: None,
    };
    pub(crate) const SUBMIT: Self = Self {
        resend: Resend::OnlyIfNotSent,
        task_api: false,
        limit: None,
    };
    pub(crate) const READ: Self = Self {
        resend: Resend::Freely,
        task_api: false,
        limit: None,
    };
}

impl Client {
    /// Starts a configuration; finish it with [`Config::build`].
    ///
    /// ```
    /// let client = asr_transport::Client::builder().with_api_key("sk-0123456789").build()?;
    /// # drop(client);
    /// # Ok::<(), asr_transport::Error>(())
    /// ```
    pub fn builder() -> Config {
        Config::default()
    }

    /// Builds a client from a configuration.
    ///
    /// ```
    /// let client = asr_transport::Client::new(asr_transport::Config::new("sk-0123456789"))?;
    /// # drop(client);
    /// # Ok::<(), asr_transport::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the invalid setting (see [`Config::build`]).
    pub fn new(config: Config) -> Result<Self, Error> {
        let ctx = context(&config)?;
        if let Some(problem) = &config.root_certificate_error {
            return Err(Error::config("root_certificates", problem.clone()));
        }
        if let Some(proxy) = &config.proxy {
            check_proxy(&proxy.url)?;
        }
        let tls = crate::tls::client_config(&config.root_certificates)?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(ProxyConnector::new(
                config.connect_timeout,
                config.proxy.as_ref(),
            ));
        let hyper: Hyper = HyperClient::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(50))
            .build(https);
        let limiter = Arc::new(query_limiter(config.query_rate));
        let policy = RetryPolicy::new(
            config.max_retries,
            Backoff::new(config.initial_backoff, config.max_backoff).with_jitter(config.jitter),
            config.max_retry_after,
            // A floor of a few retries per second keeps a quiet client able to retry at all.
            5,
            config.retry_budget_percent,
            Arc::new(classify),
        );
        let http = HttpService {
            client: hyper.clone(),
            default_limit: config.max_response_bytes,
        };
        let settings = crate::layers::StackSettings {
            concurrency: config.concurrency_limit,
            total_timeout: config.total_timeout,
            attempt_timeout: config.attempt_timeout,
            policy,
            limiter: limiter.clone(),
            gate: config.send_gate.clone(),
        };
        let task_stack = crate::layers::stack(
            http.clone(),
            crate::layers::StackSettings {
                concurrency: TASK_LANE,
                ..settings.clone()
            },
        );
        let stack = crate::layers::stack(http, settings);
        Ok(Self {
            inner: Arc::new(Inner {
                ctx,
                config,
                stack,
                task_stack,
                hyper,
                limiter,
                uploads: Mutex::new(upload::PolicyCache::default()),
                policy_fetch: tokio::sync::Mutex::new(()),
                vocabulary_updates: Mutex::new(Default::default()),
            }),
        })
    }

    /// The request context (base URLs, workspace, user-agent) the client builds requests with.
    pub fn context(&self) -> &RequestContext {
        &self.inner.ctx
    }

    /// Submits an async transcription task, in either request shape.
    ///
    /// A submit is resent only when it cannot have created a task (connect failure, or a
    /// 429/503 refusal); if its answer is lost after sending, the error is
    /// [`Error::SubmitOutcomeUnknown`] and nothing is resent, because a duplicate is billed.
    ///
    /// ```
    /// use asr_transport::{Client, Model, TranscriptionRequest};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    /// let submitted = client.submit(request).await?;
    /// println!("task {}", submitted.output.task_id);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Build`] for a request that breaks a documented rule (nothing is sent),
    /// [`Error::Response`] for the service's refusal, [`Error::SubmitOutcomeUnknown`], and the
    /// connection errors.
    pub async fn submit(&self, submission: impl Into<Submission>) -> Result<SubmitResponse, Error> {
        match submission.into() {
            Submission::Transcription(r) => {
                let mut req = submit_transcription::build(&r, &self.inner.ctx)?;
                req.extensions_mut()
                    .insert(GateKind::Submit { model: r.model });
                let resp = self.send_submit(req).await?;
                Ok(submit_transcription::parse(resp)?)
            }
            Submission::QwenFiletrans(r) => {
                let mut req = submit_qwen_filetrans::build(&r, &self.inner.ctx)?;
                req.extensions_mut()
                    .insert(GateKind::Submit { model: r.model });
                let resp = self.send_submit(req).await?;
                Ok(submit_qwen_filetrans::parse(resp)?)
            }
        }
    }

    pub(crate) async fn send_submit(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<StackResponse, Error> {
        let outcome_unknown = |e: Error| Error::SubmitOutcomeUnknown {
            source: Box::new(e),
        };
        match self.send(req, SendOptions::SUBMIT).await {
            Ok(resp) if matches!(resp.status().as_u16(), 500 | 502 | 504) => {
                // A gateway or server error may come after the task was queued.
                let (parts, body) = resp.into_parts();
                let err = asr_protocol::error::parse_error(parts.status, &parts.headers, &body);
                Err(outcome_unknown(Error::Response(err)))
            }
            Ok(resp) => Ok(resp),
            Err(e @ (Error::Network { .. } | Error::Timeout { .. })) => Err(outcome_unknown(e)),
            Err(e) => Err(e),
        }
    }

    /// Queries a task once (`GET /tasks/{id}`), within the client-wide query budget.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let task = client.task(&"8d1c…".into()).await?;
    /// println!("{}", task.output.task_status);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Response`] for the service's refusal, and the connection errors. An unknown id
    /// is not an error: the service answers status `UNKNOWN`.
    pub async fn task(&self, task_id: &TaskId) -> Result<TaskResponse, Error> {
        let req = get_task::build(&get_task::Request::new(task_id.clone()), &self.inner.ctx)?;
        let resp = self.send(req, SendOptions::QUERY).await?;
        Ok(get_task::parse(resp)?)
    }

    /// Cancels a task that is still `PENDING`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(60000))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let id = client.submit(asr_transport::TranscriptionRequest::new(asr_transport::Model::FUN_ASR, ["https://example.com/a.wav"])).await?.output.task_id;
    /// client.cancel(&id).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Response`] with code `UnsupportedOperation` when the task is no longer
    /// pending, and the connection errors.
    pub async fn cancel(&self, task_id: &TaskId) -> Result<CancelResponse, Error> {
        let req = cancel_task::build(&cancel_task::Request::new(task_id.clone()), &self.inner.ctx)?;
        // Cancelling twice has no further effect, so it retries like a query.
        let resp = self
            .send(
                req,
                SendOptions {
                    resend: Resend::Freely,
                    ..SendOptions::QUERY
                },
            )
            .await?;
        Ok(cancel_task::parse(resp)?)
    }

    /// Lists tasks matching `query`, following every page (from `query.page_no`, default 1).
    ///
    /// ```
    /// use futures_util::TryStreamExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let tasks: Vec<_> = client.list_tasks(Default::default()).try_collect().await?;
    /// println!("{} tasks in the last 24 h", tasks.len());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The stream ends after the last page; an error ends it after being yielded.
    pub fn list_tasks(
        &self,
        query: ListTasksQuery,
    ) -> impl Stream<Item = Result<TaskListItem, Error>> + Send + 'static {
        use futures_util::StreamExt;
        let client = self.clone();
        let first = query.page_no.unwrap_or(list_tasks::DEFAULT_PAGE_NO);
        let pages = futures_util::stream::unfold(Some((query, first)), move |state| {
            let client = client.clone();
            async move {
                let (mut query, page) = state?;
                query.page_no = Some(page);
                match client.list_page(&query).await {
                    Ok(resp) => {
                        let last = resp.data.is_empty()
                            || resp.total_page.is_none_or(|total| u64::from(page) >= total);
                        let next = (!last).then(|| (query, page + 1));
                        let items: Vec<Result<TaskListItem, Error>> =
                            resp.data.into_iter().map(Ok).collect();
                        Some((futures_util::stream::iter(items), next))
                    }
                    Err(e) => Some((futures_util::stream::iter(vec![Err(e)]), None)),
                }
            }
        });
        pages.flatten()
    }

    /// Fetches one page of the task list.
    ///
    /// # Errors
    ///
    /// [`Error::Build`] for an invalid query, [`Error::Response`], and the connection errors.
    pub async fn list_page(&self, query: &ListTasksQuery) -> Result<list_tasks::Response, Error> {
        let req = list_tasks::build(query, &self.inner.ctx)?;
        let resp = self.send(req, SendOptions::QUERY).await?;
        Ok(list_tasks::parse(resp)?)
    }

    /// Downloads a result document from a signed `transcription_url` (either shape), at most
    /// [`Config::with_max_result_bytes`] bytes. No API key is sent to the storage host.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let id = client.submit(asr_transport::TranscriptionRequest::new(asr_transport::Model::FUN_ASR, ["https://example.com/a.wav"])).await?.output.task_id;
    /// # let done = client.wait(&id, Default::default()).await?;
    /// # let url = done.output.transcription_urls()[0];
    /// let doc = client.fetch_result(url).await?;
    /// for channel in doc.channels() {
    ///     println!("{}", channel.text);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Response`] (an expired URL answers 403), [`Error::BodyTooLarge`], and the
    /// connection errors.
    pub async fn fetch_result(&self, url: &str) -> Result<fetch_result::Response, Error> {
        let resp = self.fetch_result_response(url).await?;
        Ok(fetch_result::parse(resp)?)
    }

    /// Sends a built request through the stack.
    pub(crate) async fn send(
        &self,
        req: http::Request<Vec<u8>>,
        opts: SendOptions,
    ) -> Result<StackResponse, Error> {
        let host = req.uri().host().unwrap_or_default().to_owned();
        let mut req = req.map(Bytes::from);
        req.extensions_mut().insert(opts.resend);
        if opts.task_api {
            req.extensions_mut().insert(TaskApi);
        }
        if let Some(limit) = opts.limit {
            req.extensions_mut().insert(BodyLimit(limit));
        }
        let stack = if opts.task_api {
            &self.inner.task_stack
        } else {
            &self.inner.stack
        };
        stack
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| Error::from_stack(e, &host, self.inner.config.total_timeout))
    }
}

impl Client {
    /// The vocabularies this client updated, and when.
    pub(crate) fn vocabulary_updates(
        &self,
    ) -> std::sync::MutexGuard<'_, crate::vocabulary::RecentUpdates> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.inner
            .vocabulary_updates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

// Hooks for `crate::recognize`: a recognition stream bypasses the stack (which collects whole
// bodies), so it needs the connection pool and the settings directly.
impl Client {
    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn hyper(&self) -> &Hyper {
        &self.inner.hyper
    }
}

/// Task-API requests in flight at once. Enough to keep the budget busy over a slow link
/// (18 per second at up to a second per answer); more would only wait for tokens.
const TASK_LANE: usize = 16;

/// The task-API budget for a configured rate (two below the service's 20 by default): each
/// request counts from its send until a second after its answer, halved on a 429.
pub(crate) fn query_limiter(per_second: f64) -> RateLimiter {
    RateLimiter::new(per_second).adaptive(true)
}

/// A proxy must be an absolute `http://` URL; the error never repeats it, since it may carry
/// a password.
fn check_proxy(url: &str) -> Result<(), Error> {
    let ok = url
        .parse::<http::Uri>()
        .ok()
        .is_some_and(|u| u.scheme_str() == Some("http") && u.host().is_some_and(|h| !h.is_empty()));
    if ok {
        Ok(())
    } else {
        Err(Error::config(
            "proxy",
            "not an absolute http:// proxy URL; pass e.g. http://proxy.internal:3128",
        ))
    }
}

/// The request context for a configuration: region host, workspace host or explicit URLs.
fn context(config: &Config) -> Result<RequestContext, Error> {
    let api_key = config.api_key.clone().ok_or_else(|| {
        Error::config(
            "api_key",
            "not set; call with_api_key(\"sk-…\") or use Config::from_env() (DASHSCOPE_API_KEY)",
        )
    })?;
    let mut ctx = if let Some(base) = &config.base_url {
        let compat = match &config.compatible_base_url {
            Some(c) => c.clone(),
            None => derive_compatible(base),
        };
        check_url("base_url", base, config.allow_insecure_http)?;
        check_url("compatible_base_url", &compat, config.allow_insecure_http)?;
        RequestContext::with_base_urls(base.clone(), compat, api_key)?
    } else if let (true, Some(ws)) = (config.workspace_host, &config.workspace) {
        RequestContext::for_workspace_host(config.region, ws, api_key)
    } else {
        if config.workspace_host {
            return Err(Error::config(
                "workspace_host",
                "needs a workspace; call with_workspace(WorkspaceId::new(\"ws-…\")?)",
            ));
        }
        RequestContext::for_region(config.region, api_key)
    };
    if let (false, Some(ws)) = (config.workspace_host, &config.workspace) {
        ctx = ctx.with_workspace(ws.clone());
    }
    if let Some(suffix) = &config.user_agent_suffix {
        ctx = ctx.with_user_agent_suffix(suffix)?;
    }
    let boundary = match &config.multipart_boundary {
        Some(b) => b.clone(),
        None => format!(
            "dashscope-asr-{:016x}{:016x}",
            crate::layers::random_u64(),
            crate::layers::random_u64()
        ),
    };
    Ok(ctx.with_multipart_boundary(boundary)?)
}

/// `…/api/v1` → `…/compatible-mode/v1`; any other base gets `/compatible-mode/v1` appended to
/// its origin.
fn derive_compatible(base: &str) -> String {
    let trimmed = base.trim_end_matches('/');
    match trimmed.strip_suffix("/api/v1") {
        Some(origin) => format!("{origin}/compatible-mode/v1"),
        None => format!("{trimmed}/compatible-mode/v1"),
    }
}

/// The stack's retry classifier: the protocol crate decides, given whether the request may be
/// duplicated.
fn classify(resend: Resend, resp: &StackResponse) -> Verdict {
    let err = asr_protocol::error::parse_error(resp.status(), resp.headers(), resp.body());
    let operation = match resend {
        Resend::OnlyIfNotSent => Operation::Submit,
        _ => Operation::Idempotent,
    };
    let outcome = Outcome::Response {
        status: resp.status(),
        code: err.code(),
        headers: resp.headers(),
    };
    match may_resend(operation, outcome) {
        Retryability::After(d) => Verdict::After(d),
        Retryability::Backoff => Verdict::Backoff,
        _ => Verdict::No,
    }
}

#[cfg(test)]
mod tests;
