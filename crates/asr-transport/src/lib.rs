//! Async client for DashScope speech transcription (hyper + rustls + tower).
