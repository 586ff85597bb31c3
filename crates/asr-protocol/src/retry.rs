//! Retry classification as data: which failures may be retried, and when.
//!
//! The transport's retry layer and the [`TaskPoller`](crate::TaskPoller) both ask here, so the
//! two never disagree. Nothing in this module sleeps; it only answers.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::error::code::{ErrorCategory, ErrorCode};

/// Whether a failed request may be sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retryability {
    /// Do not retry: the same request would fail the same way (bad input, bad key, billing,
    /// a quota that only a human can raise).
    No,
    /// Retry after this delay, which the server asked for (`retry-after-ms` / `retry-after`).
    After(Duration),
    /// Retry with the caller's own backoff.
    Backoff,
}

impl Retryability {
    /// Whether any retry is allowed.
    pub fn is_retryable(self) -> bool {
        !matches!(self, Retryability::No)
    }
}

/// Classifies a failed response from its status, the service's error `code` (if the body had
/// one) and its headers.
///
/// Rules, first match wins:
/// 1. A code whose [`ErrorCategory`] is never retried → [`Retryability::No`], whatever the
///    headers say: a bad key (`InvalidApiKey`), no permission (`AccessDenied*`), an account in
///    arrears (`Arrearage`), content moderation (`DataInspectionFailed`) and a used-up quota
///    (`Throttling.AllocationQuota`, `AllocationQuota.*`). Retrying them only fails slowly.
/// 2. `x-should-retry: false` → `No`; `x-should-retry: true` → retryable (the server's own
///    word, as the official v2 SDK honours it).
/// 3. A rate-limit code (`Throttling`, any other `Throttling.*`, `LimitRequests`) → retryable.
/// 4. Status 408, 429, 500, 502, 503, 504 → retryable; every other status → `No`.
///
/// A retryable answer is [`Retryability::After`] when the response carries `retry-after-ms` or
/// `retry-after` in seconds (an HTTP-date is ignored), else [`Retryability::Backoff`].
pub fn classify(status: StatusCode, code: Option<&str>, headers: &HeaderMap) -> Retryability {
    let category = code.map(|c| ErrorCode::from_wire(c).category());
    if category.is_some_and(ErrorCategory::is_never_retried) {
        return Retryability::No;
    }
    let retryable = match should_retry_header(headers) {
        Some(verdict) => verdict,
        None if category == Some(ErrorCategory::RateLimited) => true,
        None => retryable_status(status),
    };
    if !retryable {
        return Retryability::No;
    }
    match retry_after(headers) {
        Some(delay) => Retryability::After(delay),
        None => Retryability::Backoff,
    }
}

/// Whether a status alone is worth retrying (408, 429, 500, 502, 503, 504).
pub fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// The server's requested delay: `retry-after-ms` (milliseconds, may be fractional) wins over
/// `retry-after` (whole or fractional seconds). HTTP-date values and garbage are ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    if let Some(ms) = number("retry-after-ms") {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    number("retry-after").and_then(|s| Duration::try_from_secs_f64(s).ok())
}

fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    let value = headers.get("x-should-retry")?.to_str().ok()?.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// What a request does to the service, which decides whether resending it is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// A submit creates a billed task; a duplicate costs money.
    Submit,
    /// Reads (query, list, upload policy, result download) and cancel: repeating them changes
    /// nothing.
    Idempotent,
    /// The OSS upload: the policy forbids overwrite, so a duplicate fails harmlessly.
    Upload,
}

/// How an attempt ended, as far as the resend decision cares.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The connection could not be established: nothing reached the server.
    ConnectFailed,
    /// The request may have reached the server, but no response arrived (timeout, reset).
    NoResponse,
    /// The server answered with a failure.
    Response {
        /// HTTP status.
        status: StatusCode,
        /// The service's error code, if any.
        code: Option<&'a str>,
        /// Response headers.
        headers: &'a HeaderMap,
    },
}

/// Whether `operation` may be sent again after `outcome`, and when.
///
/// Idempotent operations and uploads follow [`classify`] and retry connect failures and lost
/// responses with backoff. A submit is resent only when the service cannot have created a
/// task: a connect failure, or a 429/503 or `Throttling*` answer (the gateway refused it before
/// queueing).
/// A lost response or a 5xx other than 503 may hide a created task, so the submit is not
/// resent; the caller should look for the task with `list_tasks` instead.
pub fn may_resend(operation: Operation, outcome: Outcome<'_>) -> Retryability {
    match (operation, outcome) {
        (_, Outcome::ConnectFailed) => Retryability::Backoff,
        (Operation::Submit, Outcome::NoResponse) => Retryability::No,
        (_, Outcome::NoResponse) => Retryability::Backoff,
        (
            Operation::Submit,
            Outcome::Response {
                status,
                code,
                headers,
            },
        ) => {
            let refused = matches!(status.as_u16(), 429 | 503)
                || code.is_some_and(|c| {
                    matches!(
                        ErrorCode::from_wire(c).category(),
                        ErrorCategory::RateLimited | ErrorCategory::QuotaExhausted
                    )
                });
            if refused {
                classify(status, code, headers)
            } else {
                Retryability::No
            }
        }
        (
            _,
            Outcome::Response {
                status,
                code,
                headers,
            },
        ) => classify(status, code, headers),
    }
}

#[cfg(test)]
mod tests;
