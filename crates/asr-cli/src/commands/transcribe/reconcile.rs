//! Inputs whose submit was sent but whose task id was never recorded (a kill, or an answer
//! lost on the way): find their task instead of paying for a second one.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::Context as _;
use asr_transport::{TaskId, WaitOptions};

use super::{Batch, lock, lock_set, record_all};
use crate::journal::Event;

/// How long a lookup waits for a candidate task to finish before giving up on it.
const RECONCILE_WAIT: Duration = Duration::from_secs(30 * 60);

/// The inputs of one ambiguous submit.
struct Pending {
    /// Journal keys, each with the URL it was submitted with.
    members: Vec<(String, String)>,
    /// When the submit was sent (seconds since the epoch).
    at: u64,
}

/// Give every ambiguous input (all of them, or those of group `only`) its task id when it can
/// be found: first from another input of the same group that recorded it (a kill between two
/// journal lines), then by listing the account's recent tasks and matching every URL of the
/// group. Inputs matched nowhere while some candidate task could not be inspected are marked
/// unresolved and are not submitted again in this run; the others are submitted again,
/// since the service never created their task.
pub(super) async fn resolve(batch: &Batch, only: Option<&str>) -> anyhow::Result<()> {
    let (adopted, pending) = {
        let journal = lock(&batch.journal);
        let states = journal.states();
        // The task id of every group some input recorded one for.
        let known_groups: BTreeMap<&str, &str> = states
            .values()
            .filter_map(|s| Some((s.group.as_deref()?, s.task_id.as_deref()?)))
            .collect();
        let mut adopted = Vec::new();
        let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
        for (key, state) in states {
            let Some((url, at)) = state
                .submitting
                .as_ref()
                .filter(|_| state.task_id.is_none())
            else {
                continue;
            };
            if only.is_some_and(|g| state.group.as_deref() != Some(g)) {
                continue;
            }
            if let Some(id) = state.group.as_deref().and_then(|g| known_groups.get(g)) {
                adopted.push((
                    key.clone(),
                    Event::Submitted {
                        task_id: (*id).to_owned(),
                    },
                ));
                continue;
            }
            // Journals from before groups: each input was its own task.
            let group = state
                .group
                .clone()
                .unwrap_or_else(|| format!("input:{key}"));
            let entry = pending.entry(group).or_insert(Pending {
                members: Vec::new(),
                at: *at,
            });
            entry.members.push((key.clone(), url.clone()));
            entry.at = entry.at.min(*at);
        }
        (adopted, pending.into_values().collect::<Vec<_>>())
    };
    if !adopted.is_empty() {
        tracing::info!(
            inputs = adopted.len(),
            "taking the task id another input of the same submit recorded"
        );
        record_all(batch, adopted)?;
    }
    if pending.is_empty() {
        return Ok(());
    }
    list_and_match(batch, pending).await
}

/// List the account's recent tasks of this model that the journal does not know, wait for
/// each to finish, and match the file URLs it transcribed: a task holding every URL of a
/// group is that group's task.
async fn list_and_match(batch: &Batch, pending: Vec<Pending>) -> anyhow::Result<()> {
    use futures_util::StreamExt as _;
    let Some(earliest) = pending.iter().map(|p| p.at).min() else {
        return Ok(());
    };
    tracing::info!(
        submits = pending.len(),
        "looking for tasks whose submit answer was lost"
    );
    let known: BTreeSet<String> = lock(&batch.journal)
        .states()
        .values()
        .filter_map(|s| s.task_id.clone())
        .collect();
    // Clocks differ between this machine and the service: look a few minutes further back.
    let since_ms = i64::try_from(earliest.saturating_sub(300)).unwrap_or(0) * 1000;
    let mut query = asr_types::ListTasksQuery::default();
    query.model_name = Some(batch.spec.model.clone());
    let mut candidates = Vec::new();
    let mut list = Box::pin(batch.client.list_tasks(query));
    while let Some(item) = list.next().await {
        let item = item.context("cannot list tasks to find a submit whose answer was lost")?;
        let Some(id) = item.task_id else { continue };
        if known.contains(id.as_str()) || item.gmt_create.is_some_and(|t| t < since_ms) {
            continue;
        }
        candidates.push(id);
    }
    let lookups = candidates.into_iter().map(|id| async move {
        let urls = file_urls_of(batch, &id).await;
        (id, urls)
    });
    let found = futures_util::future::join_all(lookups).await;
    let all_known = found.iter().all(|(_, urls)| urls.is_some());
    let mut records = Vec::new();
    for group in &pending {
        let hit = found.iter().find(|(_, urls)| {
            urls.as_ref()
                .is_some_and(|u| group.members.iter().all(|(_, url)| u.contains(url)))
        });
        match hit {
            Some((id, _)) => {
                tracing::info!(inputs = group.members.len(), task = %id, "found the task of a lost submit answer");
                for (key, _) in &group.members {
                    records.push((
                        key.clone(),
                        Event::Submitted {
                            task_id: id.to_string(),
                        },
                    ));
                }
            }
            None if !all_known => {
                let mut unresolved = lock_set(&batch.unresolved);
                for (key, _) in &group.members {
                    unresolved.insert(key.clone());
                }
            }
            None => {}
        }
    }
    record_all(batch, records)
}

/// The file URLs a task transcribed, once it has finished: from `results[]`, or from its
/// result document for the single-file shape that does not echo them. `None` if the task
/// could not be waited for.
async fn file_urls_of(batch: &Batch, id: &TaskId) -> Option<Vec<String>> {
    let deadline = batch.timeout.unwrap_or(RECONCILE_WAIT).min(RECONCILE_WAIT);
    let task = batch
        .client
        .wait(id, WaitOptions::default().with_deadline(deadline))
        .await
        .ok()?;
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
    let doc = batch.client.fetch_result(&url).await.ok()?;
    Some(doc.file_url().map(str::to_owned).into_iter().collect())
}
