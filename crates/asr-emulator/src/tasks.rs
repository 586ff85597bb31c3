//! Async transcription tasks (protocol §2, §4.3): the task store and its shared types here;
//! submit validation in [`submit`], the status lifecycle (query, cancel) in [`lifecycle`],
//! listing in [`list`], and the signed result documents in [`results`].
//!
//! A task is PENDING for the first third of the processing time, RUNNING until it has passed
//! (and until every `--fetch` download has finished), then terminal. Its results are computed
//! once, at the first query after that. Each query mints a fresh signed result URL, so a client
//! whose URL expired recovers by querying the task again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::config::AllFailedStatus;
use crate::rng::Rng;
use crate::transcript::{AudioSource, TranscribeOptions};

mod lifecycle;
mod list;
mod results;
mod submit;

pub(crate) use submit::parse_submit;

/// Request-body shape of a model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `input.file_urls` (Fun-ASR, Paraformer, qwen-audio filetrans); results in `results[]`.
    FileUrls,
    /// `input.file_url` (qwen3-asr-flash-filetrans); result in `result`.
    FileUrl,
}

/// What the emulator thinks of a model name on the async endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModelKind {
    Async(Shape),
    /// A model served by the sync endpoints only.
    SyncOnly,
    Unknown,
}

/// Why one file could not be transcribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileFailure {
    /// Host never resolves, connection failed, `oss://` object missing.
    DownloadFailed,
    /// The download answered with this HTTP status.
    HttpStatus(u16),
}

impl FileFailure {
    fn code_message(&self, shape: Shape) -> (String, String) {
        match (self, shape) {
            (FileFailure::HttpStatus(s), Shape::FileUrl) => {
                let reason = match s {
                    403 => "FORBIDDEN",
                    404 => "NOT_FOUND",
                    _ => "DOWNLOAD_FAILED",
                };
                let code = format!("FILE_{s}_{reason}");
                (code.clone(), code)
            }
            _ => (
                "InvalidFile.DownloadFailed".to_owned(),
                "The audio file cannot be downloaded.".to_owned(),
            ),
        }
    }
}

/// Where a file stands.
#[derive(Debug, Clone)]
pub(crate) enum FileState {
    /// A `--fetch` download is in flight.
    Fetching,
    Ready(AudioSource),
    Failed(FileFailure),
}

#[derive(Debug, Clone)]
struct TaskFile {
    url: String,
    state: FileState,
}

#[derive(Debug, Clone)]
enum FileResult {
    Ok { doc_id: String },
    Failed { code: String, message: String },
}

#[derive(Debug, Clone)]
struct Finished {
    end_ms: i64,
    results: Vec<FileResult>,
    usage_secs: u64,
    /// `(input, output)` tokens, for the models billed per token.
    usage_tokens: Option<(u64, u64)>,
}

#[derive(Debug, Clone)]
struct Task {
    id: String,
    model: String,
    shape: Shape,
    files: Vec<TaskFile>,
    opts: TranscribeOptions,
    enable_words: bool,
    submit_at: Instant,
    submit_ms: i64,
    request_id: String,
    api_key_id: String,
    canceled_ms: Option<i64>,
    finished: Option<Finished>,
}

/// A download the router must start for a `--fetch` task.
#[derive(Debug, Clone)]
pub(crate) struct FetchJob {
    pub(crate) task_id: String,
    pub(crate) index: usize,
    pub(crate) url: String,
}

/// A result document and the signed URLs minted for it.
#[derive(Debug, Clone)]
struct ResultDoc {
    body: Bytes,
}

#[derive(Debug, Clone)]
struct SignedUrl {
    doc_id: String,
    expires_unix: i64,
    valid_until: Instant,
}

/// Settings the task store needs.
#[derive(Debug, Clone)]
pub(crate) struct TaskSettings {
    pub(crate) processing_time: Duration,
    pub(crate) result_url_ttl: Duration,
    pub(crate) all_failed_status: AllFailedStatus,
    pub(crate) fetch: bool,
    pub(crate) base_url: String,
}

/// All tasks, result documents and signed URLs.
#[derive(Debug)]
pub(crate) struct Tasks {
    settings: TaskSettings,
    tasks: BTreeMap<String, Task>,
    /// Task ids in submit order, for listing.
    order: Vec<String>,
    docs: BTreeMap<String, ResultDoc>,
    urls: BTreeMap<String, SignedUrl>,
    access_key_id: String,
}

impl Tasks {
    pub(crate) fn new(settings: TaskSettings, rng: &mut Rng) -> Self {
        Tasks {
            settings,
            tasks: BTreeMap::new(),
            order: Vec::new(),
            docs: BTreeMap::new(),
            urls: BTreeMap::new(),
            access_key_id: format!("LTAI5t{}", rng.hex(18)),
        }
    }

    /// Records the outcome of a `--fetch` download.
    pub(crate) fn fetched(&mut self, task_id: &str, index: usize, state: FileState) {
        if let Some(f) = self
            .tasks
            .get_mut(task_id)
            .and_then(|t| t.files.get_mut(index))
        {
            f.state = state;
        }
    }

    fn phase(&self, t: &Task, now: Instant) -> &'static str {
        if t.canceled_ms.is_some() {
            return "CANCELED";
        }
        let elapsed = now.saturating_duration_since(t.submit_at);
        let pt = self.settings.processing_time;
        if elapsed < pt / 3 {
            "PENDING"
        } else if elapsed < pt
            || t.files
                .iter()
                .any(|f| matches!(f.state, FileState::Fetching))
        {
            "RUNNING"
        } else {
            "DONE"
        }
    }
}

#[cfg(test)]
mod tests;
