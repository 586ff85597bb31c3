//! `batch status`, `batch retry-failed` and the stored results for `batch export`.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::Serialize;

use crate::error::FleetError;
use crate::fleet::Fleet;
use crate::poller::POLLER_LOCK;
use crate::row::code;
use crate::store::add_counts;

/// Inputs per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Counts {
    /// Not started.
    pub new: u64,
    /// Uploaded, not submitted.
    pub uploaded: u64,
    /// Submitted without a recorded answer (being reconciled).
    pub submitting: u64,
    /// In a task.
    pub submitted: u64,
    /// Finished.
    pub done: u64,
    /// Failed.
    pub failed: u64,
    /// Results expired.
    pub expired: u64,
    /// All inputs.
    pub total: u64,
}

impl Counts {
    /// Inputs not finished yet.
    pub fn open(&self) -> u64 {
        self.new + self.uploaded + self.submitting + self.submitted
    }
}

/// One failed input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Failure {
    /// The input's source.
    pub source: String,
    /// Why.
    pub error: String,
}

/// A batch at a glance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BatchStatus {
    /// The batch.
    pub batch: String,
    /// Inputs per state.
    pub counts: Counts,
    /// Failure reasons with how many inputs each, most common first (at most 10).
    pub reasons: Vec<(String, u64)>,
    /// The first failed inputs (at most 20).
    pub failures: Vec<Failure>,
    /// Inputs finished per minute over the last five minutes.
    pub per_minute: f64,
    /// Seconds until every open input is finished at that pace.
    pub eta_seconds: Option<u64>,
    /// Workers holding a lease now.
    pub workers: u64,
    /// Whether a poller is elected.
    pub poller: bool,
    /// Tasks of the database not finished yet.
    pub open_tasks: u64,
}

/// One stored result document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredResult {
    /// Position of the input in the batch (for paging).
    pub seq: i64,
    /// The input's source.
    pub source: String,
    /// The name its outputs get.
    pub name: String,
    /// The document exactly as downloaded.
    pub document: Bytes,
}

