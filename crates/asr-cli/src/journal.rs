//! The batch journal: one JSON object per line, appended as each step happens (and flushed
//! to disk before any step that costs money goes on), so a run killed at any moment resumes
//! without paying twice.
//!
//! Records (`event` field): `uploaded` (the `oss://` URL of a local file), `submitting` (written
//! before the submit is sent), `submitted` (the task id), `done` (the output files, all written)
//! and `failed` (the error). Records stay per input although up to 100 inputs share a task:
//! every input of a task gets its own `submitting` record (naming the task's `group`) before
//! the submit, and its own `submitted` record after it. Replaying them gives each input's
//! state: inputs whose outputs are complete are skipped, inputs with a task id re-attach to
//! that task and are never submitted again, uploads younger than their 48-hour lifetime are
//! reused. An input left `submitting` without a task id may have created a task whose answer
//! was lost (a kill at that moment): the batch takes the task id another input of the same
//! group recorded, or else looks for the task before submitting again. A torn last line (the
//! process died mid-write) is dropped and cut off before anything else is appended.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The default journal file name inside the output directory.
pub const FILE_NAME: &str = ".asr-journal.jsonl";

/// Temporary uploads live 48 hours; reuse one only with an hour to spare for the task to
/// start.
const UPLOAD_REUSE_SECS: u64 = 47 * 3600;

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The input as the journal keys it: an absolute path for a local file, else the URL.
    pub input: String,
    /// Seconds since the Unix epoch when the record was written.
    #[serde(default)]
    pub at: u64,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// What happened to an input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A local file was uploaded; `url` is its temporary `oss://` URL, bound to `model`.
    Uploaded {
        /// The `oss://` URL.
        url: String,
        /// The model the upload was made for.
        model: String,
    },
    /// A submit of `url` is about to be sent; until `submitted` follows, a task may or may not
    /// exist.
    Submitting {
        /// The file URL in the submit.
        url: String,
        /// Names the submit: every input sent in the same task carries the same group.
        /// Absent in journals written before inputs were grouped.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    /// A task was created for the input.
    Submitted {
        /// The task id.
        task_id: String,
    },
    /// Every output of the input is written.
    Done {
        /// Output file names, relative to the output directory.
        outputs: Vec<String>,
        /// The formats those files hold (`txt`, `srt`, …).
        #[serde(default)]
        formats: Vec<String>,
        /// Audio seconds the service billed for the input, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audio_seconds: Option<f64>,
    },
    /// The input failed; a task id recorded before stays authoritative.
    Failed {
        /// The error, as shown to the user.
        error: String,
    },
    /// A record written by a newer version; ignored.
    #[serde(other)]
    Unknown,
}

/// Everything the journal knows about one input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputState {
    /// The temporary upload URL, its model and when it was made.
    pub upload: Option<(String, String, u64)>,
    /// The task created for the input.
    pub task_id: Option<String>,
    /// A submit sent without a recorded answer: its file URL and when it was sent.
    pub submitting: Option<(String, u64)>,
    /// The group of the input's latest submit (kept once the task id is recorded, so an
    /// input of the same group whose `submitted` record was lost can take the task id).
    pub group: Option<String>,
    /// The file URL the task in `task_id` was given for this input, when recorded.
    pub file_url: Option<String>,
    /// The outputs (file names, formats) of the last completed run, when the input completed.
    pub outputs: Option<(Vec<String>, Vec<String>)>,
    /// The last error, if the input failed after its last success.
    pub error: Option<String>,
}

impl InputState {
    /// The upload URL, if it was made for `model` and is still young enough to use at `now`.
    pub fn reusable_upload(&self, model: &str, now: u64) -> Option<&str> {
        self.upload
            .as_ref()
            .filter(|(_, m, at)| m == model && now.saturating_sub(*at) < UPLOAD_REUSE_SECS)
            .map(|(url, _, _)| url.as_str())
    }

    /// Whether the input was finished in every format of `formats` and its files are still
    /// in `dir`.
    pub fn is_complete(&self, formats: &[&str], dir: &Path) -> bool {
        match &self.outputs {
            Some((files, done_formats)) => {
                formats.iter().all(|f| done_formats.iter().any(|d| d == f))
                    && files.iter().all(|f| dir.join(f).is_file())
            }
            None => false,
        }
    }
}

/// Why a journal could not be used.
#[derive(Debug)]
pub enum JournalError {
    /// Reading, truncating or appending failed.
    Io {
        /// The journal file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A complete line in the middle is not a journal record.
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The parse error.
        source: serde_json::Error,
    },
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalError::Io { path, .. } => {
                write!(f, "cannot use the journal {}", path.display())
            }
            JournalError::Corrupt { path, line, .. } => write!(
                f,
                "the journal {} is damaged at line {line}; fix or delete that line (deleting \
                 the whole file makes already submitted inputs be submitted and billed again)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JournalError::Io { source, .. } => Some(source),
            JournalError::Corrupt { source, .. } => Some(source),
        }
    }
}

