//! Exit codes and error reporting.
//!
//! Every expected failure maps to one documented constant (nextest style); anything the CLI did
//! not foresee is [`UNEXPECTED`]. Errors are classified by walking their `source()` chain, so a
//! low-level cause (a transport timeout, a validation error) decides the code even when the
//! command wrapped it in context.

use std::error::Error as StdError;
use std::fmt;
use std::io::Write as _;

/// Every input succeeded.
pub const OK: u8 = 0;
/// A failure the CLI did not foresee (a bug, or an I/O error it cannot explain).
pub const UNEXPECTED: u8 = 1;
/// The command line itself is wrong (unknown flag, missing argument); clap reports these.
pub const USAGE: u8 = 2;
/// An input or option is invalid: missing file, unsupported extension, file too large, bad
/// language code, speaker count out of range, no API key configured.
pub const INVALID_INPUT: u8 = 3;
/// The service refused the credentials: invalid API key, key of another region, no permission.
pub const AUTH: u8 = 4;
/// The service rejected the request or the task failed on the service.
pub const REJECTED: u8 = 5;
/// The network failed or a deadline passed (connect error, timeout, `--timeout` reached).
pub const NETWORK: u8 = 6;
/// A batch finished but some of its files failed; the others were written.
pub const SOME_FAILED: u8 = 7;
/// Interrupted by Ctrl-C or SIGTERM; the journal is on disk, so running again resumes.
pub const INTERRUPTED: u8 = 130;

/// The exit-code table shown at the end of `asr --help`.
pub const HELP: &str = "\
Exit codes:
    0    all inputs succeeded
    1    unexpected error
    2    usage error (bad command line)
    3    invalid input or configuration (missing file, unsupported format, bad option, no API key)
    4    authentication or permission refused by the service
    5    request rejected by the service, or the task failed on the service
    6    network error or timeout
    7    some files of the batch failed (the others were written)
    130  interrupted (the journal is flushed; run the same command again to resume)
";

/// What kind of failure an error is; each kind has one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// See [`UNEXPECTED`].
    Unexpected,
    /// See [`USAGE`].
    Usage,
    /// See [`INVALID_INPUT`].
    InvalidInput,
    /// See [`AUTH`].
    Auth,
    /// See [`REJECTED`].
    Rejected,
    /// See [`NETWORK`].
    Network,
    /// See [`SOME_FAILED`].
    SomeFailed,
    /// See [`INTERRUPTED`].
    Interrupted,
}

impl Kind {
    /// The process exit code of this kind.
    pub fn code(self) -> u8 {
        match self {
            Kind::Unexpected => UNEXPECTED,
            Kind::Usage => USAGE,
            Kind::InvalidInput => INVALID_INPUT,
            Kind::Auth => AUTH,
            Kind::Rejected => REJECTED,
            Kind::Network => NETWORK,
            Kind::SomeFailed => SOME_FAILED,
            Kind::Interrupted => INTERRUPTED,
        }
    }
}

/// An error the CLI classified itself, with a message that names the problem and the fix.
#[derive(Debug)]
pub struct Failure {
    kind: Kind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Failure {
    /// A failure of `kind` with a user-facing message.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The same failure, caused by `source` (printed as its cause chain).
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Failure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

/// An invalid-input error (exit code 3).
pub fn invalid_input(message: impl Into<String>) -> anyhow::Error {
    Failure::new(Kind::InvalidInput, message).into()
}

/// A usage error (exit code 2) found after parsing, e.g. two options that cannot go together.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure::new(Kind::Usage, message).into()
}

/// The kind of an error, from the first classifiable error in its chain.
pub fn classify(err: &anyhow::Error) -> Kind {
    for cause in err.chain() {
        if let Some(kind) = classify_one(cause) {
            return kind;
        }
    }
    Kind::Unexpected
}

fn classify_one(cause: &(dyn StdError + 'static)) -> Option<Kind> {
    if let Some(f) = cause.downcast_ref::<Failure>() {
        return Some(f.kind);
    }
    if let Some(kind) = crate::service::classify(cause) {
        return Some(kind);
    }
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        use std::io::ErrorKind as K;
        return match io.kind() {
            K::TimedOut
            | K::ConnectionRefused
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::NotConnected
            | K::BrokenPipe => Some(Kind::Network),
            _ => None,
        };
    }
    None
}

/// Print `err` to stderr as a headline followed by its cause chain.
pub fn report(err: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", render(err));
}

/// The text [`report`] prints: `error: <headline>` then one `  caused by: <cause>` per source.
pub fn render(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}");
    let mut last = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        // Some errors repeat their source in their own message; printing it twice is noise.
        if last.contains(&text) {
            continue;
        }
        out.push_str("\n  caused by: ");
        out.push_str(&text);
        last = text;
    }
    out
}

#[cfg(test)]
mod tests;
