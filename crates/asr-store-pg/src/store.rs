//! The engine's [`Store`] over PostgreSQL, one view per claimed chunk: `load` answers the
//! chunk's inputs (and every task the database knows, so a reconciliation never takes
//! another batch's task), `append` writes their rows in one transaction that checks this
//! worker still holds its lease and owns every row, changes the counters, and stores the
//! result documents of the inputs it records done.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use asr_batch::journal::{Event, Record, Replay};
use asr_batch::{InputKey, OptionsId, Store, StoreError};
use asr_types::TaskId;
use deadpool_postgres::Pool;
use futures_util::future::BoxFuture;

use crate::error::FleetError;
use crate::gate::SUBMIT_MARGIN_FRACTION;
use crate::lease::Lease;
use crate::row::{Claimed, Columns, STATE_COLUMNS, code};
use crate::sink::Stash;

/// What every chunk of a worker shares.
pub(crate) struct Shared {
    pub(crate) pool: Pool,
    pub(crate) batch: i64,
    pub(crate) options: OptionsId,
    pub(crate) lease: Arc<Lease>,
    pub(crate) stash: Stash,
    /// Fresh inputs claimed and not yet sent in a submit: the worker claims more when none
    /// are left, so every worker keeps the account's submit budget busy.
    pub(crate) unsent: AtomicI64,
}

impl Shared {
    fn opts(&self) -> String {
        self.options.to_string()
    }

    /// Claims every open input of a worker whose lease lapsed (whole, so a group is never
    /// split), then up to `fresh` inputs nobody started.
    pub(crate) async fn claim(&self, fresh: i64) -> Result<Vec<Claimed>, FleetError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let opts = self.opts();
        let taken = tx
            .query(
                &format!(
                    "WITH c AS (
                         SELECT i.source, w.lease_until AS prev
                         FROM asr_input i JOIN asr_worker w ON w.id = i.owner
                         WHERE i.batch_id = $1 AND i.opts = $2 AND i.state < 4
                           AND i.owner <> $3 AND w.lease_until < clock_timestamp()
                         FOR UPDATE OF i SKIP LOCKED)
                     UPDATE asr_input i SET owner = $3 FROM c
                     WHERE i.batch_id = $1 AND i.opts = $2 AND i.source = c.source
                     RETURNING {cols}, (extract(epoch FROM c.prev) * 1000)::int8",
                    cols = prefixed(STATE_COLUMNS)
                ),
                &[&self.batch, &opts, &self.lease.worker],
            )
            .await?;
        let new = if fresh > 0 {
            tx.query(
                &format!(
                    "WITH c AS (
                         SELECT source FROM asr_input
                         WHERE batch_id = $1 AND opts = $2 AND state < 2 AND owner IS NULL
                         ORDER BY seq LIMIT $4
                         FOR UPDATE SKIP LOCKED)
                     UPDATE asr_input i SET owner = $3 FROM c
                     WHERE i.batch_id = $1 AND i.opts = $2 AND i.source = c.source
                     RETURNING {cols}, NULL::int8",
                    cols = prefixed(STATE_COLUMNS)
                ),
                &[&self.batch, &opts, &self.lease.worker, &fresh],
            )
            .await?
        } else {
            Vec::new()
        };
        // Inputs released by a worker that stopped cleanly, or never claimed, in the same
        // statement shape as fresh ones: `owner IS NULL` covers both.
        tx.commit().await?;
        let mut claimed: Vec<Claimed> = taken
            .iter()
            .chain(new.iter())
            .map(|r| Claimed::from_row(r, self.options))
            .collect();
        claimed.sort_by_key(|c| c.seq);
        let unsent = claimed
            .iter()
            .filter(|c| c.state.task_id.is_none() && c.state.submitting.is_none())
            .count();
        self.unsent.fetch_add(unsent as i64, Ordering::Relaxed);
        Ok(claimed)
    }

    /// Whether any input of the batch with these options is still open.
    pub(crate) async fn any_open(&self) -> Result<bool, FleetError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM asr_input WHERE batch_id = $1 AND opts = $2 AND state < 4)",
                &[&self.batch, &self.opts()],
            )
            .await?;
        Ok(row.get(0))
    }
}

