//! The client-wide query budget: a sliding-window limiter shared by every task query, list and
//! cancel, so hundreds of concurrent waits stay under the service's per-account limit
//! (20 requests/s on the task API) instead of tripping its throttling.
//!
//! # Why a sliding window and not a token bucket
//!
//! The service's limit is a count per second. A token bucket cannot express that exactly: with
//! a burst of 1 it spaces every query `1/rate` apart, so ten tasks polled in the same round
//! wait up to 0.45 s for their turn although the budget is idle; with a burst of N it lets
//! N go out at once and then refills during the same second, so one window can hold almost
//! 2N. The limiter here lets a send through only when fewer than N recent sends count against
//! the window: an idle budget passes a burst of N at once, and no window ever holds more
//! than N.
//!
//! # Why a send counts until a second after its answer
//!
//! The service counts a request when it *arrives*, somewhere between the moment it was sent
//! and the moment its answer came back, and the client cannot see where. A limiter that
//! counted sends from the moment they leave would let two sends a full second apart arrive
//! less than a second apart (the first delayed on a new connection or a busy host), and 21
//! requests land in the service's second. So each send counts against the window from the
//! moment its token is taken until one second after its answer (or failure) arrived: whatever
//! the delays, any second at the service then holds at most N of them. The price is the round
//! trip: N requests per (1 s + round trip). The default N is 18, two below the service's 20,
//! for other clients of the account. The token is taken immediately before the request is
//! handed to the connection pool, after its concurrency permit: a request holding a token while
//! it queued for a permit was the cause of 429s under load.
//!
//! # When the service throttles anyway
//!
//! Other clients may share the account. A 429 on a task-API request halves the rate (at most
//! once per window, so one burst of refusals counts once, and never below one per second);
//! the rate then recovers by one request per second every 5 s, back to the configured rate.
//!
//! Waiters queue on a fair (FIFO) async mutex; only the head of the queue waits, sleeping
//! until a send leaves the window (or an answer arrives), so nothing spins and a later caller
//! never overtakes an earlier one. A waiter that is dropped while queued or sleeping records no
//! send, so a cancelled wait does not burn part of the budget.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tower::{BoxError, Service};

use super::{StackRequest, StackResponse, TaskApi};

/// The largest number of sends a window may hold. Rates above this many per second (far
/// beyond the service's limit; only useful against a local emulator) use a proportionally
/// shorter window instead, so memory stays bounded whatever the configuration.
const MAX_SENDS: u32 = 10_000;

/// A 429 cuts the rate to this fraction.
const CUT: f64 = 0.5;
/// The rate never drops below this many requests per second after a 429.
const MIN_RATE: f64 = 1.0;
/// After a cut the rate grows back by one request per second every this long.
const RECOVERY: Duration = Duration::from_secs(5);

/// A sliding-window rate limiter whose sends count until a window after they finished, and
/// that slows down when the service throttles.
///
/// [`acquire`](Self::acquire) waits until a send is allowed and returns a [`SendPermit`];
/// dropping the permit marks the send finished. Waiters are served in the order they asked
/// and never spin. [`throttled`](Self::throttled) reports a 429.
#[derive(Debug)]
pub struct RateLimiter {
    /// The configured rate, sends per `base_window`.
    rate: f64,
    /// The window the rate is counted in.
    base_window: Duration,
    /// Whether a 429 lowers the rate.
    adaptive: bool,
    // The async mutex is fair, which is what makes the limiter FIFO; the state behind the
    // plain mutex is only touched for a moment.
    turn: tokio::sync::Mutex<()>,
    state: Mutex<State>,
    /// Signalled when a send finishes, which may tell the head waiter when it can go.
    finished: Notify,
}

#[derive(Debug)]
struct State {
    /// Sends still counting: in flight, or finished less than a window ago.
    sends: Vec<Sent>,
    next_id: u64,
    /// The rate right after the last cut, and when it happened.
    cut: Option<(f64, Instant)>,
    /// A moving average of send-to-answer times.
    round_trip: Option<Duration>,
}

#[derive(Debug)]
struct Sent {
    id: u64,
    sent: Instant,
    finished: Option<Instant>,
}

/// One send counted by a [`RateLimiter`]; dropping it marks the send finished (its answer, or
/// its failure, arrived), and it keeps counting for one window after that.
#[derive(Debug)]
#[must_use = "dropping the permit at once counts the send as finished now"]
pub struct SendPermit<'a> {
    limiter: &'a RateLimiter,
    id: u64,
}

impl Drop for SendPermit<'_> {
    fn drop(&mut self) {
        self.limiter.finish(self.id);
    }
}

