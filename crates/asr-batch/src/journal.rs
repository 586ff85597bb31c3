//! The journal's records and their replay: a pure function from bytes to each input's state.
//!
//! One JSON object per line. The first line of a journal this version creates is a header
//! (`{"asr_journal":1,…}`), so a journal is recognisable; journals written before the header
//! existed start with a record and still load. Records (`event` field) name an input by its
//! `input` (source) and `opts` (options fingerprint, absent in old journals):
//!
//! | event | written | meaning |
//! |---|---|---|
//! | `uploaded` | after an upload | the `oss://` URL of a local file, bound to `model` |
//! | `submitting` | before a submit is sent, durably | a task may exist from here on; `group` names the submit |
//! | `submitted` | after the submit's answer | the task id |
//! | `done` | after the outputs are written | the outputs and their formats |
//! | `failed` | after a failure | the error as shown |
//! | `expired` | when the task's results expired | only an explicit resubmit helps |
//!
//! and one task-level record, `{"task":…,"event":"finished","billed_seconds":…}`, so a later
//! run can tell what earlier runs were billed. Unknown events and fields are ignored (newer
//! versions may add them); a torn last line — the process died mid-write — is dropped.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufRead};

use asr_types::TaskId;
use serde::{Deserialize, Serialize};

use crate::input::{InputKey, OptionsId};

/// The default journal file name inside the output directory.
pub const FILE_NAME: &str = ".asr-journal.jsonl";

/// The journal format this version writes (the header's `asr_journal`).
pub const FORMAT: u32 = 1;

/// How a header line starts; a file whose only content is a cut-off prefix of it is a journal
/// whose first write was interrupted.
const HEADER_START: &[u8] = b"{\"asr_journal\":";
/// How a record line of this or an older version starts.
const RECORD_START: &[u8] = b"{\"input\":";
/// The longest line read: records are a few hundred bytes, so a longer "line" means a file
/// that is not a journal, which must not be read into memory whole.
const MAX_LINE: u64 = 16 * 1024 * 1024;

/// What happened to an input.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A local file was uploaded; `url` is its temporary `oss://` URL, bound to `model`.
    Uploaded {
        /// The `oss://` URL.
        url: String,
        /// The model the upload was made for.
        model: String,
    },
    /// A submit of `url` is about to be sent; until `submitted` follows, a task may or may
    /// not exist.
    Submitting {
        /// The file URL in the submit.
        url: String,
        /// Names the submit: every input sent in the same task carries the same group.
        /// Absent in journals written before inputs were grouped.
        group: Option<String>,
    },
    /// A task was created for the input.
    Submitted {
        /// The task id.
        task_id: TaskId,
    },
    /// Every output of the input is written.
    Done {
        /// Output names (file names relative to the output directory, for files).
        outputs: Vec<String>,
        /// The formats those outputs hold (`txt`, `srt`, …).
        formats: Vec<String>,
    },
    /// The input failed; a task id recorded before stays authoritative.
    Failed {
        /// The error, as shown to the user.
        error: String,
    },
    /// The task's results expired before they were downloaded.
    Expired {
        /// The task whose results expired.
        task_id: TaskId,
    },
}

/// One journal line (besides the header).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Record {
    /// Something happened to an input.
    Input {
        /// The input.
        key: InputKey,
        /// Seconds since the Unix epoch when it was recorded.
        at: u64,
        /// What happened.
        event: Event,
    },
    /// A task finished; what it was billed.
    TaskFinished {
        /// The task.
        task_id: TaskId,
        /// Seconds since the Unix epoch when it was recorded.
        at: u64,
        /// Billed seconds (`usage.duration` / `usage.seconds`), when the service said.
        billed_seconds: Option<u64>,
    },
}

impl Record {
    /// A record about input `key`, stamped `at`.
    ///
    /// ```
    /// use asr_batch::journal::{Event, Record};
    /// use asr_batch::InputKey;
    /// let r = Record::input(InputKey::from_parts("u", None), 5, Event::Failed { error: "e".into() });
    /// assert!(matches!(r, Record::Input { at: 5, .. }));
    /// ```
    pub fn input(key: InputKey, at: u64, event: Event) -> Self {
        Record::Input { key, at, event }
    }