/// `a, b` → `i.a, i.b`.
fn prefixed(columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("i.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One chunk's store.
pub(crate) struct ChunkStore {
    shared: Arc<Shared>,
    /// The chunk's inputs as last written.
    replay: Mutex<Replay>,
    loaded: Mutex<Option<Replay>>,
}

impl ChunkStore {
    /// A store for `chunk`, knowing every task some input of the database holds. A task no
    /// input holds yet (its submit's answer was never recorded: the worker died) stays a
    /// candidate for reconciliation.
    pub(crate) async fn new(shared: Arc<Shared>, chunk: &[Claimed]) -> Result<Self, FleetError> {
        let mut replay = Replay::default();
        for c in chunk {
            replay.inputs.insert(c.key.clone(), c.state.clone());
        }
        let mut loaded = replay.clone();
        let client = shared.pool.get().await?;
        for row in client
            .query(
                "SELECT t.task_id, t.billed_seconds FROM asr_task t
                 WHERE EXISTS (SELECT 1 FROM asr_input i WHERE i.task_id = t.task_id)",
                &[],
            )
            .await?
        {
            let billed: Option<i64> = row.get(1);
            loaded.apply(Record::TaskFinished {
                task_id: TaskId::new(row.get::<_, String>(0)),
                at: 0,
                billed_seconds: billed.map(|b| b.max(0) as u64),
            });
        }
        Ok(ChunkStore {
            shared,
            replay: Mutex::new(replay),
            loaded: Mutex::new(Some(loaded)),
        })
    }

    async fn write(&self, records: &[Record]) -> Result<(), FleetError> {
        let shared = &self.shared;
        let mut touched: Vec<InputKey> = Vec::new();
        let mut submits = 0i64;
        let mut billed: Vec<(String, Option<i64>)> = Vec::new();
        let columns = {
            let mut replay = self.replay.lock().unwrap_or_else(PoisonError::into_inner);
            for record in records {
                match record {
                    Record::Input { key, event, .. } => {
                        if matches!(event, Event::Submitting { .. }) {
                            submits += 1;
                        }
                        if !touched.contains(key) {
                            touched.push(key.clone());
                        }
                    }
                    Record::TaskFinished {
                        task_id,
                        billed_seconds,
                        ..
                    } => billed.push((
                        task_id.as_str().to_owned(),
                        billed_seconds.map(|b| b.min(i64::MAX as u64) as i64),
                    )),
                    _ => {}
                }
                replay.apply(record.clone());
            }
            let mut columns = Columns::default();
            for key in &touched {
                if let Some(state) = replay.inputs.get(key) {
                    columns.push(&key.source, state);
                }
            }
            columns
        };
        let done_sources: Vec<String> = records
            .iter()
            .filter_map(|r| match r {
                Record::Input {
                    key,
                    event: Event::Done { .. },
                    ..
                } => Some(key.source.clone()),
                _ => None,
            })
            .collect();
        let documents: Vec<(String, TaskId, bytes::Bytes)> = {
            let mut stash = shared.stash.lock().unwrap_or_else(PoisonError::into_inner);
            done_sources
                .iter()
                .filter_map(|s| stash.remove(s).map(|(t, d)| (s.clone(), t, d)))
                .collect()
        };

        let mut client = shared.pool.get().await?;
        let tx = client.transaction().await?;
        // A submit's intent is written only with time left on the lease: the submit must
        // reach the service well before anyone may take these inputs over.
        let margin = if submits > 0 {
            shared.lease.ttl / SUBMIT_MARGIN_FRACTION
        } else {
            Duration::ZERO
        };
        let holds: Option<bool> = tx
            .query_opt(
                "SELECT lease_until > clock_timestamp() + make_interval(secs => $2)
                 FROM asr_worker WHERE id = $1 AND stopped_at IS NULL",
                &[&shared.lease.worker, &margin.as_secs_f64()],
            )
            .await?
            .map(|r| r.get(0));
        if holds != Some(true) || (submits > 0 && !shared.lease.holds_for(margin)) {
            return Err(FleetError::LeaseLost);
        }
        let opts = shared.opts();
        if columns.len() > 0 {
            let rows = tx
                .query(
                    "WITH old AS (
                         SELECT source, state FROM asr_input
                         WHERE batch_id = $1 AND opts = $2 AND source = ANY($3) AND owner = $16
                         FOR UPDATE)
                     UPDATE asr_input i SET
                         state = u.state, upload_url = u.upload_url, upload_model = u.upload_model,
                         upload_at = u.upload_at, submit_url = u.submit_url, submit_at = u.submit_at,
                         submit_group = u.submit_group, task_id = u.task_id, file_url = u.file_url,
                         done = u.done, error = u.error, expired = u.expired,
                         done_at = CASE WHEN u.state = 4 AND old.state <> 4 THEN clock_timestamp()
                                        ELSE i.done_at END
                     FROM unnest($3::text[], $4::int2[], $5::text[], $6::text[], $7::int8[],
                                 $8::text[], $9::int8[], $10::text[], $11::text[], $12::text[],
                                 $13::text[], $14::text[], $15::bool[])
                          AS u(source, state, upload_url, upload_model, upload_at, submit_url,
                               submit_at, submit_group, task_id, file_url, done, error, expired)
                     JOIN old ON old.source = u.source
                     WHERE i.batch_id = $1 AND i.opts = $2 AND i.source = u.source
                     RETURNING old.state, i.state",
                    &[
                        &shared.batch,
                        &opts,
                        &columns.source,
                        &columns.state,
                        &columns.upload_url,
                        &columns.upload_model,
                        &columns.upload_at,
                        &columns.submit_url,
                        &columns.submit_at,
                        &columns.submit_group,
                        &columns.task_id,
                        &columns.file_url,
                        &columns.done,
                        &columns.error,
                        &columns.expired,
                        &shared.lease.worker,
                    ],
                )
                .await?;
            if rows.len() != columns.len() {
                // Another worker owns some of them now: nothing of this is written.
                return Err(FleetError::LeaseLost);
            }
            let mut delta: BTreeMap<i16, i64> = BTreeMap::new();
            let mut finished = 0i64;
            for row in &rows {
                let (before, after): (i16, i16) = (row.get(0), row.get(1));
                if before != after {
                    *delta.entry(before).or_default() -= 1;
                    *delta.entry(after).or_default() += 1;
                    if after >= code::FINAL && before < code::FINAL {
                        finished += 1;
                    }
                }
            }
            add_counts(&tx, shared.batch, &delta, finished).await?;
        }
        if !documents.is_empty() {
            let sources: Vec<&str> = documents.iter().map(|d| d.0.as_str()).collect();
            let tasks: Vec<&str> = documents.iter().map(|d| d.1.as_str()).collect();
            let docs: Vec<&[u8]> = documents.iter().map(|d| d.2.as_ref()).collect();
            tx.execute(
                "INSERT INTO asr_result (batch_id, opts, source, task_id, document)
                 SELECT $1, $2, s, t, d FROM unnest($3::text[], $4::text[], $5::bytea[]) AS u(s, t, d)
                 ON CONFLICT (batch_id, opts, source) DO UPDATE
                 SET task_id = excluded.task_id, document = excluded.document",
                &[&shared.batch, &opts, &sources, &tasks, &docs],
            )
            .await?;
        }
        for (task, seconds) in &billed {
            tx.execute(
                "UPDATE asr_task SET billed_seconds = coalesce(billed_seconds, $2) WHERE task_id = $1",
                &[task, seconds],
            )
            .await?;
        }
        tx.commit().await?;
        if submits > 0 {
            shared.unsent.fetch_sub(submits, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Adds `delta` to the per-state counters and `finished` to this minute's throughput.
pub(crate) async fn add_counts(
    tx: &tokio_postgres::Transaction<'_>,
    batch: i64,
    delta: &BTreeMap<i16, i64>,
    finished: i64,
) -> Result<(), FleetError> {
    let delta: Vec<(i16, i64)> = delta
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(s, n)| (*s, *n))
        .collect();
    if !delta.is_empty() {
        let states: Vec<i16> = delta.iter().map(|d| d.0).collect();
        let ns: Vec<i64> = delta.iter().map(|d| d.1).collect();
        tx.execute(
            "INSERT INTO asr_count (batch_id, state, n)
             SELECT $1, s, n FROM unnest($2::int2[], $3::int8[]) AS u(s, n)
             ON CONFLICT (batch_id, state) DO UPDATE SET n = asr_count.n + excluded.n",
            &[&batch, &states, &ns],
        )
        .await?;
    }
    if finished > 0 {
        tx.execute(
            "INSERT INTO asr_rate (batch_id, minute, done)
             VALUES ($1, date_trunc('minute', clock_timestamp()), $2)
             ON CONFLICT (batch_id, minute) DO UPDATE SET done = asr_rate.done + excluded.done",
            &[&batch, &finished],
        )
        .await?;
    }
    Ok(())
}

impl Store for ChunkStore {
    fn load(&self) -> BoxFuture<'_, Result<Replay, StoreError>> {
        let loaded = self
            .loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let current = self
            .replay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Box::pin(async move { Ok(loaded.unwrap_or(current)) })
    }

    fn append<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.write(records).await.map_err(StoreError::from) })
    }
}
