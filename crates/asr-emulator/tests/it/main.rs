//! Integration tests: the emulator over real sockets on 127.0.0.1, driven by a plain hyper
//! client (never our own transport, so the two cannot agree on a mistake).

mod admin;
mod binary;
mod client;
mod coverage;
mod faults;
mod fetch;
mod quota;
mod submit;
mod tasks;
mod tls;
mod transcripts;
mod uploads;
