use super::{is_oss_url, path_segment};

#[test]
fn oss_urls_are_recognised_case_insensitively() {
    assert!(is_oss_url("oss://bucket/key.wav"));
    assert!(is_oss_url("OSS://bucket/key.wav"));
    assert!(!is_oss_url("https://oss.example.com/a.wav"));
    assert!(!is_oss_url("oss:"));
}

#[test]
fn path_segments_cannot_escape_their_place() {
    assert_eq!(
        path_segment("c2e5d63b-96e1_4607.bb91~x"),
        "c2e5d63b-96e1_4607.bb91~x"
    );
    assert_eq!(path_segment("../cancel?x=1"), "..%2Fcancel%3Fx=1");
    assert_eq!(path_segment("a b#é%"), "a%20b%23%C3%A9%25");
    assert_eq!(path_segment("masked-****"), "masked-****");
}
