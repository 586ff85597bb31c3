//! Connections: a pool for statements, and dedicated sessions for what must die with its
//! connection (the poller's advisory lock).

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{Client, NoTls};

use crate::error::FleetError;

/// Reads a libpq-style URL or key/value string.
pub(crate) fn config(url: &str) -> Result<tokio_postgres::Config, FleetError> {
    url.parse::<tokio_postgres::Config>()
        .map_err(FleetError::Url)
}

/// A small pool: a worker's statements are short and few at a time.
pub(crate) fn pool(config: tokio_postgres::Config, size: usize) -> Result<Pool, FleetError> {
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| FleetError::Corrupt {
            what: "pool configuration",
            problem: e.to_string(),
        })
}

/// A connection of its own, driven by a task that ends when the connection does; the
/// returned handle tells when that happened.
pub(crate) async fn session(
    config: &tokio_postgres::Config,
) -> Result<(Client, tokio::task::JoinHandle<()>), FleetError> {
    let (client, connection) = config.connect(NoTls).await?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a database session ended");
        }
    });
    Ok((client, driver))
}
