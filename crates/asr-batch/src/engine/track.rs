//! Completion tracking, behind one seam: "tell me when this task has finished".
//!
//! Every task of the run goes to one [`TaskTracker`] of the client: while few tasks are in
//! flight it polls each, and when polling would not fit the account's query budget it learns
//! completion from task-list sweeps and queries each finished task once. A dispatcher task
//! drives its event stream and hands each task's end to whoever waits for it. A batch given
//! a [`Completion`] (a fleet's shared poller) asks it instead.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use asr_protocol::PollPolicy;
use asr_transport::{Client, TaskTracker, TrackEvent, TrackOptions, TrackPolicy, TrackedTask};
use asr_types::{Model, TaskId, TaskResponse, TaskStatus};
use futures_util::StreamExt as _;
use tokio::sync::oneshot;

use super::{ProgressEvent, ProgressFn};
use crate::completion::Completion;

type Waiters = BTreeMap<TaskId, Vec<oneshot::Sender<Result<TaskResponse, asr_transport::Error>>>>;

/// What the dispatcher and the waiters share.
#[derive(Default)]
struct Shared {
    waiters: Waiters,
    /// Each tracked task's last status, for progress events.
    last: BTreeMap<TaskId, TaskStatus>,
}

pub(crate) struct Tracker {
    model: Model,
    progress: Option<ProgressFn>,
    how: How,
}

enum How {
    /// The client's own tracker, driven by a dispatcher task.
    Local {
        handle: TaskTracker,
        shared: Arc<Mutex<Shared>>,
        dispatcher: tokio::task::JoinHandle<()>,
    },
    /// Someone else learns completion.
    External(Arc<dyn Completion>),
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if let How::Local { dispatcher, .. } = &self.how {
            dispatcher.abort();
        }
    }
}

impl Tracker {
    /// A tracker for tasks of `model`, polled per `policy` (its deadline bounds each task).
    pub(crate) fn new(
        client: &Client,
        model: Model,
        policy: PollPolicy,
        progress: Option<ProgressFn>,
    ) -> Self {
        let options =
            TrackOptions::default().with_policy(TrackPolicy::default().with_poll_policy(policy));
        let (handle, mut events) = client.tracker(options);
        let shared = Arc::new(Mutex::new(Shared::default()));
        let dispatch = Arc::clone(&shared);
        let report = progress.clone();
        let dispatcher = tokio::spawn(async move {
            while let Some(event) = events.next().await {
                let (task_id, end) = match event {
                    TrackEvent::StatusChanged { task_id, status } => {
                        let from = lock(&dispatch).last.insert(task_id.clone(), status.clone());
                        if let Some(progress) = &report
                            && from.as_ref() != Some(&status)
                        {
                            progress(&ProgressEvent::TaskStatus {
                                task_id,
                                from,
                                to: status,
                            });
                        }
                        continue;
                    }
                    TrackEvent::Finished(task) => {
                        let id = task.output.task_id.clone();
                        (id, Ok(*task))
                    }
                    TrackEvent::Lost { task_id, error } => {
                        (task_id, Err(asr_transport::Error::Wait(error)))
                    }
                    _ => continue,
                };
                let (waiters, from) = {
                    let mut s = lock(&dispatch);
                    (s.waiters.remove(&task_id), s.last.remove(&task_id))
                };
                if let (Some(progress), Ok(task)) = (&report, &end) {
                    let to = task.output.task_status.clone();
                    if from.as_ref() != Some(&to) {
                        progress(&ProgressEvent::TaskStatus {
                            task_id: task_id.clone(),
                            from,
                            to,
                        });
                    }
                }
                let mut waiters = waiters.unwrap_or_default();
                let last = waiters.pop();
                for waiter in waiters {
                    let copy = match &end {
                        Ok(task) => Ok(task.clone()),
                        Err(e) => Err(asr_transport::Error::Wait(poll_error_copy(e, &task_id))),
                    };
                    let _ = waiter.send(copy);
                }
                if let Some(waiter) = last {
                    let _ = waiter.send(end);
                }
            }
        });
        Tracker {
            model,
            progress,
            how: How::Local {
                handle,
                shared,
                dispatcher,
            },
        }
    }

