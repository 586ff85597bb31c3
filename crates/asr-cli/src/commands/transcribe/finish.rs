//! A submitted task: wait for it once, then download, render and write each input's result.
//! A file that failed inside the task (its subtask) fails alone.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use asr_transport::{Client, PollEvent, TaskId, TaskResponse, TaskStatus, WaitOptions};
use asr_types::SubtaskStatus;
use futures_util::StreamExt as _;

use super::{Batch, Reports, failed, failed_all, new_report, record, retrying};
use crate::exit::{self, Kind};
use crate::journal::Event;
use crate::output;
use crate::progress::TaskState;

/// Result documents downloaded at once per task: enough to keep a 100-file task's downloads
/// well inside the time its processing took, few enough to stay polite to the storage host.
const DOWNLOADS_PER_TASK: usize = 16;

/// Finish task `task_id` for `members` (input index, the file URL it was submitted with when
/// known); a report for each. `Err` only for errors that doom the whole batch.
///
/// `fresh` is the status the submit that created the task just answered; `None` when the
/// task's state is unknown (re-attached from the journal, found by a lookup).
pub(super) async fn run(
    batch: &Batch,
    task_id: TaskId,
    fresh: Option<TaskStatus>,
    members: Vec<(usize, Option<String>)>,
) -> anyhow::Result<Reports> {
    let with_task = |index: usize| {
        let mut report = new_report(batch, index);
        report.task_id = Some(task_id.to_string());
        report
    };
    if !batch.wait {
        return Ok(members
            .into_iter()
            .map(|(index, _)| {
                let mut report = with_task(index);
                report.status = "submitted";
                (index, report)
            })
            .collect());
    }
    // Only the first attempt starts from the submit's answer; a retry follows a failed wait,
    // when the task may have moved on, so it queries at once.
    let mut fresh = fresh;
    let task = match retrying(task_id.as_str(), || wait(batch, &task_id, fresh.take())).await {
        Ok(task) => task,
        Err(err) => {
            let reports = members.iter().map(|(i, _)| (*i, with_task(*i))).collect();
            return failed_all(batch, reports, err);
        }
    };
    let billed = task
        .usage
        .as_ref()
        .and_then(|u| u.billed_seconds())
        .map(|s| s as f64);
    if let Some(seconds) = billed {
        *batch
            .billed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += seconds;
    }
    // The task's billing is one file's only when the task held that file alone.
    let alone = members.len() == 1 && task.output.results.as_ref().is_none_or(|r| r.len() <= 1);
    let per_file = if alone { billed } else { None };
    let task = &task;
    let with_task = &with_task;
    let mut out = Vec::new();
    let mut downloads = futures_util::stream::iter(members)
        .map(|(index, url)| async move {
            let mut report = with_task(index);
            report.audio_seconds = per_file;
            let outcome = match locate(task, url.as_deref(), alone) {
                Ok(result_url) => deliver(batch, index, task, &result_url, per_file).await,
                Err(err) => Err(err),
            };
            match outcome {
                Ok(outputs) => {
                    report.outputs = outputs;
                    Ok((index, report))
                }
                Err(err) => failed(batch, index, report, err).map(|r| (index, r)),
            }
        })
        .buffer_unordered(DOWNLOADS_PER_TASK);
    while let Some(done) = downloads.next().await {
        out.push(done?);
    }
    Ok(out)
}

/// The `transcription_url` of the file submitted as `url`, or that file's own failure.
/// `alone`: the task holds this input only, so an unmatched single result is its own (the
/// `file_url` shape does not echo the URL).
fn locate(task: &TaskResponse, url: Option<&str>, alone: bool) -> anyhow::Result<String> {
    let output = &task.output;
    let task_id = &output.task_id;
    let results = output.results.as_deref().unwrap_or_default();
    let subtask = url
        .and_then(|u| results.iter().find(|r| r.file_url.as_deref() == Some(u)))
        .or_else(|| results.first().filter(|_| alone && results.len() == 1));
    if let Some(sub) = subtask {
        return match (&sub.subtask_status, &sub.transcription_url) {
            (Some(SubtaskStatus::Succeeded), Some(result_url)) => Ok(result_url.clone()),
            _ => Err(task_failed(
                task_id,
                &TaskStatus::Failed,
                sub.code.as_deref(),
                sub.message.as_deref(),
            )),
        };
    }
    if output.task_status != TaskStatus::Succeeded {
        return Err(task_failed(
            task_id,
            &output.task_status,
            output.code.as_deref(),
            output.message.as_deref(),
        ));
    }
    let single = output
        .result
        .as_ref()
        .and_then(|r| r.transcription_url.clone());
    match single {
        Some(result_url) if alone && results.is_empty() => Ok(result_url),
        _ => Err(exit::Failure::new(
            Kind::Rejected,
            format!("task {task_id} succeeded but lists no transcription_url for this file"),
        )
        .into()),
    }
}

