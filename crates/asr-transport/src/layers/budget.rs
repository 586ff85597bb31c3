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
//! 2N. The limiter here remembers the instants of its recent sends (a ring, never longer than
//! one window's worth) and lets a send through only when fewer than N of them are younger than
//! the window: an idle budget passes a burst of N at once, and no window ever holds more
//! than N.
//!
//! # Why the window is longer than a second, and the rate below 20
//!
//! The service counts requests when they *arrive*. Two sends a full second apart can arrive
//! less than a second apart when the first was delayed on the way (a new connection, a busy
//! server), so a limiter with exactly 20 in any second can put 21 into the service's second.
//! The client therefore allows 18 requests (two below the limit) in any window of 1.1 s
//! (100 ms of arrival jitter absorbed): about 16.4 per second sustained. And the token is taken
//! immediately before the request is handed to the connection pool: after it got its
//! concurrency permit, never before (a request holding a token while it queued for a permit
//! was the cause of 429s under load).
//!
//! # When the service throttles anyway
//!
//! Other clients may share the account. A 429 on a task-API request halves the rate (at most
//! once per window, so one burst of refusals counts once, and never below one per second);
//! the rate then recovers by one request per second every 5 s, back to the configured rate.
//!
//! Waiters queue on a fair (FIFO) async mutex; only the head of the queue waits, sleeping
//! until the oldest send leaves the window, so nothing spins and a later caller never
//! overtakes an earlier one. A waiter that is dropped while queued or sleeping records no send,
//! so a cancelled wait does not burn part of the budget.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tower::{BoxError, Service};

use super::{StackRequest, StackResponse, TaskApi};

/// The largest ring a limiter keeps. Rates above this many per second (far beyond the
/// service's limit; only useful against a local emulator) use a proportionally shorter window
/// instead, so memory stays bounded whatever the configuration.
const MAX_SENDS: u32 = 10_000;

/// A 429 cuts the rate to this fraction.
const CUT: f64 = 0.5;
/// The rate never drops below this many requests per second after a 429.
const MIN_RATE: f64 = 1.0;
/// After a cut the rate grows back by one request per second every this long.
const RECOVERY: Duration = Duration::from_secs(5);

/// An exact sliding-window rate limiter that slows down when the service throttles.
///
/// [`acquire`](Self::acquire) waits until a send is allowed and records it; waiters are served
/// in the order they asked and never spin. [`throttled`](Self::throttled) reports a 429.
#[derive(Debug)]
pub struct RateLimiter {
    /// The configured rate, sends per second of `base_window`.
    rate: f64,
    /// The window the rate is counted in, before the guard.
    base_window: Duration,
    /// Added to every window, for arrival jitter.
    guard: Duration,
    /// Whether a 429 lowers the rate.
    adaptive: bool,
    // The async mutex is fair, which is what makes the limiter FIFO; the state behind the
    // plain mutex is only touched for a moment.
    turn: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Instants of the sends still inside the window, oldest first.
    sends: VecDeque<Instant>,
    /// The rate right after the last cut, and when it happened.
    cut: Option<(f64, Instant)>,
}

impl RateLimiter {
    /// A limiter for `per_second` sends per second: at most ⌊`per_second`⌋ sends (at least one)
    /// in any second, or one per `1 / per_second` seconds below one per second. A rate that
    /// is zero, negative or not finite is treated as one per second. No guard, not adaptive:
    /// see [`with_guard`](Self::with_guard) and [`adaptive`](Self::adaptive).
    pub fn new(per_second: f64) -> Self {
        let rate = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        // Above the ring's size, the same rate over a shorter window.
        let base_window = if rate > f64::from(MAX_SENDS) {
            Duration::from_secs_f64(f64::from(MAX_SENDS) / rate)
        } else {
            Duration::from_secs(1)
        };
        let rate = rate.min(f64::from(MAX_SENDS));
        Self::build(rate, base_window)
    }

    /// A limiter allowing at most `max_sends` (at least one, at most 10,000) sends in any
    /// window of length `window`.
    pub fn sliding_window(max_sends: u32, window: Duration) -> Self {
        Self::build(f64::from(max_sends.clamp(1, MAX_SENDS)), window)
    }

