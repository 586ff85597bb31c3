//! The driver: plans the run from the journal, runs every unit of work, commits, reports.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use asr_transport::Client;
use asr_types::TaskId;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::commit::Committer;
use super::reconcile::Pending;
use super::track::Tracker;
use super::{Options, Outcome, ProgressEvent, ProgressFn, Status, Summary};
use crate::completion::Completion;
use crate::error::Error;
use crate::input::{Input, InputKey};
use crate::job::Job;
use crate::journal::{Event, InputState, Record, TaskRecord};
use crate::sink::Sink;
use crate::store::Store;

/// Deliveries in flight at most; also what a stop waits for, so no output is left half done.
const MAX_DELIVERIES: u32 = 1024;

/// Everything [`drive`] starts from.
pub(crate) struct Setup<S: Sink> {
    pub(crate) client: Client,
    pub(crate) job: Job,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) sink: Arc<S>,
    pub(crate) options: Options,
    pub(crate) progress: Option<ProgressFn>,
    pub(crate) completion: Option<Arc<dyn Completion>>,
    pub(crate) inputs: Vec<Input>,
    pub(crate) out: mpsc::Sender<Result<Outcome<S::Output>, Error>>,
    pub(crate) summary: Arc<Mutex<Summary>>,
    pub(crate) stop: watch::Receiver<bool>,
}

/// What every unit of work shares.
pub(crate) struct Ctx<S: Sink> {
    pub(crate) client: Client,
    pub(crate) job: Job,
    pub(crate) sink: Arc<S>,
    pub(crate) options: Options,
    pub(crate) progress: Option<ProgressFn>,
    pub(crate) inputs: Vec<Input>,
    pub(crate) keys: Vec<InputKey>,
    /// Each input's journal state at the start of the run.
    pub(crate) states: Vec<InputState>,
    pub(crate) commit: Committer<S>,
    pub(crate) tracker: Tracker,
    out: mpsc::Sender<Result<Outcome<S::Output>, Error>>,
    summary: Arc<Mutex<Summary>>,
    /// Task ids the journal or this run knows: a task-list search for a lost submit answer
    /// looks only at the others.
    pub(crate) known: Mutex<BTreeSet<TaskId>>,
    /// Tasks earlier runs saw finish (their billing is not this run's).
    pub(crate) finished_earlier: BTreeMap<TaskId, TaskRecord>,
    /// Earlier tasks already counted in the summary.
    earlier_counted: Mutex<BTreeSet<TaskId>>,
    pub(crate) uploads: Semaphore,
    pub(crate) downloads: Semaphore,
    pub(crate) deliveries: Arc<Semaphore>,
    pub(crate) tasks: Option<Arc<Semaphore>>,
}

/// A unit of work.
enum Unit {
    /// Inputs with no task yet: upload, submit as one task, finish.
    Fresh(Vec<usize>),
    /// Inputs whose task the journal holds, each with the file URL it was submitted with:
    /// wait and finish, never submit.
    Attach(TaskId, Vec<(usize, Option<String>)>),
    /// Inputs whose submit was sent without a recorded answer: find their task first.
    Ambiguous(Vec<Pending>),
}

