//! Inputs: where a file's audio comes from, and how the journal names it.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a file to transcribe comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Input {
    /// A URL the service downloads itself (`http`, `https` or an `oss://` temporary URL).
    Url(String),
    /// A local file, uploaded to temporary storage first.
    Path(PathBuf),
}

impl Input {
    /// Reads `s` as a URL if it has an `http://`, `https://` or `oss://` scheme, else as a
    /// local path (`file://` is stripped).
    ///
    /// ```
    /// use asr_batch::Input;
    /// assert!(matches!(Input::parse("https://example.com/a.wav"), Input::Url(_)));
    /// assert!(matches!(Input::parse("recordings/a.wav"), Input::Path(_)));
    /// ```
    pub fn parse(s: &str) -> Self {
        let lower = s.to_ascii_lowercase();
        if ["http://", "https://", "oss://"]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            Input::Url(s.to_owned())
        } else {
            Input::Path(PathBuf::from(s.strip_prefix("file://").unwrap_or(s)))
        }
    }

    /// How the input is shown in results and errors: the URL, or the path as given.
    ///
    /// ```
    /// assert_eq!(asr_batch::Input::parse("a/b.wav").display_name(), "a/b.wav");
    /// ```
    pub fn display_name(&self) -> String {
        match self {
            Input::Url(u) => u.clone(),
            Input::Path(p) => p.display().to_string(),
        }
    }

    /// The source as the journal records it: the URL as given, or the file's absolute,
    /// canonical path (so `./a.wav` and `/data/a.wav` are one input). A path that cannot be
    /// canonicalized (missing) is made absolute against the working directory.
    ///
    /// ```
    /// let input = asr_batch::Input::parse("https://example.com/a.wav");
    /// assert_eq!(input.source(), "https://example.com/a.wav");
    /// ```
    pub fn source(&self) -> String {
        match self {
            Input::Url(u) => u.clone(),
            Input::Path(p) => absolute(p).display().to_string(),
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

impl From<&str> for Input {
    fn from(s: &str) -> Self {
        Input::parse(s)
    }
}

impl From<String> for Input {
    fn from(s: String) -> Self {
        Input::parse(&s)
    }
}

impl From<&String> for Input {
    fn from(s: &String) -> Self {
        Input::parse(s)
    }
}

impl From<PathBuf> for Input {
    fn from(p: PathBuf) -> Self {
        Input::Path(p)
    }
}

impl From<&Path> for Input {
    fn from(p: &Path) -> Self {
        Input::Path(p.to_path_buf())
    }
}

/// The recognition options a batch submits its inputs with, as a short fingerprint: two runs
/// with the same model and parameters share it, so the second resumes the first; a change of
/// options makes the same source a new input.
///
/// ```
/// use asr_batch::Job;
/// use asr_types::Model;
/// assert_eq!(Job::new(Model::FUN_ASR).options_id(), Job::new(Model::FUN_ASR).options_id());
/// assert_ne!(Job::new(Model::FUN_ASR).options_id(), Job::new(Model::PARAFORMER_V2).options_id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OptionsId(pub(crate) u64);

impl OptionsId {
    /// The fingerprint of `bytes` (FNV-1a, 64 bits: stable across versions and platforms,
    /// unlike the standard library's hasher).
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        OptionsId(h)
    }

    /// Reads the 16 hex digits the journal writes.
    ///
    /// ```
    /// let id = asr_batch::OptionsId::parse("00ff00ff00ff00ff").unwrap();
    /// assert_eq!(id.to_string(), "00ff00ff00ff00ff");
    /// assert!(asr_batch::OptionsId::parse("xyz").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 16)
            .then(|| u64::from_str_radix(s, 16).ok())
            .flatten()
            .map(OptionsId)
    }
}

impl fmt::Display for OptionsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for OptionsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OptionsId({self})")
    }
}

/// An input's identity in a store: its source and the options it is transcribed with.
/// Records of journals written before options were recorded have `options: None` and apply
/// to the source whatever its options.
///
/// ```
/// use asr_batch::{Input, InputKey, Job};
/// use asr_types::Model;
/// let key = InputKey::new(&Input::parse("https://example.com/a.wav"), &Job::new(Model::FUN_ASR));
/// assert_eq!(key.source, "https://example.com/a.wav");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct InputKey {
    /// [`Input::source`].
    pub source: String,
    /// The options, `None` in journals from before options were recorded.
    pub options: Option<OptionsId>,
}

impl InputKey {
    /// The key of `input` submitted as `job`.
    pub fn new(input: &Input, job: &crate::Job) -> Self {
        InputKey {
            source: input.source(),
            options: Some(job.options_id()),
        }
    }

    /// A key from its parts.
    ///
    /// ```
    /// let key = asr_batch::InputKey::from_parts("https://example.com/a.wav", None);
    /// assert!(key.options.is_none());
    /// ```
    pub fn from_parts(source: impl Into<String>, options: Option<OptionsId>) -> Self {
        InputKey {
            source: source.into(),
            options,
        }
    }
}

#[cfg(test)]
mod tests;