    /// A tracker that asks `completion` (tasks of `model`).
    pub(crate) fn external(
        completion: Arc<dyn Completion>,
        model: Model,
        progress: Option<ProgressFn>,
    ) -> Self {
        Tracker {
            model,
            progress,
            how: How::External(completion),
        }
    }

    /// The task's final state. `fresh` is the status its submit just answered (the first
    /// query can then wait a poll delay, and its age is known); `None` for a task of unknown
    /// state, which is queried at once.
    pub(crate) async fn finished(
        &self,
        task_id: &TaskId,
        fresh: Option<TaskStatus>,
    ) -> Result<TaskResponse, asr_transport::Error> {
        let (handle, shared) = match &self.how {
            How::Local { handle, shared, .. } => (handle, shared),
            How::External(completion) => return self.ask(completion, task_id, fresh).await,
        };
        let (tx, rx) = oneshot::channel();
        let first = {
            let mut s = lock(shared);
            let entry = s.waiters.entry(task_id.clone()).or_default();
            entry.push(tx);
            let first = entry.len() == 1;
            if first && let Some(status) = &fresh {
                s.last.insert(task_id.clone(), status.clone());
            }
            first
        };
        if first {
            let mut task = TrackedTask::new(task_id.clone(), self.model.clone());
            if let Some(status) = fresh {
                if let Some(progress) = &self.progress {
                    progress(&ProgressEvent::TaskStatus {
                        task_id: task_id.clone(),
                        from: None,
                        to: status.clone(),
                    });
                }
                task = task
                    .with_submitted_at_ms(super::driver::now_ms())
                    .with_fresh_status(status);
            }
            handle.add(task);
        }
        rx.await.unwrap_or_else(|_| {
            Err(asr_transport::Error::Wait(
                asr_protocol::PollError::DeadlineExceeded {
                    task_id: task_id.clone(),
                    last_status: None,
                },
            ))
        })
    }
}

impl Tracker {
    /// Waits through an outside [`Completion`], reporting the statuses it sees.
    async fn ask(
        &self,
        completion: &Arc<dyn Completion>,
        task_id: &TaskId,
        fresh: Option<TaskStatus>,
    ) -> Result<TaskResponse, asr_transport::Error> {
        let mut task = TrackedTask::new(task_id.clone(), self.model.clone());
        if let Some(status) = &fresh {
            task = task
                .with_submitted_at_ms(super::driver::now_ms())
                .with_fresh_status(status.clone());
            if let Some(progress) = &self.progress {
                progress(&ProgressEvent::TaskStatus {
                    task_id: task_id.clone(),
                    from: None,
                    to: status.clone(),
                });
            }
        }
        let end = completion.finished(task).await;
        if let (Some(progress), Ok(done)) = (&self.progress, &end) {
            let to = done.output.task_status.clone();
            if fresh.as_ref() != Some(&to) {
                progress(&ProgressEvent::TaskStatus {
                    task_id: task_id.clone(),
                    from: fresh,
                    to,
                });
            }
        }
        end
    }
}

/// A second waiter of the same lost task gets the same kind of error.
fn poll_error_copy(e: &asr_transport::Error, task_id: &TaskId) -> asr_protocol::PollError {
    match e {
        asr_transport::Error::Wait(asr_protocol::PollError::UnknownTask { request_id, .. }) => {
            asr_protocol::PollError::UnknownTask {
                task_id: task_id.clone(),
                request_id: request_id.clone(),
            }
        }
        _ => asr_protocol::PollError::DeadlineExceeded {
            task_id: task_id.clone(),
            last_status: None,
        },
    }
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}
