use super::*;

fn tracker_with(submits_ms: &[i64]) -> CompletionTracker {
    let mut tracker = CompletionTracker::new(TrackPolicy::default());
    let now = Instant::now();
    for (i, ms) in submits_ms.iter().enumerate() {
        tracker.add(
            now,
            TrackedTask::new(format!("t{i}"), Model::FUN_ASR).with_submitted_at_ms(*ms),
        );
    }
    tracker
}

#[test]
fn the_window_pads_both_ends_to_whole_seconds() {
    let tracker = tracker_with(&[1_000_500, 1_002_250]);
    let w = tracker.window().expect("a window");
    assert_eq!(w.start_ms, 1_000_500 - 300_000 - 500);
    assert_eq!(w.end_ms, 1_002_250 + 300_000 - 250 + 999);
    assert_eq!(w.model, Some(Model::FUN_ASR));
}

#[test]
fn a_window_never_spans_more_than_a_day_and_keeps_the_newest_tasks() {
    let day = 24 * 3600 * 1000;
    let tracker = tracker_with(&[0, 2 * day, 2 * day + 1000]);
    let w = tracker.window().expect("a window");
    assert!(w.end_ms - w.start_ms < day, "{w:?}");
    assert!(w.covers(2 * day) && w.covers(2 * day + 1000));
    assert!(!w.covers(0), "the oldest task is polled instead");
    // The list's own check: the compact times are at most 24 hours apart.
    let mut q = ListTasksQuery::default();
    q.start_time = Some(list_time(w.start_ms));
    q.end_time = Some(list_time(w.end_ms));
    assert!(q.validate().is_ok(), "{q:?}");
}

#[test]
fn tasks_of_several_models_are_swept_without_a_model_filter() {
    let mut tracker = tracker_with(&[1_000_000]);
    tracker.add(
        Instant::now(),
        TrackedTask::new("other", Model::new("paraformer-v2")).with_submitted_at_ms(1_000_000),
    );
    assert_eq!(tracker.window().expect("a window").model, None);
}

#[test]
fn the_tracking_budget_is_a_share_of_the_rate_and_never_zero() {
    let policy = TrackPolicy::default();
    assert_eq!(policy.tracking_rate(16.0), 8.0);
    assert_eq!(policy.tracking_rate(0.0), 0.5);
    assert_eq!(policy.tracking_rate(f64::NAN), 0.5);
    let stingy = TrackPolicy {
        tracking_share: 0.0,
        ..TrackPolicy::default()
    };
    assert!(stingy.tracking_rate(0.5) >= 0.1);
}