pub(crate) async fn drive<S: Sink>(setup: Setup<S>) -> Result<(), Error> {
    let Setup {
        client,
        job,
        store,
        sink,
        options,
        progress,
        completion,
        inputs,
        out,
        summary,
        mut stop,
    } = setup;
    let fatal_out = out.clone();
    let prepared = prepare(
        client, job, store, sink, options, progress, completion, inputs, out, summary,
    )
    .await;
    let (ctx, units) = match prepared {
        Ok(p) => p,
        Err(e) => {
            // Reported on the stream, where the caller reads it.
            let _ = fatal_out.send(Err(e)).await;
            return Ok(());
        }
    };
    let mut set = JoinSet::new();
    for unit in units {
        let ctx = Arc::clone(&ctx);
        set.spawn(async move {
            match unit {
                Unit::Fresh(members) => super::submit::fresh(&ctx, members).await,
                Unit::Attach(task_id, members) => {
                    super::download::attached(&ctx, task_id, None, members, true, None).await
                }
                Unit::Ambiguous(pending) => super::reconcile::resolve(&ctx, pending).await,
            }
        });
    }
    let mut tick = tokio::time::interval(ctx.options.commit_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut fatal: Option<Error> = None;
    let mut stopped = false;
    loop {
        tokio::select! {
            joined = set.join_next() => match joined {
                None => break,
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => {
                    fatal = Some(e);
                    break;
                }
                Some(Err(join)) if join.is_panic() => {
                    fatal = Some(Error::Internal(format!("a batch worker panicked: {join}")));
                    break;
                }
                Some(Err(_)) => {}
            },
            _ = tick.tick() => {
                if let Err(e) = ctx.commit.commit_all().await {
                    fatal = Some(e);
                    break;
                }
            }
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    stopped = true;
                    break;
                }
            }
        }
    }
    set.abort_all();
    while set.join_next().await.is_some() {}
    // Outputs being written are finished (their files are whole), then recorded.
    let _all = ctx.deliveries.acquire_many(MAX_DELIVERIES).await;
    let flushed = ctx.commit.commit_all().await;
    tracing::debug!(commits = ctx.commit.commits(), "batch ended");
    let result = match (fatal, flushed) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(())) => Ok(()),
    };
    match result {
        Err(e) if !stopped => {
            let _ = ctx.out.send(Err(e)).await;
            Ok(())
        }
        other => other,
    }
}

