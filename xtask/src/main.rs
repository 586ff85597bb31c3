//! Project automation; run with `cargo xtask <command>`.
//!
//! Commands:
//! - `ci`: everything CI checks — formatting, clippy, the whole test suite with snapshot updates
//!   disabled, and the conformance run of the official Python SDK against the emulator.
//! - `conformance`: only the Python SDK conformance run.
//! - `tidy`: the layering rules (pure crates stay free of runtimes; the emulator stays independent).

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};

mod tidy;

fn main() -> Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["ci"] => ci(),
        ["conformance"] => conformance(),
        ["tidy"] => tidy::check(),
        _ => {
            eprintln!("usage: cargo xtask <ci|conformance|tidy>");
            std::process::exit(2);
        }
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
    conformance()
}

fn conformance() -> Result<()> {
    let script = project_root().join("crates/asr-emulator/conformance/run.sh");
    if !script.exists() {
        eprintln!("conformance: no script yet at {}", script.display());
        return Ok(());
    }
    run(Command::new("bash").arg(script))
}
