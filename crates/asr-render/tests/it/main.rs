//! asr-render's integration tests: snapshots of every format on the recorded fixtures, and
//! property tests of every cue rule on generated documents.

#![allow(clippy::unwrap_used)]

mod documents;
mod fixtures;
mod generate;
mod long_document;
mod properties;
mod readme;
mod regression;
