//! A connected client: to the real service from the resolved settings, or to an in-process
//! emulator with `--emulator`.

use std::time::Duration;

use anyhow::Context as _;
use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use asr_transport::{Client, Config};

use crate::cli::Connection;
use crate::config;
use crate::exit;

/// The emulator's default per-task processing time: long enough to show the task going
/// through PENDING and RUNNING, short enough for a first try.
const EMULATOR_PROCESSING: Duration = Duration::from_secs(2);

/// A client and, with `--emulator`, the emulator it talks to (stopped on drop).
pub struct Session {
    /// The client.
    pub client: Client,
    _emulator: Option<EmulatorHandle>,
}

impl Session {
    /// Connect as the flags and environment say.
    ///
    /// # Errors
    ///
    /// Invalid input (exit 3) for bad or missing settings; unexpected (exit 1) if the emulator
    /// cannot bind a port.
    pub async fn connect(conn: &Connection) -> anyhow::Result<Self> {
        if conn.emulator {
            if conn.base_url.is_some() || conn.compatible_base_url.is_some() {
                return Err(exit::usage(
                    "`--emulator` runs its own server; drop `--base-url`/`--compatible-base-url` \
                     (or DASHSCOPE_HTTP_BASE_URL) to use it",
                ));
            }
            let emulator = Emulator::start(EmulatorConfig::new().with_processing_time(
                conn.emulator_processing_time.unwrap_or(EMULATOR_PROCESSING),
            ))
            .await
            .context("cannot start the in-process emulator")?;
            tracing::info!(base = %emulator.native_base(), "emulator started");
            let client = Config::new("sk-emulator")
                .with_base_url(emulator.native_base())
                .with_user_agent_suffix(concat!("asr-cli/", env!("CARGO_PKG_VERSION")))
                .build()
                .context("cannot configure the client for the emulator")?;
            return Ok(Self {
                client,
                _emulator: Some(emulator),
            });
        }
        let home = config::home_dir();
        let settings = config::resolve(conn, |name| std::env::var(name).ok(), home.as_deref())?;
        let client = settings.build().map_err(|e| {
            exit::Failure::new(exit::Kind::InvalidInput, "invalid connection settings")
                .with_source(e)
        })?;
        Ok(Self {
            client,
            _emulator: None,
        })
    }
}
