//! `asr`: transcribe recorded audio with DashScope from the shell.
//!
//! `main` parses the command line, sets up logging on stderr, runs one command on a tokio
//! runtime and turns its outcome into a documented exit code (see [`exit`]).

mod cli;
mod commands;
mod config;
mod exit;
mod inputs;
mod journal;
mod output;
mod progress;
mod service;
mod session;
#[cfg(test)]
mod testutil;

use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    init_logging(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            exit::report(&anyhow::Error::new(err).context("cannot start the async runtime"));
            return ExitCode::from(exit::UNEXPECTED);
        }
    };
    let code = runtime.block_on(async {
        tokio::select! {
            result = commands::run(cli) => match result {
                Ok(code) => code,
                Err(err) => {
                    exit::report(&err);
                    exit::classify(&err).code()
                }
            },
            () = interrupted() => {
                // Every journal record is flushed as it is written, so stopping here loses
                // nothing that a rerun cannot pick up.
                eprintln!("interrupted; run the same command again to resume");
                exit::Kind::Interrupted.code()
            }
        }
    });
    // Don't wait for in-flight requests of an interrupted run.
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Log to stderr: `-v` raises the level, `-q` lowers it, `ASR_LOG` overrides with a filter.
fn init_logging(global: &cli::Global) {
    let level = if global.quiet {
        "error"
    } else {
        match global.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = EnvFilter::try_from_env("ASR_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
