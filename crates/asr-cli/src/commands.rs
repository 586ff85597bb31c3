//! The commands, one module each, and what they share: where outputs go and how a batch
//! reports.

mod completions;
mod emulator;
pub mod fleet;
mod job;
pub mod recognize;
mod render;
mod tasks;
pub mod token;
mod transcribe;
pub mod vocab;

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::{Cli, Command, OutputArgs};
use crate::exit;
use crate::output::{Artifact, files};

/// Run the parsed command line; the result is the exit code, or the error to report.
pub async fn run(cli: Cli) -> anyhow::Result<u8> {
    let Cli {
        conn,
        global,
        mut command,
    } = cli;
    match &mut command {
        Command::Transcribe(args) => args.out.expand_formats(),
        Command::Recognize(args) => args.out.expand_formats(),
        Command::Result(args) => args.out.expand_formats(),
        Command::Render(args) => args.out.expand_formats(),
        _ => {}
    }
    match command {
        Command::Render(args) => render::run(&args, &global),
        Command::Completions(args) => completions::run(&args),
        Command::Transcribe(args) if args.store.is_some() => {
            let store = args.store.clone().unwrap_or_default();
            fleet::transcribe(&args, &store, &conn, &global).await
        }
        Command::Batch(cmd) => fleet::run(cmd, &global).await,
        Command::Transcribe(mut args) => {
            warn_all(&job::warnings(&args.job), &global);
            let session = vocab::prepare_transcribe(&mut args, &conn, &global).await?;
            transcribe::run(&args, &conn, &global, session).await
        }
        Command::Submit(args) => {
            warn_all(&job::warnings(&args.job), &global);
            transcribe::submit(&args, &conn, &global).await
        }
        Command::Task(cmd) => tasks::run(cmd, &conn, &global).await,
        Command::Result(args) => tasks::result(&args, &conn, &global).await,
        Command::Emulator(args) => emulator::run(&args).await,
        Command::Recognize(args) => recognize::run(&args, &conn, &global).await,
        Command::Vocab(cmd) => vocab::run(cmd, &conn, &global).await,
        Command::Token(args) => token::run(&args, &conn, &global).await,
    }
}

/// Where rendered outputs go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// Print to stdout (one input, one format).
    Stdout,
    /// One file per input, format (and channel, for time-based formats) in this directory.
    Dir(PathBuf),
}

impl Destination {
    /// Choose from `-o` and check what stdout can take.
    pub fn from_args(args: &OutputArgs, inputs: usize) -> anyhow::Result<Self> {
        match &args.output_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("cannot create the output directory {}", dir.display())
                })?;
                Ok(Destination::Dir(dir.clone()))
            }
            None if inputs > 1 => Err(exit::usage(format!(
                "{inputs} inputs given but no output directory; pass `-o DIR` to write one \
                 file per input and format"
            ))),
            None if args.formats.len() > 1 => Err(exit::usage(
                "several formats cannot share stdout; pass `-o DIR` to write one file per format",
            )),
            None => Ok(Destination::Stdout),
        }
    }

    /// The file names (relative to the directory) `stem`'s artifacts are written to.
    pub fn names(stem: &str, artifacts: &[Artifact]) -> Vec<String> {
        artifacts
            .iter()
            .map(|a| format!("{stem}{}", a.suffix()))
            .collect()
    }

    /// Write one input's artifacts; returns the file names written (empty for stdout).
    pub fn emit(&self, stem: &str, artifacts: &[Artifact]) -> anyhow::Result<Vec<String>> {
        match self {
            Destination::Stdout => {
                let mut stdout = std::io::stdout().lock();
                for artifact in artifacts {
                    match stdout
                        .write_all(&artifact.bytes)
                        .and_then(|()| stdout.flush())
                    {
                        // A closed pipe (`asr … | head`) is the reader's choice, not an error.
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
                        other => other.context("cannot write to stdout")?,
                    }
                }
                Ok(Vec::new())
            }
            Destination::Dir(dir) => {
                let names = Self::names(stem, artifacts);
                for (name, artifact) in names.iter().zip(artifacts) {
                    let path = dir.join(name);
                    files::write_atomic(&path, &artifact.bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
                Ok(names)
            }
        }
    }
}

/// The outcome of one input in a batch, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The input as given (or expanded from a directory or list).
    pub input: String,
    /// `ok`, `skipped` (already complete), `submitted` or `failed`.
    pub status: &'static str,
    /// The task id, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Files written, relative to the output directory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
    /// Billed audio seconds, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_seconds: Option<f64>,
    /// The error, for failed inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The exit-code kind of the error, kept to pick the batch's exit code.
    #[serde(skip)]
    pub kind: Option<exit::Kind>,
    /// The error itself, so a run of one input can report it with its cause chain.
    #[serde(skip)]
    pub cause: Option<anyhow::Error>,
}

/// The exit code of a batch: the single input's own code, or 7 when some of several failed.
pub fn batch_exit_code(reports: &[FileReport]) -> u8 {
    let failed: Vec<_> = reports.iter().filter(|r| r.status == "failed").collect();
    match (failed.len(), reports.len()) {
        (0, _) => exit::OK,
        (_, 1) => failed[0].kind.unwrap_or(exit::Kind::Unexpected).code(),
        _ => exit::Kind::SomeFailed.code(),
    }
}

/// Print text on stdout, ending quietly if the reader went away.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// Print the library's warnings on stderr as `warning: …` lines (not with `--quiet`): what is
/// sent although the documentation does not vouch for it.
pub fn warn_all(warnings: &[asr_types::Warning], global: &crate::cli::Global) {
    if global.quiet {
        return;
    }
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

/// Print a JSON value on stdout, ending quietly if the reader went away.
pub fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let mut text = serde_json::to_vec_pretty(value).context("cannot encode JSON output")?;
    text.push(b'\n');
    match stdout.write_all(&text) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
