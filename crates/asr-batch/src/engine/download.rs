//! A task with a known id: wait for it once, then download each input's result (before its
//! URL expires, or with a fresh URL from one more query) and hand it to the sink. A file
//! that failed inside the task fails alone.

use std::sync::Arc;

use asr_protocol::PollError;
use asr_types::task::url_expires;
use asr_types::{SubtaskStatus, TaskId, TaskResponse, TaskStatus};
use bytes::Bytes;
use tokio::sync::OwnedSemaphorePermit;

use super::Status;
use super::driver::{Ctx, now_secs, refuses_credentials};
use crate::error::Error;
use crate::journal::{Event, Record};
use crate::sink::{Delivery, Sink};

/// A finished task, and its latest re-query for fresh result URLs, shared by its inputs while
/// those URLs last.
struct Finished {
    task: TaskResponse,
    refreshed: tokio::sync::Mutex<Option<Arc<TaskResponse>>>,
}

/// Waits for `task_id` and finishes `members` (input, the file URL it was submitted with when
/// known). `fresh` is the status its submit just answered; `from_earlier_run` says the task
/// came from the journal, where an `UNKNOWN` task means its results are gone. `Err` only for
/// errors that stop the whole batch.
pub(crate) async fn attached<S: Sink>(
    ctx: &Arc<Ctx<S>>,
    task_id: TaskId,
    fresh: Option<TaskStatus>,
    members: Vec<(usize, Option<String>)>,
    from_earlier_run: bool,
    permit: Option<OwnedSemaphorePermit>,
) -> Result<(), Error> {
    ctx.know(&task_id);
    let indices: Vec<usize> = members.iter().map(|(i, _)| *i).collect();
    if !ctx.options.wait {
        for &index in &indices {
            ctx.emit(ctx.outcome(index, Some(task_id.clone()), Status::Submitted))
                .await;
        }
        return Ok(());
    }
    let permit = match (permit, &ctx.tasks) {
        (Some(p), _) => Some(p),
        (None, Some(cap)) => Arc::clone(cap).acquire_owned().await.ok(),
        (None, None) => None,
    };
    let task = match ctx.tracker.finished(&task_id, fresh).await {
        Ok(task) => task,
        Err(asr_transport::Error::Wait(PollError::UnknownTask { .. })) if from_earlier_run => {
            // The service forgets a task 24 hours after it finished, results included.
            for &index in &indices {
                expired(ctx, index, &task_id).await;
            }
            return Ok(());
        }
        Err(e) if refuses_credentials(&e) => return Err(Error::Credentials(e)),
        Err(e) => {
            ctx.fail_all(&indices, Some(task_id), Error::Transport(e))
                .await;
            return Ok(());
        }
    };
    drop(permit);
    let billed = task
        .usage
        .as_ref()
        .and_then(asr_types::TaskUsage::billed_seconds);
    if ctx.finished_earlier.contains_key(&task_id) {
        ctx.count_earlier(&task_id);
    } else {
        ctx.add_billed(billed.unwrap_or(0));
        ctx.commit.push([Record::TaskFinished {
            task_id: task_id.clone(),
            at: now_secs(),
            billed_seconds: billed,
        }]);
    }
    // The task's billing is one input's only when the task held that input alone.
    let alone = members.len() == 1 && task.output.results.as_ref().is_none_or(|r| r.len() <= 1);
    let per_input = if alone { billed } else { None };
    let finished = Arc::new(Finished {
        task,
        refreshed: tokio::sync::Mutex::new(None),
    });
    let work = members.into_iter().map(|(index, url)| {
        let finished = Arc::clone(&finished);
        async move { deliver(ctx, &finished, index, url, alone, per_input).await }
    });
    futures_util::future::join_all(work).await;
    Ok(())
}

/// Downloads and delivers one input's result.
async fn deliver<S: Sink>(
    ctx: &Arc<Ctx<S>>,
    finished: &Finished,
    index: usize,
    url: Option<String>,
    alone: bool,
    billed: Option<u64>,
) {
    let task_id = finished.task.output.task_id.clone();
    let result_url = match locate(&finished.task, url.as_deref(), alone) {
        Ok(u) => u,
        Err(e) => return ctx.fail(index, Some(task_id), e).await,
    };
    let fetched = {
        let _slot = ctx.downloads.acquire().await;
        fetch(ctx, finished, url.as_deref(), &result_url).await
    };
    let document = match fetched {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return expired(ctx, index, &task_id).await,
        Err(e) => return ctx.fail(index, Some(task_id), e).await,
    };
    let Ok(slot) = Arc::clone(&ctx.deliveries).acquire_owned().await else {
        return;
    };
    let sink = Arc::clone(&ctx.sink);
    let input = ctx.inputs[index].clone();
    let id = task_id.clone();
    let file_url = url.unwrap_or_default();
    let delivered = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        sink.deliver(Delivery {
            index,
            input: &input,
            task_id: &id,
            file_url: &file_url,
            document: &document,
        })
    })
    .await;
    match delivered {
        Ok(Ok(d)) => {
            if let Some(done) = d.done {
                ctx.commit.push([Record::input(
                    ctx.keys[index].clone(),
                    now_secs(),
                    Event::Done {
                        outputs: done.outputs,
                        formats: done.formats,
                    },
                )]);
            }
            let mut outcome = ctx.outcome(index, Some(task_id), Status::Done(d.output));
            outcome.billed_seconds = billed;
            ctx.emit(outcome).await;
        }
        Ok(Err(e)) => ctx.fail(index, Some(task_id), Error::Sink(e)).await,
        Err(join) => {
            let err = Error::Internal(format!("delivering a result panicked: {join}"));
            ctx.fail(index, Some(task_id), err).await;
        }
    }
}

