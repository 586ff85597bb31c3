//! Client configuration: endpoints, credentials, timeouts, retries, limits, proxy and TLS.
//!
//! The library never reads environment variables on its own; [`Config::from_env`] is there for
//! applications (such as the CLI) that want the `DASHSCOPE_*` variables of the official SDK.

use std::time::Duration;

use asr_protocol::ApiKey;
use asr_types::{Region, WorkspaceId};

use crate::connect::Proxy;
use crate::error::Error;

/// Everything a [`Client`](crate::Client) needs, built with chained `with_*` setters and turned
/// into a client with [`Config::build`].
///
/// ```
/// use std::time::Duration;
/// use asr_transport::{Client, Region};
///
/// # fn main() -> Result<(), asr_transport::Error> {
/// let client = Client::builder()
///     .with_api_key("sk-0123456789")
///     .with_region(Region::ApSoutheast1)
///     .with_total_timeout(Duration::from_secs(120))
///     .with_max_retries(3)
///     .build()?;
/// # drop(client);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) region: Region,
    pub(crate) workspace: Option<WorkspaceId>,
    pub(crate) workspace_host: bool,
    pub(crate) base_url: Option<String>,
    pub(crate) compatible_base_url: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) upload_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
    pub(crate) jitter: bool,
    pub(crate) retry_budget_percent: f32,
    pub(crate) concurrency_limit: usize,
    pub(crate) query_rate: f64,
    pub(crate) user_agent_suffix: Option<String>,
    pub(crate) proxy: Option<Proxy>,
    pub(crate) root_certificates: Vec<Vec<u8>>,
    pub(crate) root_certificate_error: Option<String>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_result_bytes: usize,
    pub(crate) multipart_boundary: Option<String>,
    pub(crate) send_gate: Option<std::sync::Arc<dyn crate::layers::SendGate>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key)
            .field("region", &self.region)
            .field("workspace", &self.workspace)
            .field("workspace_host", &self.workspace_host)
            .field("base_url", &self.base_url)
            .field("compatible_base_url", &self.compatible_base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("concurrency_limit", &self.concurrency_limit)
            .field("query_rate", &self.query_rate)
            .field("proxy", &self.proxy)
            .field("root_certificates", &self.root_certificates.len())
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("send_gate", &self.send_gate)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            api_key: None,
            region: Region::CnBeijing,
            workspace: None,
            workspace_host: false,
            base_url: None,
            compatible_base_url: None,
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(60),
            total_timeout: Duration::from_secs(300),
            upload_timeout: Duration::from_secs(3600),
            max_retries: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
            retry_budget_percent: 20.0,
            concurrency_limit: 64,
            // Two below the service's 20 per account, for other clients of the account and for
            // requests that arrive closer together than they left.
            query_rate: 18.0,
            user_agent_suffix: None,
            proxy: None,
            root_certificates: Vec::new(),
            root_certificate_error: None,
            allow_insecure_http: false,
            max_response_bytes: 4 * 1024 * 1024,
            max_result_bytes: 256 * 1024 * 1024,
            multipart_boundary: None,
            send_gate: None,
        }
    }
}

