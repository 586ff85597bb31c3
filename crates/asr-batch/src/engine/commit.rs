//! Group commit: records are buffered and made durable in batches — one store write (one
//! fsync) per batch, always before a submit, and every few hundred milliseconds otherwise.
//! Outputs named by `done` records are synced first, once per batch.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::journal::{Event, Record};
use crate::sink::Sink;
use crate::store::Store;

struct Pending {
    records: Vec<Record>,
    /// Sequence number of the last record pushed.
    pushed: u64,
    /// Whether a buffered record names outputs, which must be durable before it is.
    names_outputs: bool,
}

/// The commit log of one run.
pub(crate) struct Committer<S> {
    store: Arc<dyn Store>,
    sink: Arc<S>,
    pending: Mutex<Pending>,
    durable: AtomicU64,
    /// One commit at a time; records pushed meanwhile go with the next one.
    gate: tokio::sync::Mutex<()>,
    /// Commits made (store writes), for tests and figures.
    commits: AtomicU64,
}

impl<S: Sink> Committer<S> {
    pub(crate) fn new(store: Arc<dyn Store>, sink: Arc<S>) -> Self {
        Committer {
            store,
            sink,
            pending: Mutex::new(Pending {
                records: Vec::new(),
                pushed: 0,
                names_outputs: false,
            }),
            durable: AtomicU64::new(0),
            gate: tokio::sync::Mutex::new(()),
            commits: AtomicU64::new(0),
        }
    }

    /// Buffers `records`; returns the sequence number to [`commit`](Self::commit) up to.
    pub(crate) fn push(&self, records: impl IntoIterator<Item = Record>) -> u64 {
        let mut p = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        for record in records {
            if matches!(
                record,
                Record::Input {
                    event: Event::Done { .. },
                    ..
                }
            ) {
                p.names_outputs = true;
            }
            p.records.push(record);
            p.pushed += 1;
        }
        p.pushed
    }

    /// Makes every record up to `seq` durable (and the outputs they name). Concurrent callers
    /// share one store write.
    pub(crate) async fn commit(&self, seq: u64) -> Result<(), Error> {
        if self.durable.load(Ordering::Acquire) >= seq {
            return Ok(());
        }
        let _gate = self.gate.lock().await;
        if self.durable.load(Ordering::Acquire) >= seq {
            return Ok(());
        }
        let (records, upto, names_outputs) = {
            let mut p = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            let names = std::mem::replace(&mut p.names_outputs, false);
            (std::mem::take(&mut p.records), p.pushed, names)
        };
        if records.is_empty() {
            self.durable.store(upto, Ordering::Release);
            return Ok(());
        }
        if names_outputs {
            let sink = Arc::clone(&self.sink);
            tokio::task::spawn_blocking(move || sink.sync())
                .await
                .map_err(|e| Error::SinkSync(Box::new(e)))?
                .map_err(Error::SinkSync)?;
        }
        self.store.append(&records).await?;
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.durable.store(upto, Ordering::Release);
        Ok(())
    }

    /// Makes everything pushed so far durable.
    pub(crate) async fn commit_all(&self) -> Result<(), Error> {
        let seq = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pushed;
        self.commit(seq).await
    }

    /// Store writes so far.
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}
