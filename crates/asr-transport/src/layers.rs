//! The tower stack every DashScope request goes through.
//!
//! Outer to inner: [`ConcurrencyLimit`](tower::limit::ConcurrencyLimit) →
//! total [`Timeout`](tower::timeout::Timeout) → [`Retry`](tower::retry::Retry) with
//! [`RetryPolicy`] → [`QueryBudget`] (task-API requests only) → the outside [`SendGate`], when
//! one is configured (task-API requests, submits, upload-policy calls) → per-attempt timeout →
//! tracing span → the HTTP service.
//!
//! The total timeout sits outside the retry so that it caps every attempt plus the backoff
//! between them; the per-attempt timeout sits inside so that one hung attempt can be retried.
//! The query budget sits inside the retry because every attempt counts against the service's
//! per-account rate limit, and outside the per-attempt timeout so that waiting for a token is
//! not mistaken for a slow server. It takes each attempt's token after the concurrency permit,
//! immediately before the request is handed to the connection pool: a token taken earlier
//! would let requests that queued for a permit leave together, more of them in one second than
//! the budget allows. The client builds the stack twice over one connection pool, retry budget
//! and query budget: a lane for task-API requests (queries, lists, cancels) and one for the
//! rest, so queries waiting for their turn never hold the permits that submits and downloads
//! need.

mod attempt;
mod budget;
mod gate;
mod retry;
mod trace;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceBuilder};

pub use self::attempt::{AttemptError, AttemptErrorKind, AttemptTimeout};
pub use self::budget::{QueryBudget, RateLimiter, SendPermit};
pub(crate) use self::gate::GateRefused;
pub use self::gate::{GateFuture, GateKind, SendGate};
pub(crate) use self::retry::random_u64;
pub use self::retry::{Backoff, Classifier, RetryPolicy, Verdict};
pub use self::trace::Trace;

#[cfg(test)]
mod tests;

/// The request type inside the stack: a cheap-to-clone buffered body, so a retry resends the
/// same bytes.
pub type StackRequest = http::Request<Bytes>;
/// The response type inside the stack: the body is collected (size-limited) by the innermost
/// service, so retry decisions and tracing see the whole response.
pub type StackResponse = http::Response<Bytes>;
/// The type-erased stack.
pub type Stack = BoxCloneSyncService<StackRequest, StackResponse, BoxError>;

/// Whether a request may be sent again after a failure.
///
/// Carried as a request extension; a request without one is treated by its method
/// (`GET`, `HEAD`, `DELETE` are [`Resend::Freely`], everything else [`Resend::OnlyIfNotSent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resend {
    /// Resending cannot cause a second side effect (queries, cancels, downloads).
    Freely,
    /// A second copy could create a second billed task: resend only if the first attempt
    /// cannot have reached the server (connect failure) or the server said nothing was
    /// created (429, 503).
    OnlyIfNotSent,
}

impl Resend {
    pub(crate) fn of(req: &StackRequest) -> Self {
        if let Some(mode) = req.extensions().get::<Resend>() {
            return *mode;
        }
        match *req.method() {
            http::Method::GET | http::Method::HEAD | http::Method::DELETE => Resend::Freely,
            _ => Resend::OnlyIfNotSent,
        }
    }
}

/// Marks a request that counts against the service's task-API rate limit (query, list,
/// cancel: 20 requests/s per account), so each of its attempts waits for a token of the
/// client-wide [`RateLimiter`] right before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskApi;

/// The attempt number (1 for the first send), kept as a request extension so the tracing span
/// can record it; the retry policy bumps it on every resend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt(pub u32);

/// Settings of the stack, taken from [`Config`](crate::Config).
#[derive(Clone)]
pub(crate) struct StackSettings {
    pub(crate) concurrency: usize,
    pub(crate) total_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) policy: RetryPolicy,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) gate: Option<Arc<dyn SendGate>>,
}

/// Wraps `inner` (the HTTP service, or a mock in tests) in the whole stack.
pub(crate) fn stack<S>(inner: S, settings: StackSettings) -> Stack
where
    S: tower::Service<StackRequest, Response = StackResponse, Error = BoxError>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let svc = ServiceBuilder::new()
        .concurrency_limit(settings.concurrency.max(1))
        .timeout(settings.total_timeout)
        .retry(settings.policy)
        .layer_fn(|s| QueryBudget::new(s, settings.limiter.clone()))
        .layer_fn(|s| gate::Gate::new(s, settings.gate.clone()))
        .layer_fn(|s| AttemptTimeout::new(s, settings.attempt_timeout))
        .layer_fn(Trace::new)
        .service(inner);
    BoxCloneSyncService::new(svc)
}
