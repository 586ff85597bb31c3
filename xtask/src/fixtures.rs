//! `cargo xtask fixtures check [--fix]` and `cargo xtask fixtures refresh`.
//!
//! The check is also a `#[test]` (r-a's check-or-write idea): a fixture that drifts from
//! canonical form, holds a secret or is used by no test fails `cargo test`, and the failure
//! names the command that fixes it.
//!
//! What is checked, for every file under `fixtures/` except `*.md`:
//! - `.json`: canonical form ([`canonical`]), and no credential fields ([`secrets`]).
//! - every text file (`.sse` streams are kept verbatim, never rewritten): the secret scan.
//! - every file: some test uses it ([`usage`] documents the rule).

pub mod canonical;
pub mod redact;
pub mod refresh;
pub mod secrets;
pub mod usage;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One thing wrong with one fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not JSON at all.
    NotJson {
        /// serde_json's message.
        error: String,
    },
    /// JSON, but not in canonical form.
    NotCanonical,
    /// A secret-looking string.
    Secret(secrets::Finding),
    /// No test mentions the file, its directory or a glob covering it.
    Unused,
}

/// A problem and the fixture it is in (relative to `fixtures/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Path relative to the fixtures directory, `/`-separated.
    pub file: String,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = &self.file;
        match &self.problem {
            Problem::NotJson { error } => write!(f, "fixtures/{file}: not JSON: {error}"),
            Problem::NotCanonical => write!(
                f,
                "fixtures/{file}: not canonical (sorted keys, two-space indent, trailing newline)"
            ),
            Problem::Secret(found) if found.line > 0 => write!(
                f,
                "fixtures/{file}:{}: looks like {}",
                found.line, found.what
            ),
            Problem::Secret(found) => write!(f, "fixtures/{file}: holds {}", found.what),
            Problem::Unused => write!(f, "fixtures/{file}: no test uses it"),
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Default)]
pub struct Report {
    /// Fixtures looked at.
    pub checked: usize,
    /// Files rewritten into canonical form (only with `fix`).
    pub fixed: Vec<String>,
    /// What is still wrong.
    pub issues: Vec<Issue>,
}

impl Report {
    /// The problems and, under them, the commands that fix them.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        for issue in &self.issues {
            out.push_str(&format!("  {issue}\n"));
        }
        let has = |pred: fn(&Problem) -> bool| self.issues.iter().any(|i| pred(&i.problem));
        out.push_str("to fix:\n");
        if has(|p| matches!(p, Problem::NotCanonical)) {
            out.push_str(
                "  cargo xtask fixtures check --fix   # rewrites JSON fixtures in canonical form\n",
            );
        }
        if has(|p| matches!(p, Problem::NotJson { .. })) {
            out.push_str("  repair the JSON by hand (the error gives line and column)\n");
        }
        if has(|p| matches!(p, Problem::Secret(_))) {
            out.push_str(
                "  replace the value with a placeholder (REDACTED), or re-record it:\n  \
                 cargo xtask fixtures refresh --only <endpoint>/<case>   # redacts keys, ids, signatures\n",
            );
        }
        if has(|p| matches!(p, Problem::Unused)) {
            out.push_str(
                "  use the file from a test under crates/ (by path, directory or glob), or delete it\n",
            );
        }
        out
    }
}

/// Checks every fixture under `fixtures_dir` against the test sources under `workspace`;
/// with `fix`, first rewrites non-canonical JSON files.
///
/// # Errors
/// A file or directory cannot be read (or, with `fix`, written).
pub fn check(workspace: &Path, fixtures_dir: &Path, fix: bool) -> Result<Report> {
    let mut files = Vec::new();
    list(fixtures_dir, &mut files)?;
    let patterns = usage::patterns(workspace)?;
    let mut report = Report::default();
    for path in files {
        let rel = relative(fixtures_dir, &path)?;
        report.checked += 1;
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let issue = |problem| Issue {
            file: rel.clone(),
            problem,
        };
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if rel.ends_with(".json") {
                match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(value) => {
                        let canonical = canonical::to_canonical(&value);
                        if canonical != text {
                            if fix {
                                std::fs::write(&path, &canonical)
                                    .with_context(|| format!("writing {}", path.display()))?;
                                report.fixed.push(rel.clone());
                            } else {
                                report.issues.push(issue(Problem::NotCanonical));
                            }
                        }
                        for found in secrets::scan_json(&value) {
                            report.issues.push(issue(Problem::Secret(found)));
                        }
                    }
                    Err(e) => report.issues.push(issue(Problem::NotJson {
                        error: e.to_string(),
                    })),
                }
            }
            for found in secrets::scan_text(text) {
                report.issues.push(issue(Problem::Secret(found)));
            }
        }
        if !usage::is_used(&rel, &patterns) {
            report.issues.push(issue(Problem::Unused));
        }
    }
    Ok(report)
}

/// `cargo xtask fixtures check [--fix]` on the repository's own fixtures.
///
/// # Errors
/// Any problem is left; the message lists them and the commands that fix them.
pub fn check_command(fix: bool) -> Result<()> {
    let root = crate::project_root();
    let report = check(&root, &root.join("fixtures"), fix)?;
    for file in &report.fixed {
        eprintln!("rewrote fixtures/{file} in canonical form");
    }
    if !report.issues.is_empty() {
        bail!(
            "{} problem(s) in {} fixture(s):\n{}",
            report.issues.len(),
            report.checked,
            report.explain()
        );
    }
    eprintln!(
        "fixtures: {} files canonical, secret-free and used",
        report.checked
    );
    Ok(())
}

/// Every fixture file under `dir`, sorted; documentation (`*.md`) is not a fixture.
fn list(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            list(&path, out)?;
        } else if !name.ends_with(".md") {
            out.push(path);
        }
    }
    Ok(())
}

fn relative(base: &Path, path: &Path) -> Result<String> {
    let rel = path
        .strip_prefix(base)
        .with_context(|| format!("{} is outside {}", path.display(), base.display()))?;
    Ok(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/"))
}