/// Download, render and write input `index`'s result; the file names written.
async fn deliver(
    batch: &Batch,
    index: usize,
    task: &TaskResponse,
    result_url: &str,
    audio_seconds: Option<f64>,
) -> anyhow::Result<Vec<String>> {
    let task_id = &task.output.task_id;
    let raw = retrying(&batch.items[index].display, || {
        fetch(&batch.client, task_id, result_url)
    })
    .await?;
    let (Some(dest), Some(render)) = (&batch.dest, batch.render) else {
        return Ok(Vec::new());
    };
    let artifacts = output::render(&raw, &batch.formats, render).map_err(|e| {
        exit::Failure::new(
            Kind::Rejected,
            "the service's result document cannot be rendered",
        )
        .with_source(e)
    })?;
    let outputs = dest.emit(&batch.stems[index], &artifacts)?;
    if !outputs.is_empty() {
        let formats = batch
            .formats
            .iter()
            .map(|f| f.extension().to_owned())
            .collect();
        record(
            batch,
            &batch.items[index].key,
            Event::Done {
                outputs: outputs.clone(),
                formats,
                audio_seconds,
            },
        )?;
    }
    Ok(outputs)
}

/// Wait for the task to end, whatever its outcome. A `fresh` status (the submit's answer)
/// spares the query at the start: issue 8's 2-second tasks then cost 4 queries, not 5.
async fn wait(
    batch: &Batch,
    task_id: &TaskId,
    fresh: Option<TaskStatus>,
) -> anyhow::Result<TaskResponse> {
    let mut options = WaitOptions::default();
    if let Some(status) = fresh {
        options = options.with_fresh_status(status);
    }
    if let Some(t) = batch.timeout {
        options = options.with_deadline(t);
    }
    // The callback runs inside the wait; the bars are updated from this task instead.
    let seen = Arc::new(Mutex::new(None::<TaskState>));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Option<TaskState>, TaskState)>();
    options = options.with_progress(move |event| {
        if let PollEvent::StatusChanged { to, .. } = &event.event {
            let to = bucket(to);
            let mut last = seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last != Some(to) {
                let _ = tx.send((*last, to));
                *last = Some(to);
            }
        }
    });
    let wait = batch.client.wait(task_id, options);
    tokio::pin!(wait);
    let done = loop {
        tokio::select! {
            done = &mut wait => break done,
            Some((from, to)) = rx.recv() => batch.progress.task_moved(from, to),
        }
    };
    while let Ok((from, to)) = rx.try_recv() {
        batch.progress.task_moved(from, to);
    }
    done.with_context(|| format!("waiting for task {task_id} failed"))
}

/// Download a result document exactly as the storage host sent it: the bytes are what
/// `--format json` writes, and what the other formats are rendered from.
pub async fn fetch(client: &Client, task_id: &TaskId, url: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = client.fetch_result_bytes(url).await.map_err(|e| {
        if e.status().map(|s| s.as_u16()) == Some(403) {
            exit::Failure::new(
                Kind::Rejected,
                format!(
                    "the result of task {task_id} has expired: results are kept for 24 hours \
                     after a task finishes; transcribe the input again"
                ),
            )
            .with_source(e)
            .into()
        } else {
            anyhow::Error::new(e).context(format!("cannot download the result of task {task_id}"))
        }
    })?;
    Ok(bytes.into())
}

fn task_failed(
    task_id: &TaskId,
    status: &TaskStatus,
    code: Option<&str>,
    message: Option<&str>,
) -> anyhow::Error {
    let detail = match (code, message) {
        (Some(c), Some(m)) => format!(": {c}: {m}"),
        (Some(c), None) => format!(": {c}"),
        (None, Some(m)) => format!(": {m}"),
        (None, None) => String::new(),
    };
    exit::Failure::new(
        Kind::Rejected,
        format!("task {task_id} ended {status}{detail}"),
    )
    .into()
}

fn bucket(status: &TaskStatus) -> TaskState {
    match status {
        TaskStatus::Pending => TaskState::Pending,
        TaskStatus::Running => TaskState::Running,
        _ => TaskState::Finished,
    }
}
