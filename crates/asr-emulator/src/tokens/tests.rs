use std::time::{Duration, Instant};

use serde_json::Value;

use super::*;

fn ctx(now: Instant, wall_ms: i64, api_key_id: &str) -> RequestCtx<'_> {
    RequestCtx {
        now,
        wall_ms,
        request_id: "r",
        api_key_id,
    }
}

fn body(reply: &Reply) -> (u16, Value) {
    match reply {
        Reply::Json { status, body, .. } => (*status, body.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_minted_key_works_until_it_expires() {
    let mut tokens = Tokens::default();
    let mut ids = Rng::new(1);
    let now = Instant::now();
    let (status, v) = body(&tokens.mint(
        ctx(now, 1_700_000_000_500, "42"),
        &mut ids,
        Some("600"),
        false,
    ));
    assert_eq!(status, 200, "{v}");
    let token = v["token"].as_str().unwrap();
    assert!(token.starts_with("st-") && token.len() == 35, "{token}");
    assert_eq!(v["expires_at"], 1_700_000_600);
    assert_eq!(tokens.check(token, now), Some("42"));
    assert_eq!(
        tokens.check(token, now + Duration::from_secs(599)),
        Some("42")
    );
    assert_eq!(tokens.check(token, now + Duration::from_secs(600)), None);
    assert_eq!(tokens.check("st-never-minted", now), None);
}

#[test]
fn the_lifetime_defaults_to_60_seconds_and_is_checked() {
    let mut tokens = Tokens::default();
    let mut ids = Rng::new(2);
    let now = Instant::now();
    let (_, v) = body(&tokens.mint(ctx(now, 0, "1"), &mut ids, None, false));
    assert_eq!(v["expires_at"], 60);
    let token = v["token"].as_str().unwrap().to_owned();
    assert!(
        tokens
            .check(&token, now + Duration::from_secs(59))
            .is_some()
    );
    assert!(
        tokens
            .check(&token, now + Duration::from_secs(60))
            .is_none()
    );
    for bad in ["0", "1801", "ten", "-5"] {
        let (status, v) = body(&tokens.mint(ctx(now, 0, "1"), &mut ids, Some(bad), false));
        assert_eq!(
            (status, v["code"].as_str()),
            (400, Some("InvalidParameter")),
            "{bad}"
        );
    }
}

#[test]
fn a_temporary_key_cannot_mint_another() {
    let mut tokens = Tokens::default();
    let (status, v) = body(&tokens.mint(ctx(Instant::now(), 0, "1"), &mut Rng::new(3), None, true));
    assert_eq!((status, v["code"].as_str()), (403, Some("AccessDenied")));
}
