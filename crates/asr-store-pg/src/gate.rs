//! The fleet's send gate: one account-wide budget in the database. Each limit is a row
//! holding the theoretical arrival time of its next request (GCRA); one `UPDATE` reserves the
//! next slot, and the worker sleeps until it. A reservation further ahead than a short
//! horizon is not made (the worker waits and asks again), so a worker that dies while
//! waiting strands little of the budget. A worker that cannot reach the database, or whose
//! lease is running out, sends nothing.

use std::sync::Arc;
use std::time::Duration;

use asr_transport::layers::{GateFuture, GateKind, SendGate};
use deadpool_postgres::Pool;

use crate::lease::Lease;

/// The fleet's limits, requests per second for the whole account.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Rates {
    /// Task queries, lists and cancels together (the service allows 20; default 18).
    pub task_api: f64,
    /// Submits per model (Fun-ASR allows 10 per second; default 8).
    pub submit: f64,
    /// Upload-policy calls per model (100 allowed; default 80).
    pub upload_policy: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            task_api: 18.0,
            submit: 8.0,
            upload_policy: 80.0,
        }
    }
}

/// How far ahead a slot may be reserved.
const HORIZON: Duration = Duration::from_secs(2);
/// A submit leaves only with at least this much of the lease left: it must reach the service
/// long before anyone can take its inputs over.
pub(crate) const SUBMIT_MARGIN_FRACTION: u32 = 2;

#[derive(Debug)]
pub(crate) struct PgGate {
    pool: Pool,
    rates: Rates,
    lease: Arc<Lease>,
}

impl PgGate {
    pub(crate) fn new(pool: Pool, rates: Rates, lease: Arc<Lease>) -> Self {
        PgGate { pool, rates, lease }
    }

    fn scope(&self, kind: &GateKind) -> (String, f64) {
        match kind {
            GateKind::Submit { model } => (format!("submit:{model}"), self.rates.submit),
            GateKind::UploadPolicy { model } => {
                (format!("upload_policy:{model}"), self.rates.upload_policy)
            }
            _ => ("task_api".to_owned(), self.rates.task_api),
        }
    }

    /// Reserves a slot; `Ok(wait)` is how long until it, `Err(retry)` says the next slot is
    /// beyond the horizon and when to ask again.
    async fn reserve(&self, scope: &str, rate: f64) -> Result<Result<Duration, Duration>, String> {
        let interval = 1.0 / rate.max(0.01);
        let client = self.pool.get().await.map_err(|e| e.to_string())?;
        client
            .execute(
                "INSERT INTO asr_budget (scope) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&scope],
            )
            .await
            .map_err(|e| e.to_string())?;
        let row = client
            .query_opt(
                "UPDATE asr_budget
                 SET tat = greatest(tat, clock_timestamp()) + make_interval(secs => $2)
                 WHERE scope = $1 AND tat <= clock_timestamp() + make_interval(secs => $3)
                 RETURNING extract(epoch FROM (tat - make_interval(secs => $2) - clock_timestamp()))::float8",
                &[&scope, &interval, &HORIZON.as_secs_f64()],
            )
            .await
            .map_err(|e| e.to_string())?;
        if let Some(row) = row {
            let wait: f64 = row.get(0);
            return Ok(Ok(Duration::from_secs_f64(wait.max(0.0))));
        }
        let ahead: f64 = client
            .query_one(
                "SELECT extract(epoch FROM (tat - clock_timestamp()))::float8 FROM asr_budget WHERE scope = $1",
                &[&scope],
            )
            .await
            .map_err(|e| e.to_string())?
            .get(0);
        Ok(Err(Duration::from_secs_f64(
            (ahead - HORIZON.as_secs_f64()).max(0.01),
        )))
    }
}

impl SendGate for PgGate {
    fn acquire(&self, kind: &GateKind) -> GateFuture<'_> {
        let (scope, rate) = self.scope(kind);
        let submit = matches!(kind, GateKind::Submit { .. });
        Box::pin(async move {
            let margin = self.lease.ttl / SUBMIT_MARGIN_FRACTION;
            loop {
                if self.lease.is_lost() {
                    return Err("this worker lost its lease on the batch".into());
                }
                match self.reserve(&scope, rate).await {
                    Ok(Ok(wait)) => {
                        tokio::time::sleep(wait).await;
                        // Checked after the wait, right before the request leaves: a submit
                        // goes only while the lease surely outlives it, and otherwise waits for
                        // the next renewal (refusing here would fail its inputs for nothing).
                        if submit && !self.lease.wait_holds_for(margin).await {
                            return Err("this worker lost its lease on the batch".into());
                        }
                        if self.lease.is_lost() {
                            return Err("this worker lost its lease on the batch".into());
                        }
                        return Ok(());
                    }
                    Ok(Err(again)) => tokio::time::sleep(again).await,
                    Err(e) => {
                        tracing::debug!(error = %e, "the send budget's database is unreachable");
                        if !self.lease.holds_for(Duration::ZERO) {
                            return Err(format!("the batch database is unreachable: {e}").into());
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        })
    }
}
