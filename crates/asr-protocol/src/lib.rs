//! Sans-I/O protocol core for DashScope speech transcription.
//!
//! This crate builds `http` requests and parses responses; it never opens a socket, sleeps,
//! reads a clock, the environment or the filesystem. Time is always passed in.
