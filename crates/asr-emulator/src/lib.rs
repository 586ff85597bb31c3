//! A local DashScope-compatible speech server for offline use and tests.
//!
//! `asr-emulator` answers the DashScope recorded-file transcription API — async submits, task
//! queries, cancel, list, result documents, temporary uploads, vocabularies, temporary API
//! keys and the sync endpoints — on 127.0.0.1, from its own reading of the protocol. It never depends on
//! `asr-types` or `asr-protocol` (a bug in our client must not hide by agreeing with itself),
//! never calls the real service, and only touches the network beyond its own socket when
//! `--fetch` is on.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use asr_emulator::{Emulator, EmulatorConfig};
//!
//! let emu = Emulator::start(
//!     EmulatorConfig::new().with_processing_time(Duration::from_millis(200)),
//! )
//! .await?;
//! println!("native API at {}", emu.native_base()); // http://127.0.0.1:PORT/api/v1
//! emu.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Test hooks: `GET /__emulator/requests` (every request, `Authorization` redacted, and
//! per-endpoint counts), `GET /__emulator/stats` (the counts alone, and the requests refused
//! by the task-API limit), `GET`/`POST /__emulator/faults` (see [`FaultConfig::from_json`]),
//! `POST /__emulator/reset`; the same are available in-process on [`EmulatorHandle`].
//! The route table is in the `routes` module docs; known audio is described in
//! `fixtures/audio/README.md`.

mod body;
mod clock;
mod config;
mod faults;
mod fetch;
mod log;
mod quota;
pub mod reply;
mod request;
mod rng;
mod routes;
mod server;
mod sync;
mod tasks;
mod tls;
mod tokens;
pub mod transcript;
mod uploads;
mod vocabulary;
mod wav;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{AllFailedStatus, EmulatorConfig, TlsConfig};
pub use faults::{
    Endpoint, FaultConfig, FaultRule, SERVICE_ERRORS, ServiceError, service_error_named,
};
pub use quota::TaskQueryLimit;
pub use rng::ContentHash;
pub use wav::WavInfo;

/// Starts emulators.
#[derive(Debug)]
#[non_exhaustive]
pub struct Emulator;

impl Emulator {
    /// Binds `config.bind` and serves in a background task until the handle is shut down or
    /// dropped. Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// Binding the address fails, or the TLS certificate/key cannot be loaded.
    pub async fn start(config: EmulatorConfig) -> io::Result<EmulatorHandle> {
        let tls = config.tls.as_ref().map(tls::Acceptor::new).transpose()?;
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{host}:{}", addr.port());
        let shared = Arc::new(routes::Shared::new(config, base_url.clone()));
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, tls, Arc::clone(&shared), stop_rx));
        Ok(EmulatorHandle {
            base_url,
            addr,
            shared,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server (without waiting); prefer
/// [`EmulatorHandle::shutdown`], which waits for open requests to finish.
#[derive(Debug)]
pub struct EmulatorHandle {
    base_url: String,
    addr: SocketAddr,
    shared: Arc<routes::Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for routes::Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT` (or `https://…` with TLS).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The native API base, `{base_url}/api/v1`.
    pub fn native_base(&self) -> String {
        format!("{}/api/v1", self.base_url)
    }

    /// The OpenAI-compatible base, `{base_url}/compatible-mode/v1`.
    pub fn compatible_base(&self) -> String {
        format!("{}/compatible-mode/v1", self.base_url)
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the fault rules (same as `POST /__emulator/faults`).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.shared.set_faults(faults);
    }

    /// The request log as returned by `GET /__emulator/requests`.
    pub fn requests(&self) -> serde_json::Value {
        self.shared.lock().log.to_json(None)
    }

    /// How many requests reached `endpoint` since start or the last reset.
    pub fn count(&self, endpoint: Endpoint) -> u64 {
        let v = self.shared.lock().log.to_json(None);
        v["counts"][endpoint.name()].as_u64().unwrap_or(0)
    }

    /// Per-endpoint counts and refusals, as returned by `GET /__emulator/stats`.
    pub fn stats(&self) -> serde_json::Value {
        self.shared.lock().log.stats()
    }

    /// Task-API requests refused by the configured limit
    /// ([`EmulatorConfig::with_task_query_limit`]) since start or the last reset.
    pub fn refused(&self) -> u64 {
        self.shared.lock().log.refused_total()
    }

    /// Forgets tasks, uploads, vocabularies and the log; restores the configured faults.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting connections and waits (up to 5 s) for open requests to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