/// Journals and reports that input `index`'s results expired.
async fn expired<S: Sink>(ctx: &Ctx<S>, index: usize, task_id: &TaskId) {
    ctx.commit.push([Record::input(
        ctx.keys[index].clone(),
        now_secs(),
        Event::Expired {
            task_id: task_id.clone(),
        },
    )]);
    ctx.emit(ctx.outcome(index, Some(task_id.clone()), Status::Expired))
        .await;
}

/// The result document, or `None` when the results have expired. A URL past its `Expires` is
/// not tried; a refused one (403) is replaced by a fresh one from one more query of the task.
/// Each input queries at most once, and the inputs of a task share a query whose URLs are
/// still valid.
async fn fetch<S: Sink>(
    ctx: &Ctx<S>,
    finished: &Finished,
    file_url: Option<&str>,
    result_url: &str,
) -> Result<Option<Bytes>, Error> {
    if !is_past(result_url) {
        match ctx.client.fetch_result_bytes(result_url).await {
            Ok(bytes) => return Ok(Some(bytes)),
            Err(e) if e.status() == Some(http::StatusCode::FORBIDDEN) => {
                tracing::debug!(task = %finished.task.output.task_id, "result URL refused; querying the task for a fresh one");
            }
            Err(e) => return Err(e.into()),
        }
    }
    let fresh = {
        let mut latest = finished.refreshed.lock().await;
        let usable = latest
            .as_deref()
            .and_then(|task| fresh_url(task, file_url, result_url))
            .filter(|u| u != result_url && !is_past(u));
        match usable {
            Some(url) => Some(url),
            None => {
                let task = ctx.client.task(&finished.task.output.task_id).await?;
                let task = Arc::new(task);
                *latest = Some(Arc::clone(&task));
                if task.output.task_status == TaskStatus::Unknown {
                    return Ok(None);
                }
                fresh_url(&task, file_url, result_url)
            }
        }
    };
    let Some(fresh) = fresh.filter(|u| !is_past(u)) else {
        return Ok(None);
    };
    match ctx.client.fetch_result_bytes(&fresh).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.status() == Some(http::StatusCode::FORBIDDEN) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether a result URL is past its `Expires` (the storage host refuses it from then on).
fn is_past(url: &str) -> bool {
    url_expires(url).is_some_and(|at| at <= now_secs())
}

/// The fresh URL for the file submitted as `file_url` whose old URL was `old`: by the file's
/// own entry, by the same object path, or the task's only URL.
pub(crate) fn fresh_url(task: &TaskResponse, file_url: Option<&str>, old: &str) -> Option<String> {
    let by_file = file_url.and_then(|f| {
        task.output
            .results
            .iter()
            .flatten()
            .find(|r| r.file_url.as_deref() == Some(f))
            .and_then(|r| r.transcription_url.clone())
    });
    if by_file.is_some() {
        return by_file;
    }
    let path = |u: &str| u.split('?').next().unwrap_or_default().to_owned();
    let old_path = path(old);
    let urls = task.output.transcription_urls();
    urls.iter()
        .find(|u| path(u) == old_path)
        .or_else(|| (urls.len() == 1).then(|| &urls[0]))
        .map(|u| (*u).to_owned())
}

/// The `transcription_url` of the file submitted as `url`, or that file's own failure.
/// `alone`: the task holds this input only, so an unmatched single result is its own (the
/// `file_url` shape does not echo the URL).
pub(crate) fn locate(task: &TaskResponse, url: Option<&str>, alone: bool) -> Result<String, Error> {
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
                TaskStatus::Failed,
                sub.code.clone(),
                sub.message.clone(),
            )),
        };
    }
    if output.task_status != TaskStatus::Succeeded {
        return Err(task_failed(
            task_id,
            output.task_status.clone(),
            output.code.clone(),
            output.message.clone(),
        ));
    }
    let single = output
        .result
        .as_ref()
        .and_then(|r| r.transcription_url.clone());
    match single {
        Some(result_url) if alone && results.is_empty() => Ok(result_url),
        _ => Err(task_failed(
            task_id,
            output.task_status.clone(),
            None,
            Some("the finished task lists no transcription_url for this file".to_owned()),
        )),
    }
}

fn task_failed(
    task_id: &TaskId,
    status: TaskStatus,
    code: Option<String>,
    message: Option<String>,
) -> Error {
    Error::Transport(asr_transport::Error::TaskFailed {
        task_id: task_id.clone(),
        status,
        code,
        message,
    })
}

#[cfg(test)]
mod tests;