impl Config {
    /// A configuration with the given API key and every other setting at its default:
    /// region `cn-beijing` (the service's and the official SDK's default), connect timeout
    /// 10 s, per-attempt timeout 60 s, total timeout 300 s, 4 retries with backoff from 0.5 s
    /// to 8 s, 64 requests in flight, 18 task queries per second.
    ///
    /// ```
    /// let config = asr_transport::Config::new("sk-0123456789");
    /// let client = config.build()?;
    /// # drop(client);
    /// # Ok::<(), asr_transport::Error>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Self {
        Self::default().with_api_key(api_key)
    }

    /// Reads the `DASHSCOPE_*` variables the official SDK reads (protocol §1.7):
    /// `DASHSCOPE_API_KEY` (or the file named by `DASHSCOPE_API_KEY_FILE_PATH`),
    /// `DASHSCOPE_API_REGION`, `DASHSCOPE_WORKSPACE_ID`, `DASHSCOPE_HTTP_BASE_URL` and
    /// `DASHSCOPE_COMPATIBLE_BASE_URL`. Unset variables keep their defaults.
    ///
    /// A workspace id with a region other than `cn-beijing` selects the workspace-scoped host
    /// (`https://{workspace}.{region}.maas.aliyuncs.com`), as the SDK does; with `cn-beijing`
    /// it is sent as the `X-DashScope-WorkSpace` header on the shared host.
    ///
    /// ```no_run
    /// let client = asr_transport::Config::from_env()?.build()?;
    /// # drop(client);
    /// # Ok::<(), asr_transport::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the variable when a value is invalid or the key file cannot be
    /// read, and when no API key is found at all.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] with the variables looked up by `var` instead of the process
    /// environment (for tests, or a configuration file mapped to the same names).
    ///
    /// ```
    /// let config = asr_transport::Config::from_vars(|name| match name {
    ///     "DASHSCOPE_API_KEY" => Some("sk-0123456789".to_owned()),
    ///     "DASHSCOPE_API_REGION" => Some("ap-southeast-1".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.region().id(), "ap-southeast-1");
    /// # Ok::<(), asr_transport::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Config::from_env`].
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut config = Config::default();
        if let Some(key) = get("DASHSCOPE_API_KEY") {
            config.api_key = Some(ApiKey::new(key));
        } else if let Some(path) = get("DASHSCOPE_API_KEY_FILE_PATH") {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::Config {
                field: "DASHSCOPE_API_KEY_FILE_PATH",
                problem: format!("cannot read `{path}`: {e}; point it at a file holding the key"),
            })?;
            let key = text.trim();
            if key.is_empty() {
                return Err(Error::config(
                    "DASHSCOPE_API_KEY_FILE_PATH",
                    format!("`{path}` is empty; write the API key (sk-…) into it"),
                ));
            }
            config.api_key = Some(ApiKey::new(key));
        } else {
            return Err(Error::config(
                "DASHSCOPE_API_KEY",
                "not set; export DASHSCOPE_API_KEY=sk-… or DASHSCOPE_API_KEY_FILE_PATH=<file>"
                    .to_owned(),
            ));
        }
        if let Some(region) = get("DASHSCOPE_API_REGION") {
            config.region = region
                .parse()
                .map_err(|e| Error::config("DASHSCOPE_API_REGION", format!("{e}")))?;
        }
        if let Some(ws) = get("DASHSCOPE_WORKSPACE_ID") {
            let ws = WorkspaceId::new(ws)
                .map_err(|e| Error::config("DASHSCOPE_WORKSPACE_ID", e.to_string()))?;
            config.workspace_host = config.region != Region::CnBeijing;
            config.workspace = Some(ws);
        }
        config.base_url = get("DASHSCOPE_HTTP_BASE_URL");
        config.compatible_base_url = get("DASHSCOPE_COMPATIBLE_BASE_URL");
        Ok(config)
    }

    /// Turns the configuration into a [`Client`](crate::Client).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the setting when it is invalid: no API key, a malformed base
    /// URL, plain `http://` to a non-loopback host without
    /// [`Config::with_insecure_http`], an invalid root certificate or proxy URL.
    pub fn build(self) -> Result<crate::Client, Error> {
        crate::Client::new(self)
    }

    /// Sets the API key (`sk-…`). It is kept in a secret type that never prints.
    #[must_use]
    pub fn with_api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(api_key));
        self
    }

    /// Selects the region's shared host (default `cn-beijing`). API keys are region-scoped.
    #[must_use]
    pub fn with_region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Selects a workspace: sent as `X-DashScope-WorkSpace` on the shared host, or used in the
    /// host name after [`Config::with_workspace_host`].
    #[must_use]
    pub fn with_workspace(mut self, workspace: WorkspaceId) -> Self {
        self.workspace = Some(workspace);
        self
    }

    /// Uses the workspace-scoped host `https://{workspace}.{region}.maas.aliyuncs.com`, which
    /// the documentation recommends (needs [`Config::with_workspace`]).
    #[must_use]
    pub fn with_workspace_host(mut self, on: bool) -> Self {
        self.workspace_host = on;
        self
    }

    /// Overrides the native API base URL (e.g. `http://127.0.0.1:8080/api/v1` for the
    /// emulator). Without [`Config::with_compatible_base_url`], the compatible-mode base is
    /// derived by replacing a trailing `/api/v1` with `/compatible-mode/v1`.
    #[must_use]
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Overrides the OpenAI-compatible base URL.
    #[must_use]
    pub fn with_compatible_base_url(mut self, url: impl Into<String>) -> Self {
        self.compatible_base_url = Some(url.into());
        self
    }

    /// Time allowed to open a TCP connection (default 10 s).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt, response body included (default 60 s); a hung attempt is
    /// retried when that is safe.
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Time allowed for one call including every retry and backoff (default 300 s). Waiting
    /// for a task is bounded by [`WaitOptions`](crate::WaitOptions) instead.
    #[must_use]
    pub fn with_total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// Time allowed for one file upload (default 1 hour); uploads stream the file and are not
    /// bound by the total timeout.
    #[must_use]
    pub fn with_upload_timeout(mut self, timeout: Duration) -> Self {
        self.upload_timeout = timeout;
        self
    }

    /// Resends allowed per request (default 4; 0 disables retries).
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Exponential backoff bounds (default 0.5 s doubling up to 8 s) and whether to randomise
    /// each delay (default on).
    #[must_use]
    pub fn with_backoff(mut self, initial: Duration, max: Duration, jitter: bool) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self.jitter = jitter;
        self
    }

    /// The longest server-requested `Retry-After` the client honours (default 60 s).
    #[must_use]
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The retry budget: retries may add at most this percentage to the recent request rate
    /// (default 20 %, plus a floor of a few retries per second).
    #[must_use]
    pub fn with_retry_budget_percent(mut self, percent: f32) -> Self {
        self.retry_budget_percent = percent;
        self
    }

    /// The most requests in flight at once across the client (default 64), besides up to 16
    /// task queries, lists and cancels, which have a lane of their own.
    #[must_use]
    pub fn with_concurrency_limit(mut self, limit: usize) -> Self {
        self.concurrency_limit = limit;
        self
    }

    /// The client-wide budget for task queries, lists and cancels, in requests per second
    /// (default 18: two below the service's per-account limit of 20), shared by every wait,
    /// tracker, list and cancel of the client.
    ///
    /// It is a sliding window: an idle budget lets the whole part of the rate go out at once,
    /// and each request counts from the moment it is sent until one second after its answer
    /// arrived, so however long a request took to reach the service, no second there holds
    /// more than the rate (the price is the round trip: the rate per 1 s plus round trip).
    /// Each request takes its token right before it is sent. A 429 from the task API halves
    /// the rate, which then recovers by one per second every 5 s. A rate below one allows one
    /// request per `1 / rate` seconds.
    #[must_use]
    pub fn with_query_rate(mut self, per_second: f64) -> Self {
        self.query_rate = per_second;
        self
    }

    /// Shares the account's limits with other clients through `gate`: every task query, list
    /// and cancel attempt (after this client's own budget), every submit and every
    /// upload-policy call waits for it before it is sent (see
    /// [`SendGate`](crate::layers::SendGate); `asr-store-pg` paces a fleet through
    /// PostgreSQL). A refusal fails the call with [`Error::Gate`], nothing sent.
    #[must_use]
    pub fn with_send_gate(mut self, gate: std::sync::Arc<dyn crate::layers::SendGate>) -> Self {
        self.send_gate = Some(gate);
        self
    }

    /// Appends text to the `user-agent` (e.g. `my-app/1.2`).
    #[must_use]
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends requests through an HTTP proxy (HTTPS through a `CONNECT` tunnel), except to the
    /// hosts of its no-proxy list.
    ///
    /// ```
    /// use asr_transport::{Config, Proxy};
    /// let config = Config::new("sk-0123456789")
    ///     .with_proxy(Proxy::new("http://proxy.internal:3128").with_no_proxy("localhost,.corp"));
    /// # drop(config.build()?);
    /// # Ok::<(), asr_transport::Error>(())
    /// ```
    #[must_use]
    pub fn with_proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Trusts an extra root certificate, PEM (one or more `CERTIFICATE` blocks) or DER, in
    /// addition to the platform's (or, with the `webpki-roots` feature, Mozilla's) roots.
    /// An invalid certificate is reported by [`Config::build`].
    #[must_use]
    pub fn with_root_certificate(mut self, cert: impl AsRef<[u8]>) -> Self {
        let bytes = cert.as_ref();
        if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            match crate::tls::pem_certificates(bytes) {
                Ok(ders) => self.root_certificates.extend(ders),
                Err(e) => self.root_certificate_error = Some(e.to_string()),
            }
        } else {
            self.root_certificates.push(bytes.to_vec());
        }
        self
    }

    /// Allows plain `http://` to hosts other than loopback. Off by default: the API key would
    /// cross the network in clear text.
    #[must_use]
    pub fn with_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The largest API response body accepted (default 4 MiB).
    #[must_use]
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The largest result document [`Client::fetch_result`](crate::Client::fetch_result)
    /// accepts (default 256 MiB).
    #[must_use]
    pub fn with_max_result_bytes(mut self, limit: usize) -> Self {
        self.max_result_bytes = limit;
        self
    }

    /// The multipart boundary for uploads (default: a fresh random one per client).
    #[must_use]
    pub fn with_multipart_boundary(mut self, boundary: impl Into<String>) -> Self {
        self.multipart_boundary = Some(boundary.into());
        self
    }

    /// The configured region.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The configured workspace, if any.
    pub fn workspace(&self) -> Option<&WorkspaceId> {
        self.workspace.as_ref()
    }

    /// Whether an API key is set (the key itself is never readable from the config).
    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// The overriding native base URL, if any.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }
}

