//! The generic async-task API: submit answers, `GET /tasks/{id}`, cancel and list.
//!
//! Every response type keeps fields it does not know in `extra`, so parsing and serialising
//! again loses nothing and new service fields stay visible.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::model::Model;
use crate::validate::{Validate, ValidationError, snippet};

mod clock;

pub use self::clock::{SERVICE_UTC_OFFSET_MS, list_time, parse_task_time};

/// Unknown JSON fields kept verbatim.
pub type Extra = BTreeMap<String, Value>;

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id as received from the service.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The owned id.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// The id of an async task (`output.task_id`).
    TaskId
);
string_newtype!(
    /// The id the service gives each HTTP request (`request_id`); quote it in support tickets.
    RequestId
);

macro_rules! status_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A status string this SDK does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The status as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(s) => s,
                }
            }

            /// Parses a wire status; unseen strings become `Other`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Ok($name::from_wire(&s))
            }
        }
    };
}

status_enum!(
    /// The status of an async task (`output.task_status`).
    TaskStatus {
        /// Queued, not started (the only state that can be cancelled).
        Pending => "PENDING",
        /// Being processed.
        Running => "RUNNING",
        /// Finished; for multi-file tasks at least one subtask succeeded — check each subtask.
        Succeeded => "SUCCEEDED",
        /// Finished without a result.
        Failed => "FAILED",
        /// Cancelled while pending.
        Canceled => "CANCELED",
        /// The task does not exist, is not visible to this account, or has expired (24 h).
        Unknown => "UNKNOWN",
    }
);

impl TaskStatus {
    /// Whether the task will not change any more: `SUCCEEDED`, `FAILED`, `CANCELED`, `UNKNOWN`.
    ///
    /// An unseen status (`Other`) is not terminal: a poller keeps polling until its deadline
    /// rather than stopping on a state it cannot interpret.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Succeeded | TaskStatus::Failed | TaskStatus::Canceled | TaskStatus::Unknown
        )
    }
}

status_enum!(
    /// The status of one file of a task (`output.results[].subtask_status`).
    SubtaskStatus {
        /// Queued.
        Pending => "PENDING",
        /// Being processed.
        Running => "RUNNING",
        /// Transcribed; `transcription_url` is set.
        Succeeded => "SUCCEEDED",
        /// Failed; `code` and `message` say why.
        Failed => "FAILED",
    }
);

impl SubtaskStatus {
    /// Whether this subtask will not change any more (`SUCCEEDED` or `FAILED`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, SubtaskStatus::Succeeded | SubtaskStatus::Failed)
    }
}