impl Fleet {
    /// Counts per state, failures, throughput, ETA, workers and the poller: a few indexed
    /// reads whatever the batch's size (the counters change in the same transactions as the
    /// inputs).
    ///
    /// # Errors
    ///
    /// [`FleetError::Db`].
    pub async fn status(&self) -> Result<BatchStatus, FleetError> {
        let client = self.pool().get().await?;
        let batch = self.batch_id();
        let by_batch: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&batch];
        let counts_q = client.query(
            "SELECT state, n FROM asr_count WHERE batch_id = $1",
            &by_batch,
        );
        let reasons_q = client.query(
            "SELECT error, count(*) FROM (
                 SELECT coalesce(error, '') AS error FROM asr_input
                 WHERE batch_id = $1 AND state = 5 LIMIT 100000) f
             GROUP BY error ORDER BY 2 DESC, 1 LIMIT 10",
            &by_batch,
        );
        let failures_q = client.query(
            "SELECT source, coalesce(error, '') FROM asr_input
             WHERE batch_id = $1 AND state = 5 ORDER BY seq LIMIT 20",
            &by_batch,
        );
        let rate_q = client.query_one(
            "SELECT coalesce(sum(done), 0)::int8,
                    extract(epoch FROM clock_timestamp() - greatest(
                        min(minute), date_trunc('minute', clock_timestamp()) - interval '4 minutes'))::float8
             FROM asr_rate
             WHERE batch_id = $1 AND minute >= date_trunc('minute', clock_timestamp()) - interval '4 minutes'",
            &by_batch,
        );
        let workers_q = client.query_one(
            "SELECT count(*) FROM asr_worker
             WHERE batch_id = $1 AND stopped_at IS NULL AND lease_until > clock_timestamp()",
            &by_batch,
        );
        let poller_q = client.query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND ((classid::int8 << 32) | objid::int8) = $1)",
            &[&POLLER_LOCK],
        );
        let tasks_q = client.query_one("SELECT count(*) FROM asr_task WHERE state = 0", &[]);
        let (counts, reasons, failures, rate, workers, poller, tasks) = tokio::try_join!(
            counts_q, reasons_q, failures_q, rate_q, workers_q, poller_q, tasks_q
        )?;
        let by_state: BTreeMap<i16, i64> = counts.iter().map(|r| (r.get(0), r.get(1))).collect();
        let n = |s: i16| by_state.get(&s).copied().unwrap_or(0).max(0) as u64;
        let mut c = Counts {
            new: n(code::NEW),
            uploaded: n(code::UPLOADED),
            submitting: n(code::SUBMITTING),
            submitted: n(code::SUBMITTED),
            done: n(code::DONE),
            failed: n(code::FAILED),
            expired: n(code::EXPIRED),
            total: 0,
        };
        c.total = c.open() + c.done + c.failed + c.expired;
        let finished: i64 = rate.get(0);
        let span: Option<f64> = rate.get(1);
        let per_minute = match span {
            Some(secs) if secs > 1.0 && finished > 0 => finished as f64 * 60.0 / secs,
            _ => 0.0,
        };
        let eta_seconds = (per_minute > 0.0).then(|| (c.open() as f64 / per_minute * 60.0) as u64);
        Ok(BatchStatus {
            batch: self.name().to_owned(),
            counts: c,
            reasons: reasons
                .iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1).max(0) as u64))
                .collect(),
            failures: failures
                .iter()
                .map(|r| Failure {
                    source: r.get(0),
                    error: r.get(1),
                })
                .collect(),
            per_minute,
            eta_seconds,
            workers: workers.get::<_, i64>(0).max(0) as u64,
            poller: poller.get(0),
            open_tasks: tasks.get::<_, i64>(0).max(0) as u64,
        })
    }

    /// Opens every failed input again, for the workers to take: the error is cleared; an input
    /// whose file succeeded in its task keeps the task (only its download is redone), any other
    /// loses it and is submitted again (billed again only for files that succeed). Returns how
    /// many were opened.
    ///
    /// # Errors
    ///
    /// [`FleetError::Db`].
    pub async fn retry_failed(&self) -> Result<u64, FleetError> {
        let mut client = self.pool().get().await?;
        let tx = client.transaction().await?;
        let batch = self.batch_id();
        let rows = tx
            .query(
                "WITH f AS (
                     SELECT i.opts, i.source,
                            EXISTS (
                                SELECT 1 FROM asr_task t,
                                     jsonb_array_elements(coalesce(t.response::jsonb -> 'output' -> 'results', '[]'::jsonb)) r
                                WHERE t.task_id = i.task_id AND t.state = 1
                                  AND r ->> 'file_url' = i.file_url
                                  AND r ->> 'subtask_status' = 'SUCCEEDED') AS keep
                     FROM asr_input i WHERE i.batch_id = $1 AND i.state = 5
                     FOR UPDATE OF i)
                 UPDATE asr_input i SET
                     error = NULL,
                     owner = NULL,
                     task_id = CASE WHEN f.keep THEN i.task_id END,
                     file_url = CASE WHEN f.keep THEN i.file_url END,
                     submit_url = CASE WHEN f.keep THEN i.submit_url END,
                     submit_at = CASE WHEN f.keep THEN i.submit_at END,
                     state = CASE WHEN f.keep THEN 3
                                  WHEN i.upload_url IS NOT NULL THEN 1 ELSE 0 END
                 FROM f WHERE i.batch_id = $1 AND i.opts = f.opts AND i.source = f.source
                 RETURNING i.state",
                &[&batch],
            )
            .await?;
        let mut delta: BTreeMap<i16, i64> = BTreeMap::new();
        for row in &rows {
            *delta.entry(code::FAILED).or_default() -= 1;
            *delta.entry(row.get::<_, i16>(0)).or_default() += 1;
        }
        add_counts(&tx, batch, &delta, 0).await?;
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// Up to `limit` stored results after position `after` (0 for the first page), in batch
    /// order.
    ///
    /// # Errors
    ///
    /// [`FleetError::Db`].
    pub async fn results(&self, after: i64, limit: i64) -> Result<Vec<StoredResult>, FleetError> {
        let client = self.pool().get().await?;
        let rows = client
            .query(
                "SELECT i.seq, i.source, i.name, r.document
                 FROM asr_input i JOIN asr_result r
                   ON r.batch_id = i.batch_id AND r.opts = i.opts AND r.source = i.source
                 WHERE i.batch_id = $1 AND i.state = 4 AND i.seq > $2
                 ORDER BY i.seq LIMIT $3",
                &[&self.batch_id(), &after, &limit],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| StoredResult {
                seq: r.get(0),
                source: r.get(1),
                name: r.get(2),
                document: Bytes::from(r.get::<_, Vec<u8>>(3)),
            })
            .collect())
    }
}
