use super::*;

#[test]
fn list_time_round_trips_through_parse_task_time_to_the_second() {
    // Around epoch, a leap day, a year end in Beijing but not in UTC, and far ahead.
    for ms in [
        0,
        951_782_400_000,
        1_735_660_799_999,
        1_735_660_800_000,
        4_102_444_800_123,
    ] {
        let compact = list_time(ms);
        let spelled = format!(
            "{}-{}-{} {}:{}:{}",
            &compact[0..4],
            &compact[4..6],
            &compact[6..8],
            &compact[8..10],
            &compact[10..12],
            &compact[12..14]
        );
        assert_eq!(
            parse_task_time(&spelled),
            Some(ms - ms.rem_euclid(1000)),
            "{ms}"
        );
    }
}

#[test]
fn list_time_is_beijing_time() {
    // 2024-12-31 16:00:00 UTC is midnight of the new year in UTC+8.
    assert_eq!(list_time(1_735_660_800_000), "20250101000000");
    assert_eq!(list_time(1_735_660_799_999), "20241231235959");
}

#[test]
fn parse_task_time_reads_the_documented_shape_and_refuses_others() {
    assert_eq!(
        parse_task_time("2025-10-27 13:57:46.5"),
        Some(1_761_544_666_500)
    );
    assert_eq!(
        parse_task_time("2025-10-27 13:57:46"),
        Some(1_761_544_666_000)
    );
    for bad in [
        "",
        "2025-10-27",
        "2025-10-27T13:57:46",
        "2025-13-27 13:57:46",
        "2025-10-27 24:00:00",
        "2025-10-27 13:57:46.1234",
        "2025-10-27 13:57:46:00",
        "25-10-27 13:57:46",
    ] {
        assert_eq!(parse_task_time(bad), None, "{bad:?}");
    }
}
