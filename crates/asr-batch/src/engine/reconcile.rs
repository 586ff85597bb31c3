//! Submits sent without a recorded answer (an answer lost on the way, or a kill): find their
//! task in the task list instead of paying for a second one.
//!
//! A candidate is a task of the batch's model created near the submit time that neither the
//! journal nor this run knows. Once it has finished, its file URLs are compared with the
//! submit's: a task holding every URL of the submit is its task. Candidates still running are
//! waited for. A list without a match is believed only when it was taken at least the grace
//! period after the submit (a list may lag behind a task just created), and only when every
//! candidate could be inspected; then the submit created nothing and its inputs are submitted
//! again. Otherwise they are left alone: paying twice is worse than asking for a rerun.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use asr_types::{ListTasksQuery, TaskId};
use futures_util::StreamExt as _;

use super::driver::{Ctx, now_ms, refuses_credentials};
use super::{download, submit};
use crate::error::Error;
use crate::sink::Sink;

/// How far before the submit a candidate's creation time may be: clocks differ between this
/// machine and the service.
const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// Tasks per list page: the most the service documents examples of, so a busy account's list
/// takes few queries.
const PAGE_SIZE: u32 = 100;

/// The inputs of one ambiguous submit.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    /// Each input with the URL it was submitted with.
    pub(crate) members: Vec<(usize, String)>,
    /// When the submit may have reached the service, at the latest (epoch milliseconds).
    pub(crate) sent_at_ms: i64,
}

/// What the task list says about an ambiguous submit.
#[derive(Debug)]
pub(crate) enum Resolution {
    /// This task holds the submit's inputs.
    Found(TaskId),
    /// No task was created: the inputs may be submitted again.
    NotCreated,
    /// Some candidate could not be inspected, or the list failed: leave the inputs alone.
    Unresolved(Option<Arc<Error>>),
}

/// The unit of work for ambiguous submits found in the journal on start: settle each, then
/// finish the found tasks and submit again the inputs no task was created for.
pub(crate) async fn resolve<S: Sink>(
    ctx: &Arc<Ctx<S>>,
    pending: Vec<Pending>,
) -> Result<(), Error> {
    tracing::info!(
        submits = pending.len(),
        "looking for tasks whose submit answer was lost"
    );
    let settled = search(ctx, pending).await?;
    let work = settled.into_iter().map(|(p, resolution)| async move {
        match resolution {
            Resolution::Found(task_id) => {
                tracing::info!(inputs = p.members.len(), task = %task_id, "found the task of a lost submit answer");
                submit::record_task(ctx, &p.members, &task_id);
                let members = p.members.into_iter().map(|(i, u)| (i, Some(u))).collect();
                download::attached(ctx, task_id, None, members, true, None).await
            }
            Resolution::NotCreated => submit::submit(ctx, p.members, None, 1).await,
            Resolution::Unresolved(why) => {
                let indices: Vec<usize> = p.members.iter().map(|(i, _)| *i).collect();
                ctx.fail_all(&indices, None, Error::Unresolved { source: why })
                    .await;
                Ok(())
            }
        }
    });
    let results = futures_util::future::join_all(work).await;
    results.into_iter().collect()
}

/// Settles every submit of `pending` against the task list.
pub(crate) async fn search<S: Sink>(
    ctx: &Arc<Ctx<S>>,
    pending: Vec<Pending>,
) -> Result<Vec<(Pending, Resolution)>, Error> {
    let grace_ms = i64::try_from(ctx.options.reconcile_grace.as_millis()).unwrap_or(i64::MAX);
    let Some(earliest) = pending.iter().map(|p| p.sent_at_ms).min() else {
        return Ok(Vec::new());
    };
    let mut open = pending;
    let mut settled = Vec::new();
    // Each candidate's file URLs once finished; `None` when it could not be inspected.
    let mut inspected: BTreeMap<TaskId, Option<Vec<String>>> = BTreeMap::new();
    loop {
        let listed_at = now_ms();
        let ids = match candidates(ctx, earliest.saturating_sub(CLOCK_SKEW_MS)).await {
            Ok(ids) => ids,
            Err(e) if refuses_credentials(&e) => return Err(Error::Credentials(e)),
            Err(e) => {
                let shared = Arc::new(Error::Transport(e));
                settled.extend(
                    open.into_iter()
                        .map(|p| (p, Resolution::Unresolved(Some(Arc::clone(&shared))))),
                );
                return Ok(settled);
            }
        };
        let new: Vec<TaskId> = ids
            .into_iter()
            .filter(|id| !inspected.contains_key(id) && !ctx.is_known(id))
            .collect();
        let urls = futures_util::future::join_all(new.iter().map(|id| file_urls_of(ctx, id))).await;
        inspected.extend(new.into_iter().zip(urls));
        let all_inspected = inspected.values().all(Option::is_some);
        let mut still_open = Vec::new();
        for p in open {
            let hit = inspected.iter().find(|(id, urls)| {
                !ctx.is_known(id)
                    && urls
                        .as_ref()
                        .is_some_and(|u| p.members.iter().all(|(_, url)| u.contains(url)))
            });
            match hit {
                Some((id, _)) => {
                    // Known from here on, so no other submit can take the same task.
                    ctx.know(id);
                    settled.push((p, Resolution::Found(id.clone())));
                }
                None if listed_at >= p.sent_at_ms.saturating_add(grace_ms) => {
                    let resolution = if all_inspected {
                        Resolution::NotCreated
                    } else {
                        Resolution::Unresolved(None)
                    };
                    settled.push((p, resolution));
                }
                None => still_open.push(p),
            }
        }
        let Some(trusted_at) = still_open
            .iter()
            .map(|p| p.sent_at_ms.saturating_add(grace_ms))
            .min()
        else {
            return Ok(settled);
        };
        // Until then an empty list proves nothing: look again once it does.
        let wait = u64::try_from(trusted_at.saturating_sub(now_ms())).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(wait + 1)).await;
        open = still_open;
    }
}

/// Tasks of the batch's model created at `since_ms` or later, from every page of the list.
async fn candidates<S: Sink>(
    ctx: &Ctx<S>,
    since_ms: i64,
) -> Result<Vec<TaskId>, asr_transport::Error> {
    let mut query = ListTasksQuery::default();
    query.model_name = Some(ctx.job.model().clone());
    query.page_size = Some(PAGE_SIZE);
    let mut list = Box::pin(ctx.client.list_tasks(query));
    let mut ids = Vec::new();
    while let Some(item) = list.next().await {
        let item = item?;
        let Some(id) = item.task_id else { continue };
        if item.gmt_create.is_some_and(|t| t < since_ms) {
            continue;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// The file URLs a task transcribed, once it has finished: from `results[]`, or from its
/// result document for the single-file shape, which does not echo them. `None` if the task
/// could not be waited for or read.
async fn file_urls_of<S: Sink>(ctx: &Ctx<S>, id: &TaskId) -> Option<Vec<String>> {
    let task = ctx.tracker.finished(id, None).await.ok()?;
    let echoed: Vec<String> = task
        .output
        .results
        .iter()
        .flatten()
        .filter_map(|r| r.file_url.clone())
        .collect();
    if !echoed.is_empty() {
        return Some(echoed);
    }
    // A task that ended without a document (failed, cancelled) transcribed nothing we need.
    let Some(url) = task
        .output
        .transcription_urls()
        .first()
        .map(|u| (*u).to_owned())
    else {
        return Some(Vec::new());
    };
    let doc = ctx.client.fetch_result(&url).await.ok()?;
    Some(doc.file_url().map(str::to_owned).into_iter().collect())
}
