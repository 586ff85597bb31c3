//! A new task: upload the group's local files, journal the intent for every input, submit
//! once, journal the task id for every input, then finish it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use asr_transport::{TaskId, TaskStatus, UploadProgress};

use super::{
    Batch, failed, failed_all, finish, new_report, reconcile, record, record_all, retrying,
};
use crate::inputs::Source;
use crate::journal::{self, Event};

/// Upload, submit and finish the inputs `indices` as one task; a per-input report for each.
/// `Err` only for errors that doom the whole batch.
pub(super) async fn run(batch: &Batch, indices: Vec<usize>) -> anyhow::Result<super::Reports> {
    let urls =
        futures_util::future::join_all(indices.iter().map(|&index| input_url(batch, index))).await;
    let mut out = Vec::new();
    let mut members = Vec::new();
    for (index, url) in indices.into_iter().zip(urls) {
        match url {
            Ok(url) => members.push((index, url)),
            // A file that cannot be uploaded fails alone; the others still make the task.
            Err(err) => out.push((index, failed(batch, index, new_report(batch, index), err)?)),
        }
    }
    if members.is_empty() {
        return Ok(out);
    }
    match submit(batch, &members).await {
        Ok((task_id, fresh)) => {
            let members = members.into_iter().map(|(i, url)| (i, Some(url))).collect();
            out.extend(finish::run(batch, task_id, fresh, members).await?);
        }
        Err(err) => {
            let reports = members
                .iter()
                .map(|(i, _)| (*i, new_report(batch, *i)))
                .collect();
            out.extend(failed_all(batch, reports, err)?);
        }
    }
    Ok(out)
}

/// The URL the service reads input `index` from: the input's own, an upload the journal
/// holds that is still valid, or a new upload (journaled).
async fn input_url(batch: &Batch, index: usize) -> anyhow::Result<String> {
    let item = &batch.items[index];
    let path = match &item.source {
        Source::Url(url) => return Ok(url.clone()),
        Source::File(path) => path,
    };
    let model = batch.spec.model.as_str();
    let reusable = super::lock(&batch.journal).state(&item.key).and_then(|s| {
        s.reusable_upload(model, journal::now_secs())
            .map(str::to_owned)
    });
    if let Some(url) = reusable {
        return Ok(url);
    }
    let url = retrying(&item.display, || upload(batch, path)).await?;
    record(
        batch,
        &item.key,
        Event::Uploaded {
            url: url.clone(),
            model: model.to_owned(),
        },
    )?;
    Ok(url)
}

async fn upload(batch: &Batch, path: &Path) -> anyhow::Result<String> {
    let _permit = batch
        .uploads
        .acquire()
        .await
        .context("the upload queue is closed")?;
    // The bar counts request bytes (the form around the file included), so its length is
    // the upload's own total, learnt from the first progress report.
    let sent_so_far = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&sent_so_far);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
    let callback = Arc::new(move |p: UploadProgress| {
        let before = counter.swap(p.sent, Ordering::Relaxed);
        let _ = tx.send((p.sent.saturating_sub(before), p.total));
    });
    let mut length_known = false;
    let mut advance = |(delta, total): (u64, u64)| {
        if !length_known {
            batch.progress.add_upload(total);
            length_known = true;
        }
        batch.progress.uploaded(delta);
    };
    let upload = batch
        .client
        .upload_with_progress(path, &batch.spec.model, Some(callback));
    tokio::pin!(upload);
    let result = loop {
        tokio::select! {
            result = &mut upload => break result,
            Some(report) = rx.recv() => advance(report),
        }
    };
    while let Ok(report) = rx.try_recv() {
        advance(report);
    }
    let uploaded = result.with_context(|| format!("cannot upload {}", path.display()))?;
    Ok(uploaded.oss_url)
}

/// Submit `members` (input index, file URL) as one task and journal its id for each input.
/// Returns the task id, with the status the submit answered when it did (`None` when the task
/// was found again after an unknown outcome: its state is not known).
///
/// Every input's `submitting` record, naming the group, is on disk before the request
/// leaves, so a kill at any moment leaves either no task or a task the next run finds: by the
/// task id another input of the group recorded, or by listing tasks and matching the group's
/// URLs.
async fn submit(
    batch: &Batch,
    members: &[(usize, String)],
) -> anyhow::Result<(TaskId, Option<TaskStatus>)> {
    let first = &batch.items[members[0].0];
    let what = if members.len() == 1 {
        first.display.clone()
    } else {
        format!("{} inputs ({} and others)", members.len(), first.display)
    };
    let group = format!(
        "{}-{}-{}",
        journal::now_secs(),
        std::process::id(),
        members[0].0
    );
    let keys: Vec<String> = members
        .iter()
        .map(|(i, _)| batch.items[*i].key.clone())
        .collect();
    record_all(
        batch,
        keys.iter()
            .zip(members)
            .map(|(key, (_, url))| {
                let event = Event::Submitting {
                    url: url.clone(),
                    group: Some(group.clone()),
                };
                (key.clone(), event)
            })
            .collect(),
    )?;
    let urls: Vec<String> = members.iter().map(|(_, url)| url.clone()).collect();
    let outcome = retrying(&what, || async {
        // A refusal (throttling included) created no task: sending it again is safe.
        match batch.client.submit(batch.spec.request(urls.clone())).await {
            Ok(submitted) => Ok(Ok((submitted.output.task_id, submitted.output.task_status))),
            Err(err @ asr_transport::Error::SubmitOutcomeUnknown { .. }) => Ok(Err(err)),
            Err(err) => Err(anyhow::Error::new(err).context(format!("cannot submit {what}"))),
        }
    })
    .await?;
    match outcome {
        Ok((task_id, status)) => {
            let event = || Event::Submitted {
                task_id: task_id.to_string(),
            };
            record_all(batch, keys.into_iter().map(|k| (k, event())).collect())?;
            Ok((task_id, Some(status)))
        }
        Err(err) => {
            // The task may exist: find it rather than pay twice.
            reconcile::resolve(batch, Some(&group)).await?;
            let found = super::lock(&batch.journal)
                .state(&keys[0])
                .and_then(|s| s.task_id.clone());
            match found {
                Some(id) => Ok((TaskId::new(id), None)),
                None => Err(anyhow::Error::new(err).context(format!("cannot submit {what}"))),
            }
        }
    }
}
