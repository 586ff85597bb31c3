//! How errors from the library crates map to exit codes.
//!
//! The rule: the service refusing the credentials is 4, the service refusing the request (or
//! the task failing on it) is 5, anything transient (connection, timeout, throttling or 5xx
//! after the retries) is 6, and a request our own validation refused is 3.

use std::error::Error as StdError;

use asr_protocol::{BuildError, PollError, ResponseError};
use asr_transport::Error as TransportError;
use asr_types::ValidationError;

use crate::exit::Kind;

/// Codes that mean "these credentials may not do this", whatever the HTTP status.
const AUTH_CODES: &[&str] = &[
    "InvalidApiKey",
    "invalid_api_key",
    "NOT AUTHORIZED",
    "Arrearage",
    "AccessDenied.Unpurchased",
    "Model.AccessDenied",
    "Workspace.AccessDenied",
];

/// The exit-code kind of one error from `asr-types`, `asr-protocol` or `asr-transport`, if it is
/// one of theirs.
pub fn classify(cause: &(dyn StdError + 'static)) -> Option<Kind> {
    if let Some(e) = cause.downcast_ref::<TransportError>() {
        return Some(transport(e));
    }
    if let Some(e) = cause.downcast_ref::<ResponseError>() {
        return Some(response(e));
    }
    if let Some(e) = cause.downcast_ref::<PollError>() {
        return Some(poll(e));
    }
    if cause.downcast_ref::<BuildError>().is_some()
        || cause.downcast_ref::<ValidationError>().is_some()
    {
        return Some(Kind::InvalidInput);
    }
    None
}

fn transport(e: &TransportError) -> Kind {
    match e {
        TransportError::Config { .. } | TransportError::Build(_) | TransportError::Io { .. } => {
            Kind::InvalidInput
        }
        TransportError::Response(r) => response(r),
        TransportError::Wait(p) => poll(p),
        TransportError::TaskFailed { .. } | TransportError::BodyTooLarge { .. } => Kind::Rejected,
        TransportError::Batch { source, .. } => transport(source),
        _ => Kind::Network,
    }
}

fn response(e: &ResponseError) -> Kind {
    let status = e.status().as_u16();
    if e.code().is_some_and(|c| AUTH_CODES.contains(&c)) || status == 401 {
        return Kind::Auth;
    }
    // A 403 from the service is about permission, except the documented request mistakes
    // (sync/async mode) and an expired upload policy, which say nothing about the key.
    if status == 403 && e.code() == Some("AccessDenied") {
        let not_about_the_key = matches!(e, ResponseError::Api(api) if {
            let m = api.message.to_ascii_lowercase();
            m.contains("synchronous calls") || m.contains("policy")
        });
        return if not_about_the_key {
            Kind::Rejected
        } else {
            Kind::Auth
        };
    }
    if e.retryability().is_retryable() {
        Kind::Network
    } else {
        Kind::Rejected
    }
}

fn poll(e: &PollError) -> Kind {
    match e {
        PollError::DeadlineExceeded { .. } | PollError::Transport { .. } => Kind::Network,
        PollError::UnknownTask { .. } => Kind::Rejected,
        PollError::Response { source, .. } => response(source),
        _ => Kind::Unexpected,
    }
}

#[cfg(test)]
mod tests;