    /// Appends the record as one line (with its newline) to `out`.
    ///
    /// ```
    /// use asr_batch::journal::{Event, Record};
    /// use asr_batch::InputKey;
    /// let mut line = Vec::new();
    /// Record::input(InputKey::from_parts("u", None), 5, Event::Failed { error: "e".into() })
    ///     .encode(&mut line);
    /// assert_eq!(line, b"{\"input\":\"u\",\"at\":5,\"event\":\"failed\",\"error\":\"e\"}\n");
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        let line = match self {
            Record::Input { key, at, event } => {
                let mut line = LineOut {
                    input: Some(&key.source),
                    opts: key.options.map(|o| o.to_string()),
                    at: *at,
                    ..LineOut::default()
                };
                match event {
                    Event::Uploaded { url, model } => {
                        line.event = "uploaded";
                        line.url = Some(url);
                        line.model = Some(model);
                    }
                    Event::Submitting { url, group } => {
                        line.event = "submitting";
                        line.url = Some(url);
                        line.group = group.as_deref();
                    }
                    Event::Submitted { task_id } => {
                        line.event = "submitted";
                        line.task_id = Some(task_id.as_str());
                    }
                    Event::Done { outputs, formats } => {
                        line.event = "done";
                        line.outputs = Some(outputs);
                        line.formats = Some(formats);
                    }
                    Event::Failed { error } => {
                        line.event = "failed";
                        line.error = Some(error);
                    }
                    Event::Expired { task_id } => {
                        line.event = "expired";
                        line.task_id = Some(task_id.as_str());
                    }
                }
                line
            }
            Record::TaskFinished {
                task_id,
                at,
                billed_seconds,
            } => LineOut {
                task: Some(task_id.as_str()),
                at: *at,
                event: "finished",
                billed_seconds: *billed_seconds,
                ..LineOut::default()
            },
        };
        // Writing into a Vec cannot fail, and these fields serialise infallibly.
        let _ = serde_json::to_writer(&mut *out, &line);
        out.push(b'\n');
    }
}

/// The header line of a new journal.
///
/// ```
/// let line = asr_batch::journal::header_line(7);
/// assert!(line.starts_with(b"{\"asr_journal\":1,\"at\":7,"));
/// assert!(line.ends_with(b"}\n"));
/// ```
pub fn header_line(at: u64) -> Vec<u8> {
    #[derive(Serialize)]
    struct Header<'a> {
        asr_journal: u32,
        at: u64,
        writer: &'a str,
    }
    let mut out = Vec::new();
    let _ = serde_json::to_writer(
        &mut out,
        &Header {
            asr_journal: FORMAT,
            at,
            writer: concat!("asr-batch ", env!("CARGO_PKG_VERSION")),
        },
    );
    out.push(b'\n');
    out
}

/// The fields of every line kind, in the order they are written (`event` before its payload,
/// so lines read well).
#[derive(Serialize, Default)]
struct LineOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opts: Option<String>,
    at: u64,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outputs: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    formats: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    billed_seconds: Option<u64>,
}

/// Every field any line kind has, borrowed from the line where it has no escapes: one flat
/// struct parses faster than a tagged enum (no buffering of the fields before the tag).
#[derive(Deserialize)]
struct LineIn<'a> {
    #[serde(default)]
    asr_journal: Option<u32>,
    #[serde(borrow, default)]
    input: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    task: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    opts: Option<Cow<'a, str>>,
    #[serde(default)]
    at: u64,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    task_id: Option<Cow<'a, str>>,
    #[serde(default)]
    outputs: Option<Vec<String>>,
    #[serde(default)]
    formats: Option<Vec<String>>,
    #[serde(borrow, default)]
    error: Option<Cow<'a, str>>,
    #[serde(default)]
    billed_seconds: Option<u64>,
}

