use super::*;

#[test]
fn a_sliding_window_per_key_counting_only_admitted_requests() {
    let mut quota = TaskQuota::new(Some(TaskQueryLimit::new(2, Duration::from_secs(1))));
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    assert!(quota.admit("a", at(0)));
    assert!(quota.admit("a", at(400)));
    assert!(!quota.admit("a", at(500)), "a third within the second");
    assert!(quota.admit("b", at(500)), "another key has its own window");
    assert!(!quota.admit("a", at(999)));
    // The first admitted one leaves the window at 1000 ms; the refusals never counted.
    assert!(quota.admit("a", at(1000)));
    assert!(!quota.admit("a", at(1399)));
    assert!(quota.admit("a", at(1400)));
}

#[test]
fn no_limit_admits_everything() {
    let mut quota = TaskQuota::new(None);
    let now = Instant::now();
    assert!((0..10_000).all(|_| quota.admit("a", now)));
}
