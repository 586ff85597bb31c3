//! A worker's lease: registered once, renewed while the process lives, never revived after it
//! lapsed. The local deadline is measured from the moment each renewal was *sent*, so it never
//! runs past the database's.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::error::FleetError;

/// A worker's registration and its lease, shared by everything that must stop when it lapses.
#[derive(Debug)]
pub(crate) struct Lease {
    pub(crate) worker: i64,
    pub(crate) ttl: Duration,
    /// Until when the lease surely holds, on this machine's monotonic clock (a watch, so a
    /// submit held back by a lease near its end can wait for the next renewal).
    until: watch::Sender<Instant>,
    lost: watch::Sender<bool>,
}

impl Lease {
    /// Registers a worker of `batch` with a lease of `ttl`.
    pub(crate) async fn register(
        pool: &Pool,
        batch: i64,
        ttl: Duration,
    ) -> Result<Arc<Self>, FleetError> {
        let sent = Instant::now();
        let client = pool.get().await?;
        let host = hostname();
        let row = client
            .query_one(
                "INSERT INTO asr_worker (batch_id, host, pid, lease_until)
                 VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $4))
                 RETURNING id",
                &[
                    &batch,
                    &host,
                    &(std::process::id() as i32),
                    &ttl.as_secs_f64(),
                ],
            )
            .await?;
        let (lost, _) = watch::channel(false);
        Ok(Arc::new(Lease {
            worker: row.get(0),
            ttl,
            until: watch::Sender::new(sent + ttl),
            lost,
        }))
    }

    /// Whether the lease holds for at least `margin` more, by this machine's clock.
    pub(crate) fn holds_for(&self, margin: Duration) -> bool {
        !*self.lost.borrow() && Instant::now() + margin < self.deadline()
    }

    fn deadline(&self) -> Instant {
        *self.until.borrow()
    }

    /// Waits until the lease holds for `margin` more (true) or is lost (false). A renewal
    /// that comes late (a loaded machine, a slow database) only delays the caller.
    pub(crate) async fn wait_holds_for(&self, margin: Duration) -> bool {
        let mut renewed = self.until.subscribe();
        let mut lost = self.lost.subscribe();
        loop {
            if self.is_lost() {
                return false;
            }
            if self.holds_for(margin) {
                return true;
            }
            tokio::select! {
                changed = renewed.changed() => if changed.is_err() { return false },
                _ = lost.changed() => {}
            }
        }
    }

    /// Resolves once the lease is lost.
    pub(crate) fn lost(&self) -> watch::Receiver<bool> {
        self.lost.subscribe()
    }

    pub(crate) fn is_lost(&self) -> bool {
        *self.lost.borrow()
    }

    pub(crate) fn lose(&self) {
        self.lost.send_replace(true);
    }

    /// Renews every quarter of the lease until it is lost (or the task is aborted).
    pub(crate) async fn keep(self: Arc<Self>, pool: Pool) {
        let every = self.ttl / 4;
        loop {
            tokio::time::sleep(every).await;
            let sent = Instant::now();
            let renewed = async {
                let client = pool.get().await?;
                let rows = client
                    .execute(
                        "UPDATE asr_worker
                         SET lease_until = clock_timestamp() + make_interval(secs => $2)
                         WHERE id = $1 AND stopped_at IS NULL AND lease_until > clock_timestamp()",
                        &[&self.worker, &self.ttl.as_secs_f64()],
                    )
                    .await?;
                Ok::<u64, FleetError>(rows)
            };
            match tokio::time::timeout(every, renewed).await {
                Ok(Ok(1)) => {
                    self.until.send_replace(sent + self.ttl);
                }
                Ok(Ok(_)) => {
                    tracing::warn!(worker = self.worker, "the lease lapsed in the database");
                    self.lose();
                    return;
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot renew the lease"),
                Err(_) => tracing::warn!("renewing the lease timed out"),
            }
            if Instant::now() + every >= self.deadline() {
                tracing::warn!(
                    worker = self.worker,
                    "the lease is about to lapse; stopping"
                );
                self.lose();
                return;
            }
        }
    }

    /// Ends the lease and gives this worker's open inputs back at once.
    pub(crate) async fn release(&self, pool: &Pool) -> Result<(), FleetError> {
        let mut client = pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE asr_input SET owner = NULL WHERE owner = $1 AND state < 4",
            &[&self.worker],
        )
        .await?;
        tx.execute(
            "UPDATE asr_worker SET stopped_at = clock_timestamp(), lease_until = clock_timestamp()
             WHERE id = $1",
            &[&self.worker],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
