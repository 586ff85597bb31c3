//! A local DashScope-compatible speech server for offline use and tests.

pub mod reply;
