//! `asr completions <shell>`.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit;

/// Print the completion script for the chosen shell on stdout.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "asr", &mut std::io::stdout());
    Ok(exit::OK)
}
