use super::*;

#[test]
fn authorization_is_redacted() {
    let mut h = http::HeaderMap::new();
    h.insert(
        "Authorization",
        http::HeaderValue::from_static("Bearer sk-secret123"),
    );
    h.insert(
        "X-DashScope-Async",
        http::HeaderValue::from_static("enable"),
    );
    let logged = loggable_headers(&h);
    assert_eq!(logged["authorization"], "Bearer ****");
    assert_eq!(logged["x-dashscope-async"], "enable");
    assert!(!format!("{logged:?}").contains("secret"));
}

#[test]
fn counts_and_filter() {
    let mut log = RequestLog::default();
    for endpoint in [Endpoint::Submit, Endpoint::GetTask, Endpoint::GetTask] {
        log.push(LogEntry {
            method: "GET".into(),
            path: "/x".into(),
            query: None,
            headers: BTreeMap::new(),
            endpoint,
            status: Some(200),
            body_size: 0,
            body: None,
            fault: None,
            request_id: "r".into(),
        });
    }
    let v = log.to_json(Some(Endpoint::GetTask));
    assert_eq!(v["counts"]["get_task"], 2);
    assert_eq!(v["counts"]["submit"], 1);
    assert_eq!(v["requests"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["requests"][0]["seq"], 1);
}

#[test]
fn only_small_json_bodies_are_kept() {
    assert_eq!(loggable_body(b"{\"a\":1}"), Some(json!({"a": 1})));
    assert_eq!(loggable_body(b"not json"), None);
    assert_eq!(loggable_body(&vec![b' '; MAX_LOGGED_JSON + 1]), None);
}
