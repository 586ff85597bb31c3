use super::*;

#[test]
fn layering_rules_hold() {
    check().expect("layering");
}

#[test]
fn the_walk_finds_what_is_there() {
    // Guards the checker itself: a walk that finds nothing would pass every rule.
    let meta = metadata().expect("cargo metadata");
    for root in PURE_CRATES {
        let deps = reachable(&meta, root, &is_normal).expect("dependency walk");
        assert!(
            deps.contains(*root) && deps.contains("serde"),
            "{root}: {deps:?}"
        );
    }
    let render = reachable(&meta, "asr-render", &is_normal).expect("dependency walk");
    assert!(
        render.contains("asr-types") && render.contains("unicode-width"),
        "{render:?}"
    );
    let emulator = reachable(&meta, "asr-emulator", &is_normal).expect("dependency walk");
    assert!(emulator.contains("tokio") && emulator.contains("hyper"));
    let cli = reachable(&meta, "asr-cli", &is_any).expect("dependency walk");
    assert!(cli.contains("asr-types"), "{cli:?}");
    // The engine sits on the transport, and nothing below it reaches it.
    let batch = reachable(&meta, "asr-batch", &is_normal).expect("dependency walk");
    assert!(
        batch.contains("asr-transport") && !batch.contains("asr-cli"),
        "{batch:?}"
    );
    let transport = reachable(&meta, "asr-transport", &is_normal).expect("dependency walk");
    assert!(!transport.contains("asr-batch"), "{transport:?}");
}