/// A temporary upload the journal holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadRecord {
    /// The `oss://` URL.
    pub url: String,
    /// The model it was made for (uploads are bound to one).
    pub model: String,
    /// When it was made (epoch seconds).
    pub at: u64,
}

/// A submit sent without a recorded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingSubmit {
    /// The file URL in the submit.
    pub url: String,
    /// When it was sent (epoch seconds).
    pub at: u64,
}

/// The outputs of an input's last completed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DoneRecord {
    /// Output names.
    pub outputs: Vec<String>,
    /// The formats they hold.
    pub formats: Vec<String>,
}

impl DoneRecord {
    /// A record of `outputs` in `formats`.
    ///
    /// ```
    /// let done = asr_batch::journal::DoneRecord::new(vec!["a.txt".into()], vec!["txt".into()]);
    /// assert_eq!(done.formats, ["txt"]);
    /// ```
    pub fn new(outputs: Vec<String>, formats: Vec<String>) -> Self {
        DoneRecord { outputs, formats }
    }
}

/// Temporary uploads live 48 hours; reuse one only with an hour to spare for the task to start.
const UPLOAD_REUSE_SECS: u64 = 47 * 3600;

/// Everything the journal knows about one input.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct InputState {
    /// The temporary upload, if one was made.
    pub upload: Option<UploadRecord>,
    /// The task created for the input.
    pub task_id: Option<TaskId>,
    /// A submit sent without a recorded answer.
    pub submitting: Option<PendingSubmit>,
    /// The group of the input's latest submit (kept once the task id is recorded, so an input
    /// of the same group whose `submitted` record was lost can take the task id).
    pub group: Option<String>,
    /// The file URL the task in `task_id` was given for this input, when recorded.
    pub file_url: Option<String>,
    /// The outputs of the last completed delivery.
    pub done: Option<DoneRecord>,
    /// The last error, if the input failed after its last success.
    pub error: Option<String>,
    /// Whether the task's results expired before they were downloaded.
    pub expired: bool,
}

impl InputState {
    /// The upload URL, if it was made for `model` and is still young enough to use at `now`
    /// (epoch seconds).
    ///
    /// ```
    /// use asr_batch::journal::{InputState, UploadRecord};
    /// let mut state = InputState::default();
    /// assert!(state.reusable_upload("fun-asr", 0).is_none());
    /// ```
    pub fn reusable_upload(&self, model: &str, now: u64) -> Option<&str> {
        self.upload
            .as_ref()
            .filter(|u| u.model == model && now.saturating_sub(u.at) < UPLOAD_REUSE_SECS)
            .map(|u| u.url.as_str())
    }

    /// Applies one event recorded at `at`.
    pub(crate) fn apply(&mut self, event: Event, at: u64) {
        match event {
            Event::Uploaded { url, model } => self.upload = Some(UploadRecord { url, model, at }),
            Event::Submitting { url, group } => {
                // A new submit replaces whatever task the input had (an explicit resubmit of
                // expired results): until its answer is recorded, only the new one counts.
                self.submitting = Some(PendingSubmit { url, at });
                self.group = group;
                self.task_id = None;
                self.file_url = None;
                self.expired = false;
            }
            Event::Submitted { task_id } => {
                self.task_id = Some(task_id);
                self.file_url = self.submitting.take().map(|s| s.url);
                self.done = None;
                self.error = None;
                self.expired = false;
            }
            Event::Done { outputs, formats } => {
                self.done = Some(DoneRecord { outputs, formats });
                self.error = None;
            }
            Event::Failed { error } => self.error = Some(error),
            Event::Expired { task_id } => {
                self.expired = true;
                self.task_id.get_or_insert(task_id);
            }
        }
    }
}

/// What a finished task was billed, from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskRecord {
    /// Billed seconds, when known.
    pub billed_seconds: Option<u64>,
}

