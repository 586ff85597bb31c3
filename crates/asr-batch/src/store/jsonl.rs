//! The default store: a JSONL journal file, locked for the run that uses it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::future::BoxFuture;

use super::{Store, StoreError};
use crate::journal::{self, Record, Replay, ReplayError};

/// A journal file (`<output-dir>/.asr-journal.jsonl` by default), held with an exclusive lock
/// for as long as the store lives, so a second run on the same journal stops at once instead
/// of submitting everything again.
///
/// Opening never harms what is at the path: a path that is not a regular file (a directory,
/// a FIFO, `/dev/zero`) or a file that is not a journal is refused before anything is read
/// past its first line or written; only a torn last line of a real journal is cut off.
///
/// ```
/// use asr_batch::{JsonlStore, StoreError};
/// let dir = std::env::temp_dir().join(format!("asr-doc-jsonl-{}", std::process::id()));
/// let path = dir.join(asr_batch::journal::FILE_NAME);
/// let store = JsonlStore::open(&path)?;
/// // A second open while the first holds the lock is refused.
/// assert!(matches!(JsonlStore::open(&path), Err(StoreError::Locked { .. })));
/// drop(store);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), StoreError>(())
/// ```
#[derive(Debug)]
pub struct JsonlStore {
    path: PathBuf,
    file: Arc<Mutex<Appender>>,
    opened: Mutex<Option<Replay>>,
}

#[derive(Debug)]
struct Appender {
    file: File,
    /// Set after a failed write: a partial line may end the file, and anything appended after
    /// it would be glued onto it.
    broken: bool,
}

impl JsonlStore {
    /// Opens (or creates) the journal at `path`, takes its lock, and replays it.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotAFile`] for a directory, FIFO or device; [`StoreError::NotAJournal`]
    /// for someone else's file; [`StoreError::Locked`] while another run holds the journal;
    /// [`StoreError::Damaged`] for a bad line in the middle; [`StoreError::Io`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let io_err = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let created;
        let file = match fs::metadata(&path) {
            Ok(meta) => {
                // Checked before opening: opening a FIFO for reading would block, and reading
                // a device such as /dev/zero would never end.
                refuse_unless_file(&path, &meta)?;
                created = false;
                OpenOptions::new()
                    .read(true)
                    .append(true)
                    .open(&path)
                    .map_err(io_err)?
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    fs::create_dir_all(dir).map_err(io_err)?;
                }
                created = true;
                OpenOptions::new()
                    .read(true)
                    .append(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(io_err)?
            }
            Err(e) => return Err(io_err(e)),
        };
        refuse_unless_file(&path, &file.metadata().map_err(io_err)?)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::Locked { path }),
            Err(fs::TryLockError::Error(e)) => return Err(io_err(e)),
        }
        let replay = journal::replay_reader(BufReader::with_capacity(256 * 1024, &file)).map_err(
            |e| match e {
                ReplayError::NotAJournal => StoreError::NotAJournal { path: path.clone() },
                ReplayError::Io(source) => StoreError::Io {
                    path: path.clone(),
                    source,
                },
                other => StoreError::Damaged {
                    path: path.clone(),
                    source: other,
                },
            },
        )?;
        if replay.torn_tail {
            // Without this, the next record would be glued onto the torn line.
            file.set_len(replay.valid_len).map_err(io_err)?;
        }
        let mut appender = Appender {
            file,
            broken: false,
        };
        if replay.valid_len == 0 {
            // A new (or empty) journal gets its header, so it is recognisable later.
            appender
                .file
                .write_all(&journal::header_line(now_secs()))
                .map_err(io_err)?;
        }
        if replay.torn_tail || replay.valid_len == 0 {
            appender.file.sync_data().map_err(io_err)?;
        }
        if created {
            sync_dir(&path);
        }
        Ok(Self {
            path,
            file: Arc::new(Mutex::new(appender)),
            opened: Mutex::new(Some(replay)),
        })
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store for JsonlStore {
    fn load(&self) -> BoxFuture<'_, Result<Replay, StoreError>> {
        let opened = self
            .opened
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Box::pin(async move {
            match opened {
                Some(replay) => Ok(replay),
                None => {
                    let bytes =
                        tokio::fs::read(&self.path)
                            .await
                            .map_err(|source| StoreError::Io {
                                path: self.path.clone(),
                                source,
                            })?;
                    journal::replay(&bytes).map_err(|source| StoreError::Damaged {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
        })
    }

    fn append<'a>(&'a self, records: &'a [Record]) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut text = Vec::with_capacity(records.len() * 160);
        for record in records {
            record.encode(&mut text);
        }
        let file = Arc::clone(&self.file);
        let path = self.path.clone();
        Box::pin(async move {
            if text.is_empty() {
                return Ok(());
            }
            let written = tokio::task::spawn_blocking(move || {
                let mut appender = file.lock().unwrap_or_else(PoisonError::into_inner);
                if appender.broken {
                    return Err(io::Error::other(
                        "an earlier write to the journal failed; stopping",
                    ));
                }
                // One write: a crash leaves complete lines and at most one torn line, without
                // its newline, which the next open cuts off. One flush per batch.
                let result = appender
                    .file
                    .write_all(&text)
                    .and_then(|()| appender.file.sync_data());
                appender.broken = result.is_err();
                result
            })
            .await
            .map_err(io::Error::other)
            .and_then(|r| r);
            written.map_err(|source| StoreError::Io { path, source })
        })
    }

    fn location(&self) -> Option<PathBuf> {
        Some(self.path.clone())
    }
}

fn refuse_unless_file(path: &Path, meta: &fs::Metadata) -> Result<(), StoreError> {
    if meta.is_file() {
        return Ok(());
    }
    let kind = meta.file_type();
    let what = if kind.is_dir() {
        "a directory"
    } else {
        special_kind(&kind)
    };
    Err(StoreError::NotAFile {
        path: path.to_path_buf(),
        what,
    })
}

#[cfg(unix)]
fn special_kind(kind: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_kind: &fs::FileType) -> &'static str {
    "not a regular file"
}

/// Makes a new file's directory entry durable; not every platform can open a directory, so
/// best effort.
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
