use super::*;

#[test]
fn json_round_trip() {
    let v = json!({"*": {"throttle": 0.3, "retry_after_secs": 2}, "submit": {"lose_response": 1, "limit": 1}});
    let cfg = FaultConfig::from_json(&v).expect("valid");
    assert_eq!(cfg.all.as_ref().map(|r| r.throttle), Some(0.3));
    assert_eq!(cfg.endpoints[&Endpoint::Submit].limit, Some(1));
    assert_eq!(FaultConfig::from_json(&cfg.to_json()).expect("again"), cfg);
}

#[test]
fn json_errors_name_the_field() {
    let e = FaultConfig::from_json(&json!({"submitt": {}})).expect_err("bad endpoint");
    assert!(e.contains("`submitt`") && e.contains("get_task"), "{e}");
    let e = FaultConfig::from_json(&json!({"submit": {"throttle": 2}})).expect_err("bad p");
    assert!(e.contains("`submit.throttle`"), "{e}");
    let e = FaultConfig::from_json(&json!({"submit": {"thrott": 1}})).expect_err("bad key");
    assert!(e.contains("`submit.thrott`"), "{e}");
}

#[test]
fn endpoint_rule_replaces_all_rule() {
    let cfg = FaultConfig::new()
        .with_all(FaultRule::new().with_server_error(1.0))
        .with(Endpoint::GetTask, FaultRule::new());
    let mut s = FaultState::new(cfg, 1);
    assert_eq!(s.decide(Endpoint::Submit).fault, Some(Fault::ServerError));
    assert_eq!(s.decide(Endpoint::GetTask).fault, None);
}

#[test]
fn limit_spends_the_rule() {
    let cfg = FaultConfig::new().with(
        Endpoint::Submit,
        FaultRule::new().with_throttle(1.0).with_limit(2),
    );
    let mut s = FaultState::new(cfg, 1);
    let faults: Vec<_> = (0..4).map(|_| s.decide(Endpoint::Submit).fault).collect();
    let t = Some(Fault::Throttle {
        retry_after_secs: 1,
    });
    assert_eq!(faults, vec![t, t, None, None]);
}

#[test]
fn seeded_sequence_is_reproducible() {
    let cfg = FaultConfig::new().with_all(FaultRule::new().with_throttle(0.5).with_drop(0.2));
    let run = |seed| {
        let mut s = FaultState::new(cfg.clone(), seed);
        (0..50)
            .map(|_| s.decide(Endpoint::GetTask).fault)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42), run(43));
}

#[test]
fn delay_applies_independently() {
    let cfg = FaultConfig::new().with_all(
        FaultRule::new()
            .with_server_error(1.0)
            .with_delay(Duration::from_millis(5), 1.0),
    );
    let d = FaultState::new(cfg, 0).decide(Endpoint::ListTasks);
    assert_eq!(d.fault, Some(Fault::ServerError));
    assert_eq!(d.delay, Duration::from_millis(5));
}
