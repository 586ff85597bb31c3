//! Expanding and checking inputs: URLs, local files, directories and `@list.txt` files.
//!
//! Problems with one input (missing, unsupported, too large) are attached to that input so a
//! batch reports them and goes on; only an unreadable `@list` stops everything, since then the
//! batch itself is unknown.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::exit;

/// Extensions async file transcription accepts (protocol §2.9).
pub const SUPPORTED_EXTENSIONS: &[&str] = &[
    "aac", "amr", "avi", "flac", "flv", "m4a", "mkv", "mov", "mp3", "mp4", "mpeg", "ogg", "opus",
    "wav", "webm", "wma", "wmv",
];

/// Largest file async transcription accepts (protocol §2.9): 2 GB.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Where an input's audio is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A URL the service downloads (`http`, `https`, `oss`).
    Url(String),
    /// A local file to upload.
    File(PathBuf),
}

/// One input of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// How the user named it (a path as given or found, or the URL).
    pub display: String,
    /// The journal key: the absolute path of a local file, or the URL.
    pub key: String,
    /// Where the audio is.
    pub source: Source,
    /// Why this input cannot be transcribed, if it cannot.
    pub problem: Option<String>,
}

/// Expand the command-line inputs into items, in order, without duplicates.
///
/// # Errors
///
/// Invalid input (exit 3) when an `@list` file cannot be read, or nothing at all was given.
pub fn expand(raw: &[String]) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    for arg in raw {
        if let Some(list) = arg.strip_prefix('@') {
            expand_list(Path::new(list), &mut items)?;
        } else {
            expand_one(arg, None, &mut items);
        }
    }
    let mut seen = BTreeSet::new();
    items.retain(|item| seen.insert(item.key.clone()));
    if items.is_empty() {
        return Err(exit::invalid_input(
            "no inputs: pass audio files, directories, URLs or @list.txt",
        ));
    }
    Ok(items)
}

/// `@list.txt`: one input per line; blank lines and `#` comments are skipped; relative paths
/// are relative to the list's own directory, so a list works from any working directory.
fn expand_list(list: &Path, items: &mut Vec<Item>) -> anyhow::Result<()> {
    let text = fs::read_to_string(list).map_err(|e| {
        exit::Failure::new(
            exit::Kind::InvalidInput,
            format!(
                "`@{}`: cannot read the input list; pass a text file with one input per line",
                list.display()
            ),
        )
        .with_source(e)
    })?;
    let base = list.parent().map(Path::to_path_buf).unwrap_or_default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        expand_one(line, Some(&base), items);
    }
    Ok(())
}

fn expand_one(arg: &str, base: Option<&Path>, items: &mut Vec<Item>) {
    let lower = arg.to_ascii_lowercase();
    if ["http://", "https://", "oss://"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        items.push(Item {
            display: arg.to_owned(),
            key: arg.to_owned(),
            source: Source::Url(arg.to_owned()),
            problem: None,
        });
        return;
    }
    let given = arg.strip_prefix("file://").unwrap_or(arg);
    if let Some((scheme, _)) = given.split_once("://") {
        items.push(problem_item(
            arg,
            format!(
                "`{arg}`: unsupported URL scheme `{scheme}`; pass an http(s) or oss:// URL, or \
                 a local file"
            ),
        ));
        return;
    }
    let path = match base {
        Some(b) if Path::new(given).is_relative() => b.join(given),
        _ => PathBuf::from(given),
    };
    match fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => expand_dir(&path, items),
        Ok(meta) => items.push(check_file(&path, meta.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => items.push(problem_item(
            &path.display().to_string(),
            format!(
                "`{}`: no such file or directory; check the path",
                path.display()
            ),
        )),
        Err(e) => items.push(problem_item(
            &path.display().to_string(),
            format!("`{}`: cannot read: {e}", path.display()),
        )),
    }
}

/// Every supported file under `dir`, recursively, in name order; hidden entries are skipped
/// (journals, `.git`), and symlinked directories are not followed, so a link cycle cannot
/// loop.
fn expand_dir(dir: &Path, items: &mut Vec<Item>) {
    let before = items.len();
    let mut stack = vec![dir.to_path_buf()];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            items.push(problem_item(
                &d.display().to_string(),
                format!("`{}`: cannot list the directory", d.display()),
            ));
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if has_supported_extension(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    for path in found {
        let len = fs::metadata(&path).map_or(0, |m| m.len());
        items.push(check_file(&path, len));
    }
    if items.len() == before {
        items.push(problem_item(
            &dir.display().to_string(),
            format!(
                "`{}`: no audio or video files found (looked for .{})",
                dir.display(),
                SUPPORTED_EXTENSIONS.join(", .")
            ),
        ));
    }
}

fn has_supported_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SUPPORTED_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn check_file(path: &Path, len: u64) -> Item {
    let display = path.display().to_string();
    let key = fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let problem = if !has_supported_extension(path) {
        let ext = path
            .extension()
            .map(|e| format!("`.{}`", e.to_string_lossy()))
            .unwrap_or_else(|| "no extension".to_owned());
        Some(format!(
            "`{display}`: unsupported file type ({ext}); async transcription takes .{}",
            SUPPORTED_EXTENSIONS.join(", .")
        ))
    } else if len == 0 {
        Some(format!("`{display}`: the file is empty; pass a recording"))
    } else if len > MAX_FILE_BYTES {
        Some(format!(
            "`{display}`: {len} bytes is over the 2 GB ({MAX_FILE_BYTES} bytes) per-file limit \
             of async transcription; split or compress the recording"
        ))
    } else {
        None
    };
    Item {
        display,
        key,
        source: Source::File(path.to_path_buf()),
        problem,
    }
}

fn problem_item(display: &str, problem: String) -> Item {
    Item {
        display: display.to_owned(),
        key: display.to_owned(),
        source: Source::File(PathBuf::from(display)),
        problem: Some(problem),
    }
}

/// Read `--filter`: inline JSON, or `@file` holding it.
pub fn read_filter(arg: &str) -> anyhow::Result<String> {
    let text = match arg.strip_prefix('@') {
        Some(path) => fs::read_to_string(path)
            .with_context(|| format!("`--filter`: cannot read `{path}`"))
            .map_err(|e| exit::invalid_input(format!("{e:#}")))?,
        None => arg.to_owned(),
    };
    Ok(text)
}

#[cfg(test)]
mod tests;
