//! `asr-emulator`: run the local DashScope-compatible server.

fn main() {}
