//! Where a batch keeps its journal: a small trait, a JSONL file (the default) and memory.
//!
//! The engine appends records in batches (one durable write per batch — group commit), asks
//! the store on start what it knows and which inputs to work on, and never assumes it owns
//! every input: a local store answers "all of them", a shared store (several processes on one
//! batch) would answer with the inputs it leased to this one.

mod jsonl;

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use futures_util::future::BoxFuture;

pub use self::jsonl::JsonlStore;
use crate::input::InputKey;
use crate::journal::{Record, Replay, ReplayError};

/// A batch's persistent state.
///
/// Calling order: [`load`](Store::load) once on start (the store is already locked against
/// other runs when it exists), then [`claim`](Store::claim) with the inputs that still need
/// work, then [`append`](Store::append) as the batch goes.
///
/// ```
/// use asr_batch::{MemoryStore, Store, InputKey};
/// use asr_batch::journal::{Event, Record};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), asr_batch::StoreError> {
/// let store = MemoryStore::new();
/// let key = InputKey::from_parts("https://example.com/a.wav", None);
/// store.append(&[Record::input(key.clone(), 1, Event::Submitted { task_id: "t".into() })]).await?;
/// let replay = store.load().await?;
/// assert!(replay.state(&key).unwrap().task_id.is_some());
/// assert_eq!(store.claim(&[key]).await?, vec![0]);
/// # Ok(())
/// # }
/// ```
pub trait Store: Send + Sync {
    /// Everything the store knows, replayed.
    fn load(&self) -> BoxFuture<'_, Result<Replay, StoreError>>;

    /// Which of `inputs` (indices into the slice) this process works on. A local store takes
    /// them all; a store shared by several processes hands out a share.
    fn claim<'a>(
        &'a self,
        inputs: &'a [InputKey],
    ) -> BoxFuture<'a, Result<Vec<usize>, StoreError>> {
        Box::pin(async move { Ok((0..inputs.len()).collect()) })
    }

    /// Appends `records` durably: when the future resolves they survive a crash. One call is
    /// one durable write, so the engine batches records and calls it once per batch.
    fn append<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Where the store lives, for messages (a journal file's path).
    fn location(&self) -> Option<PathBuf> {
        None
    }
}

/// A store in memory: the same bookkeeping within a process, nothing to resume from after it.
#[derive(Debug, Default)]
pub struct MemoryStore {
    replay: Mutex<Replay>,
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// let store = asr_batch::MemoryStore::new();
    /// # drop(store);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    fn load(&self) -> BoxFuture<'_, Result<Replay, StoreError>> {
        let replay = self
            .replay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Box::pin(async move { Ok(replay) })
    }

    fn append<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut replay = self.replay.lock().unwrap_or_else(PoisonError::into_inner);
        for record in records {
            replay.apply(record.clone());
        }
        Box::pin(async { Ok(()) })
    }
}

/// Why a store cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another run holds the journal's lock.
    #[error(
        "another run is using the journal {}; wait for it to finish, or pass a different \
         `--journal`/output directory (two runs on one journal would submit everything twice)",
        path.display()
    )]
    Locked {
        /// The journal.
        path: PathBuf,
    },
    /// The path exists and is not a regular file.
    #[error(
        "the journal path {} is {what}, not a file; pass the path of a journal file (or of one \
         to create)",
        path.display()
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`a directory`, `a FIFO`, `a device`).
        what: &'static str,
    },
    /// The file exists and is not a journal; it was left untouched.
    #[error(
        "{} exists and is not an asr journal; it was left untouched: pass a new file, or the \
         journal of an earlier run",
        path.display()
    )]
    NotAJournal {
        /// The file.
        path: PathBuf,
    },
    /// A line in the middle of the journal is damaged.
    #[error("the journal {}: {source}", path.display())]
    Damaged {
        /// The journal.
        path: PathBuf,
        /// What is wrong and where.
        #[source]
        source: ReplayError,
    },
    /// Reading, locking or writing failed.
    #[error("cannot use the journal {}", path.display())]
    Io {
        /// The journal.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Another store's own failure.
    #[error("the batch store failed")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[cfg(test)]
mod tests;
