//! Completion tracking, behind one seam: "tell me when this task has finished".
//!
//! Today each task is waited for with [`Client::wait`] (its polls share the client's query
//! budget). The seam is shaped for a tracker that serves every task of the run from one
//! budget — task queries while few are in flight, task-list sweeps when many are — so the
//! engine does not change when that replaces it.

use std::time::Duration;

use asr_protocol::{PollEvent, PollPolicy};
use asr_transport::{Client, WaitOptions};
use asr_types::{TaskId, TaskResponse, TaskStatus};

use super::{ProgressEvent, ProgressFn};

pub(crate) struct Tracker {
    client: Client,
    policy: PollPolicy,
    progress: Option<ProgressFn>,
}

impl Tracker {
    pub(crate) fn new(client: Client, policy: PollPolicy, progress: Option<ProgressFn>) -> Self {
        Tracker {
            client,
            policy,
            progress,
        }
    }

    /// The task's final state. `fresh` is the status its submit just answered (the first
    /// query can then wait a poll delay); `None` for a task of unknown state. `deadline`
    /// overrides the policy's.
    pub(crate) async fn finished(
        &self,
        task_id: &TaskId,
        fresh: Option<TaskStatus>,
        deadline: Option<Duration>,
    ) -> Result<TaskResponse, asr_transport::Error> {
        let mut policy = self.policy.clone();
        if deadline.is_some() {
            policy.deadline = deadline;
        }
        let mut options = WaitOptions::default().with_policy(policy);
        if let Some(status) = fresh {
            options = options.with_fresh_status(status);
        }
        if let Some(progress) = self.progress.clone() {
            let id = task_id.clone();
            options = options.with_progress(move |event| {
                if let PollEvent::StatusChanged { from, to } = &event.event {
                    progress(&ProgressEvent::TaskStatus {
                        task_id: id.clone(),
                        from: from.clone(),
                        to: to.clone(),
                    });
                }
            });
        }
        self.client.wait(task_id, options).await
    }
}
