//! Request validation: the service's documented rules checked before anything is sent.
//!
//! Every [`ValidationError`] names the offending field, states the rule with the value found, and
//! says how to fix it, so a CLI can print it as is.

use std::collections::{BTreeMap, BTreeSet};

/// A request that breaks a documented rule.
///
/// Displays as "`{field}`: {problem}", e.g. "`input.file_urls`: at most 100 URLs per task, got
/// 120; split the batch into several tasks".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {problem}")]
#[non_exhaustive]
pub struct ValidationError {
    /// The wire path of the offending field, e.g. `parameters.speaker_count`.
    pub field: String,
    /// The rule broken, the value found and the fix.
    pub problem: String,
}

impl ValidationError {
    /// A validation error for `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Something that can check itself against the documented rules before it is sent.
pub trait Validate {
    /// Checks the value.
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// Checks one input URL: http, https and oss only; local paths and data URIs must be uploaded.
pub(crate) fn check_media_url(field: &str, url: &str) -> Result<(), ValidationError> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(
            field,
            "the URL is empty; pass a public http(s) URL or an oss:// URL from a temporary upload",
        ));
    }
    let upload_hint = "upload it first (e.g. `asr transcribe <path>` or the client's upload \
                       method) and pass the oss:// URL it returns";
    let scheme = match trimmed.split_once(':') {
        // A one-letter "scheme" is a Windows drive (`C:\audio.wav`), i.e. a local path.
        Some((scheme, _)) if scheme.len() > 1 && is_scheme(scheme) => scheme.to_ascii_lowercase(),
        _ => {
            return Err(ValidationError::new(
                field,
                format!(
                    "`{}` looks like a local path, but the service only downloads URLs; {upload_hint}",
                    snippet(trimmed)
                ),
            ));
        }
    };
    match scheme.as_str() {
        "http" | "https" => {
            let rest = &trimmed[scheme.len() + 1..];
            let host = rest.strip_prefix("//").unwrap_or("");
            if host.is_empty() || host.starts_with('/') {
                return Err(ValidationError::new(
                    field,
                    format!(
                        "`{}` has no host; pass a full URL such as https://example.com/audio.wav",
                        snippet(trimmed)
                    ),
                ));
            }
            if let Some(c) = trimmed.chars().find(|c| c.is_whitespace() || !c.is_ascii()) {
                return Err(ValidationError::new(
                    field,
                    format!(
                        "`{}` contains {c:?}, and the service fails to download URLs with spaces \
                         or non-ASCII characters; percent-encode the URL",
                        snippet(trimmed)
                    ),
                ));
            }
            Ok(())
        }
        "oss" => {
            if trimmed.len() <= "oss://".len() || !trimmed[3..].starts_with("://") {
                return Err(ValidationError::new(
                    field,
                    format!(
                        "`{}` is not a complete oss:// URL; pass the URL returned by the upload \
                         as is (oss://<upload_dir>/<file name>)",
                        snippet(trimmed)
                    ),
                ));
            }
            Ok(())
        }
        "data" => Err(ValidationError::new(
            field,
            format!("a data: URI cannot be used for file transcription; {upload_hint}"),
        )),
        "file" => Err(ValidationError::new(
            field,
            format!(
                "`{}` is a local file, but the service only downloads URLs; {upload_hint}",
                snippet(trimmed)
            ),
        )),
        other => Err(ValidationError::new(
            field,
            format!(
                "URL scheme `{other}` is not supported (allowed: http, https, oss); serve the \
                 file over http(s) or {upload_hint}"
            ),
        )),
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The start of a user value for an error message: enough to recognise it, never a 2 MB data URI.
pub(crate) fn snippet(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Most "super hot words" (weight 50) in one instant vocabulary.
const MAX_SUPER_HOT_WORDS: usize = 50;

/// Whether `url` is an `oss://` temporary-upload URL, which needs the header
/// `X-DashScope-OssResourceResolve: enable`.
pub(crate) fn is_oss_url(url: &str) -> bool {
    url.trim()
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("oss://"))
}

/// Checks the entries of an instant vocabulary (`parameters.vocabulary`): non-empty, no empty
/// word, weights 1 to 5 or 50, at most 50 of weight 50. Whether the model
/// takes one at all is the caller's check, since its advice differs per endpoint.
pub(crate) fn check_hot_words(words: &BTreeMap<String, u32>) -> Result<(), ValidationError> {
    if words.is_empty() {
        return Err(ValidationError::new(
            "parameters.vocabulary",
            "the map is empty; add `{word: weight}` entries or omit the field",
        ));
    }
    let mut super_words = 0;
    for (word, &weight) in words {
        if word.trim().is_empty() {
            return Err(ValidationError::new(
                "parameters.vocabulary",
                "a hot word is empty; remove that entry",
            ));
        }
        match weight {
            1..=5 => {}
            50 => super_words += 1,
            other => {
                return Err(ValidationError::new(
                    format!("parameters.vocabulary.{word}"),
                    format!(
                        "weight must be 1 to 5, or 50 for a super hot word, got {other}; start \
                         with 4 and raise it only if the word is still missed"
                    ),
                ));
            }
        }
    }
    if super_words > MAX_SUPER_HOT_WORDS {
        return Err(ValidationError::new(
            "parameters.vocabulary",
            format!(
                "at most {MAX_SUPER_HOT_WORDS} words may have weight 50, got {super_words}; lower \
                 the others to 1-5"
            ),
        ));
    }
    Ok(())
}

/// Checks `parameters.channel_id`: non-empty, non-negative, no duplicates.
pub(crate) fn check_channel_ids(field: &str, ids: &[i64]) -> Result<(), ValidationError> {
    if ids.is_empty() {
        return Err(ValidationError::new(
            field,
            "the list is empty; list the track indices to transcribe (0 is the first track) or \
             omit the field for the default [0]",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, &id) in ids.iter().enumerate() {
        if id < 0 {
            return Err(ValidationError::new(
                format!("{field}[{i}]"),
                format!("track indices start at 0, got {id}; use a non-negative index"),
            ));
        }
        if !seen.insert(id) {
            return Err(ValidationError::new(
                format!("{field}[{i}]"),
                format!(
                    "track {id} is listed twice, and every listed track is billed; list each \
                     track once"
                ),
            ));
        }
    }
    Ok(())
}
