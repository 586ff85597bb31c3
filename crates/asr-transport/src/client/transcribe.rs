//! `transcribe`: URLs and local files in, one typed transcript (or error) per file out.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use asr_types::{
    FileInput, Model, QwenFiletransRequest, ResultDocument, SubtaskStatus, TaskId, TaskResponse,
    TaskStatus, TranscriptionRequest,
};
use futures_util::stream::{self, BoxStream};
use futures_util::{Stream, StreamExt};

use super::{Client, Submission, WaitOptions};
use crate::config::Input;
use crate::error::Error;

/// The most files the service takes in one `file_urls` task.
const MAX_FILES_PER_TASK: usize = 100;

/// Options of [`Client::transcribe`].
///
/// ```
/// use asr_transport::{Model, TranscribeOptions, TranscriptionRequest};
/// let options = TranscribeOptions::new(Model::FUN_ASR)
///     .with_request(TranscriptionRequest::new(Model::FUN_ASR, Vec::<String>::new()).with_diarization(Some(2)))
///     .with_max_tasks_in_flight(8);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TranscribeOptions {
    /// The model.
    pub model: Model,
    /// Template for `file_urls` models: its parameters (and context, resources) are used for
    /// every task; its URLs are replaced.
    pub request: Option<TranscriptionRequest>,
    /// Template for `file_url` models (Qwen3-ASR-Flash-Filetrans); its URL is replaced.
    pub qwen_request: Option<QwenFiletransRequest>,
    /// Tasks submitted but not yet finished, at most (default 4).
    pub max_tasks_in_flight: usize,
    /// Files per task for `file_urls` models (default and maximum 100).
    pub files_per_task: usize,
    /// Local files uploaded at once per task (default 4).
    pub upload_concurrency: usize,
    /// Result documents downloaded at once per task (default 8).
    pub download_concurrency: usize,
    /// How to wait for each task.
    pub wait: WaitOptions,
}

impl TranscribeOptions {
    /// Default options for `model`.
    pub fn new(model: impl Into<Model>) -> Self {
        Self {
            model: model.into(),
            request: None,
            qwen_request: None,
            max_tasks_in_flight: 4,
            files_per_task: MAX_FILES_PER_TASK,
            upload_concurrency: 4,
            download_concurrency: 8,
            wait: WaitOptions::default(),
        }
    }

    /// Uses `request`'s parameters for `file_urls` models (its model and URLs are replaced).
    #[must_use]
    pub fn with_request(mut self, request: TranscriptionRequest) -> Self {
        self.request = Some(request);
        self
    }

    /// Uses `request`'s parameters for `file_url` models (its model and URL are replaced).
    #[must_use]
    pub fn with_qwen_request(mut self, request: QwenFiletransRequest) -> Self {
        self.qwen_request = Some(request);
        self
    }

    /// Keeps at most `n` tasks in flight (at least 1).
    #[must_use]
    pub fn with_max_tasks_in_flight(mut self, n: usize) -> Self {
        self.max_tasks_in_flight = n.max(1);
        self
    }

    /// Puts at most `n` files in one task (1–100).
    #[must_use]
    pub fn with_files_per_task(mut self, n: usize) -> Self {
        self.files_per_task = n.clamp(1, MAX_FILES_PER_TASK);
        self
    }

    /// Waits for each task with `wait`.
    #[must_use]
    pub fn with_wait(mut self, wait: WaitOptions) -> Self {
        self.wait = wait;
        self
    }

    fn is_single_file_model(&self) -> bool {
        self.model.family().file_input() == Some(FileInput::FileUrl)
    }
}

/// One file's transcript.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FileTranscript {
    /// The input as given.
    pub input: Input,
    /// The URL the service read (the input URL, or the `oss://` URL of the upload).
    pub file_url: String,
    /// The task that transcribed it.
    pub task_id: TaskId,
    /// The result document.
    pub document: ResultDocument,
}

