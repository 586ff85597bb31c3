//! `asr token --seconds N`: mint a temporary API key (`st-…`) to hand to a worker.

use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::{print_json, print_text};
use crate::cli::{Connection, Global};
use crate::exit;
use crate::session::Session;

/// Options of `asr token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Lifetime of the key in seconds, 1 to 1800 (30 minutes).
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub seconds: u32,
}

/// Mints the key and prints it (stdout: the key alone, or with `--json` the whole answer).
pub async fn run(args: &TokenArgs, conn: &Connection, global: &Global) -> anyhow::Result<u8> {
    let session = Session::connect(conn).await?;
    let key = session
        .client
        .create_temporary_key(Duration::from_secs(args.seconds.into()))
        .await
        .with_context(|| {
            format!(
                "cannot mint a temporary API key (--seconds {})",
                args.seconds
            )
        })?;
    if global.json {
        // The key is printed on purpose: handing it on is the point of the command.
        print_json(&key.to_exposed_json())?;
    } else {
        print_text(&format!("{}\n", key.token.expose()))?;
        if !global.quiet {
            eprintln!(
                "temporary key valid for {} s (until {} Unix time); it cannot be revoked",
                args.seconds, key.expires_at
            );
        }
    }
    Ok(exit::OK)
}
