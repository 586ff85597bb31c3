use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use tokio::time::Instant;
use tower::{BoxError, ServiceExt};

use super::*;

/// A mock server: answers each attempt from a script of outcomes, records when each attempt
/// arrived, and keeps answering with the last outcome once the script runs out.
#[derive(Clone)]
struct Script {
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    arrivals: Arc<Mutex<Vec<(Instant, u32)>>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    latency: Duration,
}

#[derive(Clone, Debug)]
enum Outcome {
    Status(u16, Option<&'static str>),
    Fail(AttemptErrorKind),
    Hang,
}

impl Script {
    fn new(outcomes: Vec<Outcome>) -> Self {
        Self {
            outcomes: Arc::new(Mutex::new(outcomes)),
            arrivals: Arc::default(),
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
            latency: Duration::ZERO,
        }
    }

    fn attempts(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    fn arrival_times(&self) -> Vec<Instant> {
        self.arrivals.lock().unwrap().iter().map(|a| a.0).collect()
    }

    fn service(
        &self,
    ) -> impl tower::Service<StackRequest, Response = StackResponse, Error = BoxError, Future: Send>
    + Clone
    + Send
    + Sync
    + 'static {
        let this = self.clone();
        tower::service_fn(move |req: StackRequest| {
            let this = this.clone();
            async move {
                let attempt = req.extensions().get::<Attempt>().map_or(1, |a| a.0);
                this.arrivals
                    .lock()
                    .unwrap()
                    .push((Instant::now(), attempt));
                let now = this.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                this.max_in_flight.fetch_max(now, Ordering::SeqCst);
                let outcome = {
                    let mut list = this.outcomes.lock().unwrap();
                    if list.len() > 1 {
                        list.remove(0)
                    } else {
                        list[0].clone()
                    }
                };
                if !this.latency.is_zero() {
                    tokio::time::sleep(this.latency).await;
                }
                this.in_flight.fetch_sub(1, Ordering::SeqCst);
                match outcome {
                    Outcome::Status(code, retry_after) => {
                        let mut resp = http::Response::builder().status(code);
                        if let Some(ra) = retry_after {
                            resp = resp.header("retry-after", ra);
                        }
                        Ok(resp.body(Bytes::new()).unwrap())
                    }
                    Outcome::Fail(kind) => Err(AttemptError::bare(kind).into()),
                    Outcome::Hang => std::future::pending().await,
                }
            }
        })
    }
}

/// The classifier the tests use: the status decides (a submit only after 429/503),
/// `Retry-After` in seconds is honoured.
fn classifier() -> Classifier {
    Arc::new(|resend: Resend, resp: &StackResponse| {
        if resend == Resend::OnlyIfNotSent && !matches!(resp.status().as_u16(), 429 | 503) {
            return Verdict::No;
        }
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match (resp.status().as_u16(), retry_after) {
            (429 | 500 | 502 | 503 | 504, Some(s)) => Verdict::After(Duration::from_secs(s)),
            (429 | 500 | 502 | 503 | 504, None) => Verdict::Backoff,
            _ => Verdict::No,
        }
    })
}

fn settings(max_retries: u32) -> StackSettings {
    StackSettings {
        concurrency: 8,
        total_timeout: Duration::from_secs(120),
        attempt_timeout: Duration::from_secs(10),
        policy: RetryPolicy::new(
            max_retries,
            Backoff::new(Duration::from_millis(500), Duration::from_secs(8)).with_jitter(false),
            Duration::from_secs(30),
            100,
            100.0,
            classifier(),
        ),
        limiter: Arc::new(RateLimiter::new(20.0)),
        gate: None,
    }
}

fn get() -> StackRequest {
    http::Request::get("http://127.0.0.1/api/v1/tasks/t1")
        .body(Bytes::new())
        .unwrap()
}

fn submit() -> StackRequest {
    let mut req = http::Request::builder()
        .method(Method::POST)
        .uri("http://127.0.0.1/api/v1/services/audio/asr/transcription")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    req.extensions_mut().insert(Resend::OnlyIfNotSent);
    req
}

async fn run(
    script: &Script,
    settings: StackSettings,
    req: StackRequest,
) -> Result<StackResponse, BoxError> {
    stack(script.service(), settings).oneshot(req).await
}

fn kind(err: &BoxError) -> Option<AttemptErrorKind> {
    err.downcast_ref::<AttemptError>().map(|e| e.kind)
}

#[tokio::test(start_paused = true)]
async fn query_retries_5xx_with_exponential_backoff_until_success() {
    let script = Script::new(vec![
        Outcome::Status(500, None),
        Outcome::Status(502, None),
        Outcome::Status(504, None),
        Outcome::Status(200, None),
    ]);
    let resp = run(&script, settings(5), get()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let times = script.arrival_times();
    assert_eq!(times.len(), 4);
    let gaps: Vec<_> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(
        gaps,
        [
            Duration::from_millis(500),
            Duration::from_secs(1),
            Duration::from_secs(2)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn attempts_are_capped_by_max_retries() {
    let script = Script::new(vec![Outcome::Status(503, None)]);
    let resp = run(&script, settings(3), get()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(script.attempts(), 4);
}

#[tokio::test(start_paused = true)]
async fn attempt_numbers_are_recorded_on_resends() {
    let script = Script::new(vec![
        Outcome::Status(503, None),
        Outcome::Status(503, None),
        Outcome::Status(200, None),
    ]);
    run(&script, settings(3), get()).await.unwrap();
    let attempts: Vec<u32> = script
        .arrivals
        .lock()
        .unwrap()
        .iter()
        .map(|a| a.1)
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_overrides_the_backoff() {
    let script = Script::new(vec![
        Outcome::Status(429, Some("7")),
        Outcome::Status(200, None),
    ]);
    run(&script, settings(3), get()).await.unwrap();
    let times = script.arrival_times();
    assert_eq!(times[1] - times[0], Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_clamped() {
    let script = Script::new(vec![
        Outcome::Status(429, Some("3600")),
        Outcome::Status(200, None),
    ]);
    run(&script, settings(3), get()).await.unwrap();
    let times = script.arrival_times();
    assert_eq!(times[1] - times[0], Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    let script = Script::new(vec![Outcome::Status(400, None), Outcome::Status(200, None)]);
    let resp = run(&script, settings(3), get()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(script.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn query_is_retried_after_a_lost_connection_and_an_attempt_timeout() {
    let script = Script::new(vec![
        Outcome::Fail(AttemptErrorKind::Sent),
        Outcome::Hang,
        Outcome::Status(200, None),
    ]);
    let resp = run(&script, settings(3), get()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(script.attempts(), 3);
}

#[tokio::test(start_paused = true)]
async fn submit_is_retried_after_a_connect_failure() {
    let script = Script::new(vec![
        Outcome::Fail(AttemptErrorKind::Connect),
        Outcome::Status(200, None),
    ]);
    let resp = run(&script, settings(3), submit()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(script.attempts(), 2);
}

#[tokio::test(start_paused = true)]
async fn submit_is_retried_after_429_and_503() {
    let script = Script::new(vec![
        Outcome::Status(429, Some("1")),
        Outcome::Status(503, None),
        Outcome::Status(200, None),
    ]);
    let resp = run(&script, settings(3), submit()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(script.attempts(), 3);
}

#[tokio::test(start_paused = true)]
async fn submit_is_not_resent_after_it_was_sent() {
    for outcome in [
        Outcome::Fail(AttemptErrorKind::Sent),
        Outcome::Fail(AttemptErrorKind::Body),
        Outcome::Hang,
    ] {
        let script = Script::new(vec![outcome.clone(), Outcome::Status(200, None)]);
        let err = run(&script, settings(3), submit()).await.unwrap_err();
        assert!(kind(&err).is_some(), "{outcome:?}: {err}");
        assert_eq!(script.attempts(), 1, "{outcome:?} must not be resent");
    }
}

#[tokio::test(start_paused = true)]
async fn submit_is_not_resent_after_500_502_504() {
    for code in [500, 502, 504] {
        let script = Script::new(vec![
            Outcome::Status(code, None),
            Outcome::Status(200, None),
        ]);
        let resp = run(&script, settings(3), submit()).await.unwrap();
        assert_eq!(resp.status().as_u16(), code);
        assert_eq!(
            script.attempts(),
            1,
            "{code} on a submit must not be resent"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn tls_failures_and_oversized_bodies_are_final() {
    for failure in [AttemptErrorKind::Tls, AttemptErrorKind::TooLarge] {
        let script = Script::new(vec![Outcome::Fail(failure), Outcome::Status(200, None)]);
        let err = run(&script, settings(3), get()).await.unwrap_err();
        assert_eq!(kind(&err), Some(failure));
        assert_eq!(script.attempts(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn per_attempt_timeout_fails_one_attempt_and_total_timeout_ends_the_call() {
    let script = Script::new(vec![Outcome::Hang]);
    let mut s = settings(100);
    s.attempt_timeout = Duration::from_secs(10);
    s.total_timeout = Duration::from_secs(45);
    let started = Instant::now();
    let err = run(&script, s, get()).await.unwrap_err();
    assert!(err.is::<tower::timeout::error::Elapsed>(), "{err}");
    assert_eq!(Instant::now() - started, Duration::from_secs(45));
    // 10 s + 0.5 s backoff + 10 s + 1 s + 10 s + 2 s + 10 s (cut short at 45 s).
    assert_eq!(script.attempts(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_single_attempt_timeout_is_reported_as_such() {
    let script = Script::new(vec![Outcome::Hang]);
    let err = run(&script, settings(0), get()).await.unwrap_err();
    assert_eq!(kind(&err), Some(AttemptErrorKind::Timeout));
}

#[tokio::test(start_paused = true)]
async fn retry_budget_stops_retries_when_exhausted() {
    let script = Script::new(vec![Outcome::Status(503, None)]);
    let mut s = settings(10);
    // No floor and no percentage: the budget never allows a retry.
    s.policy = RetryPolicy::new(
        10,
        Backoff::default(),
        Duration::from_secs(30),
        0,
        0.0,
        classifier(),
    );
    run(&script, s, get()).await.unwrap();
    assert_eq!(script.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrency_limit_caps_requests_in_flight() {
    let mut script = Script::new(vec![Outcome::Status(200, None)]);
    script.latency = Duration::from_millis(100);
    let mut s = settings(0);
    s.concurrency = 3;
    let svc = stack(script.service(), s);
    let calls = (0..10).map(|_| svc.clone().oneshot(get()));
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(script.max_in_flight.load(Ordering::SeqCst), 3);
    assert_eq!(script.attempts(), 10);
}

#[tokio::test(start_paused = true)]
async fn query_budget_spaces_task_api_requests_at_the_configured_rate() {
    let script = Script::new(vec![Outcome::Status(200, None)]);
    let mut s = settings(0);
    s.concurrency = 100;
    s.limiter = Arc::new(RateLimiter::sliding_window(1, Duration::from_millis(50)));
    let svc = stack(script.service(), s);
    let started = Instant::now();
    let calls = (0..40).map(|_| {
        let mut req = get();
        req.extensions_mut().insert(TaskApi);
        svc.clone().oneshot(req)
    });
    futures_util::future::join_all(calls).await;
    let times = script.arrival_times();
    assert_eq!(times.len(), 40);
    // 40 requests, one per 50 ms: the last goes out 39 intervals after the first.
    assert_eq!(Instant::now() - started, Duration::from_millis(1950));
    // No one-second window ever holds more than 20 requests.
    let busiest = busiest_window(&times, Duration::from_secs(1));
    assert!(busiest <= 20, "{busiest} requests within one second");
}

/// The most of `times` (in order) that fall in any half-open window `[t, t + window)`; the
/// busiest window always starts at one of the times.
fn busiest_window(times: &[Instant], window: Duration) -> usize {
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|u| **u - times[i] < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// The limiter a client builds from the default [`Config`](crate::Config).
fn default_limiter() -> Arc<RateLimiter> {
    Arc::new(crate::client::query_limiter(
        crate::Config::default().query_rate,
    ))
}

fn task_query() -> StackRequest {
    let mut req = get();
    req.extensions_mut().insert(TaskApi);
    req
}

#[test]
fn rates_map_to_an_exact_window() {
    let cases = [
        (20.0, 20, Duration::from_secs(1)),
        // A fractional rate keeps whole requests per second, never more than the rate.
        (2.5, 2, Duration::from_secs(1)),
        (0.5, 1, Duration::from_secs(2)),
        // Nonsense rates fall back to one per second.
        (0.0, 1, Duration::from_secs(1)),
        (f64::NAN, 1, Duration::from_secs(1)),
        (-3.0, 1, Duration::from_secs(1)),
        // A huge rate keeps the ring bounded and shortens the window instead.
        (1e9, 10_000, Duration::from_micros(10)),
    ];
    for (rate, max_sends, window) in cases {
        let limiter = RateLimiter::new(rate);
        assert_eq!(
            (limiter.max_sends(), limiter.window()),
            (max_sends, window),
            "rate {rate}"
        );
    }
    // The client's default: two below the service's 20.
    let default = default_limiter();
    assert_eq!(
        (default.max_sends(), default.window()),
        (18, Duration::from_secs(1))
    );
    assert_eq!(default.sustained_rate(), 18.0, "no round trip measured yet");
}

#[tokio::test(start_paused = true)]
async fn query_budget_lets_a_burst_of_n_out_at_once_when_idle() {
    let script = Script::new(vec![Outcome::Status(200, None)]);
    let mut s = settings(0);
    s.concurrency = 100;
    s.limiter = default_limiter();
    let svc = stack(script.service(), s);
    let started = Instant::now();
    let calls = (0..18).map(|_| svc.clone().oneshot(task_query()));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(script.arrival_times(), vec![started; 18]);
}

#[tokio::test(start_paused = true)]
async fn the_next_send_waits_until_the_oldest_leaves_the_window() {
    let limiter = default_limiter();
    let started = Instant::now();
    drop(limiter.acquire().await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..17 {
        drop(limiter.acquire().await);
    }
    assert_eq!(Instant::now() - started, Duration::from_millis(300));
    // The 19th goes out exactly when the first send leaves the window, the 20th when the
    // second does (a token bucket or a fixed window would get at least one of these wrong).
    drop(limiter.acquire().await);
    assert_eq!(Instant::now() - started, Duration::from_secs(1));
    drop(limiter.acquire().await);
    assert_eq!(Instant::now() - started, Duration::from_millis(1300));
}

#[tokio::test(start_paused = true)]
async fn waiters_are_served_in_the_order_they_asked() {
    let limiter = Arc::new(RateLimiter::sliding_window(1, Duration::from_secs(1)));
    let started = Instant::now();
    drop(limiter.acquire().await);
    let served = Arc::new(Mutex::new(Vec::new()));
    // Polled in order 0..5 but asking in reverse (waiter 4 first): a limiter that let the
    // first-polled waiter win would serve them 0..5.
    let waiters = (0..5u64).map(|k| {
        let limiter = limiter.clone();
        let served = served.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(10 * (5 - k))).await;
            drop(limiter.acquire().await);
            served.lock().unwrap().push((k, Instant::now() - started));
        }
    });
    futures_util::future::join_all(waiters).await;
    let expected: Vec<_> = (0..5u64)
        .rev()
        .zip(1..)
        .map(|(k, s)| (k, Duration::from_secs(s)))
        .collect();
    assert_eq!(*served.lock().unwrap(), expected);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_waiter_does_not_use_up_the_budget() {
    let limiter = RateLimiter::sliding_window(1, Duration::from_secs(1));
    let started = Instant::now();
    drop(limiter.acquire().await);
    let gave_up = tokio::time::timeout(Duration::from_millis(500), limiter.acquire()).await;
    assert!(gave_up.is_err(), "the second send must wait for the window");
    drop(limiter.acquire().await);
    assert_eq!(Instant::now() - started, Duration::from_secs(1));
    drop(limiter.acquire().await);
    assert_eq!(Instant::now() - started, Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn five_hundred_waiters_never_exceed_the_budget_and_use_all_of_it() {
    let script = Script::new(vec![Outcome::Status(200, None)]);
    let mut s = settings(0);
    s.concurrency = 1000;
    s.limiter = default_limiter();
    let svc = stack(script.service(), s);
    let started = Instant::now();
    let calls = (0..500).map(|_| svc.clone().oneshot(task_query()));
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    let times = script.arrival_times();
    assert_eq!(times.len(), 500);
    assert_eq!(busiest_window(&times, Duration::from_secs(1)), 18);
    // Full use of the budget: 18 at each whole second, the last batch 27 s in.
    let expected: Vec<_> = (0..500u64)
        .map(|i| started + Duration::from_secs(i / 18))
        .collect();
    assert_eq!(times, expected);
}

#[tokio::test(start_paused = true)]
async fn query_budget_leaves_other_requests_alone() {
    let script = Script::new(vec![Outcome::Status(200, None)]);
    let mut s = settings(0);
    s.limiter = Arc::new(RateLimiter::new(1.0));
    let svc = stack(script.service(), s);
    let started = Instant::now();
    for _ in 0..5 {
        svc.clone().oneshot(get()).await.unwrap();
    }
    assert_eq!(Instant::now(), started);
}

#[test]
fn backoff_doubles_and_caps_and_jitter_stays_within_half_to_full() {
    let b = Backoff::new(Duration::from_millis(500), Duration::from_secs(8)).with_jitter(false);
    let delays: Vec<_> = (0..7).map(|n| b.delay(n)).collect();
    assert_eq!(
        delays,
        [500, 1000, 2000, 4000, 8000, 8000, 8000].map(Duration::from_millis)
    );
    let j = b.with_jitter(true);
    for n in 0..6 {
        for _ in 0..50 {
            let d = j.delay(n);
            assert!(d >= b.delay(n) / 2 && d <= b.delay(n), "{d:?}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn every_attempt_takes_its_token_right_before_it_is_sent() {
    let script = Script::new(vec![Outcome::Status(503, None), Outcome::Status(200, None)]);
    let mut s = settings(1);
    s.policy = RetryPolicy::new(
        1,
        Backoff::new(Duration::from_millis(1), Duration::from_millis(1)).with_jitter(false),
        Duration::from_secs(30),
        100,
        100.0,
        classifier(),
    );
    let limiter = Arc::new(RateLimiter::new(1.0));
    s.limiter = limiter.clone();
    let started = Instant::now();
    run(&script, s, task_query()).await.unwrap();
    let times = script.arrival_times();
    assert_eq!(
        times[0], started,
        "an idle budget lets the first attempt out at once"
    );
    assert_eq!(
        times[1] - started,
        Duration::from_secs(1),
        "the resend waits for a token of its own"
    );
}

/// The cause of 429s under load: a token taken before the request waited for a concurrency
/// permit let requests that queued for permits leave together. Here four slow downloads hold
/// all four permits for 1.5 s while four task queries queue; the budget is two per second.
/// Tokens taken at the start would send all four queries at 1.5 s. (Every answer takes 1.5 s
/// here, so the third query waits for a second after the first one's answer, at 3 s.)
#[tokio::test(start_paused = true)]
async fn queries_queued_for_permits_do_not_leave_together() {
    let mut script = Script::new(vec![Outcome::Status(200, None)]);
    script.latency = Duration::from_millis(1500);
    let mut s = settings(0);
    s.concurrency = 4;
    s.limiter = Arc::new(RateLimiter::new(2.0));
    let svc = stack(script.service(), s);
    let downloads = (0..4).map(|_| svc.clone().oneshot(get()));
    let downloads = futures_util::future::join_all(downloads);
    let queries = async {
        // Queue behind the downloads.
        tokio::task::yield_now().await;
        let calls = (0..4).map(|_| svc.clone().oneshot(task_query()));
        futures_util::future::join_all(calls).await
    };
    let (d, q) = tokio::join!(downloads, queries);
    assert!(d.iter().chain(q.iter()).all(Result::is_ok));
    let times = script.arrival_times();
    let started = times[0];
    let query_times: Vec<Duration> = times[4..].iter().map(|t| *t - started).collect();
    assert_eq!(
        query_times,
        [1500, 1500, 4000, 4000].map(Duration::from_millis),
        "two at once when they could be sent, the next two a second after those answers"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_halves_the_rate_once_per_window_and_it_recovers_slowly() {
    let limiter = default_limiter();
    assert_eq!(limiter.current_rate(), 18.0);
    limiter.throttled();
    assert_eq!(limiter.current_rate(), 9.0);
    // The rest of the same burst of refusals counts once.
    limiter.throttled();
    assert_eq!(limiter.current_rate(), 9.0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    limiter.throttled();
    assert_eq!(limiter.current_rate(), 4.5);
    // One per second back every 5 s, up to the configured rate.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(limiter.current_rate(), 5.5);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(limiter.current_rate(), 17.5);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(limiter.current_rate(), 18.0);
    // Never below one per second.
    for _ in 0..10 {
        limiter.throttled();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(limiter.current_rate(), 1.0);
}

/// A send that is slow to answer keeps counting until a second after its answer: wherever in
/// those two seconds it reached the service, the next one cannot land in the same second.
#[tokio::test(start_paused = true)]
async fn a_send_counts_until_a_second_after_its_answer() {
    let mut script = Script::new(vec![Outcome::Status(200, None)]);
    script.latency = Duration::from_secs(2);
    let mut s = settings(0);
    s.limiter = Arc::new(RateLimiter::new(1.0));
    let svc = stack(script.service(), s);
    let started = Instant::now();
    let (a, b) = tokio::join!(
        svc.clone().oneshot(task_query()),
        svc.clone().oneshot(task_query())
    );
    assert!(a.is_ok() && b.is_ok());
    let times: Vec<Duration> = script
        .arrival_times()
        .iter()
        .map(|t| *t - started)
        .collect();
    assert_eq!(times, [Duration::ZERO, Duration::from_secs(3)]);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_send_counts_as_finished_when_it_was_dropped() {
    let limiter = RateLimiter::new(1.0);
    let started = Instant::now();
    let permit = limiter.acquire().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    drop(permit);
    drop(limiter.acquire().await);
    assert_eq!(Instant::now() - started, Duration::from_millis(1700));
}

#[tokio::test(start_paused = true)]
async fn the_sustained_rate_counts_the_round_trip() {
    let limiter = default_limiter();
    let permit = limiter.acquire().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(permit);
    // 18 per 1.5 s: one second of window plus half a second of answer.
    assert!(
        (limiter.sustained_rate() - 12.0).abs() < 1e-9,
        "{}",
        limiter.sustained_rate()
    );
}

#[tokio::test(start_paused = true)]
async fn a_lowered_rate_spaces_the_next_sends() {
    let limiter = default_limiter();
    let started = Instant::now();
    limiter.throttled();
    // Nine per second now: the tenth waits for the first to leave the window.
    for _ in 0..10 {
        drop(limiter.acquire().await);
    }
    assert_eq!(Instant::now() - started, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn only_a_429_on_the_task_api_lowers_the_rate() {
    let script = Script::new(vec![Outcome::Status(429, None)]);
    let mut s = settings(0);
    let limiter = default_limiter();
    s.limiter = limiter.clone();
    let svc = stack(script.service(), s);
    svc.clone().oneshot(get()).await.unwrap();
    assert_eq!(
        limiter.current_rate(),
        18.0,
        "a 429 elsewhere says nothing about the task API"
    );
    svc.clone().oneshot(task_query()).await.unwrap();
    assert_eq!(limiter.current_rate(), 9.0);
    let fixed = RateLimiter::new(18.0);
    fixed.throttled();
    assert_eq!(
        fixed.current_rate(),
        18.0,
        "a limiter that is not adaptive keeps its rate"
    );
}