/// Loads the journal, cleans up after killed runs, and sorts every input into an outcome it
/// already has or a unit of work.
#[allow(clippy::too_many_arguments)]
async fn prepare<S: Sink>(
    client: Client,
    job: Job,
    store: Arc<dyn Store>,
    sink: Arc<S>,
    options: Options,
    progress: Option<ProgressFn>,
    completion: Option<Arc<dyn Completion>>,
    inputs: Vec<Input>,
    out: mpsc::Sender<Result<Outcome<S::Output>, Error>>,
    summary: Arc<Mutex<Summary>>,
) -> Result<(Arc<Ctx<S>>, Vec<Unit>), Error> {
    let prep_sink = Arc::clone(&sink);
    tokio::task::spawn_blocking(move || prep_sink.prepare())
        .await
        .map_err(|e| Error::Sink(Box::new(e)))?
        .map_err(Error::Sink)?;
    let replay = store.load().await?;
    let keys: Vec<InputKey> = inputs.iter().map(|i| InputKey::new(i, &job)).collect();
    let states: Vec<InputState> = keys
        .iter()
        .map(|k| replay.state(k).cloned().unwrap_or_default())
        .collect();
    let known: BTreeSet<TaskId> = replay
        .inputs
        .values()
        .filter_map(|s| s.task_id.clone())
        .chain(replay.tasks.keys().cloned())
        .collect();
    // The task id every group some input recorded one for (a kill between two lines of one
    // group's records).
    let group_tasks: BTreeMap<String, TaskId> = replay
        .inputs
        .values()
        .filter_map(|s| Some((s.group.clone()?, s.task_id.clone()?)))
        .collect();
    let finished_earlier = replay.tasks.clone();
    drop(replay);
    let tracker = match completion {
        Some(completion) => Tracker::external(completion, job.model().clone(), progress.clone()),
        None => Tracker::new(
            &client,
            job.model().clone(),
            options.poll.clone(),
            progress.clone(),
        ),
    };
    let ctx = Arc::new(Ctx {
        commit: Committer::new(Arc::clone(&store), Arc::clone(&sink)),
        uploads: Semaphore::new(options.upload_concurrency.max(1)),
        downloads: Semaphore::new(options.download_concurrency.max(1)),
        deliveries: Arc::new(Semaphore::new(MAX_DELIVERIES as usize)),
        tasks: options
            .max_tasks_in_flight
            .map(|n| Arc::new(Semaphore::new(n.max(1)))),
        client,
        job,
        sink,
        options,
        progress,
        inputs,
        keys,
        states,
        tracker,
        out,
        summary,
        known: Mutex::new(known),
        finished_earlier,
        earlier_counted: Mutex::new(BTreeSet::new()),
    });

    let mut settled: Vec<Outcome<S::Output>> = Vec::new();
    let mut adopted = Vec::new();
    let mut first_of: BTreeMap<&InputKey, usize> = BTreeMap::new();
    let mut todo = Vec::new();
    for (index, key) in ctx.keys.iter().enumerate() {
        if let Some(&first) = first_of.get(key) {
            settled.push(ctx.outcome(index, None, Status::Failed(Error::Duplicate { first })));
            continue;
        }
        first_of.insert(key, index);
        let state = &ctx.states[index];
        if let Some(done) = &state.done
            && ctx.sink.is_complete(index, done)
        {
            if let Some(id) = &state.task_id {
                ctx.count_earlier(id);
            }
            settled.push(ctx.outcome(
                index,
                state.task_id.clone(),
                Status::AlreadyDone(done.clone()),
            ));
            continue;
        }
        if state.expired && !ctx.options.resubmit_expired {
            settled.push(ctx.outcome(index, state.task_id.clone(), Status::Expired));
            continue;
        }
        todo.push(index);
    }
    for outcome in settled {
        ctx.emit(outcome).await;
    }

    let todo_keys: Vec<InputKey> = todo.iter().map(|&i| ctx.keys[i].clone()).collect();
    let claimed = store.claim(&todo_keys).await?;
    let mut attach: BTreeMap<TaskId, Vec<(usize, Option<String>)>> = BTreeMap::new();
    let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
    let mut fresh = Vec::new();
    for position in claimed {
        let Some(&index) = todo.get(position) else {
            continue;
        };
        let state = &ctx.states[index];
        let expired_again = state.expired && ctx.options.resubmit_expired;
        if let (Some(id), false) = (&state.task_id, expired_again) {
            tracing::info!(input = %ctx.inputs[index].display_name(), task = %id, "re-attaching to the task in the journal");
            // Journals from before groups lack the URL: the input's own, or its upload.
            let url = state.file_url.clone().or_else(|| match &ctx.inputs[index] {
                Input::Url(u) => Some(u.clone()),
                Input::Path(_) => state.upload.as_ref().map(|u| u.url.clone()),
            });
            attach.entry(id.clone()).or_default().push((index, url));
            continue;
        }
        if let (Some(submit), false) = (&state.submitting, expired_again) {
            if let Some(id) = state.group.as_ref().and_then(|g| group_tasks.get(g)) {
                adopted.push(Record::input(
                    ctx.keys[index].clone(),
                    now_secs(),
                    Event::Submitted {
                        task_id: id.clone(),
                    },
                ));
                attach
                    .entry(id.clone())
                    .or_default()
                    .push((index, Some(submit.url.clone())));
                continue;
            }
            // Journals from before groups: each input was its own task.
            let group = state
                .group
                .clone()
                .unwrap_or_else(|| format!("input:{}", ctx.keys[index].source));
            let entry = pending.entry(group).or_insert_with(|| Pending {
                members: Vec::new(),
                // The journal's seconds are floored: the submit may have left up to a second
                // after `at`.
                sent_at_ms: (submit.at as i64 + 1) * 1000,
            });
            entry.members.push((index, submit.url.clone()));
            entry.sent_at_ms = entry.sent_at_ms.max((submit.at as i64 + 1) * 1000);
            continue;
        }
        fresh.push(index);
    }
    if !adopted.is_empty() {
        tracing::info!(
            inputs = adopted.len(),
            "taking the task id another input of the same submit recorded"
        );
        ctx.commit.push(adopted);
    }
    let mut units: Vec<Unit> = attach
        .into_iter()
        .map(|(id, members)| Unit::Attach(id, members))
        .collect();
    if !pending.is_empty() {
        units.push(Unit::Ambiguous(pending.into_values().collect()));
    }
    let per_task = ctx.job.files_per_task().max(1);
    units.extend(fresh.chunks(per_task).map(|c| Unit::Fresh(c.to_vec())));
    Ok((ctx, units))
}