/// A replayed journal: every input's state and every finished task's billing.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Replay {
    /// Each input's state.
    pub inputs: BTreeMap<InputKey, InputState>,
    /// Finished tasks.
    pub tasks: BTreeMap<TaskId, TaskRecord>,
    /// Whether the journal starts with a header (journals of older versions do not).
    pub has_header: bool,
    /// Records read.
    pub records: usize,
    /// Bytes up to the end of the last complete line: what a store keeps.
    pub valid_len: u64,
    /// Whether a torn last line follows `valid_len` (cut it off before appending).
    pub torn_tail: bool,
}

impl Replay {
    /// The state of `key`; for a key with options and no records of its own, the state that
    /// records of an older version (without options) left for the same source.
    ///
    /// ```
    /// let replay = asr_batch::journal::Replay::default();
    /// assert!(replay.state(&asr_batch::InputKey::from_parts("u", None)).is_none());
    /// ```
    pub fn state(&self, key: &InputKey) -> Option<&InputState> {
        self.inputs.get(key).or_else(|| {
            key.options?;
            self.inputs
                .get(&InputKey::from_parts(key.source.clone(), None))
        })
    }

    /// Applies one record, as replaying a line with it would.
    ///
    /// ```
    /// use asr_batch::journal::{Event, Record, Replay};
    /// use asr_batch::InputKey;
    /// let mut replay = Replay::default();
    /// let key = InputKey::from_parts("u", None);
    /// replay.apply(Record::input(key.clone(), 1, Event::Submitted { task_id: "t".into() }));
    /// assert_eq!(replay.state(&key).unwrap().task_id.as_ref().unwrap().as_str(), "t");
    /// ```
    pub fn apply(&mut self, record: Record) {
        self.records += 1;
        match record {
            Record::Input { key, at, event } => {
                if !self.inputs.contains_key(&key) {
                    // The first record with options of a source an older version journaled
                    // continues from that state (its uploads, task ids, outputs).
                    let inherited = match key.options {
                        Some(_) => self
                            .inputs
                            .get(&InputKey::from_parts(key.source.clone(), None))
                            .cloned(),
                        None => None,
                    };
                    self.inputs
                        .insert(key.clone(), inherited.unwrap_or_default());
                }
                if let Some(state) = self.inputs.get_mut(&key) {
                    state.apply(event, at);
                }
            }
            Record::TaskFinished {
                task_id,
                billed_seconds,
                ..
            } => {
                self.tasks.insert(task_id, TaskRecord { billed_seconds });
            }
        }
    }
}

/// Why bytes are not a usable journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The first line is neither a journal header nor a journal record: the file is someone
    /// else's, and must not be appended to.
    #[error("not an asr journal (its first line is neither a journal header nor a record)")]
    NotAJournal,
    /// A complete line after the first is not a record.
    #[error(
        "damaged at line {line}; fix or delete that line (deleting the whole file makes already \
         submitted inputs be submitted and billed again)"
    )]
    Damaged {
        /// 1-based line number.
        line: usize,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A line is longer than any record could be.
    #[error("damaged at line {line}: the line is longer than any journal record")]
    LineTooLong {
        /// 1-based line number.
        line: usize,
    },
    /// Reading failed.
    #[error("cannot read the journal")]
    Io(#[from] io::Error),
}

/// Replays journal bytes: each input's state, and how much of the text is valid.
///
/// Pure and streaming: it never builds a `serde_json::Value`, and holds one line at a time
/// besides the states.
///
/// ```
/// let text = b"{\"asr_journal\":1,\"at\":1}\n\
///              {\"input\":\"https://e.com/a.wav\",\"opts\":\"00000000000000aa\",\"at\":2,\"event\":\"submitted\",\"task_id\":\"t1\"}\n\
///              {\"input\":\"https://e.com/b.w";
/// let replay = asr_batch::journal::replay(text)?;
/// assert!(replay.has_header && replay.torn_tail);
/// assert_eq!(replay.records, 1);
/// # Ok::<(), asr_batch::journal::ReplayError>(())
/// ```
///
/// # Errors
///
/// [`ReplayError::NotAJournal`] when the first line (or, with no complete line, the text) is
/// not journal-shaped; [`ReplayError::Damaged`] naming a bad complete line.
pub fn replay(text: &[u8]) -> Result<Replay, ReplayError> {
    replay_reader(text)
}

/// [`replay`] from a reader, one line at a time.
///
/// # Errors
///
/// As [`replay`], and [`ReplayError::Io`].
pub fn replay_reader(mut reader: impl BufRead) -> Result<Replay, ReplayError> {
    let mut out = Replay::default();
    let mut line = Vec::with_capacity(512);
    let mut number = 0usize;
    let mut seen_content = false;
    loop {
        line.clear();
        let n = io::Read::take(&mut reader, MAX_LINE).read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') && n as u64 == MAX_LINE {
            return Err(if seen_content {
                ReplayError::LineTooLong { line: number + 1 }
            } else {
                ReplayError::NotAJournal
            });
        }
        if line.last() != Some(&b'\n') {
            // The last write was cut off: dropped, unless nothing before it shows that this
            // file is a journal at all.
            if !seen_content && !looks_like_first_line(&line) {
                return Err(ReplayError::NotAJournal);
            }
            out.torn_tail = true;
            break;
        }
        number += 1;
        let content = &line[..line.len() - 1];
        if !content.iter().all(u8::is_ascii_whitespace) {
            let first = !seen_content;
            seen_content = true;
            apply_line(&mut out, content, first, number)?;
        }
        out.valid_len += n as u64;
    }
    Ok(out)
}

