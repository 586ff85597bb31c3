//! `asr transcribe` and `asr submit`: the batch pipeline with its journal.
//!
//! Inputs go to the service in tasks of up to 100 files (one for models that take one URL):
//! a group's local files are uploaded, the group is submitted once, its task is waited for
//! once, then each file's result is downloaded, rendered and written. Every submit counts
//! against the service's submit rate limit, so a 1,000-file batch is 10 submits, not 1,000.
//!
//! The journal stays per input, with a record after each step that costs money or time, so
//! a rerun resumes where the last one stopped: finished inputs are skipped, inputs holding a
//! task id re-attach to that task, and no input is ever submitted twice.

mod finish;
mod group;
mod reconcile;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use asr_transport::{Client, TaskId};
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::job::JobSpec;
use super::{Destination, FileReport, batch_exit_code, print_json};
use crate::cli::{Connection, Format, Global, SubmitArgs, TranscribeArgs};
use crate::exit::{self, Kind};
use crate::inputs::{self, Item, Source};
use crate::journal::{self, Event, Journal};
use crate::output::{RenderOptions, files};
use crate::progress::Progress;
use crate::session::Session;

pub use finish::fetch;

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
    /// Uploads in flight, at most `--concurrency` across all tasks.
    uploads: Semaphore,
    /// Seconds the service billed for the tasks this run waited for.
    billed: Mutex<f64>,
}

/// `asr transcribe`; `session` is the connection already opened to sync `--vocabulary`, reused
/// so that the list and the tasks live on the same service (with `--emulator`, the same
/// in-process server).
pub async fn run(
    args: &TranscribeArgs,
    conn: &Connection,
    global: &Global,
    session: Option<Session>,
) -> anyhow::Result<u8> {
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
    run_batch(conn, global, plan, session).await
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
    run_batch(conn, global, plan, None).await
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

async fn run_batch(
    conn: &Connection,
    global: &Global,
    plan: Plan,
    session: Option<Session>,
) -> anyhow::Result<u8> {
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
    let session = match session {
        Some(session) => session,
        None => Session::connect(conn).await?,
    };
    let stems = files::assign_stems(items.iter().map(|i| i.display.as_str()));
    let progress = Progress::new(Progress::wanted(global.quiet), items.len() as u64);
    let concurrency = usize::from(concurrency).max(1);
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
        uploads: Semaphore::new(concurrency),
        billed: Mutex::new(0.0),
    });
    reconcile::resolve(&batch, None).await?;
    let reports = drive(&batch, concurrency).await;
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

/// Per-input reports, by index into `Batch::items`.
type Reports = Vec<(usize, FileReport)>;

/// A piece of a batch that runs on its own: one task's worth of inputs.
enum Unit {
    /// Inputs with no task yet (indices into `Batch::items`): upload, submit as one task,
    /// finish.
    Fresh(Vec<usize>),
    /// Inputs whose task the journal holds, with the file URL each was submitted with: wait
    /// and finish, never submit.
    Attach(TaskId, Vec<(usize, Option<String>)>),
}

/// Sort every input into a report it already has (bad input, finished, unresolved) or a unit
/// of work: re-attachments first (already paid for), then new tasks of up to the model's
/// group size, in input order.
fn plan_units(batch: &Batch) -> anyhow::Result<(Reports, Vec<Unit>)> {
    let format_names: Vec<&str> = batch.formats.iter().map(|f| f.extension()).collect();
    let mut settled = Vec::new();
    let mut attach: BTreeMap<String, Vec<(usize, Option<String>)>> = BTreeMap::new();
    let mut fresh = Vec::new();
    for (index, item) in batch.items.iter().enumerate() {
        if let Some(problem) = &item.problem {
            let err = exit::invalid_input(problem.clone());
            settled.push((index, failed(batch, index, new_report(batch, index), err)?));
            continue;
        }
        let state = lock(&batch.journal)
            .state(&item.key)
            .cloned()
            .unwrap_or_default();
        if let Some(Destination::Dir(dir)) = &batch.dest
            && state.is_complete(&format_names, dir)
        {
            let mut report = new_report(batch, index);
            report.status = "skipped";
            report.task_id = state.task_id.clone();
            report.outputs = state.outputs.map(|(files, _)| files).unwrap_or_default();
            settled.push((index, report));
            continue;
        }
        if let Some(id) = state.task_id {
            tracing::info!(input = %item.display, task = %id, "re-attaching to the task in the journal");
            // Journals from before groups lack the URL: the input's own, or its upload.
            let url = state.file_url.or_else(|| match &item.source {
                Source::Url(url) => Some(url.clone()),
                Source::File(_) => state.upload.map(|(url, _, _)| url),
            });
            attach.entry(id).or_default().push((index, url));
            continue;
        }
        if lock_set(&batch.unresolved).contains(&item.key) {
            let err = exit::Failure::new(
                Kind::Network,
                format!(
                    "a submit of {} may have created a task that could not be found yet; it \
                     was not submitted again, to avoid paying twice: look for it with `asr \
                     task list`, or run again later",
                    item.display
                ),
            )
            .into();
            settled.push((index, failed(batch, index, new_report(batch, index), err)?));
            continue;
        }
        fresh.push(index);
    }
    let mut units: Vec<Unit> = attach
        .into_iter()
        .map(|(id, members)| Unit::Attach(TaskId::new(id), members))
        .collect();
    units.extend(
        fresh
            .chunks(batch.spec.group_size().max(1))
            .map(|chunk| Unit::Fresh(chunk.to_vec())),
    );
    Ok((settled, units))
}