impl RateLimiter {
    /// A limiter for `per_second` sends per second: at most ⌊`per_second`⌋ sends (at least one)
    /// counting in any second, or one per `1 / per_second` seconds below one per second. A rate
    /// that is zero, negative or not finite is treated as one per second. Not adaptive: see
    /// [`adaptive`](Self::adaptive).
    pub fn new(per_second: f64) -> Self {
        let rate = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        // Above the largest count, the same rate over a shorter window.
        let base_window = if rate > f64::from(MAX_SENDS) {
            Duration::from_secs_f64(f64::from(MAX_SENDS) / rate)
        } else {
            Duration::from_secs(1)
        };
        Self::build(rate.min(f64::from(MAX_SENDS)), base_window)
    }

    /// A limiter allowing at most `max_sends` (at least one, at most 10,000) sends counting in
    /// any window of length `window`.
    pub fn sliding_window(max_sends: u32, window: Duration) -> Self {
        Self::build(f64::from(max_sends.clamp(1, MAX_SENDS)), window)
    }

    fn build(rate: f64, base_window: Duration) -> Self {
        Self {
            rate,
            base_window,
            adaptive: false,
            turn: tokio::sync::Mutex::new(()),
            state: Mutex::new(State {
                sends: Vec::new(),
                next_id: 0,
                cut: None,
                round_trip: None,
            }),
            finished: Notify::new(),
        }
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

    /// The window at the configured rate.
    pub fn window(&self) -> Duration {
        self.window_at(self.rate)
    }

    /// The rate now, after any cut and its recovery (sends per window).
    pub fn current_rate(&self) -> f64 {
        let state = self.lock();
        self.rate_at(&state, Instant::now())
    }

    /// Sends per second sustained at the current rate, counting the recent round trip (a send
    /// counts until a window after its answer): what a caller planning requests can count on.
    pub fn sustained_rate(&self) -> f64 {
        let state = self.lock();
        let rate = self.rate_at(&state, Instant::now());
        let span = self.window_at(rate) + state.round_trip.unwrap_or_default();
        Self::sends_at(rate) as f64 / span.as_secs_f64()
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

    /// Waits until a send is allowed and records it as sent now; drop the permit when its
    /// answer (or failure) arrives.
    ///
    /// Cancel-safe: dropping the future before it completes records nothing.
    pub async fn acquire(&self) -> SendPermit<'_> {
        // Queue behind earlier callers; the turn is held across the wait so that only the
        // head of the queue waits for the window and the rest stay in order behind it.
        let _turn = self.turn.lock().await;
        loop {
            // Registered before the state is read, so a send finishing meanwhile is not missed.
            let finished = self.finished.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            let free_at = {
                let mut state = self.lock();
                let now = Instant::now();
                let rate = self.rate_at(&state, now);
                let (limit, window) = (Self::sends_at(rate), self.window_at(rate));
                state
                    .sends
                    .retain(|s| s.finished.is_none_or(|f| f + window > now));
                if state.sends.len() < limit {
                    state.next_id += 1;
                    let id = state.next_id;
                    state.sends.push(Sent {
                        id,
                        sent: now,
                        finished: None,
                    });
                    return SendPermit { limiter: self, id };
                }
                // Free once enough finished sends leave the window; sends still in flight
                // only tell when they finish.
                let mut frees: Vec<Instant> = state
                    .sends
                    .iter()
                    .filter_map(|s| s.finished.map(|f| f + window))
                    .collect();
                frees.sort_unstable();
                frees.get(state.sends.len() - limit).copied()
            };
            match free_at {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = finished => {}
                    }
                }
                None => finished.await,
            }
        }
    }

    fn finish(&self, id: u64) {
        {
            let mut state = self.lock();
            let now = Instant::now();
            let mut sample = None;
            if let Some(send) = state.sends.iter_mut().find(|s| s.id == id) {
                send.finished = Some(now);
                sample = Some(now.saturating_duration_since(send.sent));
            }
            if let Some(sample) = sample {
                state.round_trip = Some(match state.round_trip {
                    Some(avg) => avg.mul_f64(0.8) + sample.mul_f64(0.2),
                    None => sample,
                });
            }
        }
        self.finished.notify_waiters();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked (it only pushes and retains).
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
        if rate >= 1.0 {
            self.base_window
        } else {
            self.base_window.div_f64(rate.max(1e-3))
        }
    }
}

/// Makes requests marked [`TaskApi`] wait for their turn in the shared [`RateLimiter`] right
/// before they are sent, counts each until its answer arrived, and tells the limiter about
/// 429s.
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
            let permit = limiter.acquire().await;
            let result = inner.call(req).await;
            drop(permit);
            if let Ok(resp) = &result
                && resp.status() == http::StatusCode::TOO_MANY_REQUESTS
            {
                limiter.throttled();
            }
            result
        })
    }
}