/// The answer to a submit (`POST /services/audio/asr/transcription`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubmitResponse {
    /// Id of this HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// The new task.
    pub output: SubmitOutput,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output` of a [`SubmitResponse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubmitOutput {
    /// Id to poll with `GET /tasks/{task_id}`.
    pub task_id: TaskId,
    /// Normally `PENDING`.
    pub task_status: TaskStatus,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The answer to `GET /tasks/{task_id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskResponse {
    /// Id of this HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// The task.
    pub output: TaskOutput,
    /// Billed usage, on finished tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TaskUsage>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The state of a task, for both result shapes: `results[]` (Fun-ASR, Paraformer, Qwen-Audio
/// filetrans) and `result` (Qwen3-ASR-Flash-Filetrans).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskOutput {
    /// The task id.
    pub task_id: TaskId,
    /// The task status.
    pub task_status: TaskStatus,
    /// Submission time, `YYYY-MM-DD HH:MM:SS.mmm` in an unstated time zone (read as UTC+8 by
    /// [`TaskOutput::submit_time_ms`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_time: Option<String>,
    /// Start of execution, same format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_time: Option<String>,
    /// End of execution, same format; set once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// One entry per input URL (the `file_urls` shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<SubtaskResult>>,
    /// The single result (the Qwen3-ASR-Flash-Filetrans `file_url` shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<QwenFiletransTaskResult>,
    /// Subtask counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_metrics: Option<TaskMetrics>,
    /// Task-level failure code (e.g. `FILE_403_FORBIDDEN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Task-level failure message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TaskOutput {
    /// Every result-document URL present, over both shapes, in input order.
    pub fn transcription_urls(&self) -> Vec<&str> {
        let many = self
            .results
            .iter()
            .flatten()
            .filter_map(|r| r.transcription_url.as_deref());
        let one = self
            .result
            .iter()
            .filter_map(|r| r.transcription_url.as_deref());
        many.chain(one).collect()
    }

    /// [`submit_time`](Self::submit_time) in epoch milliseconds, read as UTC+8 (see
    /// [`parse_task_time`]); `None` when absent or not of the documented form.
    pub fn submit_time_ms(&self) -> Option<i64> {
        self.submit_time.as_deref().and_then(parse_task_time)
    }

    /// Whether the task reached a terminal status (see [`TaskStatus::is_terminal`]).
    pub fn is_finished(&self) -> bool {
        self.task_status.is_terminal()
    }

    /// The subtasks that failed, with their code and message.
    pub fn failed_subtasks(&self) -> impl Iterator<Item = &SubtaskResult> {
        self.results
            .iter()
            .flatten()
            .filter(|r| r.subtask_status == Some(SubtaskStatus::Failed))
    }
}

/// One file of a `file_urls` task (`output.results[]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubtaskResult {
    /// Echo of the input URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    /// Signed URL of the result document (valid 24 h, no auth header needed); on success only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_url: Option<String>,
    /// Status of this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtask_status: Option<SubtaskStatus>,
    /// Failure code, e.g. `InvalidFile.DownloadFailed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Failure message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output.result` of a Qwen3-ASR-Flash-Filetrans task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QwenFiletransTaskResult {
    /// Signed URL of the result document (valid 24 h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_url: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// When a signed `transcription_url` stops working: its `Expires` query parameter, in seconds
/// since the Unix epoch (protocol §11.2). `None` when the URL carries none.
///
/// ```
/// let url = "https://bucket.oss.example.com/r/1.json?Expires=1761631066&OSSAccessKeyId=k&Signature=s";
/// assert_eq!(asr_types::task::url_expires(url), Some(1_761_631_066));
/// assert_eq!(asr_types::task::url_expires("https://example.com/r.json"), None);
/// ```
pub fn url_expires(url: &str) -> Option<u64> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("Expires="))
        .and_then(|v| v.parse().ok())
}

impl SubtaskResult {
    /// When this file's `transcription_url` expires (epoch seconds), if it says.
    ///
    /// ```
    /// let sub: asr_types::SubtaskResult = serde_json::from_str(
    ///     r#"{"file_url":"https://e.com/a.wav","transcription_url":"https://h/r.json?Expires=1700000000&Signature=x","subtask_status":"SUCCEEDED"}"#,
    /// )?;
    /// assert_eq!(sub.expires(), Some(1_700_000_000));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn expires(&self) -> Option<u64> {
        self.transcription_url.as_deref().and_then(url_expires)
    }
}

impl QwenFiletransTaskResult {
    /// When the `transcription_url` expires (epoch seconds), if it says.
    ///
    /// ```
    /// let r: asr_types::task::QwenFiletransTaskResult = serde_json::from_str(
    ///     r#"{"transcription_url":"https://h/r.json?Expires=1700000000&Signature=x"}"#,
    /// )?;
    /// assert_eq!(r.expires(), Some(1_700_000_000));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn expires(&self) -> Option<u64> {
        self.transcription_url.as_deref().and_then(url_expires)
    }
}

impl TaskOutput {
    /// The earliest `Expires` of the task's result URLs (epoch seconds): download before it.
    /// `None` when no URL says.
    ///
    /// ```
    /// let out: asr_types::TaskOutput = serde_json::from_str(
    ///     r#"{"task_id":"t","task_status":"SUCCEEDED","results":[
    ///         {"transcription_url":"https://h/1.json?Expires=1700000500&Signature=x"},
    ///         {"transcription_url":"https://h/2.json?Expires=1700000100&Signature=y"}]}"#,
    /// )?;
    /// assert_eq!(out.results_expire(), Some(1_700_000_100));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn results_expire(&self) -> Option<u64> {
        self.transcription_urls()
            .into_iter()
            .filter_map(url_expires)
            .min()
    }
}

