//! One input's row and the engine's [`InputState`]: the row is written from the state the
//! journal's own replay computes, and read back by replaying synthetic records, so both
//! stores share one set of rules.

use asr_batch::journal::{Event, InputState, Record, Replay};
use asr_batch::{Input, InputKey, OptionsId};
use asr_types::TaskId;
use serde::{Deserialize, Serialize};
use tokio_postgres::Row as PgRow;

/// Input states as stored (`asr_input.state`).
pub(crate) mod code {
    /// Nothing done yet.
    pub(crate) const NEW: i16 = 0;
    /// Uploaded, not submitted.
    pub(crate) const UPLOADED: i16 = 1;
    /// A submit was (maybe) sent without a recorded answer.
    pub(crate) const SUBMITTING: i16 = 2;
    /// A task holds it.
    pub(crate) const SUBMITTED: i16 = 3;
    /// Outputs written.
    pub(crate) const DONE: i16 = 4;
    /// Failed.
    pub(crate) const FAILED: i16 = 5;
    /// Its results expired.
    pub(crate) const EXPIRED: i16 = 6;
    /// The first code of a finished input.
    pub(crate) const FINAL: i16 = DONE;
}

/// The columns of `asr_input` that hold its state, in the order the statements use.
pub(crate) const STATE_COLUMNS: &str = "source, is_path, name, seq, state, upload_url, upload_model, upload_at, \
     submit_url, submit_at, submit_group, task_id, file_url, done, error, expired";

#[derive(Serialize, Deserialize)]
struct Done {
    outputs: Vec<String>,
    formats: Vec<String>,
}

/// An input as claimed.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub(crate) input: Input,
    pub(crate) key: InputKey,
    pub(crate) name: String,
    pub(crate) seq: i64,
    pub(crate) state: InputState,
}

impl Claimed {
    /// Reads a row of [`STATE_COLUMNS`], then `prev_lease_ms` (when the row was taken from a
    /// worker whose lease lapsed).
    pub(crate) fn from_row(row: &PgRow, options: OptionsId) -> Self {
        let source: String = row.get(0);
        let is_path: bool = row.get(1);
        let input = if is_path {
            Input::Path(source.clone().into())
        } else {
            Input::Url(source.clone())
        };
        let key = InputKey::from_parts(source, Some(options));
        let prev_lease_ms: Option<i64> = row.try_get(16).ok().flatten();
        let state = state_of(&key, row, prev_lease_ms);
        Claimed {
            input,
            key,
            name: row.get(2),
            seq: row.get(3),
            state,
        }
    }
}

/// Replays the row as records. A submit left by a worker whose lease lapsed counts as sent at
/// the end of that lease, the latest moment that worker could have sent it.
fn state_of(key: &InputKey, row: &PgRow, prev_lease_ms: Option<i64>) -> InputState {
    let mut replay = Replay::default();
    let mut apply = |at: i64, event: Event| {
        replay.apply(Record::input(key.clone(), at.max(0) as u64, event));
    };
    let upload_url: Option<String> = row.get(5);
    if let Some(url) = upload_url {
        let model: Option<String> = row.get(6);
        let at: Option<i64> = row.get(7);
        apply(
            at.unwrap_or(0),
            Event::Uploaded {
                url,
                model: model.unwrap_or_default(),
            },
        );
    }
    let submit_url: Option<String> = row.get(8);
    let submit_at: Option<i64> = row.get(9);
    let group: Option<String> = row.get(10);
    let task_id: Option<String> = row.get(11);
    let file_url: Option<String> = row.get(12);
    let file_url_kept = file_url.clone();
    if let Some(task_id) = &task_id {
        apply(
            submit_at.unwrap_or(0),
            Event::Submitting {
                url: file_url.clone().unwrap_or_default(),
                group: group.clone(),
            },
        );
        apply(
            submit_at.unwrap_or(0),
            Event::Submitted {
                task_id: TaskId::new(task_id.clone()),
            },
        );
    } else if let Some(url) = submit_url {
        let at = submit_at.unwrap_or(0);
        let at = match prev_lease_ms {
            Some(ms) => at.max(ms.div_euclid(1000)),
            None => at,
        };
        apply(at, Event::Submitting { url, group });
    }
    let done: Option<String> = row.get(13);
    if let Some(done) = done.and_then(|d| serde_json::from_str::<Done>(&d).ok()) {
        apply(
            0,
            Event::Done {
                outputs: done.outputs,
                formats: done.formats,
            },
        );
    }
    let error: Option<String> = row.get(14);
    if let Some(error) = error {
        apply(0, Event::Failed { error });
    }
    let expired: bool = row.get(15);
    if expired {
        apply(
            0,
            Event::Expired {
                task_id: TaskId::new(task_id.unwrap_or_default()),
            },
        );
    }
    let mut state = replay.inputs.remove(key).unwrap_or_default();
    if state.task_id.is_some() && file_url_kept.is_none() {
        state.file_url = None;
    }
    state
}

/// The stored code of a state.
pub(crate) fn code_of(state: &InputState) -> i16 {
    if state.done.is_some() && state.error.is_none() {
        code::DONE
    } else if state.expired {
        code::EXPIRED
    } else if state.error.is_some() {
        code::FAILED
    } else if state.task_id.is_some() {
        code::SUBMITTED
    } else if state.submitting.is_some() {
        code::SUBMITTING
    } else if state.upload.is_some() {
        code::UPLOADED
    } else {
        code::NEW
    }
}

/// Column arrays for one `UPDATE … FROM unnest(…)` of many inputs.
#[derive(Default)]
pub(crate) struct Columns {
    pub(crate) source: Vec<String>,
    pub(crate) state: Vec<i16>,
    pub(crate) upload_url: Vec<Option<String>>,
    pub(crate) upload_model: Vec<Option<String>>,
    pub(crate) upload_at: Vec<Option<i64>>,
    pub(crate) submit_url: Vec<Option<String>>,
    pub(crate) submit_at: Vec<Option<i64>>,
    pub(crate) submit_group: Vec<Option<String>>,
    pub(crate) task_id: Vec<Option<String>>,
    pub(crate) file_url: Vec<Option<String>>,
    pub(crate) done: Vec<Option<String>>,
    pub(crate) error: Vec<Option<String>>,
    pub(crate) expired: Vec<bool>,
}

impl Columns {
    pub(crate) fn push(&mut self, source: &str, s: &InputState) {
        self.source.push(source.to_owned());
        self.state.push(code_of(s));
        self.upload_url
            .push(s.upload.as_ref().map(|u| u.url.clone()));
        self.upload_model
            .push(s.upload.as_ref().map(|u| u.model.clone()));
        self.upload_at
            .push(s.upload.as_ref().map(|u| u.at.min(i64::MAX as u64) as i64));
        self.submit_url
            .push(s.submitting.as_ref().map(|p| p.url.clone()));
        self.submit_at.push(
            s.submitting
                .as_ref()
                .map(|p| p.at.min(i64::MAX as u64) as i64),
        );
        self.submit_group.push(s.group.clone());
        self.task_id
            .push(s.task_id.as_ref().map(|t| t.as_str().to_owned()));
        self.file_url.push(s.file_url.clone());
        self.done.push(s.done.as_ref().map(|d| {
            serde_json::to_string(&Done {
                outputs: d.outputs.clone(),
                formats: d.formats.clone(),
            })
            .unwrap_or_default()
        }));
        self.error.push(s.error.clone());
        self.expired.push(s.expired);
    }

    pub(crate) fn len(&self) -> usize {
        self.source.len()
    }
}
