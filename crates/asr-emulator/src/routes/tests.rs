use super::*;

#[test]
fn classify_paths() {
    let c = |m: Method, p: &str| classify(&m, p);
    assert_eq!(
        c(Method::POST, "/api/v1/services/audio/asr/transcription").0,
        Endpoint::Submit
    );
    assert_eq!(c(Method::GET, "/api/v1/tasks/").0, Endpoint::ListTasks);
    assert_eq!(
        c(Method::GET, "/api/v1/tasks/abc"),
        (Endpoint::GetTask, Some("abc".into()))
    );
    assert_eq!(
        c(Method::POST, "/api/v1/tasks/abc/cancel"),
        (Endpoint::CancelTask, Some("abc".into()))
    );
    assert_eq!(
        c(Method::GET, "/api/v1/tasks/abc/cancel").0,
        Endpoint::NotFound
    );
    assert_eq!(c(Method::POST, "/oss-upload").0, Endpoint::Upload);
    assert_eq!(c(Method::GET, "/results/x.json").0, Endpoint::Result);
    assert_eq!(
        c(Method::POST, "/compatible-mode/v1/chat/completions").0,
        Endpoint::ChatCompletions
    );
    assert_eq!(
        c(Method::GET, "/api/v1/services/audio/asr/transcription").0,
        Endpoint::NotFound
    );
}

#[test]
fn query_decoding() {
    let q = parse_query(Some("a=1&b=x%2By+z&c&Signature=ab%3D"));
    assert_eq!(q["a"], "1");
    assert_eq!(q["b"], "x+y z");
    assert_eq!(q["c"], "");
    assert_eq!(q["Signature"], "ab=");
}

#[test]
fn auth_rules() {
    let tokens = Tokens::default();
    let now = Instant::now();
    let auth = |config: &EmulatorConfig, h: &HeaderMap| {
        authorize(config, &tokens, now, h).map(|c| c.key_id)
    };
    let mut h = HeaderMap::new();
    let any = EmulatorConfig::new();
    assert_eq!(auth(&any, &h), Err("No API-key provided."));
    h.insert(
        header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer sk-abc"),
    );
    assert!(auth(&any, &h).is_ok());
    let fixed = EmulatorConfig::new().with_api_key("sk-other");
    assert_eq!(auth(&fixed, &h), Err("Invalid API-key provided."));
    h.insert(
        header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer abc"),
    );
    assert!(auth(&any, &h).is_err());
    h.insert(
        header::AUTHORIZATION,
        http::HeaderValue::from_static("Basic sk-abc"),
    );
    assert!(auth(&any, &h).is_err());
    // A temporary key that was never minted here is refused.
    h.insert(
        header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer st-0123456789abcdef"),
    );
    assert_eq!(auth(&any, &h), Err("Invalid API-key provided."));
    // The id never contains the key.
    h.insert(
        header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer sk-abc"),
    );
    let id = auth(&any, &h).expect("ok");
    assert!(!id.contains("abc"));
}
