//! The batch: inputs → uploads → submits → completion → downloads → sink, journaled.

mod commit;
mod download;
mod driver;
mod reconcile;
mod submit;
mod track;

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use asr_protocol::PollPolicy;
use asr_transport::Client;
use asr_types::{TaskId, TaskStatus};
use futures_util::Stream;
use tokio::sync::{mpsc, watch};

use crate::completion::Completion;
use crate::error::Error;
use crate::input::Input;
use crate::job::Job;
use crate::journal::DoneRecord;
use crate::sink::{MemorySink, Sink};
use crate::store::{MemoryStore, Store};

/// How long an ambiguous submit waits before a task list without its task is believed: the
/// list may lag behind a task just created, and believing it too early would pay twice.
const DEFAULT_RECONCILE_GRACE: Duration = Duration::from_secs(10);

/// A batch of inputs transcribed as one job, ready to [`run`](Batch::run).
///
/// Defaults need no tuning: tasks in flight are not capped (the client's query budget paces
/// every wait), 8 uploads and 32 downloads at once, a memory store and a [`MemorySink`].
///
/// ```
/// use futures_util::StreamExt;
/// use asr_batch::{Batch, Job, JsonlStore, Status};
/// use asr_types::Model;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
/// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
/// # let dir = std::env::temp_dir().join(format!("asr-doc-batch-{}", std::process::id()));
/// let store = JsonlStore::open(dir.join(asr_batch::journal::FILE_NAME))?;
/// let mut run = Batch::new(client, Job::new(Model::FUN_ASR))
///     .with_store(store)
///     .run(["https://example.com/a.wav", "https://example.com/b.wav"]);
/// while let Some(outcome) = run.next().await {
///     let outcome = outcome?; // an error here stopped the whole batch (store, credentials)
///     match &outcome.status {
///         Status::Done(t) => println!("{}: {}", outcome.input.display_name(), t.text()),
///         other => eprintln!("{}: {other:?}", outcome.input.display_name()),
///     }
/// }
/// println!("billed {} s", run.summary().this_run.billed_seconds);
/// # drop(run);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
pub struct Batch<S: Sink = MemorySink> {
    client: Client,
    job: Job,
    store: Arc<dyn Store>,
    sink: S,
    options: Options,
    progress: Option<ProgressFn>,
    completion: Option<Arc<dyn Completion>>,
}

impl<S: Sink> std::fmt::Debug for Batch<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("job", &self.job)
            .field("store", &self.store.location())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// The settings of a [`Batch`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Tasks submitted and not yet finished, at most; `None` (the default) leaves it to the
    /// account's limits.
    pub max_tasks_in_flight: Option<usize>,
    /// Local files uploaded at once (default 8).
    pub upload_concurrency: usize,
    /// Result documents downloaded at once (default 32).
    pub download_concurrency: usize,
    /// Wait for tasks and download their results (default); `false` submits and reports
    /// [`Status::Submitted`].
    pub wait: bool,
    /// How each task is polled; its `deadline` bounds each wait.
    pub poll: PollPolicy,
    /// Submit again the inputs whose results expired before they were downloaded (billed
    /// again); off by default.
    pub resubmit_expired: bool,
    /// See [`Batch::with_reconcile_grace`] (default 10 s).
    pub reconcile_grace: Duration,
    /// The longest a journal record waits before it is made durable (default 200 ms).
    pub commit_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_tasks_in_flight: None,
            upload_concurrency: 8,
            download_concurrency: 32,
            wait: true,
            poll: PollPolicy::default(),
            resubmit_expired: false,
            reconcile_grace: DEFAULT_RECONCILE_GRACE,
            commit_interval: Duration::from_millis(200),
        }
    }
}

impl Batch<MemorySink> {
    /// A batch of `job` through `client`, in memory, keeping documents in memory.
    pub fn new(client: Client, job: impl Into<Job>) -> Self {
        Batch {
            client,
            job: job.into(),
            store: Arc::new(MemoryStore::new()),
            sink: MemorySink,
            options: Options::default(),
            progress: None,
            completion: None,
        }
    }
}

