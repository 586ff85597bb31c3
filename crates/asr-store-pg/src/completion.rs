//! Completion for the engine from the database: a task is registered for the poller, and its
//! terminal answer is read back once the poller recorded it.

use std::collections::BTreeMap;
use std::time::Duration;

use asr_batch::Completion;
use asr_transport::{PollError, TaskId, TaskResponse, TrackedTask};
use deadpool_postgres::Pool;
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

type Answer = Result<TaskResponse, asr_transport::Error>;

/// The engine's [`Completion`], backed by `asr_task`.
#[derive(Debug, Clone)]
pub(crate) struct PgCompletion {
    tx: mpsc::UnboundedSender<(TrackedTask, oneshot::Sender<Answer>)>,
}

impl PgCompletion {
    /// Starts the waiter (checks every `every`); it ends when every handle is dropped.
    pub(crate) fn start(pool: Pool, every: Duration) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(wait_loop(pool, rx, every));
        (PgCompletion { tx }, task)
    }
}

impl Completion for PgCompletion {
    fn finished(&self, task: TrackedTask) -> BoxFuture<'_, Answer> {
        let (tx, rx) = oneshot::channel();
        let id = task.task_id.clone();
        let sent = self.tx.send((task, tx)).is_ok();
        Box::pin(async move {
            let stopped = || {
                Err(asr_transport::Error::Wait(PollError::DeadlineExceeded {
                    task_id: id.clone(),
                    last_status: None,
                }))
            };
            if !sent {
                return stopped();
            }
            rx.await.unwrap_or_else(|_| stopped())
        })
    }
}

async fn wait_loop(
    pool: Pool,
    mut rx: mpsc::UnboundedReceiver<(TrackedTask, oneshot::Sender<Answer>)>,
    every: Duration,
) {
    let mut waiters: BTreeMap<TaskId, Vec<oneshot::Sender<Answer>>> = BTreeMap::new();
    let mut new: Vec<TrackedTask> = Vec::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut open = true;
    while open || !waiters.is_empty() {
        tokio::select! {
            got = rx.recv(), if open => match got {
                Some((task, answer)) => {
                    waiters.entry(task.task_id.clone()).or_default().push(answer);
                    new.push(task);
                }
                None => open = false,
            },
            _ = tick.tick() => {
                waiters.retain(|_, w| { w.retain(|a| !a.is_closed()); !w.is_empty() });
                if let Err(e) = check(&pool, &mut new, &mut waiters).await {
                    tracing::debug!(error = %e, "cannot read task completion; retrying");
                }
            }
        }
    }
}

async fn check(
    pool: &Pool,
    new: &mut Vec<TrackedTask>,
    waiters: &mut BTreeMap<TaskId, Vec<oneshot::Sender<Answer>>>,
) -> Result<(), crate::FleetError> {
    if new.is_empty() && waiters.is_empty() {
        return Ok(());
    }
    let client = pool.get().await?;
    if !new.is_empty() {
        let ids: Vec<&str> = new.iter().map(|t| t.task_id.as_str()).collect();
        let models: Vec<&str> = new.iter().map(|t| t.model.as_str()).collect();
        let at: Vec<Option<i64>> = new.iter().map(|t| t.submitted_at_ms).collect();
        client
            .execute(
                "INSERT INTO asr_task (task_id, model, submitted_at_ms)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::int8[])
                 ON CONFLICT (task_id) DO UPDATE
                 SET submitted_at_ms = coalesce(asr_task.submitted_at_ms, excluded.submitted_at_ms)",
                &[&ids, &models, &at],
            )
            .await?;
        new.clear();
    }
    let ids: Vec<&str> = waiters.keys().map(TaskId::as_str).collect();
    let rows = client
        .query(
            "SELECT task_id, state, response, lost FROM asr_task
             WHERE task_id = ANY($1) AND state <> 0",
            &[&ids],
        )
        .await?;
    for row in rows {
        let id = TaskId::new(row.get::<_, String>(0));
        let state: i16 = row.get(1);
        let response: Option<String> = row.get(2);
        let answer = || -> Answer {
            match (state, &response) {
                (1, Some(json)) => serde_json::from_str::<TaskResponse>(json).map_err(|_| {
                    asr_transport::Error::Wait(PollError::DeadlineExceeded {
                        task_id: id.clone(),
                        last_status: None,
                    })
                }),
                _ => Err(asr_transport::Error::Wait(PollError::UnknownTask {
                    task_id: id.clone(),
                    request_id: None,
                })),
            }
        };
        for waiter in waiters.remove(&id).unwrap_or_default() {
            let _ = waiter.send(answer());
        }
    }
    Ok(())
}
