//! An outside gate for requests that count against an account-wide limit: several clients
//! (processes, machines) on one account share one budget through it.
//!
//! The client's own [`RateLimiter`](super::RateLimiter) keeps one client under the limit; a
//! fleet of clients needs a budget they all see. A [`SendGate`] is asked right before each
//! attempt of such a request leaves (inside the retry and after the concurrency permit and,
//! for task-API requests, the local limiter's token), so that nothing queued behind other
//! requests can leave long after the gate let it through: a fleet's gate also checks that the
//! worker still holds its lease, and a submit must not reach the service after that. A gate
//! that refuses makes the call fail with [`Error::Gate`](crate::Error::Gate), with nothing
//! sent.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use asr_types::Model;
use tower::{BoxError, Service};

use super::{StackRequest, StackResponse, TaskApi};

/// What a gated request is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GateKind {
    /// A task query, list or cancel (20 per second per account, together).
    TaskApi,
    /// A submit for `model` (the service limits submits per model).
    Submit {
        /// The model of the task.
        model: Model,
    },
    /// An upload-policy call for `model` (limited per account and model).
    UploadPolicy {
        /// The model the upload is for.
        model: Model,
    },
}

/// The future a [`SendGate`] answers with.
pub type GateFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send + 'a>>;

/// Decides when a request that counts against an account-wide limit may leave.
///
/// [`acquire`](SendGate::acquire) resolves when the request may be sent now, or fails when it
/// must not be sent at all (the request then fails with [`Error::Gate`](crate::Error::Gate)).
/// Dropping the future before it resolves must give back whatever it reserved, or at worst
/// waste it: the caller was cancelled.
///
/// ```
/// use std::sync::Arc;
/// use asr_transport::layers::{GateFuture, GateKind, SendGate};
///
/// /// Lets everything through at once (what a client without a gate does).
/// #[derive(Debug)]
/// struct Open;
///
/// impl SendGate for Open {
///     fn acquire(&self, _kind: &GateKind) -> GateFuture<'_> {
///         Box::pin(async { Ok(()) })
///     }
/// }
///
/// let config = asr_transport::Config::new("sk-test").with_send_gate(Arc::new(Open));
/// # drop(config);
/// ```
pub trait SendGate: Send + Sync + fmt::Debug {
    /// Waits until a request of `kind` may be sent.
    fn acquire(&self, kind: &GateKind) -> GateFuture<'_>;
}

/// A [`SendGate`]'s refusal, as it travels through the stack.
#[derive(Debug)]
pub(crate) struct GateRefused(pub(crate) BoxError);

impl fmt::Display for GateRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the send gate refused the request: {}", self.0)
    }
}

impl std::error::Error for GateRefused {}

/// Asks the gate before each attempt of a request marked [`TaskApi`] or carrying a
/// [`GateKind`]; other requests pass.
#[derive(Debug, Clone)]
pub(crate) struct Gate<S> {
    inner: S,
    gate: Option<Arc<dyn SendGate>>,
}

impl<S> Gate<S> {
    pub(crate) fn new(inner: S, gate: Option<Arc<dyn SendGate>>) -> Self {
        Self { inner, gate }
    }
}

impl<S> Service<StackRequest> for Gate<S>
where
    S: Service<StackRequest, Response = StackResponse, Error = BoxError> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = StackResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<StackResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: StackRequest) -> Self::Future {
        let kind = match req.extensions().get::<GateKind>() {
            Some(kind) => Some(kind.clone()),
            None => req.extensions().get::<TaskApi>().map(|_| GateKind::TaskApi),
        };
        let (Some(gate), Some(kind)) = (self.gate.clone(), kind) else {
            return Box::pin(self.inner.call(req));
        };
        // As in the query budget: the readied service goes with the future.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            gate.acquire(&kind)
                .await
                .map_err(|e| Box::new(GateRefused(e)) as BoxError)?;
            inner.call(req).await
        })
    }
}
