//! `asr transcribe` and `asr submit`: the batch pipeline with its journal.
//!
//! Per input: upload (local files) → submit → wait → download → render → write, with a
//! journal record after each step that costs money or time, so a rerun resumes where the
//! last one stopped and never submits an input twice.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use asr_transport::{Client, PollEvent, TaskId, TaskStatus, UploadProgress, WaitOptions};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::job::JobSpec;
use super::{Destination, FileReport, batch_exit_code, print_json};
use crate::cli::{Connection, Format, Global, SubmitArgs, TranscribeArgs};
use crate::exit::{self, Kind};
use crate::inputs::{self, Item, Source};
use crate::journal::{self, Event, Journal};
use crate::output::{self, RenderOptions, files};
use crate::progress::{Progress, TaskState};
use crate::session::Session;

/// What a batch does and where it writes.
struct Batch {
    client: Client,
    spec: JobSpec,
    items: Vec<Item>,
    stems: Vec<String>,
    /// `None` for `--no-wait` and `asr submit`: nothing is rendered.
    dest: Option<Destination>,
    formats: Vec<Format>,
    render: Option<RenderOptions>,
    /// On disk with `-o`/`--journal`, else in memory: the same bookkeeping either way.
    journal: Mutex<Journal>,
    progress: Progress,
    timeout: Option<Duration>,
    wait: bool,
    /// Inputs whose lost submit could not be ruled out: they are not submitted again.
    unresolved: Mutex<std::collections::BTreeSet<String>>,
}

/// `asr transcribe`.
pub async fn run(args: &TranscribeArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let render = RenderOptions::from_args(&args.out)?;
    let spec = JobSpec::from_args(&args.job)?;
    let items = inputs::expand(&args.job.inputs)?;
    let dest = if args.no_wait {
        if let Some(dir) = &args.out.output_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        None
    } else {
        let dest = Destination::from_args(&args.out, items.len())?;
        if global.json && matches!(dest, Destination::Stdout) {
            return Err(exit::usage(
                "`--json` prints a report on stdout, which is where the transcript goes without \
                 `-o`; pass `-o DIR`, or use `--format json` to print the result document",
            ));
        }
        Some(dest)
    };
    let journal_path: Option<PathBuf> = args.journal.clone().or_else(|| {
        args.out
            .output_dir
            .as_ref()
            .map(|d| d.join(journal::FILE_NAME))
    });
    let journal = match journal_path.as_deref() {
        Some(path) => Journal::open(path)?,
        None => Journal::in_memory(),
    };
    let plan = Plan {
        spec,
        items,
        dest,
        formats: args.out.formats.clone(),
        render: Some(render),
        journal,
        timeout: args.timeout,
        wait: !args.no_wait,
        concurrency: args.job.concurrency,
    };
    run_batch(conn, global, plan).await
}

/// `asr submit`: the same inputs and options, printing task ids without waiting.
pub async fn submit(args: &SubmitArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let spec = JobSpec::from_args(&args.job)?;
    let items = inputs::expand(&args.job.inputs)?;
    let plan = Plan {
        spec,
        items,
        dest: None,
        formats: Vec::new(),
        render: None,
        journal: Journal::in_memory(),
        timeout: None,
        wait: false,
        concurrency: args.job.concurrency,
    };
    run_batch(conn, global, plan).await
}

/// Everything a batch needs before it connects.
struct Plan {
    spec: JobSpec,
    items: Vec<Item>,
    dest: Option<Destination>,
    formats: Vec<Format>,
    render: Option<RenderOptions>,
    journal: Journal,
    timeout: Option<Duration>,
    wait: bool,
    concurrency: u16,
}

async fn run_batch(conn: &Connection, global: &Global, plan: Plan) -> anyhow::Result<u8> {
    let Plan {
        spec,
        items,
        dest,
        formats,
        render,
        journal,
        timeout,
        wait,
        concurrency,
    } = plan;
    // One bad input alone is the whole run's error: say it before connecting anywhere.
    if let [only] = items.as_slice()
        && let Some(problem) = &only.problem
    {
        return Err(exit::invalid_input(problem.clone()));
    }
    let session = Session::connect(conn).await?;
    let stems = files::assign_stems(items.iter().map(|i| i.display.as_str()));
    let progress = Progress::new(Progress::wanted(global.quiet), items.len() as u64);
    let batch = Arc::new(Batch {
        client: session.client.clone(),
        spec,
        items,
        stems,
        dest,
        formats,
        render,
        journal: Mutex::new(journal),
        progress,
        timeout,
        wait,
        unresolved: Mutex::default(),
    });
    let pending = ambiguous(&batch, None);
    if !pending.is_empty() {
        reconcile(&batch, pending).await?;
    }
    let reports = drive(&batch, usize::from(concurrency)).await;
    batch.progress.finish();
    let mut reports = reports?;
    // One input: its error is the run's error, printed with its cause chain.
    if let [only] = reports.as_mut_slice()
        && !global.json
        && let Some(cause) = only.cause.take()
    {
        return Err(cause);
    }
    report(&batch, global, &reports)?;
    drop(session);
    Ok(batch_exit_code(&reports))
}

