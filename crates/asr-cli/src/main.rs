//! `asr`: transcribe recorded audio with DashScope from the shell.

fn main() {}