impl FileTranscript {
    /// The full text, one line per channel.
    pub fn text(&self) -> String {
        let channels = self.document.channels();
        let texts: Vec<&str> = channels.iter().map(|c| c.text).collect();
        texts.join("\n")
    }
}

/// One file's outcome from [`Client::transcribe`].
#[derive(Debug)]
#[non_exhaustive]
pub struct FileOutcome {
    /// The input as given.
    pub input: Input,
    /// The transcript, or this file's own error.
    pub result: Result<FileTranscript, Error>,
}

/// Totals of a [`Client::transcribe`] run so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TranscribeSummary {
    /// Tasks submitted.
    pub tasks: u64,
    /// Files transcribed.
    pub succeeded: u64,
    /// Files that failed.
    pub failed: u64,
    /// Seconds billed, summed over finished tasks (`usage.duration` / `usage.seconds`).
    pub billed_seconds: u64,
}

/// The stream of [`FileOutcome`]s of [`Client::transcribe`], in completion order, with running
/// totals in [`TranscribeStream::summary`].
pub struct TranscribeStream {
    inner: BoxStream<'static, FileOutcome>,
    summary: Arc<Mutex<TranscribeSummary>>,
}

impl fmt::Debug for TranscribeStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TranscribeStream")
            .field("summary", &self.summary())
            .finish()
    }
}