/// Run every input with at most `concurrency` in flight; the first fatal error (credentials
/// refused, journal unwritable) stops the batch.
async fn drive(batch: &Arc<Batch>, concurrency: usize) -> anyhow::Result<Vec<FileReport>> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    for index in 0..batch.items.len() {
        let batch = Arc::clone(batch);
        let permits = Arc::clone(&permits);
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let outcome = process(&batch, index).await;
            (index, outcome)
        });
    }
    let mut reports: Vec<Option<FileReport>> = (0..batch.items.len()).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (index, outcome) = joined.context("a batch worker panicked")?;
        batch.progress.file_done();
        match outcome {
            Ok(report) => reports[index] = Some(report),
            Err(fatal) => {
                set.abort_all();
                return Err(fatal);
            }
        }
    }
    Ok(reports.into_iter().flatten().collect())
}

/// How often one input's steps are tried again after a transient failure, on top of the
/// transport's own retries (whose budget a long, throttled batch can exhaust).
const STEP_RETRIES: u32 = 3;

/// Whether trying the input's steps again can help: throttling, 5xx and connection trouble,
/// but not a deadline the user set nor a submit whose outcome is unknown.
fn is_transient(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<asr_transport::Error>()
            .is_some_and(|e| {
                e.is_retryable()
                    && !matches!(
                        e,
                        asr_transport::Error::Wait(
                            asr_protocol::PollError::DeadlineExceeded { .. }
                        ) | asr_transport::Error::SubmitOutcomeUnknown { .. }
                    )
            })
    })
}

/// One input end to end. `Err` only for errors that doom the whole batch.
async fn process(batch: &Batch, index: usize) -> anyhow::Result<FileReport> {
    let item = &batch.items[index];
    let mut report = FileReport {
        input: item.display.clone(),
        status: "ok",
        task_id: None,
        outputs: Vec::new(),
        audio_seconds: None,
        error: None,
        kind: None,
        cause: None,
    };
    let result = match &item.problem {
        Some(problem) => Err(exit::invalid_input(problem.clone())),
        None => {
            let mut attempt = 0u32;
            loop {
                match steps(batch, index, &mut report).await {
                    Err(err) if attempt < STEP_RETRIES && is_transient(&err) => {
                        // The journal makes a retry resume at the failed step: an upload or
                        // a submit that succeeded is not repeated.
                        attempt += 1;
                        let delay = Duration::from_secs(1 << attempt);
                        tracing::info!(input = %item.display, error = %format!("{err:#}"), ?delay, "retrying");
                        tokio::time::sleep(delay).await;
                    }
                    other => break other,
                }
            }
        }
    };
    if let Err(err) = result {
        let kind = exit::classify(&err);
        if err.downcast_ref::<journal::JournalError>().is_some() {
            return Err(err);
        }
        if kind == Kind::Auth {
            return Err(err.context(format!("{}: refused", item.display)));
        }
        let text = format!("{err:#}");
        if batch.items.len() > 1 {
            batch
                .progress
                .println(&format!("failed: {}: {text}", item.display));
        }
        if item.problem.is_none() {
            record(
                batch,
                &item.key,
                Event::Failed {
                    error: text.clone(),
                },
            )?;
        }
        report.status = "failed";
        report.error = Some(text);
        report.kind = Some(kind);
        report.cause = Some(err);
    }
    Ok(report)
}

