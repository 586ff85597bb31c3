//! [`EmulatorConfig`]: everything the emulator can be told at start.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::faults::{Endpoint, FaultConfig, FaultRule};
use crate::quota::TaskQueryLimit;

/// How a `file_urls` task whose every file failed reports itself (protocol §9 item 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AllFailedStatus {
    /// `task_status: SUCCEEDED` with `task_metrics.FAILED == TOTAL`, as the documented example
    /// shows (default).
    #[default]
    Succeeded,
    /// `task_status: FAILED` with the first file's `code` and `message` at task level.
    Failed,
}

/// PEM-encoded certificate chain and private key for serving `https://`.
#[derive(Clone)]
pub struct TlsConfig {
    /// The certificate chain, leaf first, PEM.
    pub cert_chain_pem: Vec<u8>,
    /// The private key (PKCS#8, PKCS#1 or SEC1), PEM.
    pub key_pem: Vec<u8>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("TlsConfig")
            .field(
                "cert_chain_pem",
                &format_args!("{} bytes", self.cert_chain_pem.len()),
            )
            .field("key_pem", &format_args!("****"))
            .finish()
    }
}

/// Emulator settings. Start from [`EmulatorConfig::new`] (the defaults below) and chain the
/// `with_*` setters.
///
/// | setting | default |
/// |---|---|
/// | API key | `None`: any `Bearer sk-…` is accepted |
/// | processing time | 2 s (PENDING for the first third, then RUNNING, then terminal) |
/// | result URL lifetime | 24 h |
/// | upload policy lifetime | 300 s |
/// | `max_file_size_mb` | 100 |
/// | fetch | off: http(s) URLs are never downloaded |
/// | faults | none |
/// | task-API limit per API key | none (the service allows 20 per second per account) |
/// | seed | 0 |
/// | vocabulary ready delay / quota | 2 s / 10 lists |
/// | time between two updates of one vocabulary | 5 min |
/// | bind address | `127.0.0.1:0` (a free port) |
/// | TLS | off |
#[derive(Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// `None` accepts any `Bearer sk-…`; `Some(k)` requires exactly `k`.
    pub api_key: Option<String>,
    /// Time from submit to a terminal status.
    pub processing_time: Duration,
    /// How long a signed result URL stays valid.
    pub result_url_ttl: Duration,
    /// How long an upload policy stays valid.
    pub upload_policy_ttl: Duration,
    /// The per-file upload limit announced in the policy and enforced by the upload host.
    pub max_file_size_mb: u64,
    /// Download `http://` file URLs of submitted tasks (a failed download fails the file).
    /// `https://` URLs are never fetched (the emulator carries no client trust store); like
    /// every unfetched URL they are transcribed from their name alone.
    pub fetch: bool,
    /// Fault injection rules.
    pub faults: FaultConfig,
    /// Seed for faults and ids.
    pub seed: u64,
    /// Time until a new vocabulary turns from `UNDEPLOYED` to `OK`.
    pub vocabulary_ready_after: Duration,
    /// Maximum number of vocabularies.
    pub vocabulary_quota: usize,
    /// Shortest time between two updates of one vocabulary (protocol §11 item 8); an earlier
    /// update is refused. The create does not count as an update.
    pub vocabulary_update_interval: Duration,
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Serve HTTPS with this certificate.
    pub tls: Option<TlsConfig>,
    /// Status of a `file_urls` task whose files all failed.
    pub all_failed_status: AllFailedStatus,
    /// Pause between SSE frames, so clients see streams arrive in pieces.
    pub sse_frame_interval: Duration,
    /// Refuse task queries, lists and cancels beyond this many per API key with 429
    /// `Throttling.RateQuota`, as the service does past its per-account limit.
    pub task_query_limit: Option<TaskQueryLimit>,
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "****"))
            .field("processing_time", &self.processing_time)
            .field("result_url_ttl", &self.result_url_ttl)
            .field("upload_policy_ttl", &self.upload_policy_ttl)
            .field("max_file_size_mb", &self.max_file_size_mb)
            .field("fetch", &self.fetch)
            .field("faults", &self.faults)
            .field("seed", &self.seed)
            .field("vocabulary_ready_after", &self.vocabulary_ready_after)
            .field("vocabulary_quota", &self.vocabulary_quota)
            .field(
                "vocabulary_update_interval",
                &self.vocabulary_update_interval,
            )
            .field("bind", &self.bind)
            .field("tls", &self.tls)
            .field("all_failed_status", &self.all_failed_status)
            .field("sse_frame_interval", &self.sse_frame_interval)
            .field("task_query_limit", &self.task_query_limit)
            .finish()
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            api_key: None,
            processing_time: Duration::from_secs(2),
            result_url_ttl: Duration::from_secs(24 * 3600),
            upload_policy_ttl: Duration::from_secs(300),
            max_file_size_mb: 100,
            fetch: false,
            faults: FaultConfig::default(),
            seed: 0,
            vocabulary_ready_after: Duration::from_secs(2),
            vocabulary_quota: 10,
            vocabulary_update_interval: Duration::from_secs(300),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: None,
            all_failed_status: AllFailedStatus::default(),
            sse_frame_interval: Duration::ZERO,
            task_query_limit: None,
        }
    }
}