impl<S: Sink> Batch<S> {
    /// Keeps the journal in `store` (e.g. a [`JsonlStore`](crate::JsonlStore)), so a rerun
    /// resumes: finished inputs are skipped, submitted ones re-attach to their tasks, and no
    /// input is submitted twice.
    #[must_use]
    pub fn with_store(mut self, store: impl Store + 'static) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Hands each downloaded document to `sink` (e.g. a [`DirSink`](crate::DirSink)).
    #[must_use]
    pub fn with_sink<T: Sink>(self, sink: T) -> Batch<T> {
        Batch {
            client: self.client,
            job: self.job,
            store: self.store,
            sink,
            options: self.options,
            progress: self.progress,
            completion: self.completion,
        }
    }

    /// Learns when tasks finish from `completion` instead of tracking them itself: a fleet of
    /// processes on one account gives every batch the same elected poller, so the account's
    /// query budget is spent once.
    #[must_use]
    pub fn with_completion(mut self, completion: Arc<dyn Completion>) -> Self {
        self.completion = Some(completion);
        self
    }

    /// Sends progress events to `callback` (from any thread; keep it quick).
    #[must_use]
    pub fn with_progress(
        mut self,
        callback: impl Fn(&ProgressEvent) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Keeps at most `n` tasks in flight (at least 1): an explicit cap, for accounts that want
    /// one; without it the account's own limits decide.
    #[must_use]
    pub fn with_max_tasks_in_flight(mut self, n: usize) -> Self {
        self.options.max_tasks_in_flight = Some(n.max(1));
        self
    }

    /// Uploads at most `n` local files at once (at least 1).
    #[must_use]
    pub fn with_upload_concurrency(mut self, n: usize) -> Self {
        self.options.upload_concurrency = n.max(1);
        self
    }

    /// Downloads at most `n` result documents at once (at least 1).
    #[must_use]
    pub fn with_download_concurrency(mut self, n: usize) -> Self {
        self.options.download_concurrency = n.max(1);
        self
    }

    /// Whether to wait for the tasks (default `true`); without waiting each input ends as
    /// [`Status::Submitted`] once its task exists.
    #[must_use]
    pub fn with_wait(mut self, wait: bool) -> Self {
        self.options.wait = wait;
        self
    }

    /// Polls each task with `policy`.
    #[must_use]
    pub fn with_poll_policy(mut self, policy: PollPolicy) -> Self {
        self.options.poll = policy;
        self
    }

    /// Gives up waiting for a task after `deadline`: its inputs fail with the wait's error and
    /// keep their task id, so a rerun re-attaches.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.options.poll.deadline = Some(deadline);
        self
    }

    /// Submits again the inputs whose results expired (the service keeps results 24 hours);
    /// that is billed again, so it is off by default and such inputs end as
    /// [`Status::Expired`].
    #[must_use]
    pub fn with_resubmit_expired(mut self, resubmit: bool) -> Self {
        self.options.resubmit_expired = resubmit;
        self
    }

    /// How long after an ambiguous submit (its answer lost) a task list without a matching
    /// task is trusted to mean that no task was created, so its inputs are submitted again in
    /// the same run. Shorter than the service's list lag risks paying twice; the default is
    /// 10 s.
    #[must_use]
    pub fn with_reconcile_grace(mut self, grace: Duration) -> Self {
        self.options.reconcile_grace = grace;
        self
    }

    /// The longest a journal record waits before it is flushed with the next group commit.
    #[must_use]
    pub fn with_commit_interval(mut self, interval: Duration) -> Self {
        self.options.commit_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// The settings.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Starts the batch on the current tokio runtime and returns its outcomes as a stream,
    /// one per input (except inputs a shared store gives to another process), in completion
    /// order. The work goes on in the background; dropping the stream stops it (the journal
    /// keeps what was done), [`BatchRun::interrupt`] stops it and flushes the journal first.
    pub fn run<I>(self, inputs: I) -> BatchRun<S::Output>
    where
        I: IntoIterator,
        I::Item: Into<Input>,
    {
        let inputs: Vec<Input> = inputs.into_iter().map(Into::into).collect();
        let (tx, rx) = mpsc::channel(64);
        let (stop_tx, stop_rx) = watch::channel(false);
        let summary = Arc::new(Mutex::new(Summary::default()));
        let setup = driver::Setup {
            client: self.client,
            job: self.job,
            store: self.store,
            sink: Arc::new(self.sink),
            options: self.options,
            progress: self.progress,
            completion: self.completion,
            inputs,
            out: tx,
            summary: Arc::clone(&summary),
            stop: stop_rx,
        };
        let driver = tokio::spawn(driver::drive(setup));
        BatchRun {
            rx,
            summary,
            stop: stop_tx,
            driver: Some(driver),
        }
    }
}

/// A running batch: a stream of per-input outcomes.
///
/// An `Err` item means the whole batch stopped (the store failed, the service refused the
/// credentials); it is the last item.
pub struct BatchRun<O> {
    rx: mpsc::Receiver<Result<Outcome<O>, Error>>,
    summary: Arc<Mutex<Summary>>,
    stop: watch::Sender<bool>,
    driver: Option<tokio::task::JoinHandle<Result<(), Error>>>,
}

impl<O> std::fmt::Debug for BatchRun<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchRun")
            .field("summary", &self.summary())
            .finish_non_exhaustive()
    }
}

