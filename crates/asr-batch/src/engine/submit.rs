//! New tasks: upload a group's local files, journal the intent durably, submit once, journal
//! the task id. A submit whose answer is lost is never resent: its task is looked for first,
//! and only when the task list shows that none was created are its inputs submitted again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use asr_transport::UploadProgress;
use tokio::sync::OwnedSemaphorePermit;

use super::driver::{Ctx, now_ms, now_secs, refuses_credentials};
use super::reconcile::{Pending, Resolution};
use super::{ProgressEvent, download, reconcile};
use crate::error::Error;
use crate::input::Input;
use crate::journal::{Event, Record};
use crate::sink::Sink;

/// Submits of one group at most, counting the first: a submit whose answer was lost and whose
/// task the list shows was never created is sent again, but not forever.
const SUBMIT_ROUNDS: u32 = 3;

/// Uploads, submits and finishes the inputs `members` as one task. `Err` only for errors
/// that stop the whole batch.
pub(crate) async fn fresh<S: Sink>(ctx: &Arc<Ctx<S>>, members: Vec<usize>) -> Result<(), Error> {
    let permit = match &ctx.tasks {
        Some(cap) => Arc::clone(cap).acquire_owned().await.ok(),
        None => None,
    };
    let urls = futures_util::future::join_all(members.iter().map(|&i| url_of(ctx, i))).await;
    let mut ready = Vec::new();
    for (index, url) in members.into_iter().zip(urls) {
        match url {
            Ok(url) => ready.push((index, url)),
            Err(Error::Transport(e)) if refuses_credentials(&e) => {
                return Err(Error::Credentials(e));
            }
            // A file that cannot be uploaded fails alone; the others still make the task.
            Err(e) => ctx.fail(index, None, e).await,
        }
    }
    if ready.is_empty() {
        return Ok(());
    }
    submit(ctx, ready, permit, 0).await
}

/// Submits `members` (input, file URL) as one task, then finishes it; `round` counts earlier
/// submits of the same inputs that created nothing.
pub(crate) async fn submit<S: Sink>(
    ctx: &Arc<Ctx<S>>,
    members: Vec<(usize, String)>,
    permit: Option<OwnedSemaphorePermit>,
    round: u32,
) -> Result<(), Error> {
    let Some(&(first, _)) = members.first() else {
        return Ok(());
    };
    let group = format!("{}-{}-{first}-{round}", now_secs(), std::process::id());
    let sent_at_ms = now_ms();
    let at = now_secs();
    // Every input's intent is on disk before the request leaves, so a kill at any moment
    // leaves either no task or a task the next run finds.
    let seq = ctx.commit.push(members.iter().map(|(index, url)| {
        Record::input(
            ctx.keys[*index].clone(),
            at,
            Event::Submitting {
                url: url.clone(),
                group: Some(group.clone()),
            },
        )
    }));
    ctx.commit.commit(seq).await?;
    let urls: Vec<String> = members.iter().map(|(_, url)| url.clone()).collect();
    let indices: Vec<usize> = members.iter().map(|(i, _)| *i).collect();
    match ctx.client.submit(ctx.job.request(urls)).await {
        Ok(answer) => {
            let task_id = answer.output.task_id;
            ctx.know(&task_id);
            ctx.add_tasks(1);
            record_task(ctx, &members, &task_id);
            let members = members.into_iter().map(|(i, u)| (i, Some(u))).collect();
            download::attached(
                ctx,
                task_id,
                Some(answer.output.task_status),
                members,
                false,
                permit,
            )
            .await
        }
        Err(err @ asr_transport::Error::SubmitOutcomeUnknown { .. }) => {
            tracing::warn!(inputs = members.len(), error = %err, "a submit's answer was lost; looking for its task");
            let pending = Pending {
                members: members.clone(),
                sent_at_ms,
            };
            let resolution = reconcile::search(ctx, vec![pending]).await?.pop();
            match resolution {
                Some((_, Resolution::Found(task_id))) => {
                    ctx.add_tasks(1);
                    record_task(ctx, &members, &task_id);
                    let members = members.into_iter().map(|(i, u)| (i, Some(u))).collect();
                    download::attached(ctx, task_id, None, members, false, permit).await
                }
                Some((_, Resolution::NotCreated)) if round + 1 < SUBMIT_ROUNDS => {
                    tracing::info!(
                        inputs = members.len(),
                        "the lost submit created no task; submitting again"
                    );
                    Box::pin(submit(ctx, members, permit, round + 1)).await
                }
                Some((_, Resolution::NotCreated)) => {
                    ctx.fail_all(&indices, None, Error::Transport(err)).await;
                    Ok(())
                }
                Some((_, Resolution::Unresolved(why))) => {
                    let source = why.or_else(|| Some(Arc::new(Error::Transport(err))));
                    ctx.fail_all(&indices, None, Error::Unresolved { source })
                        .await;
                    Ok(())
                }
                None => {
                    let source = Some(Arc::new(Error::Transport(err)));
                    ctx.fail_all(&indices, None, Error::Unresolved { source })
                        .await;
                    Ok(())
                }
            }
        }
        Err(e) if refuses_credentials(&e) => Err(Error::Credentials(e)),
        Err(e) => {
            ctx.fail_all(&indices, None, Error::Transport(e)).await;
            Ok(())
        }
    }
}

/// Journals `task_id` as the task of every member.
pub(crate) fn record_task<S: Sink>(
    ctx: &Ctx<S>,
    members: &[(usize, String)],
    task_id: &asr_types::TaskId,
) {
    let at = now_secs();
    ctx.commit.push(members.iter().map(|(index, _)| {
        Record::input(
            ctx.keys[*index].clone(),
            at,
            Event::Submitted {
                task_id: task_id.clone(),
            },
        )
    }));
}

/// The URL the service reads input `index` from: the input's own, an upload the journal
/// holds that is still valid, or a new upload (journaled).
async fn url_of<S: Sink>(ctx: &Arc<Ctx<S>>, index: usize) -> Result<String, Error> {
    let path = match &ctx.inputs[index] {
        Input::Url(url) => return Ok(url.clone()),
        Input::Path(path) => path,
    };
    let model = ctx.job.model();
    if let Some(url) = ctx.states[index].reusable_upload(model.as_str(), now_secs()) {
        return Ok(url.to_owned());
    }
    let _permit = ctx.uploads.acquire().await;
    let callback = ctx.progress.clone().map(|progress| {
        let started = AtomicBool::new(false);
        let sent = AtomicU64::new(0);
        let callback = move |p: UploadProgress| {
            if !started.swap(true, Ordering::Relaxed) {
                progress(&ProgressEvent::UploadStarted {
                    index,
                    bytes: p.total,
                });
            }
            let before = sent.swap(p.sent, Ordering::Relaxed);
            progress(&ProgressEvent::Uploaded {
                index,
                bytes: p.sent.saturating_sub(before),
            });
        };
        Arc::new(callback) as asr_transport::ProgressFn
    });
    let upload = ctx
        .client
        .upload_with_progress(path, model, callback)
        .await?;
    ctx.commit.push([Record::input(
        ctx.keys[index].clone(),
        now_secs(),
        Event::Uploaded {
            url: upload.oss_url.clone(),
            model: model.as_str().to_owned(),
        },
    )]);
    Ok(upload.oss_url)
}
