use super::*;

#[test]
fn formats_known_instant() {
    // 2024-09-12 07:11:40.041 UTC = 15:11:40.041 in UTC+8.
    let ms = 1_726_125_100_041;
    assert_eq!(task_time(ms), "2024-09-12 15:11:40.041");
    assert_eq!(gmt_time(ms), "2024-09-12 15:11:40");
    assert_eq!(iso8601_utc(ms), "2024-09-12T07:11:40.000Z");
    assert_eq!(date(ms), "2024-09-12");
}

#[test]
fn compact_round_trip() {
    let ms = parse_compact("20240912151140").expect("valid");
    assert_eq!(task_time(ms), "2024-09-12 15:11:40.000");
    assert_eq!(parse_compact("2024091215114"), None);
    assert_eq!(parse_compact("20241312151140"), None);
    assert_eq!(parse_compact("2024091215114x"), None);
}

#[test]
fn leap_day() {
    let ms = parse_compact("20240229235959").expect("valid");
    assert_eq!(gmt_time(ms), "2024-02-29 23:59:59");
    assert_eq!(gmt_time(ms + 1000), "2024-03-01 00:00:00");
}
