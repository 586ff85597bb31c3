//! Architecture checks that run as ordinary tests (`cargo test -p xtask`).
//!
//! The layering of the design card is a promise to users of `asr-types` alone: those crates
//! must stay free of runtimes and I/O. A written rule drifts; a failing test does not.

#[cfg(test)]
mod tests;

use std::{collections::BTreeSet, process::Command};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Crates that mean a runtime, a socket or TLS: none may reach the pure crates.
pub const FORBIDDEN_IN_PURE: &[&str] = &[
    "tokio",
    "hyper",
    "hyper-util",
    "hyper-rustls",
    "h2",
    "mio",
    "socket2",
    "reqwest",
    "async-std",
    "smol",
    "rustls",
    "tower",
    "tracing",
];

/// The crates that must stay pure (types, sans-I/O protocol, rendering).
pub const PURE_CRATES: &[&str] = &["asr-types", "asr-protocol", "asr-render"];

/// Crates built on the types alone: usable by a service holding a result document, with no
/// protocol or client code underneath.
pub const TYPES_ONLY: &[(&str, &[&str])] = &[("asr-render", &["asr-protocol", "asr-transport"])];

/// Our crates, lowest layer first: each may depend only on crates before it, never on one
/// after it (the batch engine sits on the transport, its shared PostgreSQL store on the
/// engine, the CLI on both).
pub const LAYERS: &[&str] = &[
    "asr-types",
    "asr-protocol",
    "asr-transport",
    "asr-batch",
    "asr-store-pg",
    "asr-cli",
];

/// Our crates the emulator must never reach, through any edge.
pub const OURS: &[&str] = &[
    "asr-types",
    "asr-protocol",
    "asr-render",
    "asr-transport",
    "asr-batch",
    "asr-store-pg",
    "asr-cli",
];

/// Runs `cargo metadata` for the host platform and returns its JSON.
pub fn metadata() -> Result<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = host_triple()?;
    let out = Command::new(&cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
        ])
        .arg(&host)
        .current_dir(crate::project_root())
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("parsing cargo metadata output")
}

fn host_triple() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .context("running rustc -vV")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV printed no host line")
}

/// Names of every package reachable from `root` through edges whose kinds pass `keep`.
pub fn reachable(
    meta: &Value,
    root: &str,
    keep: &dyn Fn(&Value) -> bool,
) -> Result<BTreeSet<String>> {
    let packages = meta["packages"]
        .as_array()
        .context("metadata has no packages")?;
    let name_of = |id: &str| -> Option<String> {
        packages
            .iter()
            .find(|p| p["id"] == id)
            .and_then(|p| p["name"].as_str())
            .map(str::to_owned)
    };
    let nodes = meta["resolve"]["nodes"]
        .as_array()
        .context("metadata has no resolve graph")?;
    let root_id = packages
        .iter()
        .find(|p| p["name"] == root && p["source"].is_null())
        .and_then(|p| p["id"].as_str())
        .with_context(|| format!("no workspace package named {root}"))?
        .to_owned();

    let mut seen_ids = BTreeSet::new();
    let mut stack = vec![root_id];
    while let Some(id) = stack.pop() {
        if !seen_ids.insert(id.clone()) {
            continue;
        }
        let Some(node) = nodes.iter().find(|n| n["id"] == id.as_str()) else {
            continue;
        };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let kinds = dep["dep_kinds"].as_array().cloned().unwrap_or_default();
            if kinds.iter().any(keep)
                && let Some(pkg) = dep["pkg"].as_str()
            {
                stack.push(pkg.to_owned());
            }
        }
    }
    Ok(seen_ids.iter().filter_map(|id| name_of(id)).collect())
}

/// A normal (non-dev, non-build) dependency edge.
pub fn is_normal(kind: &Value) -> bool {
    kind["kind"].is_null()
}

/// Any dependency edge, dev and build included.
pub fn is_any(_kind: &Value) -> bool {
    true
}

/// Checks the layering rules; the error says which rule broke and where the code belongs.
pub fn check() -> Result<()> {
    let meta = metadata()?;
    for root in PURE_CRATES {
        let deps = reachable(&meta, root, &is_normal)?;
        let bad: Vec<_> = FORBIDDEN_IN_PURE
            .iter()
            .filter(|name| deps.contains(**name))
            .collect();
        if !bad.is_empty() {
            bail!(
                "{root} must stay free of runtimes and I/O, but its normal dependencies now \
                 include {bad:?}; move that code to asr-transport"
            );
        }
    }
    for (root, banned) in TYPES_ONLY {
        let deps = reachable(&meta, root, &is_normal)?;
        let bad: Vec<_> = banned.iter().filter(|name| deps.contains(**name)).collect();
        if !bad.is_empty() {
            bail!(
                "{root} must depend on asr-types alone among our crates, but its normal \
                 dependencies now include {bad:?}; move the shared rule into asr-types"
            );
        }
    }
    for (i, lower) in LAYERS.iter().enumerate() {
        let deps = reachable(&meta, lower, &is_normal)?;
        if let Some(higher) = LAYERS[i + 1..].iter().find(|h| deps.contains(**h)) {
            bail!(
                "{lower} depends on {higher}, a crate above it; the layers are {LAYERS:?}: move \
                 the shared code down to {lower} or below"
            );
        }
    }
    let deps = reachable(&meta, "asr-emulator", &is_any)?;
    for ours in OURS {
        if deps.contains(*ours) {
            bail!(
                "asr-emulator depends on {ours}: it must answer from its own reading of the \
                 protocol, or a bug in our client hides by agreeing with itself"
            );
        }
    }
    Ok(())
}
