//! Wall-clock strings in the service's formats.
//!
//! The service does not state the time zone of `submit_time` and friends (protocol §9.13); the
//! emulator writes them in UTC+8 (Beijing), the most likely reading, and parses the task-list
//! filters (`YYYYMMDDhhmmss`) in the same zone so both agree.

use std::time::{SystemTime, UNIX_EPOCH};

/// Offset of the zone used for human-readable times, in milliseconds.
const ZONE_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// Milliseconds since the Unix epoch.
pub(crate) fn unix_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
}

fn split(ms: i64) -> Parts {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: rest / 3_600_000,
        minute: rest / 60_000 % 60,
        second: rest / 1000 % 60,
        milli: rest % 1000,
    }
}

/// `YYYY-MM-DD HH:MM:SS.mmm` in UTC+8, the format of `submit_time`, `scheduled_time`, `end_time`.
pub(crate) fn task_time(unix_ms: i64) -> String {
    let p = split(unix_ms + ZONE_OFFSET_MS);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.milli
    )
}

/// `YYYY-MM-DD HH:MM:SS` in UTC+8 (vocabulary `gmt_create` style).
pub fn gmt_time(unix_ms: i64) -> String {
    let p = split(unix_ms + ZONE_OFFSET_MS);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` (UTC), the OSS policy `expiration` format.
pub(crate) fn iso8601_utc(unix_ms: i64) -> String {
    let p = split(unix_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// `YYYY-MM-DD` (UTC+8), used in upload directories.
pub(crate) fn date(unix_ms: i64) -> String {
    let p = split(unix_ms + ZONE_OFFSET_MS);
    format!("{:04}-{:02}-{:02}", p.year, p.month, p.day)
}

/// Parses the task-list filter format `YYYYMMDDhhmmss` (UTC+8) into Unix milliseconds.
pub(crate) fn parse_compact(s: &str) -> Option<i64> {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok());
    let year = num(0..4)?;
    let month = u32::try_from(num(4..6)?).ok()?;
    let day = u32::try_from(num(6..8)?).ok()?;
    let (hour, minute, second) = (num(8..10)?, num(10..12)?, num(12..14)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400_000 + (hour * 3600 + minute * 60 + second) * 1000 - ZONE_OFFSET_MS)
}

#[cfg(test)]
mod tests;
