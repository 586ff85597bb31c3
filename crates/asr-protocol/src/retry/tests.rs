use std::time::Duration;

use http::HeaderMap;

use super::retry_after;

fn with(name: &'static str, value: &str) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(name, value.parse().expect("header"));
    map
}

#[test]
fn retry_after_reads_seconds_and_milliseconds() {
    assert_eq!(
        retry_after(&with("retry-after", "5")),
        Some(Duration::from_secs(5))
    );
    assert_eq!(
        retry_after(&with("retry-after", " 5 ")),
        Some(Duration::from_secs(5))
    );
    assert_eq!(
        retry_after(&with("retry-after-ms", "20")),
        Some(Duration::from_millis(20))
    );
    assert_eq!(retry_after(&with("retry-after", "NaN")), None);
    assert_eq!(retry_after(&with("retry-after", "inf")), None);
    assert_eq!(retry_after(&with("retry-after", "1e300")), None);
    assert_eq!(retry_after(&HeaderMap::new()), None);
}