/// Replay journal text: each input's state, and the length of the valid prefix (everything
/// up to the last complete line).
pub fn replay(
    text: &[u8],
    path: &Path,
) -> Result<(BTreeMap<String, InputState>, usize), JournalError> {
    let mut states: BTreeMap<String, InputState> = BTreeMap::new();
    let valid_len = text
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |pos| pos + 1);
    for (index, line) in text[..valid_len].split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: Record =
            serde_json::from_slice(line).map_err(|source| JournalError::Corrupt {
                path: path.to_path_buf(),
                line: index + 1,
                source,
            })?;
        apply(
            states.entry(record.input).or_default(),
            record.event,
            record.at,
        );
    }
    Ok((states, valid_len))
}

fn apply(state: &mut InputState, event: Event, at: u64) {
    match event {
        Event::Uploaded { url, model } => state.upload = Some((url, model, at)),
        Event::Submitting { url, group } => {
            state.submitting = Some((url, at));
            state.group = group;
        }
        Event::Submitted { task_id } => {
            state.task_id = Some(task_id);
            state.file_url = state.submitting.take().map(|(url, _)| url);
            state.outputs = None;
            state.error = None;
        }
        Event::Done {
            outputs, formats, ..
        } => {
            state.outputs = Some((outputs, formats));
            state.error = None;
        }
        Event::Failed { error } => state.error = Some(error),
        Event::Unknown => {}
    }
}

/// An open journal: replayed state plus an append handle (none for an in-memory journal).
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    states: BTreeMap<String, InputState>,
}

impl Journal {
    /// Open (or create) the journal at `path` and replay it, cutting off a torn last line.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let io_err = |source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io_err)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(io_err)?;
        let (states, valid_len) = replay(&text, path)?;
        if valid_len < text.len() {
            // Without this, the next record would be glued onto the torn line.
            file.set_len(valid_len as u64).map_err(io_err)?;
            file.sync_data().map_err(io_err)?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            file: Some(file),
            states,
        })
    }

    /// A journal kept only in memory, for runs that print to stdout: the same bookkeeping
    /// within the run, nothing to resume from.
    pub fn in_memory() -> Self {
        Self {
            path: PathBuf::new(),
            file: None,
            states: BTreeMap::new(),
        }
    }

    /// Every input's state.
    pub fn states(&self) -> &BTreeMap<String, InputState> {
        &self.states
    }

    /// The journal file (empty for an in-memory journal).
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|_| self.path.as_path())
    }

    /// What the journal knows about `input`.
    pub fn state(&self, input: &str) -> Option<&InputState> {
        self.states.get(input)
    }

    /// Append a record; see [`Journal::record_all`].
    pub fn record(&mut self, input: &str, event: Event) -> Result<(), JournalError> {
        self.record_all(vec![(input.to_owned(), event)])
    }

    /// Append several records (one line each) with a single write: the inputs of a task are
    /// recorded together, at the cost of one disk flush rather than one per input. Records
    /// of uploads and submits are on the disk when this returns; `done` and `failed` records
    /// are written but not flushed.
    pub fn record_all(&mut self, events: Vec<(String, Event)>) -> Result<(), JournalError> {
        let at = now_secs();
        let records: Vec<Record> = events
            .into_iter()
            .map(|(input, event)| Record { input, at, event })
            .collect();
        let mut text = Vec::new();
        for record in &records {
            serde_json::to_writer(&mut text, record).map_err(|e| JournalError::Io {
                path: self.path.clone(),
                source: io::Error::other(e),
            })?;
            text.push(b'\n');
        }
        // Lines that guard money (an upload, a submit, a task id) are flushed to the disk
        // before the step they record goes on; a lost `done` or `failed` line costs only a
        // download on resume, so those are left to the OS (which keeps them across a kill;
        // only a power cut can drop them), sparing a flush per file in a big batch.
        let durable = records.iter().any(|r| {
            matches!(
                r.event,
                Event::Uploaded { .. } | Event::Submitting { .. } | Event::Submitted { .. }
            )
        });
        // One write: a crash leaves complete lines and at most one torn line, without its
        // newline, which the next open cuts off.
        if let Some(file) = &mut self.file {
            file.write_all(&text)
                .and_then(|()| if durable { file.sync_data() } else { Ok(()) })
                .map_err(|source| JournalError::Io {
                    path: self.path.clone(),
                    source,
                })?;
        }
        for record in records {
            apply(
                self.states.entry(record.input).or_default(),
                record.event,
                at,
            );
        }
        Ok(())
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
