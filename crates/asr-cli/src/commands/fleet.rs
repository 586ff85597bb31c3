//! A shared batch on PostgreSQL (`asr-store-pg`): `asr transcribe --store postgres://…` runs a
//! worker of the fleet, `asr batch status|retry-failed|export` look at the batch. This module
//! only translates between people and the library.

use std::sync::Arc;

use anyhow::Context as _;
use asr_batch::{Input, Job, OutputFile, Status};
use asr_store_pg::{BatchStatus, Fleet, FleetError, FleetOptions, Output};
use asr_transport::Config;
use clap::{Args, Subcommand};
use futures_util::StreamExt as _;

use super::job::JobSpec;
use crate::cli::{Connection, Format, Global, OutputArgs, TranscribeArgs};
use crate::config;
use crate::exit;
use crate::inputs::{self, Source};
use crate::output::{self, RenderOptions, files};

/// The batch database and the batch in it.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The batch database, a PostgreSQL URL (`postgres://user@host/db`); one database serves
    /// one DashScope account.
    #[arg(long, env = "ASR_STORE", value_name = "URL", hide_env_values = true)]
    pub store: String,
    /// The batch in it.
    #[arg(
        long,
        env = "ASR_BATCH",
        default_value = "default",
        value_name = "NAME",
        hide_env_values = true
    )]
    pub batch: String,
}

/// `asr batch …`.
#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Counts per state, failures with reasons, throughput and ETA (`--json` for machines).
    Status(StoreArgs),
    /// Open every failed input again for the workers to take.
    RetryFailed(StoreArgs),
    /// Render the stored results into files, in any format, without the service.
    Export(ExportArgs),
}

/// `asr batch export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The batch.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Formats and the output directory.
    #[command(flatten)]
    pub out: OutputArgs,
}

fn store_error(e: FleetError) -> anyhow::Error {
    let kind = match &e {
        FleetError::Url(_) | FleetError::NoBatch(_) => exit::Kind::InvalidInput,
        FleetError::NewerSchema { .. } => exit::Kind::InvalidInput,
        _ => exit::Kind::Network,
    };
    exit::Failure::new(kind, "the batch database")
        .with_source(e)
        .into()
}

/// `asr transcribe --store URL INPUTS…`: add the inputs to the batch (a no-op for those already
/// in it) and work on the batch until every input is finished.
pub async fn transcribe(
    args: &TranscribeArgs,
    store: &str,
    conn: &Connection,
    global: &Global,
) -> anyhow::Result<u8> {
    if args.no_wait || args.journal.is_some() {
        return Err(exit::usage(
            "`--store` keeps the batch in the database and waits for it: drop `--no-wait` and \
             `--journal`",
        ));
    }
    let render = RenderOptions::from_args(&args.out)?;
    let spec = JobSpec::from_args(&args.job)?;
    let job = Job::from(spec.request(Vec::new()));
    let items = inputs::expand(&args.job.inputs)?;
    let stems = files::assign_stems(items.iter().map(|i| i.display.as_str()));
    let mut inputs = Vec::new();
    let mut names = Vec::new();
    for (item, stem) in items.iter().zip(stems) {
        if let Some(problem) = &item.problem {
            eprintln!("skipped: {}: {problem}", item.display);
            continue;
        }
        inputs.push(match &item.source {
            Source::Url(u) => Input::Url(u.clone()),
            Source::File(p) => Input::Path(p.clone()),
        });
        names.push(stem);
    }
    let client = client_config(conn).await?;
    let fleet = Fleet::connect(store, &args.batch)
        .await
        .map_err(store_error)?;
    let added = fleet
        .add_inputs(&inputs, &names, &job)
        .await
        .map_err(store_error)?;
    if !global.quiet {
        eprintln!(
            "batch `{}`: {added} new input{} ({} already there)",
            fleet.name(),
            if added == 1 { "" } else { "s" },
            inputs.len() as u64 - added
        );
    }
    let out = args.out.output_dir.as_ref().map(|dir| {
        let formats = args.out.formats.clone();
        let names = formats.iter().map(|f| f.extension().to_owned()).collect();
        Output::new(dir, names, renderer(formats, render))
    });
    let mut options = FleetOptions::default();
    if let Some(lease) = args.lease {
        let grace = lease.min(options.reconcile_grace);
        options = options.with_lease(lease).with_reconcile_grace(grace);
    }
    let mut run = fleet
        .run(client.0, job, out, options)
        .map_err(store_error)?;
    let mut failed = 0u64;
    let mut stopped: Option<asr_batch::Error> = None;
    loop {
        let next = tokio::select! {
            next = run.next() => next,
            _ = tokio::signal::ctrl_c() => {
                run.interrupt().await;
                return Ok(exit::INTERRUPTED);
            }
        };
        match next {
            None => break,
            Some(Ok(outcome)) => {
                if let Status::Failed(e) = &outcome.status {
                    failed += 1;
                    if !global.quiet {
                        eprintln!("failed: {}: {e}", outcome.input.display_name());
                    }
                }
            }
            Some(Err(e)) => {
                stopped = Some(e);
                break;
            }
        }
    }
    let summary = run.summary();
    drop(client.1);
    if let Some(e) = stopped {
        return Err(
            exit::Failure::new(exit::Kind::Network, "this worker stopped")
                .with_source(e)
                .into(),
        );
    }
    if !global.quiet {
        let status = fleet.status().await.map_err(store_error)?;
        eprintln!(
            "this worker: {} done, {} failed, {} expired; batch `{}`: {}/{} done, {} failed",
            summary.done,
            summary.failed,
            summary.expired,
            status.batch,
            status.counts.done,
            status.counts.total,
            status.counts.failed
        );
    }
    Ok(if failed > 0 {
        exit::SOME_FAILED
    } else {
        exit::OK
    })
}