impl<O> BatchRun<O> {
    /// Totals so far; final once the stream has ended.
    pub fn summary(&self) -> Summary {
        *self.summary.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops the batch: work in flight is abandoned (a submit already sent stays in the
    /// journal as ambiguous, for the next run to find), outputs being written are finished,
    /// and the journal is flushed before this returns. Outcomes already produced can still be
    /// read from the stream.
    ///
    /// # Errors
    ///
    /// The journal could not be flushed.
    pub async fn interrupt(&mut self) -> Result<(), Error> {
        let _ = self.stop.send(true);
        // Outcomes not read yet are dropped: the caller asked to stop.
        self.rx.close();
        while self.rx.recv().await.is_some() {}
        match self.driver.take() {
            Some(driver) => driver.await.unwrap_or(Err(Error::Stopped)),
            None => Ok(()),
        }
    }
}

impl<O> Stream for BatchRun<O> {
    type Item = Result<Outcome<O>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl<O> Drop for BatchRun<O> {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            driver.abort();
        }
    }
}

/// What happened to one input.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome<O> {
    /// Position of the input in the batch.
    pub index: usize,
    /// The input.
    pub input: Input,
    /// The input's task, when it has one.
    pub task_id: Option<TaskId>,
    /// Seconds billed for the input's task, when the task held this input alone (a task of
    /// several inputs is billed as a whole: see [`Summary`]).
    pub billed_seconds: Option<u64>,
    /// The result.
    pub status: Status<O>,
}

impl<O> Outcome<O> {
    /// The delivered output, or the input's error ([`Error::Expired`] for expired results;
    /// an input done earlier or only submitted has no output and answers `Ok(None)`).
    ///
    /// # Errors
    ///
    /// The input's own error.
    pub fn into_result(self) -> Result<Option<O>, Error> {
        match self.status {
            Status::Done(o) => Ok(Some(o)),
            Status::AlreadyDone(_) | Status::Submitted => Ok(None),
            Status::Expired => Err(Error::Expired {
                task_id: self.task_id.unwrap_or_else(|| TaskId::new("")),
            }),
            Status::Failed(e) => Err(e),
        }
    }
}

/// The result of one input.
#[derive(Debug)]
#[non_exhaustive]
pub enum Status<O> {
    /// Downloaded and delivered by this run.
    Done(O),
    /// Finished by an earlier run; its outputs are still there.
    AlreadyDone(DoneRecord),
    /// Submitted and not waited for ([`Batch::with_wait`]`(false)`).
    Submitted,
    /// The task's results expired before they were downloaded; only an explicit resubmit
    /// ([`Batch::with_resubmit_expired`]) helps, and it is billed again.
    Expired,
    /// Failed, with the input's own error.
    Failed(Error),
}

/// What a batch did: this run, and what earlier runs of the same journal had done for its
/// inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// This run.
    pub this_run: Counts,
    /// Earlier runs (inputs found finished in the journal, and their tasks' billing).
    pub earlier: Counts,
}

/// Counts of a [`Summary`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// Tasks created (earlier: tasks of the inputs found finished).
    pub tasks: u64,
    /// Inputs delivered.
    pub done: u64,
    /// Inputs submitted without waiting.
    pub submitted: u64,
    /// Inputs that failed.
    pub failed: u64,
    /// Inputs whose results expired.
    pub expired: u64,
    /// Seconds billed, summed over the tasks that finished.
    pub billed_seconds: u64,
}

/// A progress event, for progress bars.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// An upload of input `index` started; it sends `bytes` in all (the form around the file
    /// included).
    UploadStarted {
        /// The input.
        index: usize,
        /// Request bytes to send.
        bytes: u64,
    },
    /// `bytes` more of input `index`'s upload were sent.
    Uploaded {
        /// The input.
        index: usize,
        /// Bytes since the last event.
        bytes: u64,
    },
    /// A task was seen in a new status.
    TaskStatus {
        /// The task.
        task_id: TaskId,
        /// The status before (`None` when first seen).
        from: Option<TaskStatus>,
        /// The new status.
        to: TaskStatus,
    },
    /// Input `index` is finished, one way or another.
    InputFinished {
        /// The input.
        index: usize,
    },
}

/// A callback receiving [`ProgressEvent`]s.
pub type ProgressFn = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;
