//! How errors from the library crates map to exit codes.
//!
//! The rule: the service refusing the credentials (a bad key, no permission, an account in
//! arrears) is 4, the service refusing the request (content moderation, a used-up quota, a bad
//! parameter) or the task failing on it is 5, anything transient (connection, timeout,
//! throttling or 5xx after the retries) is 6, and a request our own validation refused is 3.
//! The kinds come from the library's typed codes ([`asr_protocol::ErrorCategory`]), never from matching
//! strings here.

use std::error::Error as StdError;

use asr_protocol::{BuildError, PollError, ResponseError};
use asr_transport::Error as TransportError;
use asr_types::ValidationError;

use crate::exit::Kind;

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
        _ => Kind::Network,
    }
}

fn response(e: &ResponseError) -> Kind {
    if e.refuses_credentials() {
        Kind::Auth
    } else if e.retryability().is_retryable() {
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