    fn build(rate: f64, base_window: Duration) -> Self {
        Self {
            rate,
            base_window,
            guard: Duration::ZERO,
            adaptive: false,
            turn: tokio::sync::Mutex::new(()),
            state: Mutex::new(State {
                sends: VecDeque::new(),
                cut: None,
            }),
        }
    }

    /// Lengthens every window by `guard`, so that sends delayed by up to that much on their
    /// way still arrive within the rate.
    #[must_use]
    pub fn with_guard(mut self, guard: Duration) -> Self {
        self.guard = guard;
        self
    }

    /// Makes [`throttled`](Self::throttled) halve the rate (recovering slowly).
    #[must_use]
    pub fn adaptive(mut self, on: bool) -> Self {
        self.adaptive = on;
        self
    }

    /// The most sends a window may hold at the configured rate.
    pub fn max_sends(&self) -> usize {
        Self::sends_at(self.rate)
    }

    /// The window at the configured rate, guard included.
    pub fn window(&self) -> Duration {
        self.window_at(self.rate)
    }

    /// The rate now, after any cut and its recovery (sends per second of the base window).
    pub fn current_rate(&self) -> f64 {
        let state = self.lock();
        self.rate_at(&state, Instant::now())
    }

    /// Sends per second sustained at the current rate: what a caller planning requests can
    /// count on.
    pub fn sustained_rate(&self) -> f64 {
        let rate = self.current_rate();
        Self::sends_at(rate) as f64 / self.window_at(rate).as_secs_f64()
    }

    /// Reports that the service refused a request for its rate (a 429). An adaptive limiter
    /// halves its rate, at most once per window and never below one per second.
    pub fn throttled(&self) {
        if !self.adaptive {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        let window = self.window_at(self.rate);
        if state.cut.is_some_and(|(_, at)| now < at + window) {
            return;
        }
        let lowered = (self.rate_at(&state, now) * CUT).max(MIN_RATE.min(self.rate));
        tracing::debug!(
            rate = lowered,
            "task API throttled; lowering the query rate"
        );
        state.cut = Some((lowered, now));
    }

    /// Waits until a send is allowed and records it as sent now.
    ///
    /// Cancel-safe: dropping the future before it completes records nothing.
    pub async fn acquire(&self) {
        // Queue behind earlier callers; the turn is held across the sleep so that only the
        // head of the queue waits for the window and the rest stay in order behind it.
        let _turn = self.turn.lock().await;
        loop {
            let free_at = {
                let mut state = self.lock();
                let now = Instant::now();
                let rate = self.rate_at(&state, now);
                let (limit, window) = (Self::sends_at(rate), self.window_at(rate));
                while state.sends.front().is_some_and(|t| *t + window <= now) {
                    state.sends.pop_front();
                }
                if state.sends.len() < limit {
                    state.sends.push_back(now);
                    return;
                }
                // Free once the send `limit` places from the newest leaves the window.
                state.sends[state.sends.len() - limit] + window
            };
            tokio::time::sleep_until(free_at).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked (it only pushes and pops).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn rate_at(&self, state: &State, now: Instant) -> f64 {
        match state.cut {
            None => self.rate,
            Some((rate, at)) => {
                let regained =
                    now.saturating_duration_since(at).as_secs_f64() / RECOVERY.as_secs_f64();
                (rate + regained.floor()).min(self.rate)
            }
        }
    }

    fn sends_at(rate: f64) -> usize {
        // The float-to-int cast saturates.
        (rate.floor() as usize).clamp(1, MAX_SENDS as usize)
    }

    fn window_at(&self, rate: f64) -> Duration {
        let base = if rate >= 1.0 {
            self.base_window
        } else {
            self.base_window.div_f64(rate.max(1e-3))
        };
        base + self.guard
    }
}

/// Makes requests marked [`TaskApi`] wait for their turn in the shared [`RateLimiter`] right
/// before they are sent, and tells it about 429s.
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
        if req.extensions().get::<TaskApi>().is_none() {
            return Box::pin(self.inner.call(req));
        }
        // The inner service was made ready for this call; hand that readiness to the future and
        // leave a fresh clone behind, as tower's docs recommend for services that wait.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let limiter = self.limiter.clone();
        Box::pin(async move {
            limiter.acquire().await;
            let result = inner.call(req).await;
            if let Ok(resp) = &result {
                if resp.status() == http::StatusCode::TOO_MANY_REQUESTS {
                    limiter.throttled();
                }
            }
            result
        })
    }
}
