//! The client-wide query budget: a token bucket shared by every task query, list and cancel,
//! so hundreds of concurrent waits stay under the service's per-account limit (20 requests/s
//! on the task API) instead of tripping its throttling.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tower::{BoxError, Service};

use super::{Attempt, Prepaid, StackRequest, StackResponse, TaskApi};

/// A token bucket: `rate` tokens per second, holding at most `burst`.
///
/// [`acquire`](Self::acquire) reserves the next token and sleeps until it is due, so waiters
/// are served in the order they asked and never spin.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    burst: u32,
    // The instant at which the next token becomes available; a bucket with spare tokens has it
    // in the past (at most `burst` intervals ago).
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A bucket refilling `per_second` tokens per second and holding at most `burst` (at least
    /// one). `per_second` must be positive; a zero rate is treated as one per second.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second),
            burst: burst.max(1),
            next: Mutex::new(None),
        }
    }

    /// Reserves one token and returns the instant at which it may be used.
    pub fn reserve(&self) -> Instant {
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let earliest = now
            .checked_sub(self.interval * (self.burst - 1))
            .unwrap_or(now);
        let slot = match *next {
            Some(t) if t > earliest => t,
            _ => earliest,
        };
        *next = Some(slot + self.interval);
        slot.max(now)
    }

    /// Waits until a token is available and takes it.
    pub async fn acquire(&self) {
        let at = self.reserve();
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }
}

/// Makes requests marked [`TaskApi`] wait for a token of the shared [`RateLimiter`].
#[derive(Debug, Clone)]
pub struct QueryBudget<S> {
    inner: S,
    limiter: Arc<RateLimiter>,
}

impl<S> QueryBudget<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, limiter: Arc<RateLimiter>) -> Self {
        Self { inner, limiter }
    }
}

impl<S> Service<StackRequest> for QueryBudget<S>
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
        let ext = req.extensions();
        let first = ext.get::<Attempt>().is_none_or(|a| a.0 <= 1);
        let paid = first && ext.get::<Prepaid>().is_some();
        if ext.get::<TaskApi>().is_none() || paid {
            return Box::pin(self.inner.call(req));
        }
        // The inner service was made ready for this call; hand that readiness to the future and
        // leave a fresh clone behind, as tower's docs recommend for services that wait.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let limiter = self.limiter.clone();
        Box::pin(async move {
            limiter.acquire().await;
            inner.call(req).await
        })
    }
}
