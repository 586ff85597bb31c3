use std::time::Duration;

use super::PollPolicy;

#[test]
fn delay_grows_with_elapsed_time_between_the_bounds() {
    let policy = PollPolicy::default();
    let ms = Duration::from_millis;
    assert_eq!(policy.delay_at(Duration::ZERO), ms(500));
    assert_eq!(policy.delay_at(Duration::from_secs(3)), ms(500));
    let at_ten = policy.delay_at(Duration::from_secs(10));
    assert!(at_ten > ms(1499) && at_ten <= ms(1500), "{at_ten:?}");
    assert_eq!(
        policy.delay_at(Duration::from_secs(3600)),
        Duration::from_secs(30)
    );
}

#[test]
fn odd_factors_mean_a_fixed_delay() {
    for factor in [f64::NAN, 0.5, 1.0, f64::NEG_INFINITY] {
        let policy = PollPolicy {
            factor,
            ..PollPolicy::default()
        };
        assert_eq!(
            policy.delay_at(Duration::from_secs(100)),
            Duration::from_millis(500)
        );
    }
    let huge = PollPolicy {
        factor: f64::INFINITY,
        ..PollPolicy::default()
    };
    assert_eq!(
        huge.delay_at(Duration::from_secs(1)),
        Duration::from_millis(500)
    );
}