/// The client settings (and, with `--emulator`, the emulator they point at).
async fn client_config(
    conn: &Connection,
) -> anyhow::Result<(Config, Option<asr_emulator::EmulatorHandle>)> {
    if conn.emulator {
        let emulator = asr_emulator::Emulator::start(
            asr_emulator::EmulatorConfig::new().with_processing_time(
                conn.emulator_processing_time
                    .unwrap_or(std::time::Duration::from_millis(300)),
            ),
        )
        .await
        .context("cannot start the in-process emulator")?;
        let config = Config::new("sk-emulator").with_base_url(emulator.native_base());
        return Ok((config, Some(emulator)));
    }
    let home = config::home_dir();
    let settings = config::resolve(conn, |name| std::env::var(name).ok(), home.as_deref())?;
    Ok((settings, None))
}

fn renderer(formats: Vec<Format>, render: RenderOptions) -> asr_store_pg::RenderFn {
    Arc::new(move |name: &str, document: &[u8]| {
        let artifacts = output::render(document, &formats, render).map_err(|e| {
            exit::Failure::new(
                exit::Kind::Rejected,
                "the service's result document cannot be rendered",
            )
            .with_source(e)
        })?;
        Ok(artifacts
            .into_iter()
            .map(|a| OutputFile::new(format!("{name}{}", a.suffix()), a.bytes))
            .collect())
    })
}

/// `asr batch …`.
pub async fn run(cmd: BatchCommand, global: &Global) -> anyhow::Result<u8> {
    match cmd {
        BatchCommand::Status(store) => {
            let fleet = Fleet::existing(&store.store, &store.batch)
                .await
                .map_err(store_error)?;
            let status = fleet.status().await.map_err(store_error)?;
            if global.json {
                super::print_json(&status)?;
            } else {
                super::print_text(&human(&status))?;
            }
            Ok(exit::OK)
        }
        BatchCommand::RetryFailed(store) => {
            let fleet = Fleet::existing(&store.store, &store.batch)
                .await
                .map_err(store_error)?;
            let n = fleet.retry_failed().await.map_err(store_error)?;
            if !global.quiet {
                eprintln!(
                    "{n} failed input{} opened again; run `asr transcribe --store …` to work on them",
                    if n == 1 { "" } else { "s" }
                );
            }
            Ok(exit::OK)
        }
        BatchCommand::Export(args) => {
            let mut out = args.out;
            out.expand_formats();
            let render = RenderOptions::from_args(&out)?;
            let dir = out
                .output_dir
                .clone()
                .ok_or_else(|| exit::usage("`asr batch export` writes files: pass `-o DIR`"))?;
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let fleet = Fleet::existing(&args.store.store, &args.store.batch)
                .await
                .map_err(store_error)?;
            let to_files = renderer(out.formats.clone(), render);
            let (mut after, mut written) = (0i64, 0u64);
            loop {
                let page = fleet.results(after, 500).await.map_err(store_error)?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for result in &page {
                    for file in
                        to_files(&result.name, &result.document).map_err(|e| anyhow::anyhow!(e))?
                    {
                        asr_batch::sink::write_atomic(&dir, &file.name, &file.bytes, false)
                            .with_context(|| {
                                format!("cannot write {}", dir.join(&file.name).display())
                            })?;
                        written += 1;
                    }
                }
            }
            if !global.quiet {
                eprintln!("{written} files written to {}", dir.display());
            }
            Ok(exit::OK)
        }
    }
}

fn human(s: &BatchStatus) -> String {
    let c = &s.counts;
    let mut out = format!(
        "batch `{}`: {} inputs: {} done, {} failed, {} expired, {} open \
         ({} new, {} uploaded, {} submitting, {} in tasks)\n",
        s.batch,
        c.total,
        c.done,
        c.failed,
        c.expired,
        c.open(),
        c.new,
        c.uploaded,
        c.submitting,
        c.submitted
    );
    out.push_str(&format!(
        "workers: {}; poller: {}; open tasks: {}\n",
        s.workers,
        if s.poller { "elected" } else { "none" },
        s.open_tasks
    ));
    if s.per_minute > 0.0 {
        out.push_str(&format!("throughput: {:.0} inputs/min", s.per_minute));
        if let Some(eta) = s.eta_seconds {
            out.push_str(&format!("; ETA {}m{:02}s", eta / 60, eta % 60));
        }
        out.push('\n');
    }
    for (reason, n) in &s.reasons {
        out.push_str(&format!("failed ×{n}: {reason}\n"));
    }
    out
}