impl EmulatorConfig {
    /// The defaults listed on [`EmulatorConfig`].
    pub fn new() -> Self {
        EmulatorConfig::default()
    }

    /// Require exactly this API key.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Time from submit to a terminal status.
    pub fn with_processing_time(mut self, d: Duration) -> Self {
        self.processing_time = d;
        self
    }

    /// Lifetime of signed result URLs.
    pub fn with_result_url_ttl(mut self, d: Duration) -> Self {
        self.result_url_ttl = d;
        self
    }

    /// Lifetime of upload policies.
    pub fn with_upload_policy_ttl(mut self, d: Duration) -> Self {
        self.upload_policy_ttl = d;
        self
    }

    /// Upload size limit in MiB.
    pub fn with_max_file_size_mb(mut self, mb: u64) -> Self {
        self.max_file_size_mb = mb;
        self
    }

    /// Really download `http://` file URLs.
    pub fn with_fetch(mut self, fetch: bool) -> Self {
        self.fetch = fetch;
        self
    }

    /// Replace all fault rules.
    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Set the fault rule of one endpoint.
    pub fn with_fault(mut self, endpoint: Endpoint, rule: FaultRule) -> Self {
        self.faults.endpoints.insert(endpoint, rule);
        self
    }

    /// Seed for faults and ids.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Delay before a new vocabulary is `OK`.
    pub fn with_vocabulary_ready_after(mut self, d: Duration) -> Self {
        self.vocabulary_ready_after = d;
        self
    }

    /// Maximum number of vocabularies.
    pub fn with_vocabulary_quota(mut self, n: usize) -> Self {
        self.vocabulary_quota = n;
        self
    }

    /// Shortest time between two updates of one vocabulary (`Duration::ZERO` for none).
    pub fn with_vocabulary_update_interval(mut self, d: Duration) -> Self {
        self.vocabulary_update_interval = d;
        self
    }

    /// Listen address (default `127.0.0.1:0`).
    pub fn with_bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Serve HTTPS with this PEM certificate chain and key; the base URL becomes `https://`.
    pub fn with_tls(
        mut self,
        cert_chain_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.tls = Some(TlsConfig {
            cert_chain_pem: cert_chain_pem.into(),
            key_pem: key_pem.into(),
        });
        self
    }

    /// How a task whose files all failed reports itself.
    pub fn with_all_failed_status(mut self, s: AllFailedStatus) -> Self {
        self.all_failed_status = s;
        self
    }

    /// Pause between SSE frames.
    pub fn with_sse_frame_interval(mut self, d: Duration) -> Self {
        self.sse_frame_interval = d;
        self
    }

    /// Enforce the task API's per-account limit: at most `max_requests` task queries, lists
    /// and cancels per API key in any sliding `window` (the service: 20 in one second);
    /// beyond it, 429 `Throttling.RateQuota`. Refusals are counted in the request log
    /// (`refused`) and in `GET /__emulator/stats`.
    pub fn with_task_query_limit(mut self, max_requests: u32, window: Duration) -> Self {
        self.task_query_limit = Some(TaskQueryLimit::new(max_requests, window));
        self
    }
}
