//! The fleet's one poller: whichever worker holds a session-level advisory lock tracks every
//! open task of the database with the transport's tracker and records each terminal answer.
//! The lock lives and dies with one dedicated connection, and everything the poller reads and
//! writes goes over that connection, so a poller cut off from the database can neither keep
//! the lock nor record anything; its queries pass the send gate, so it cannot query either.

use std::collections::BTreeSet;
use std::time::Duration;

use asr_transport::{
    Client, Model, PollError, PollPolicy, TaskId, TrackEvent, TrackOptions, TrackPolicy,
    TrackedTask,
};
use futures_util::StreamExt as _;
use tokio_postgres::Config;

use crate::db;
use crate::error::FleetError;

/// The advisory lock of the poller (one per database: one account).
pub(crate) const POLLER_LOCK: i64 = 0x6173_725f_706f_6c6c;

/// How often a worker tries to become the poller, and the poller looks for new tasks.
#[derive(Debug, Clone)]
pub(crate) struct PollerSettings {
    pub(crate) elect_every: Duration,
    pub(crate) scan_every: Duration,
    pub(crate) poll: PollPolicy,
}

/// Tries to become the poller every `elect_every`; polls while elected. Runs until aborted.
pub(crate) async fn elect(config: Config, client: Client, settings: PollerSettings) {
    loop {
        match db::session(&config).await {
            Ok((session, driver)) => {
                let got: Result<bool, _> = session
                    .query_one("SELECT pg_try_advisory_lock($1)", &[&POLLER_LOCK])
                    .await
                    .map(|r| r.get(0));
                match got {
                    Ok(true) => {
                        tracing::info!("elected as the fleet's poller");
                        if let Err(e) = poll(&session, &client, &settings).await {
                            tracing::warn!(error = %e, "the poller stopped");
                        }
                    }
                    Ok(false) => {}
                    Err(e) => tracing::debug!(error = %e, "cannot ask for the poller's lock"),
                }
                drop(session);
                driver.abort();
            }
            Err(e) => tracing::debug!(error = %e, "cannot open the poller's session"),
        }
        tokio::time::sleep(settings.elect_every).await;
    }
}

/// Tracks the database's open tasks until the session fails.
async fn poll(
    session: &tokio_postgres::Client,
    client: &Client,
    settings: &PollerSettings,
) -> Result<(), FleetError> {
    let policy = TrackPolicy::default().with_poll_policy(settings.poll.clone());
    let (tracker, mut events) = client.tracker(TrackOptions::default().with_policy(policy));
    let mut tracked: BTreeSet<TaskId> = BTreeSet::new();
    let mut last_seq: i64 = 0;
    let mut scan = tokio::time::interval(settings.scan_every);
    scan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = scan.tick() => {
                let rows = session
                    .query(
                        "SELECT seq, task_id, model, submitted_at_ms FROM asr_task
                         WHERE state = 0 AND seq > $1 ORDER BY seq",
                        &[&last_seq],
                    )
                    .await?;
                for row in rows {
                    last_seq = last_seq.max(row.get(0));
                    let id = TaskId::new(row.get::<_, String>(1));
                    if !tracked.insert(id.clone()) {
                        continue;
                    }
                    let mut task = TrackedTask::new(id, Model::new(row.get::<_, String>(2)));
                    if let Some(ms) = row.get::<_, Option<i64>>(3) {
                        task = task.with_submitted_at_ms(ms);
                    }
                    tracker.add(task);
                }
            }
            event = events.next() => match event {
                Some(TrackEvent::Finished(task)) => {
                    let id = task.output.task_id.clone();
                    let billed = task
                        .usage
                        .as_ref()
                        .and_then(asr_types::TaskUsage::billed_seconds)
                        .map(|s| s.min(i64::MAX as u64) as i64);
                    let json = serde_json::to_string(&*task).map_err(|e| FleetError::Corrupt {
                        what: "task answer",
                        problem: e.to_string(),
                    })?;
                    session
                        .execute(
                            "UPDATE asr_task SET state = 1, response = $2, billed_seconds = $3,
                                 finished_at = clock_timestamp()
                             WHERE task_id = $1",
                            &[&id.as_str(), &json, &billed],
                        )
                        .await?;
                    tracked.remove(&id);
                }
                Some(TrackEvent::Lost { task_id, error }) => {
                    tracked.remove(&task_id);
                    match error {
                        PollError::UnknownTask { .. } => {
                            session
                                .execute(
                                    "UPDATE asr_task SET state = 2, lost = 'unknown',
                                         finished_at = clock_timestamp()
                                     WHERE task_id = $1",
                                    &[&task_id.as_str()],
                                )
                                .await?;
                        }
                        other => {
                            // Queries kept failing: the task may well finish; look again soon.
                            tracing::warn!(task = %task_id, error = %other, "tracking a task failed; retrying");
                            last_seq = 0;
                        }
                    }
                }
                Some(_) => {}
                None => return Ok(()),
            },
        }
    }
}