/// `output.task_metrics`: subtask counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskMetrics {
    /// Number of subtasks.
    #[serde(rename = "TOTAL", default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Subtasks that succeeded.
    #[serde(rename = "SUCCEEDED", default, skip_serializing_if = "Option::is_none")]
    pub succeeded: Option<u64>,
    /// Subtasks that failed.
    #[serde(rename = "FAILED", default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Top-level `usage` of a finished task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskUsage {
    /// Billed speech seconds (Fun-ASR, Paraformer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// Billed audio seconds (Qwen3-ASR-Flash-Filetrans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u64>,
    /// Input tokens, for models billed per token (`qwen-audio-3.1-asr-flash-filetrans`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens, for models billed per token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TaskUsage {
    /// The billed seconds, whichever field the model reports.
    pub fn billed_seconds(&self) -> Option<u64> {
        self.duration.or(self.seconds)
    }

    /// The billed tokens, for models billed per token; `None` when the answer names no token
    /// count (a missing side counts 0).
    ///
    /// ```
    /// let usage: asr_types::TaskUsage =
    ///     serde_json::from_str(r#"{"input_tokens": 1500, "output_tokens": 120}"#)?;
    /// let tokens = usage.billed_tokens().unwrap();
    /// assert_eq!((tokens.input, tokens.output, tokens.total()), (1500, 120, 1620));
    /// assert_eq!(usage.billed_seconds(), None);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn billed_tokens(&self) -> Option<TokenUsage> {
        TokenUsage::from_parts(self.input_tokens, self.output_tokens)
    }
}

/// Input and output tokens of a call billed per token; add them up with `+` or `+=`.
///
/// ```
/// use asr_types::TokenUsage;
///
/// let mut sum = TokenUsage::default();
/// sum += TokenUsage::new(100, 10);
/// sum += TokenUsage::new(50, 5);
/// assert_eq!(sum, TokenUsage::new(150, 15));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenUsage {
    /// Input (audio and context) tokens.
    #[serde(rename = "input_tokens")]
    pub input: u64,
    /// Output (text) tokens.
    #[serde(rename = "output_tokens")]
    pub output: u64,
}

impl TokenUsage {
    /// `input` and `output` tokens.
    pub fn new(input: u64, output: u64) -> Self {
        TokenUsage { input, output }
    }

    /// Both together.
    pub fn total(&self) -> u64 {
        self.input.saturating_add(self.output)
    }

    /// The usage from optional counts: `None` when neither is known.
    pub fn from_parts(input: Option<u64>, output: Option<u64>) -> Option<Self> {
        (input.is_some() || output.is_some())
            .then(|| TokenUsage::new(input.unwrap_or(0), output.unwrap_or(0)))
    }
}

impl std::ops::Add for TokenUsage {
    type Output = TokenUsage;

    fn add(self, other: TokenUsage) -> TokenUsage {
        TokenUsage::new(
            self.input.saturating_add(other.input),
            self.output.saturating_add(other.output),
        )
    }
}

impl std::ops::AddAssign for TokenUsage {
    fn add_assign(&mut self, other: TokenUsage) {
        *self = *self + other;
    }
}