impl<S: Sink> Ctx<S> {
    pub(crate) fn outcome(
        &self,
        index: usize,
        task_id: Option<TaskId>,
        status: Status<S::Output>,
    ) -> Outcome<S::Output> {
        Outcome {
            index,
            input: self.inputs[index].clone(),
            task_id,
            billed_seconds: None,
            status,
        }
    }

    /// Reports an input's outcome: totals, progress, the stream.
    pub(crate) async fn emit(&self, outcome: Outcome<S::Output>) {
        {
            let mut s = self.summary.lock().unwrap_or_else(PoisonError::into_inner);
            match &outcome.status {
                Status::Done(_) => s.this_run.done += 1,
                Status::AlreadyDone(_) => s.earlier.done += 1,
                Status::Submitted => s.this_run.submitted += 1,
                Status::Expired => s.this_run.expired += 1,
                Status::Failed(_) => s.this_run.failed += 1,
            }
        }
        self.report(&ProgressEvent::InputFinished {
            index: outcome.index,
        });
        // A closed stream means the caller stopped listening; the work ends with the driver.
        let _ = self.out.send(Ok(outcome)).await;
    }

    /// Journals and reports input `index`'s failure.
    pub(crate) async fn fail(&self, index: usize, task_id: Option<TaskId>, err: Error) {
        self.commit.push([Record::input(
            self.keys[index].clone(),
            now_secs(),
            Event::Failed {
                error: error_text(&err),
            },
        )]);
        self.emit(self.outcome(index, task_id, Status::Failed(err)))
            .await;
    }

    /// Fails every input of `members` with one shared error.
    pub(crate) async fn fail_all(&self, members: &[usize], task_id: Option<TaskId>, err: Error) {
        if let [only] = members {
            self.fail(*only, task_id, err).await;
            return;
        }
        let shared = Arc::new(err);
        for &index in members {
            let err = Error::Group {
                inputs: members.len(),
                source: Arc::clone(&shared),
            };
            self.fail(index, task_id.clone(), err).await;
        }
    }

    pub(crate) fn report(&self, event: &ProgressEvent) {
        if let Some(progress) = &self.progress {
            progress(event);
        }
    }

    pub(crate) fn add_tasks(&self, n: u64) {
        self.summary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .this_run
            .tasks += n;
    }

    pub(crate) fn add_billed(&self, seconds: u64) {
        self.summary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .this_run
            .billed_seconds += seconds;
    }

    /// Counts an earlier run's task (once) in the summary's `earlier` totals.
    pub(crate) fn count_earlier(&self, task_id: &TaskId) {
        let first = self
            .earlier_counted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(task_id.clone());
        if first {
            let billed = self
                .finished_earlier
                .get(task_id)
                .and_then(|t| t.billed_seconds)
                .unwrap_or(0);
            let mut s = self.summary.lock().unwrap_or_else(PoisonError::into_inner);
            s.earlier.tasks += 1;
            s.earlier.billed_seconds += billed;
        }
    }

    pub(crate) fn know(&self, task_id: &TaskId) {
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(task_id.clone());
    }

    pub(crate) fn is_known(&self, task_id: &TaskId) -> bool {
        self.known
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(task_id)
    }
}

/// An error as one line, causes included (what the journal and the user see).
pub(crate) fn error_text(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch, the task list's unit.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Whether the service refused the credentials: every other call would be refused too.
pub(crate) fn refuses_credentials(err: &asr_transport::Error) -> bool {
    err.refuses_credentials()
}