/// Run every unit with at most `concurrency` tasks in flight; the first fatal error
/// (credentials refused, journal unwritable) stops the batch.
async fn drive(batch: &Arc<Batch>, concurrency: usize) -> anyhow::Result<Vec<FileReport>> {
    let (settled, units) = plan_units(batch)?;
    let mut reports: Vec<Option<FileReport>> = (0..batch.items.len()).map(|_| None).collect();
    for (index, report) in settled {
        batch.progress.file_done();
        reports[index] = Some(report);
    }
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut set = JoinSet::new();
    for unit in units {
        let batch = Arc::clone(batch);
        let permits = Arc::clone(&permits);
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            match unit {
                Unit::Fresh(indices) => group::run(&batch, indices).await,
                // Re-attached from the journal: the task's state is unknown, query at once.
                Unit::Attach(task_id, members) => finish::run(&batch, task_id, None, members).await,
            }
        });
    }
    while let Some(joined) = set.join_next().await {
        match joined.context("a batch worker panicked")? {
            Ok(done) => {
                for (index, report) in done {
                    batch.progress.file_done();
                    reports[index] = Some(report);
                }
            }
            Err(fatal) => {
                set.abort_all();
                return Err(fatal);
            }
        }
    }
    Ok(reports.into_iter().flatten().collect())
}

/// How often a step is tried again after a transient failure, on top of the transport's
/// own retries (whose budget a long, throttled batch can exhaust).
const STEP_RETRIES: u32 = 3;

/// Whether trying a step again can help: throttling, 5xx and connection trouble, but not a
/// deadline the user set nor a submit whose outcome is unknown.
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

/// Run `step` until it succeeds, fails for good, or has been tried `STEP_RETRIES` more times
/// after transient failures. A step resumes from the journal, so nothing already paid for is
/// repeated.
async fn retrying<T, F, Fut>(what: &str, mut step: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut attempt = 0u32;
    loop {
        match step().await {
            Err(err) if attempt < STEP_RETRIES && is_transient(&err) => {
                attempt += 1;
                let delay = Duration::from_secs(1 << attempt);
                tracing::info!(%what, error = %format!("{err:#}"), ?delay, "retrying");
                tokio::time::sleep(delay).await;
            }
            other => return other,
        }
    }
}

/// An empty report for input `index`.
fn new_report(batch: &Batch, index: usize) -> FileReport {
    FileReport {
        input: batch.items[index].display.clone(),
        status: "ok",
        task_id: None,
        outputs: Vec::new(),
        audio_seconds: None,
        error: None,
        kind: None,
        cause: None,
    }
}

/// `report` marked failed with `err`, journaled; `Err` when the error dooms the whole batch
/// (credentials refused, journal unwritable).
fn failed(
    batch: &Batch,
    index: usize,
    report: FileReport,
    err: anyhow::Error,
) -> anyhow::Result<FileReport> {
    let mut done = failed_all(batch, vec![(index, report)], err)?;
    Ok(done.remove(0).1)
}

/// Every report of `reports` marked failed with the same `err`, journaled in one write;
/// `Err` when the error dooms the whole batch.
fn failed_all(batch: &Batch, reports: Reports, err: anyhow::Error) -> anyhow::Result<Reports> {
    if err.downcast_ref::<journal::JournalError>().is_some() {
        return Err(err);
    }
    let kind = exit::classify(&err);
    if kind == Kind::Auth {
        let what = reports
            .first()
            .map(|(_, r)| r.input.clone())
            .unwrap_or_default();
        return Err(err.context(format!("{what}: refused")));
    }
    let text = format!("{err:#}");
    let mut records = Vec::new();
    for (index, _) in &reports {
        let item = &batch.items[*index];
        if batch.items.len() > 1 {
            batch
                .progress
                .println(&format!("failed: {}: {text}", item.display));
        }
        if item.problem.is_none() {
            records.push((
                item.key.clone(),
                Event::Failed {
                    error: text.clone(),
                },
            ));
        }
    }
    record_all(batch, records)?;
    // The error itself goes to the first report (a run of one input prints its cause
    // chain); the others of a group carry its kind and text.
    let mut cause = Some(err);
    let out = reports
        .into_iter()
        .map(|(index, mut report)| {
            report.status = "failed";
            report.error = Some(text.clone());
            report.kind = Some(kind);
            report.cause = Some(
                cause
                    .take()
                    .unwrap_or_else(|| exit::Failure::new(kind, text.clone()).into()),
            );
            (index, report)
        })
        .collect();
    Ok(out)
}

fn record(batch: &Batch, key: &str, event: Event) -> anyhow::Result<()> {
    lock(&batch.journal).record(key, event)?;
    Ok(())
}

fn record_all(batch: &Batch, records: Vec<(String, Event)>) -> anyhow::Result<()> {
    if !records.is_empty() {
        lock(&batch.journal).record_all(records)?;
    }
    Ok(())
}

fn lock(journal: &Mutex<Journal>) -> std::sync::MutexGuard<'_, Journal> {
    // A worker that panicked mid-append cannot leave a half-applied state worth refusing.
    journal
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn lock_set(
    set: &Mutex<std::collections::BTreeSet<String>>,
) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<String>> {
    set.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The end of a batch: `--json` report on stdout, or a human summary on stderr.
fn report(batch: &Batch, global: &Global, reports: &[FileReport]) -> anyhow::Result<()> {
    let count = |s: &str| reports.iter().filter(|r| r.status == s).count();
    let seconds = *batch
        .billed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