/// The answer to `POST /tasks/{task_id}/cancel`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CancelResponse {
    /// Id of this HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The answer to `GET /tasks` (flat, no `output`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskListResponse {
    /// Id of this HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Number of matching tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Number of pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_page: Option<u64>,
    /// This page, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_no: Option<u64>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
    /// The tasks on this page. The docs name the key `data`; the v2 Python SDK reads `tasks`
    /// (protocol §9 item 6), so both are accepted and `data` is written.
    #[serde(default, alias = "tasks")]
    pub data: Vec<TaskListItem>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One task of a [`TaskListResponse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskListItem {
    /// The task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// The task status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// Model the task ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<Model>,
    /// Region, e.g. `cn-beijing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Request id of the submit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Id of the API key that submitted the task (not the key itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    /// Main account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_parent_id: Option<String>,
    /// Calling user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_uid: Option<String>,
    /// Creation time, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gmt_create: Option<i64>,
    /// Start time, epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// End time, epoch milliseconds; set once finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// Service route, e.g. `apikey:v1:audio:asr:transcription:<model>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_api_unique_key: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Query of `GET /tasks`; every field optional. Plain data: the protocol crate encodes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListTasksQuery {
    /// Only this task.
    pub task_id: Option<TaskId>,
    /// Window start, `YYYYMMDDhhmmss`; the window is at most 24 h.
    pub start_time: Option<String>,
    /// Window end, `YYYYMMDDhhmmss`.
    pub end_time: Option<String>,
    /// Only tasks of this model.
    pub model_name: Option<Model>,
    /// Only tasks in this status.
    pub status: Option<TaskStatus>,
    /// Page number, from 1 (service default 1).
    pub page_no: Option<u32>,
    /// Page size (service default 10).
    pub page_size: Option<u32>,
    /// Only tasks of this API key id (accepted by the SDK, not in the doc table).
    pub api_key_id: Option<String>,
    /// Only tasks of this region (accepted by the SDK, not in the doc table).
    pub region: Option<String>,
}

impl ListTasksQuery {
    /// The set parameters as `(name, value)` pairs in documentation order, not yet encoded.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut push = |name: &'static str, value: Option<String>| {
            if let Some(v) = value {
                pairs.push((name, v));
            }
        };
        push("task_id", self.task_id.as_ref().map(|t| t.to_string()));
        push("start_time", self.start_time.clone());
        push("end_time", self.end_time.clone());
        push(
            "model_name",
            self.model_name.as_ref().map(|m| m.to_string()),
        );
        push("status", self.status.as_ref().map(|s| s.to_string()));
        push("page_no", self.page_no.map(|n| n.to_string()));
        push("page_size", self.page_size.map(|n| n.to_string()));
        push("api_key_id", self.api_key_id.clone());
        push("region", self.region.clone());
        pairs
    }
}

impl ListTasksQuery {
    /// Checks time formats, the 24-hour window and page numbers.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the query parameter.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let start = self
            .start_time
            .as_deref()
            .map(|t| parse_list_time("start_time", t))
            .transpose()?;
        let end = self
            .end_time
            .as_deref()
            .map(|t| parse_list_time("end_time", t))
            .transpose()?;
        if let (Some(start), Some(end)) = (start, end) {
            if end < start {
                return Err(ValidationError::new(
                    "end_time",
                    "the window ends before it starts; swap `start_time` and `end_time`",
                ));
            }
            if end - start > 24 * 3600 {
                return Err(ValidationError::new(
                    "end_time",
                    format!(
                        "the window is at most 24 hours, got {} hours; list day by day",
                        (end - start + 3599) / 3600
                    ),
                ));
            }
        }
        for (field, value) in [("page_no", self.page_no), ("page_size", self.page_size)] {
            if value == Some(0) {
                return Err(ValidationError::new(
                    field,
                    "pages are counted from 1; pass 1 or more, or omit it for the default",
                ));
            }
        }
        Ok(())
    }
}

impl Validate for ListTasksQuery {
    fn validate(&self) -> Result<(), ValidationError> {
        ListTasksQuery::validate(self)
    }
}

/// Parses `YYYYMMDDhhmmss` into seconds since 1970-01-01 (time zone irrelevant: only
/// differences are used).
fn parse_list_time(field: &str, value: &str) -> Result<i64, ValidationError> {
    let bad = |why: &str| {
        ValidationError::new(
            field,
            format!(
                "`{}` {why}; use YYYYMMDDhhmmss, e.g. 20250101093000",
                snippet(value)
            ),
        )
    };
    if value.len() != 14 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("is not 14 digits"));
    }
    let num = |range: std::ops::Range<usize>| -> i64 {
        value[range]
            .bytes()
            .fold(0, |n, b| n * 10 + i64::from(b - b'0'))
    };
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    let (hour, minute, second) = (num(8..10), num(10..12), num(12..14));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad("has no month 01-12")),
    };
    if !(1..=days_in_month).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return Err(bad("is not a valid date and time"));
    }
    Ok(clock::days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}