async fn steps(batch: &Batch, index: usize, report: &mut FileReport) -> anyhow::Result<()> {
    let item = &batch.items[index];
    let stem = &batch.stems[index];
    let state = lock(&batch.journal)
        .state(&item.key)
        .cloned()
        .unwrap_or_default();
    let format_names: Vec<&str> = batch.formats.iter().map(|f| f.extension()).collect();
    if let Some(Destination::Dir(dir)) = &batch.dest
        && state.is_complete(&format_names, dir)
    {
        report.status = "skipped";
        report.task_id = state.task_id.clone();
        report.outputs = state.outputs.map(|(files, _)| files).unwrap_or_default();
        return Ok(());
    }
    let task_id = match &state.task_id {
        Some(id) => {
            tracing::info!(input = %item.display, task = %id, "re-attaching to the task in the journal");
            TaskId::new(id.as_str())
        }
        None => {
            let url = match &item.source {
                Source::Url(url) => url.clone(),
                Source::File(path) => {
                    let model = batch.spec.model.as_str();
                    match state.reusable_upload(model, journal::now_secs()) {
                        Some(url) => url.to_owned(),
                        None => {
                            let url = upload(batch, path).await?;
                            record(
                                batch,
                                &item.key,
                                Event::Uploaded {
                                    url: url.clone(),
                                    model: model.to_owned(),
                                },
                            )?;
                            url
                        }
                    }
                }
            };
            if lock_set(&batch.unresolved).contains(&item.key) {
                return Err(exit::Failure::new(
                    Kind::Network,
                    format!(
                        "a submit of {} may have created a task that could not be found yet; \
                         it was not submitted again, to avoid paying twice: look for it with \
                         `asr task list`, or run again later",
                        item.display
                    ),
                )
                .into());
            }
            record(batch, &item.key, Event::Submitting { url: url.clone() })?;
            match batch.client.submit(batch.spec.request(url)).await {
                Ok(submitted) => {
                    let id = submitted.output.task_id;
                    record(
                        batch,
                        &item.key,
                        Event::Submitted {
                            task_id: id.to_string(),
                        },
                    )?;
                    id
                }
                Err(err @ asr_transport::Error::SubmitOutcomeUnknown { .. }) => {
                    // The task may exist: find it rather than pay twice.
                    reconcile(batch, ambiguous(batch, Some(&item.key))).await?;
                    let found = lock(&batch.journal)
                        .state(&item.key)
                        .and_then(|s| s.task_id.clone());
                    match found {
                        Some(id) => TaskId::new(id),
                        None => {
                            return Err(anyhow::Error::new(err)
                                .context(format!("cannot submit {}", item.display)));
                        }
                    }
                }
                Err(err) => {
                    return Err(
                        anyhow::Error::new(err).context(format!("cannot submit {}", item.display))
                    );
                }
            }
        }
    };
    report.task_id = Some(task_id.to_string());
    if !batch.wait {
        report.status = "submitted";
        return Ok(());
    }
    let (raw, seconds) = download(batch, &task_id).await?;
    report.audio_seconds = seconds;
    let (Some(dest), Some(render)) = (&batch.dest, batch.render) else {
        return Ok(());
    };
    let artifacts = output::render(&raw, &batch.formats, render).map_err(|e| {
        exit::Failure::new(
            Kind::Rejected,
            "the service's result document cannot be rendered",
        )
        .with_source(e)
    })?;
    let outputs = dest.emit(stem, &artifacts)?;
    if !outputs.is_empty() {
        record(
            batch,
            &item.key,
            Event::Done {
                outputs: outputs.clone(),
                formats: format_names.iter().map(|f| (*f).to_owned()).collect(),
                audio_seconds: seconds,
            },
        )?;
    }
    report.outputs = outputs;
    Ok(())
}