impl TranscribeStream {
    /// Totals so far; final once the stream has ended.
    pub fn summary(&self) -> TranscribeSummary {
        *self.summary.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Stream for TranscribeStream {
    type Item = FileOutcome;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<FileOutcome>> {
        let item = self.inner.poll_next_unpin(cx);
        if let Poll::Ready(Some(outcome)) = &item {
            let mut s = self.summary.lock().unwrap_or_else(PoisonError::into_inner);
            if outcome.result.is_ok() {
                s.succeeded += 1;
            } else {
                s.failed += 1;
            }
        }
        item
    }
}

impl Client {
    /// Transcribes URLs and local files: uploads what is local, splits the files into tasks of
    /// at most 100 (one per file for Qwen3-ASR-Flash-Filetrans), keeps at most
    /// `max_tasks_in_flight` tasks running, and yields each file's transcript — or its own
    /// error — as soon as its task finishes.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use asr_transport::{Client, Model, TranscribeOptions};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let inputs = ["https://example.com/a.wav", "recordings/b.wav"];
    /// let mut results = client.transcribe(inputs, TranscribeOptions::new(Model::FUN_ASR));
    /// while let Some(file) = results.next().await {
    ///     match file.result {
    ///         Ok(t) => println!("{}: {}", file.input.display_name(), t.text()),
    ///         Err(e) => eprintln!("{}: {e}", file.input.display_name()),
    ///     }
    /// }
    /// println!("billed {} s", results.summary().billed_seconds);
    /// # Ok(())
    /// # }
    /// ```
    pub fn transcribe<I>(&self, inputs: I, options: TranscribeOptions) -> TranscribeStream
    where
        I: IntoIterator,
        I::Item: Into<Input>,
    {
        let inputs: Vec<Input> = inputs.into_iter().map(Into::into).collect();
        let per_task = if options.is_single_file_model() {
            1
        } else {
            options.files_per_task.clamp(1, MAX_FILES_PER_TASK)
        };
        let batches: Vec<Vec<Input>> = inputs.chunks(per_task).map(<[Input]>::to_vec).collect();
        let summary = Arc::new(Mutex::new(TranscribeSummary::default()));
        let options = Arc::new(options);
        let client = self.clone();
        let shared = summary.clone();
        let limit = options.max_tasks_in_flight.max(1);
        let inner = stream::iter(batches)
            .map(move |batch| batch_stream(client.clone(), batch, options.clone(), shared.clone()))
            .flatten_unordered(limit)
            .boxed();
        TranscribeStream { inner, summary }
    }

    /// Transcribes one URL or local file and returns its transcript.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let path = std::env::temp_dir().join(format!("asr-doc-{}-{}.wav", std::process::id(), line!()));
    /// # std::fs::write(&path, [0u8; 256])?;
    /// let transcript = client.transcribe_file(path.as_path(), asr_transport::Model::FUN_ASR).await?;
    /// println!("{}", transcript.text());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The file's error: upload, submit, wait, the file's subtask failure, or the download.
    pub async fn transcribe_file(
        &self,
        input: impl Into<Input>,
        model: impl Into<Model>,
    ) -> Result<FileTranscript, Error> {
        let input = input.into();
        let mut results = self.transcribe([input.clone()], TranscribeOptions::new(model));
        match results.next().await {
            Some(outcome) => outcome.result,
            None => Err(Error::config(
                "input",
                "no input given; pass a file path or URL",
            )),
        }
    }
}

/// Runs one task's files: upload, submit, wait, then download each file's result.
fn batch_stream(
    client: Client,
    batch: Vec<Input>,
    options: Arc<TranscribeOptions>,
    summary: Arc<Mutex<TranscribeSummary>>,
) -> BoxStream<'static, FileOutcome> {
    let prepare = {
        let client = client.clone();
        let options = options.clone();
        async move { run_task(&client, batch, &options, &summary).await }
    };
    stream::once(prepare)
        .flat_map(move |stage| match stage {
            Stage::Finished(outcomes) => stream::iter(outcomes).boxed(),
            Stage::Download {
                task,
                failed,
                files,
            } => {
                let client = client.clone();
                let downloads = stream::iter(files)
                    .map(move |(input, url)| {
                        let client = client.clone();
                        let task = task.clone();
                        async move { download(&client, &task, input, url).await }
                    })
                    .buffer_unordered(options.download_concurrency.max(1));
                stream::iter(failed).chain(downloads).boxed()
            }
        })
        .boxed()
}

enum Stage {
    /// Every file already has its outcome (failures before or at the task level).
    Finished(Vec<FileOutcome>),
    /// The task finished: some files failed, the others (input, URL the service read) have
    /// results to fetch.
    Download {
        task: Arc<TaskResponse>,
        failed: Vec<FileOutcome>,
        files: Vec<(Input, String)>,
    },
}

async fn run_task(
    client: &Client,
    batch: Vec<Input>,
    options: &TranscribeOptions,
    summary: &Mutex<TranscribeSummary>,
) -> Stage {
    // Uploads first; a file that cannot be uploaded fails alone.
    let prepared: Vec<(Input, Result<String, Error>)> = stream::iter(batch)
        .map(|input| async move {
            let url = match &input {
                Input::Url(u) => Ok(u.clone()),
                Input::Path(p) => client.upload(p, &options.model).await.map(|u| u.oss_url),
            };
            (input, url)
        })
        .buffered(options.upload_concurrency.max(1))
        .collect()
        .await;
    let mut outcomes = Vec::new();
    let mut files = Vec::new();
    for (input, url) in prepared {
        match url {
            Ok(url) => files.push((input, url)),
            Err(e) => outcomes.push(FileOutcome {
                input,
                result: Err(e),
            }),
        }
    }
    if files.is_empty() {
        return Stage::Finished(outcomes);
    }
    let batch_failed = |files: Vec<(Input, String)>, outcomes: &mut Vec<FileOutcome>, e: Error| {
        let shared = Arc::new(e);
        let n = files.len();
        outcomes.extend(files.into_iter().map(|(input, _)| FileOutcome {
            input,
            result: Err(Error::Batch {
                files: n,
                source: shared.clone(),
            }),
        }));
    };
    let submission = submission(options, files.iter().map(|(_, u)| u.clone()).collect());
    let (task_id, status) = match client.submit(submission).await {
        Ok(resp) => (resp.output.task_id, resp.output.task_status),
        Err(e) => {
            batch_failed(files, &mut outcomes, e);
            return Stage::Finished(outcomes);
        }
    };
    summary.lock().unwrap_or_else(PoisonError::into_inner).tasks += 1;
    // The submit's answer is fresh: the first query can wait one poll delay.
    let wait = options.wait.clone().with_fresh_status(status);
    let task = match client.wait(&task_id, wait).await {
        Ok(task) => task,
        Err(e) => {
            batch_failed(files, &mut outcomes, e);
            return Stage::Finished(outcomes);
        }
    };
    if let Some(seconds) = task
        .usage
        .as_ref()
        .and_then(asr_types::TaskUsage::billed_seconds)
    {
        summary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .billed_seconds += seconds;
    }
    let mut ready = Vec::new();
    let count = files.len();
    let results = task.output.results.as_deref().unwrap_or_default();
    for (i, (input, url)) in files.into_iter().enumerate() {
        // The service echoes each input URL; fall back to position if it rewrote one.
        let subtask = results
            .iter()
            .find(|r| r.file_url.as_deref() == Some(url.as_str()))
            .or_else(|| results.get(i).filter(|_| results.len() == count));
        let failure = match subtask {
            Some(sub)
                if sub.subtask_status == Some(SubtaskStatus::Succeeded)
                    && sub.transcription_url.is_some() =>
            {
                None
            }
            Some(sub) => Some((sub.code.clone(), sub.message.clone())),
            None if task.output.task_status == TaskStatus::Succeeded
                && task
                    .output
                    .result
                    .as_ref()
                    .is_some_and(|r| r.transcription_url.is_some()) =>
            {
                None
            }
            None => Some((task.output.code.clone(), task.output.message.clone())),
        };
        match failure {
            None => ready.push((input, url)),
            Some((code, message)) => outcomes.push(FileOutcome {
                input,
                result: Err(Error::TaskFailed {
                    task_id: task_id.clone(),
                    status: task.output.task_status.clone(),
                    code,
                    message,
                }),
            }),
        }
    }
    Stage::Download {
        task: Arc::new(task),
        failed: outcomes,
        files: ready,
    }
}

fn submission(options: &TranscribeOptions, urls: Vec<String>) -> Submission {
    if options.is_single_file_model() {
        let url = urls.into_iter().next().unwrap_or_default();
        let mut request = options
            .qwen_request
            .clone()
            .unwrap_or_else(|| QwenFiletransRequest::new(options.model.clone(), url.clone()));
        request.model = options.model.clone();
        request.input.file_url = url;
        Submission::QwenFiletrans(request)
    } else {
        let mut request = options.request.clone().unwrap_or_else(|| {
            TranscriptionRequest::new(options.model.clone(), Vec::<String>::new())
        });
        request.model = options.model.clone();
        request.input.file_urls = urls;
        Submission::Transcription(request)
    }
}

/// Downloads one file's result document, recovering from an expired URL.
async fn download(client: &Client, task: &TaskResponse, input: Input, url: String) -> FileOutcome {
    let task_id = task.output.task_id.clone();
    let result_url = task
        .output
        .results
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|r| r.file_url.as_deref() == Some(url.as_str()))
        .and_then(|r| r.transcription_url.clone())
        .or_else(|| {
            let all = task.output.transcription_urls();
            (all.len() == 1).then(|| all[0].to_owned())
        });
    let Some(result_url) = result_url else {
        return FileOutcome {
            input,
            result: Err(Error::TaskFailed {
                task_id,
                status: task.output.task_status.clone(),
                code: None,
                message: Some(
                    "the finished task lists no transcription_url for this file".to_owned(),
                ),
            }),
        };
    };
    let result = client
        .fetch_task_result(&task_id, &result_url)
        .await
        .map(|document| FileTranscript {
            input: input.clone(),
            file_url: url,
            task_id,
            document,
        });
    FileOutcome { input, result }
}