fn looks_like_first_line(text: &[u8]) -> bool {
    let prefix_of = |start: &[u8]| start.starts_with(text) || text.starts_with(start);
    prefix_of(HEADER_START) || prefix_of(RECORD_START)
}

fn apply_line(
    out: &mut Replay,
    content: &[u8],
    first: bool,
    number: usize,
) -> Result<(), ReplayError> {
    let parsed: LineIn<'_> = match serde_json::from_slice(content) {
        Ok(line) => line,
        Err(_) if first => return Err(ReplayError::NotAJournal),
        Err(source) => {
            return Err(ReplayError::Damaged {
                line: number,
                source,
            });
        }
    };
    if parsed.asr_journal.is_some() {
        if first {
            out.has_header = true;
        }
        return Ok(());
    }
    let Some(event) = parsed.event.as_deref() else {
        return if first {
            Err(ReplayError::NotAJournal)
        } else {
            // A line of a newer kind without an event is as unknown as an unknown event.
            Ok(())
        };
    };
    if let Some(task) = &parsed.task {
        if event == "finished" {
            out.apply(Record::TaskFinished {
                task_id: TaskId::new(task.as_ref()),
                at: parsed.at,
                billed_seconds: parsed.billed_seconds,
            });
        }
        return Ok(());
    }
    let Some(source) = parsed.input.as_deref() else {
        return if first {
            Err(ReplayError::NotAJournal)
        } else {
            Ok(())
        };
    };
    let owned = |c: &Option<Cow<'_, str>>| c.as_deref().unwrap_or_default().to_owned();
    let event = match event {
        "uploaded" => Event::Uploaded {
            url: owned(&parsed.url),
            model: owned(&parsed.model),
        },
        "submitting" => Event::Submitting {
            url: owned(&parsed.url),
            group: parsed.group.as_deref().map(str::to_owned),
        },
        "submitted" => Event::Submitted {
            task_id: TaskId::new(owned(&parsed.task_id)),
        },
        "done" => Event::Done {
            outputs: parsed.outputs.unwrap_or_default(),
            formats: parsed.formats.unwrap_or_default(),
        },
        "failed" => Event::Failed {
            error: owned(&parsed.error),
        },
        "expired" => Event::Expired {
            task_id: TaskId::new(owned(&parsed.task_id)),
        },
        // A record written by a newer version.
        _ => {
            out.records += 1;
            return Ok(());
        }
    };
    let options = parsed.opts.as_deref().and_then(OptionsId::parse);
    out.apply(Record::Input {
        key: InputKey::from_parts(source, options),
        at: parsed.at,
        event,
    });
    Ok(())
}

#[cfg(test)]
mod tests;
