//! Integration tests: run the built `asr` binary, offline or against the emulator on
//! 127.0.0.1.

// Helpers outside `#[test]` functions are test code too; a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod batch;
mod cli;
mod commands;
mod coverage;
mod exit_codes;
mod fleet;
mod render;
mod util;
