//! `asr emulator`: serve the emulator on 127.0.0.1 until interrupted.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};

use anyhow::Context as _;
use asr_emulator::{Emulator, EmulatorConfig};

use crate::cli::EmulatorArgs;
use crate::exit;

/// Start, print the base URL as the first stdout line, serve until the process is interrupted
/// (`main` turns the interruption into exit code 130).
pub async fn run(args: &EmulatorArgs) -> anyhow::Result<u8> {
    let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let emulator = Emulator::start(EmulatorConfig::new().with_bind(bind))
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", emulator.base_url()).context("cannot write to stdout")?;
    stdout.flush().context("cannot write to stdout")?;
    drop(stdout);
    eprintln!(
        "emulator serving; try: asr --base-url {} --api-key sk-test transcribe <FILE>",
        emulator.native_base()
    );
    std::future::pending::<()>().await;
    drop(emulator);
    Ok(exit::OK)
}
