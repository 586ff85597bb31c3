//! The client-wide query budget: an exact sliding-window limiter shared by every task query,
//! list and cancel, so hundreds of concurrent waits stay under the service's per-account limit
//! (20 requests/s on the task API) instead of tripping its throttling.
//!
//! # Why a sliding window and not a token bucket
//!
//! The service's limit is a count per second. A token bucket cannot express that exactly: with
//! a burst of 1 it spaces every query `1/rate` apart, so ten tasks polled in the same round
//! wait up to 0.45 s for their turn although the budget is idle; with a burst of N it lets
//! N go out at once and then refills during the same second, so one window can hold almost
//! 2N. The limiter here remembers the instants of the last N sends (a ring of N, never more)
//! and lets a send through only when fewer than N of them are younger than the window: an
//! idle budget passes a burst of N at once, and no window ever holds more than N.
//!
//! Waiters queue on a fair (FIFO) async mutex; only the head of the queue waits, sleeping
//! until the oldest send leaves the window, so nothing spins and a later caller never
//! overtakes an earlier one. A waiter that is dropped while queued or sleeping records no send,
//! so a cancelled wait does not burn part of the budget.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tower::{BoxError, Service};

use super::{Attempt, Prepaid, StackRequest, StackResponse, TaskApi};

/// The largest ring a limiter keeps. Rates above this many per second (far beyond the
/// service's limit; only useful against a local emulator) use a proportionally shorter window
/// instead, so memory stays bounded whatever the configuration.
const MAX_SENDS: u32 = 10_000;

/// An exact sliding-window rate limiter: at most `max_sends` sends in any window of `window`.
///
/// [`acquire`](Self::acquire) waits until a send is allowed and records it. Waiters are served
/// in the order they asked and never spin. It is not a token bucket: a bucket spacing sends
/// evenly holds back the polls of a round that could go out together, and one with a burst of
/// N lets almost 2N through in one second, over the service's per-second limit.
#[derive(Debug)]
pub struct RateLimiter {
    max_sends: usize,
    window: Duration,
    // The instants of the most recent sends, oldest first; never longer than `max_sends`.
    // The async mutex is fair, which is what makes the limiter FIFO.
    sends: tokio::sync::Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    /// A limiter for `per_second` sends per second, at most `burst` of them back to back.
    ///
    /// The burst is capped at one second's worth (the whole part of `per_second`, at least
    /// one): with that cap the limiter allows exactly that many sends in any one-second window,
    /// which is how the service counts. A smaller burst spreads the sends out: `burst` sends in
    /// any window of `burst / per_second` seconds, so a burst of 1 spaces them evenly. A rate
    /// below one per second allows one send per `1 / per_second` seconds. A rate that is zero,
    /// negative or not finite is treated as one per second.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let rate = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        // How many sends one second may hold; the float-to-int cast saturates.
        let whole = (rate.floor() as u32).clamp(1, MAX_SENDS);
        let max_sends = burst.clamp(1, whole);
        let window = if rate >= 1.0 && f64::from(max_sends) == rate.floor() {
            Duration::from_secs(1)
        } else {
            Duration::from_secs_f64(f64::from(max_sends) / rate)
        };
        Self::sliding_window(max_sends, window)
    }

    /// A limiter allowing at most `max_sends` (at least one, at most 10,000) sends in any
    /// window of length `window`.
    pub fn sliding_window(max_sends: u32, window: Duration) -> Self {
        let max_sends = max_sends.clamp(1, MAX_SENDS) as usize;
        Self {
            max_sends,
            window,
            sends: tokio::sync::Mutex::new(VecDeque::with_capacity(max_sends.min(64))),
        }
    }

    /// The most sends any window may hold.
    pub fn max_sends(&self) -> usize {
        self.max_sends
    }

    /// The length of the sliding window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Waits until a send is allowed and records it as sent now.
    ///
    /// Cancel-safe: dropping the future before it completes records nothing.
    pub async fn acquire(&self) {
        // Queue behind earlier callers; the guard is held across the sleep so that only the
        // head of the queue waits for the window and the rest stay in order behind it.
        let mut sends = self.sends.lock().await;
        if sends.len() >= self.max_sends {
            if let Some(&oldest) = sends.front() {
                let free_at = oldest + self.window;
                if free_at > Instant::now() {
                    tokio::time::sleep_until(free_at).await;
                }
            }
            sends.pop_front();
        }
        sends.push_back(Instant::now());
    }
}

/// Makes requests marked [`TaskApi`] wait for their turn in the shared [`RateLimiter`].
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
