//! What every handler needs to know about the request it answers.

use std::time::Instant;

/// The clock readings and identities of one request, read once by the router so that every
/// handler it calls sees the same moment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestCtx<'a> {
    /// Monotonic time, for lifetimes (processing time, signed-URL and key expiry).
    pub(crate) now: Instant,
    /// Wall-clock time in Unix milliseconds, for the timestamps the answers carry.
    pub(crate) wall_ms: i64,
    /// The id this request is answered under.
    pub(crate) request_id: &'a str,
    /// The stable, non-secret id of the caller's API key (empty on unauthenticated endpoints).
    pub(crate) api_key_id: &'a str,
}
