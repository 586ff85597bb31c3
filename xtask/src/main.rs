//! Project automation; run with `cargo xtask <command>`.
//!
//! Commands:
//! - `ci`: everything CI checks — formatting, clippy, the whole test suite with snapshot updates
//!   disabled, rustdoc with warnings denied, and the conformance run of the official Python SDK
//!   against the emulator.
//! - `conformance`: only the Python SDK conformance run.
//! - `tidy`: the layering rules (pure crates stay free of runtimes; the emulator stays independent).
//! - `fixtures check [--fix]`: every fixture canonical, secret-free and used by a test.
//! - `fixtures refresh [--only NAME]... [--base-url URL] [--out DIR]`: re-record the exchanges.
//! - `bench`: end-to-end figures on loopback against the emulator, as a markdown table.

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

mod bench;
mod fixtures;
#[cfg(test)]
mod fuzz_smoke;
mod tidy;

/// `cargo xtask`: project automation.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", disable_version_flag = true)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Formatting, clippy, every test, and the Python SDK conformance run.
    Ci,
    /// Only the Python SDK conformance run against the emulator.
    Conformance,
    /// The layering rules between crates.
    Tidy,
    /// Check or re-record `fixtures/`.
    Fixtures {
        #[command(subcommand)]
        command: FixturesTask,
    },
    /// End-to-end benchmarks against the emulator on loopback; prints a markdown table.
    Bench(bench::Args),
    /// Internal: the measured client side of `bench`, run as a release-built child.
    #[command(hide = true)]
    BenchClient {
        #[command(subcommand)]
        task: bench::ClientTask,
    },
    /// Internal: runs a command and prints its wall time, CPU time and peak RSS as JSON.
    #[command(hide = true)]
    Measure {
        /// The program and its arguments.
        #[arg(trailing_var_arg = true, required = true)]
        command: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum FixturesTask {
    /// Every fixture canonical, free of secrets, and used by at least one test.
    Check {
        /// Rewrite JSON fixtures in canonical form first.
        #[arg(long)]
        fix: bool,
    },
    /// Re-record the exchange fixtures (live service with DASHSCOPE_API_KEY, or --base-url).
    Refresh {
        /// Only this fixture: `endpoint/case`, `endpoint` or `case` (repeatable).
        #[arg(long)]
        only: Vec<String>,
        /// A server speaking the protocol, e.g. the emulator at http://127.0.0.1:8080.
        #[arg(long)]
        base_url: Option<String>,
        /// Write here instead of `fixtures/`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Task::Ci => ci(),
        Task::Conformance => conformance(),
        Task::Tidy => tidy::check(),
        Task::Fixtures {
            command: FixturesTask::Check { fix },
        } => fixtures::check_command(fix),
        Task::Fixtures {
            command:
                FixturesTask::Refresh {
                    only,
                    base_url,
                    out,
                },
        } => fixtures::refresh::command(only, base_url, out),
        Task::Bench(args) => bench::run(&args),
        Task::BenchClient { task } => bench::client_command(&task),
        Task::Measure { command } => bench::measure_command(&command),
    }
}

fn project_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {cmd:?}");
    let status = cmd
        .current_dir(project_root())
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn ci() -> Result<()> {
    ensure_postgres()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo()
        .args(["test", "--workspace", "--locked"])
        .env("INSTA_UPDATE", "no"))?;
    // Broken intra-doc links and unclosed HTML in docs fail here rather than on docs.rs.
    run(cargo()
        .args([
            "doc",
            "--no-deps",
            "--workspace",
            "--exclude",
            "xtask",
            "--locked",
        ])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    conformance()
}

/// The shared-store tests start a throwaway PostgreSQL cluster from the Debian packages
/// (`/usr/lib/postgresql/*/bin`); install them when they are missing, unless
/// `ASR_TEST_POSTGRES_URL` names a cluster to use instead.
fn ensure_postgres() -> Result<()> {
    let has_url = env::var("ASR_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty());
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().any(|e| e.path().join("bin/initdb").is_file()))
        .unwrap_or(false);
    if has_url || installed {
        return Ok(());
    }
    eprintln!("installing postgresql-15 for the shared-store tests");
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args([
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "postgresql-15",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn conformance() -> Result<()> {
    let script = project_root().join("crates/asr-emulator/conformance/run.sh");
    run(Command::new("bash").arg(script))
}