async fn upload(batch: &Batch, path: &std::path::Path) -> anyhow::Result<String> {
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

/// Wait for the task, check it succeeded, and download its result document.
async fn download(batch: &Batch, task_id: &TaskId) -> anyhow::Result<(Vec<u8>, Option<f64>)> {
    let mut options = WaitOptions::default();
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
    let done = done.with_context(|| format!("waiting for task {task_id} failed"))?;
    let seconds = done
        .usage
        .as_ref()
        .and_then(|u| u.billed_seconds())
        .map(|s| s as f64);
    let output = &done.output;
    if output.task_status != TaskStatus::Succeeded {
        return Err(task_failed(
            task_id,
            &output.task_status,
            output.code.as_deref(),
            output.message.as_deref(),
        ));
    }
    if let Some(failed) = output.failed_subtasks().next() {
        return Err(task_failed(
            task_id,
            &TaskStatus::Failed,
            failed.code.as_deref(),
            failed.message.as_deref(),
        ));
    }
    let Some(url) = output.transcription_urls().first().map(|u| (*u).to_owned()) else {
        return Err(exit::Failure::new(
            Kind::Rejected,
            format!("task {task_id} succeeded but lists no transcription_url"),
        )
        .into());
    };
    let raw = fetch(&batch.client, task_id, &url).await?;
    Ok((raw, seconds))
}

/// Download a result document; the raw bytes are what `--format json` writes.
pub async fn fetch(client: &Client, task_id: &TaskId, url: &str) -> anyhow::Result<Vec<u8>> {
    let doc = client.fetch_task_result(task_id, url).await.map_err(|e| {
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
    // FIXME: the transport returns the parsed document, so `json` output is its faithful
    // re-serialisation (unknown fields kept) rather than the bytes as received.
    serde_json::to_vec_pretty(&doc).context("cannot encode the result document")
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

fn record(batch: &Batch, key: &str, event: Event) -> anyhow::Result<()> {
    lock(&batch.journal).record(key, event)?;
    Ok(())
}

fn lock(journal: &Mutex<Journal>) -> std::sync::MutexGuard<'_, Journal> {
    // A worker that panicked mid-append cannot leave a half-applied state worth refusing.
    journal
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The end of a batch: `--json` report on stdout, or a human summary on stderr.
fn report(batch: &Batch, global: &Global, reports: &[FileReport]) -> anyhow::Result<()> {
    let count = |s: &str| reports.iter().filter(|r| r.status == s).count();
    let seconds = reports
        .iter()
        .filter_map(|r| r.audio_seconds)
        .fold(0.0, |a, b| a + b);
    if global.json {
        #[derive(Serialize)]
        struct Summary<'a> {
            files: &'a [FileReport],
            ok: usize,
            skipped: usize,
            submitted: usize,
            failed: usize,
            audio_seconds: f64,
        }
        return print_json(&Summary {
            files: reports,
            ok: count("ok"),
            skipped: count("skipped"),
            submitted: count("submitted"),
            failed: count("failed"),
            audio_seconds: seconds,
        });
    }
    if !batch.wait {
        let mut out = String::new();
        for r in reports.iter().filter(|r| r.task_id.is_some()) {
            out.push_str(&format!(
                "{}\t{}\n",
                r.task_id.as_deref().unwrap_or_default(),
                r.input
            ));
        }
        super::print_text(&out)?;
    }
    let to_stdout = matches!(batch.dest, Some(Destination::Stdout));
    if global.quiet || (to_stdout && count("failed") == 0) {
        return Ok(());
    }
    let mut line = format!(
        "{} file{}: {} ok",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        count("ok")
    );
    for (n, label) in [
        (count("skipped"), "already done"),
        (count("submitted"), "submitted"),
        (count("failed"), "failed"),
    ] {
        if n > 0 {
            line.push_str(&format!(", {n} {label}"));
        }
    }
    if seconds > 0.0 {
        line.push_str(&format!("; {seconds:.0} s of audio billed"));
    }
    eprintln!("{line}");
    if count("failed") > 0
        && let Some(path) = lock(&batch.journal).path()
    {
        eprintln!(
            "journal: {} (run the same command again to resume; an input whose task failed on \
             the service is not submitted again until its lines are deleted)",
            path.display()
        );
    }
    Ok(())
}

/// Inputs whose submit was sent but whose task id was never recorded: all of them, or only
/// `only`.
fn ambiguous(batch: &Batch, only: Option<&str>) -> Vec<(String, String, u64)> {
    lock(&batch.journal)
        .states()
        .iter()
        .filter(|(key, _)| only.is_none_or(|o| o == key.as_str()))
        .filter(|(_, s)| s.task_id.is_none())
        .filter_map(|(key, s)| {
            s.submitting
                .as_ref()
                .map(|(url, at)| (key.clone(), url.clone(), *at))
        })
        .collect()
}

/// Find the tasks that ambiguous submits created: list the account's recent tasks of this
/// model that the journal does not know, wait for each to finish, and match the file URL it
/// transcribed. Matches are journaled as `submitted`; the others are submitted again, since
/// the service never created them.
async fn reconcile(batch: &Batch, pending: Vec<(String, String, u64)>) -> anyhow::Result<()> {
    use futures_util::StreamExt as _;
    let Some(earliest) = pending.iter().map(|(_, _, at)| *at).min() else {
        return Ok(());
    };
    tracing::info!(
        inputs = pending.len(),
        "looking for tasks whose submit answer was lost"
    );
    let known: std::collections::BTreeSet<String> = lock(&batch.journal)
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
    for (key, url, _) in &pending {
        let hit = found
            .iter()
            .find(|(_, urls)| urls.as_ref().is_some_and(|u| u.contains(url)));
        match hit {
            Some((id, _)) => {
                tracing::info!(input = %key, task = %id, "found the task of a lost submit answer");
                record(
                    batch,
                    key,
                    Event::Submitted {
                        task_id: id.to_string(),
                    },
                )?;
            }
            None if !all_known => {
                lock_set(&batch.unresolved).insert(key.clone());
            }
            None => {}
        }
    }
    Ok(())
}

/// How long a lookup waits for a candidate task to finish before giving up on it.
const RECONCILE_WAIT: Duration = Duration::from_secs(30 * 60);

fn lock_set(
    set: &Mutex<std::collections::BTreeSet<String>>,
) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<String>> {
    set.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
    let doc = batch.client.fetch_task_result(id, &url).await.ok()?;
    Some(doc.file_url().map(str::to_owned).into_iter().collect())
}
