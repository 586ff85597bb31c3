//! The retry policy: which failures to retry, how long to wait, and the retry budget.

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tower::BoxError;
use tower::retry::budget::{Budget, TpsBudget};

use super::{Attempt, AttemptError, AttemptErrorKind, Resend, StackRequest, StackResponse};

/// What the classifier says about a complete response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Final: success, or an error that a resend would only repeat.
    No,
    /// Transient: retry after the computed backoff.
    Backoff,
    /// Transient, and the server said when (`Retry-After`).
    After(Duration),
}

/// Decides whether a failed response is worth resending, given whether the request may be
/// duplicated; the client plugs in `asr_protocol::retry::may_resend`, tests plug in a closure.
pub type Classifier = Arc<dyn Fn(Resend, &StackResponse) -> Verdict + Send + Sync>;

/// Exponential backoff: `initial · 2ⁿ`, capped at `max`, optionally scaled by a random factor
/// in `[0.5, 1)` so that clients throttled together do not come back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// Delay before the first retry.
    pub initial: Duration,
    /// Upper bound for any computed delay.
    pub max: Duration,
    /// Whether to randomise the delay.
    pub jitter: bool,
}

impl Backoff {
    /// A backoff starting at `initial` and capped at `max`, with jitter.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            jitter: true,
        }
    }

    /// Sets whether delays are randomised (tests turn it off to assert exact delays).
    #[must_use]
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The delay before retry number `retry` (0 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry.min(30)).unwrap_or(u32::MAX);
        let base = self.initial.saturating_mul(factor).min(self.max);
        if self.jitter {
            base.mul_f64(0.5 + random_unit() / 2.0)
        } else {
            base
        }
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(8))
    }
}

// Random bits from the standard library's randomly keyed hasher: jitter and multipart
// boundaries need no cryptographic quality, only different values in different processes and
// calls, and this avoids a dependency.
pub(crate) fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    hasher.finish()
}

// A uniform value in [0, 1).
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// The tower retry policy of the client.
///
/// - Complete failed responses go to the [`Classifier`], told whether the request may be
///   duplicated; for a submit ([`Resend::OnlyIfNotSent`]) it allows a resend only after answers
///   that say no task was created (429, 503, `Throttling*`).
/// - Errors: a connect failure is always retried (nothing was sent); a lost connection, a body
///   cut short or an attempt timeout are retried only for [`Resend::Freely`] requests.
/// - `Retry-After` wins over the computed backoff, clamped to `max_retry_after`.
/// - At most `max_retries` resends per request, and only while the shared retry budget allows,
///   so a failing service sees a bounded extra load from retries.
#[derive(Clone)]
pub struct RetryPolicy {
    max_retries: u32,
    backoff: Backoff,
    max_retry_after: Duration,
    classifier: Classifier,
    budget: Arc<TpsBudget>,
    retries: u32,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("backoff", &self.backoff)
            .field("max_retry_after", &self.max_retry_after)
            .finish_non_exhaustive()
    }
}

impl RetryPolicy {
    /// A policy allowing `max_retries` resends per request with the given backoff.
    ///
    /// The retry budget lets retries add at most `budget_percent` % to the recent request rate,
    /// plus a floor of `budget_floor` retries per second (tower's `TpsBudget`, 10 s window).
    pub fn new(
        max_retries: u32,
        backoff: Backoff,
        max_retry_after: Duration,
        budget_floor: u32,
        budget_percent: f32,
        classifier: Classifier,
    ) -> Self {
        Self {
            max_retries,
            backoff,
            max_retry_after,
            classifier,
            budget: Arc::new(TpsBudget::new(
                Duration::from_secs(10),
                budget_floor,
                budget_percent / 100.0,
            )),
            retries: 0,
        }
    }

    fn delay_for(
        &self,
        req: &StackRequest,
        result: &Result<StackResponse, BoxError>,
    ) -> Option<Duration> {
        let resend = Resend::of(req);
        match result {
            Ok(resp) => {
                if resp.status().is_success() {
                    return None;
                }
                match (self.classifier)(resend, resp) {
                    Verdict::No => None,
                    Verdict::After(d) => Some(d.min(self.max_retry_after)),
                    Verdict::Backoff => Some(self.backoff.delay(self.retries)),
                }
            }
            Err(err) => {
                let kind = err.downcast_ref::<AttemptError>()?.kind;
                let retry = match kind {
                    AttemptErrorKind::Connect => true,
                    AttemptErrorKind::Sent | AttemptErrorKind::Body | AttemptErrorKind::Timeout => {
                        resend == Resend::Freely
                    }
                    AttemptErrorKind::TooLarge | AttemptErrorKind::Tls => false,
                };
                retry.then(|| self.backoff.delay(self.retries))
            }
        }
    }
}

impl tower::retry::Policy<StackRequest, StackResponse, BoxError> for RetryPolicy {
    type Future = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn retry(
        &mut self,
        req: &mut StackRequest,
        result: &mut Result<StackResponse, BoxError>,
    ) -> Option<Self::Future> {
        if self.retries >= self.max_retries {
            return None;
        }
        let delay = self.delay_for(req, result)?;
        if !self.budget.withdraw() {
            tracing::debug!("retry budget exhausted; not retrying");
            return None;
        }
        self.retries += 1;
        req.extensions_mut().insert(Attempt(self.retries + 1));
        tracing::debug!(
            delay_ms = delay.as_millis() as u64,
            retry = self.retries,
            "retrying"
        );
        Some(Box::pin(tokio::time::sleep(delay)))
    }

    fn clone_request(&mut self, req: &StackRequest) -> Option<StackRequest> {
        // tower calls this on the shared template for a new request (no retries yet) and on
        // the per-request copy before each resend; only new requests earn budget.
        if self.retries == 0 {
            self.budget.deposit();
        }
        Some(req.clone())
    }
}
