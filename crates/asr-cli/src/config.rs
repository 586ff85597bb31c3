//! Resolving the connection settings: flags win over environment variables, which use the
//! official Python SDK's names and meanings (protocol §1.7).
//!
//! clap already applies "flag, else variable" to each setting; this module adds the key-file
//! fallbacks, checks values, and turns them into an [`asr_transport::Config`].

use std::path::{Path, PathBuf};

use asr_transport::Config;
use asr_types::{Region, WorkspaceId};

use crate::cli::Connection;
use crate::exit;

/// Where the official SDK looks for a key when no variable names one.
const DEFAULT_KEY_FILE: &str = ".dashscope/api_key";

/// The message for a missing key: every way to set one, and the offline way out.
pub const NO_KEY: &str = "no API key: pass `--api-key sk-…`, export DASHSCOPE_API_KEY=sk-… or \
     DASHSCOPE_API_KEY_FILE_PATH=<file holding the key>, or write the key to \
     ~/.dashscope/api_key (create one in the Model Studio console); to try asr offline \
     without a key, add `--emulator`";

/// Build the transport configuration for the real service.
///
/// `var` reads an environment variable (injected for tests); `home` is the home directory for
/// the SDK's default key file.
///
/// # Errors
///
/// Invalid input (exit 3) naming the flag or variable: no key anywhere, an unreadable or empty
/// key file, an unknown region, a malformed workspace id.
pub fn resolve(
    conn: &Connection,
    var: impl Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> anyhow::Result<Config> {
    let key = api_key(conn, &var, home)?;
    let mut config =
        Config::new(key).with_user_agent_suffix(concat!("asr-cli/", env!("CARGO_PKG_VERSION")));
    let region = match conn.region.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => r.parse::<Region>().map_err(|e| {
            exit::invalid_input(format!("`--region` / DASHSCOPE_API_REGION: {}", e.problem))
        })?,
        _ => Region::CnBeijing,
    };
    config = config.with_region(region);
    if let Some(ws) = conn
        .workspace
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let ws = WorkspaceId::new(ws).map_err(|e| {
            exit::invalid_input(format!(
                "`--workspace` / DASHSCOPE_WORKSPACE_ID: {}",
                e.problem
            ))
        })?;
        // As the SDK does: outside Beijing a workspace selects its own host; in Beijing it is
        // sent as a header on the shared host.
        config = config
            .with_workspace(ws)
            .with_workspace_host(region != Region::CnBeijing);
    }
    if let Some(url) = conn.base_url.as_deref().filter(|u| !u.trim().is_empty()) {
        config = config.with_base_url(url.trim());
    }
    if let Some(url) = conn
        .compatible_base_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        config = config.with_compatible_base_url(url.trim());
    }
    Ok(config)
}

fn api_key(
    conn: &Connection,
    var: &impl Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> anyhow::Result<String> {
    if let Some(key) = conn
        .api_key
        .as_ref()
        .map(|k| k.0.trim())
        .filter(|k| !k.is_empty())
    {
        return Ok(key.to_owned());
    }
    if let Some(path) = var("DASHSCOPE_API_KEY_FILE_PATH").filter(|p| !p.trim().is_empty()) {
        return read_key_file(Path::new(path.trim()), "DASHSCOPE_API_KEY_FILE_PATH");
    }
    if let Some(path) = home
        .map(|h| h.join(DEFAULT_KEY_FILE))
        .filter(|p| p.is_file())
    {
        return read_key_file(&path, "~/.dashscope/api_key");
    }
    Err(exit::invalid_input(NO_KEY))
}

fn read_key_file(path: &Path, name: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        exit::Failure::new(
            exit::Kind::InvalidInput,
            format!(
                "{name}: cannot read the key file `{}`; point it at a file holding the key",
                path.display()
            ),
        )
        .with_source(e)
    })?;
    let key = text.trim();
    if key.is_empty() {
        return Err(exit::invalid_input(format!(
            "{name}: the key file `{}` is empty; write the API key (sk-…) into it",
            path.display()
        )));
    }
    Ok(key.to_owned())
}

/// The user's home directory, for the SDK's default key file.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests;