/// Whether `host` is a loopback name or address (plain HTTP is allowed there without opt-in).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Checks that `url` is an absolute http(s) URL and, if plain http, that it goes to loopback or
/// insecure http was allowed. `field` names the setting in the error.
pub(crate) fn check_url(
    field: &'static str,
    url: &str,
    allow_insecure: bool,
) -> Result<http::Uri, Error> {
    // Messages show the URL without its query string: a signed URL's query is a credential.
    let shown = url.split('?').next().unwrap_or_default();
    let uri: http::Uri = url.parse().map_err(|_| {
        Error::config(
            field,
            format!("`{shown}` is not a URL; pass an absolute https:// URL"),
        )
    })?;
    let host = uri.host().unwrap_or_default();
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => Ok(uri),
        Some("http") if !host.is_empty() => {
            if allow_insecure || is_loopback_host(host) {
                Ok(uri)
            } else {
                Err(Error::config(
                    field,
                    format!(
                        "`{shown}` uses plain http to a non-loopback host, which would send the API \
                         key in clear text; use https, or call with_insecure_http(true) if this \
                         is intended"
                    ),
                ))
            }
        }
        _ => Err(Error::config(
            field,
            format!(
                "`{shown}` is not an absolute http(s) URL; pass e.g. https://dashscope.aliyuncs.com/api/v1"
            ),
        )),
    }
}
