//! The task API's wall-clock formats: the list filter `YYYYMMDDhhmmss` and the query's
//! `YYYY-MM-DD HH:MM:SS.mmm`.
//!
//! Neither format carries a time zone and the documentation does not state one (protocol
//! §9.13). The documented example of a result URL (`Expires` = `scheduled_time` + 24 h, §11.2)
//! only adds up in UTC+8 (Beijing), so both are read and written in UTC+8 here. A caller that
//! depends on the reading (a list window) should pad it and check the answer.

/// The offset of the service's task times from UTC: +8 hours, in milliseconds.
pub const SERVICE_UTC_OFFSET_MS: i64 = 8 * 3600 * 1000;

const DAY_MS: i64 = 86_400_000;

/// Epoch milliseconds as a list filter time (`YYYYMMDDhhmmss`, UTC+8), rounded down to the
/// second.
///
/// ```
/// // 2025-02-13 08:55:08.900 UTC is 16:55:08 in Beijing.
/// assert_eq!(asr_types::task::list_time(1_739_436_908_900), "20250213165508");
/// ```
pub fn list_time(epoch_ms: i64) -> String {
    let local = epoch_ms + SERVICE_UTC_OFFSET_MS;
    let (year, month, day) = civil_from_days(local.div_euclid(DAY_MS));
    let secs = local.rem_euclid(DAY_MS) / 1000;
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses a task time (`YYYY-MM-DD HH:MM:SS` with optional `.mmm`, UTC+8, as in `submit_time`)
/// into epoch milliseconds; `None` when it is not of that form.
///
/// ```
/// assert_eq!(
///     asr_types::task::parse_task_time("2025-02-13 16:55:08.900"),
///     Some(1_739_436_908_900)
/// );
/// assert_eq!(asr_types::task::parse_task_time("yesterday"), None);
/// ```
pub fn parse_task_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once(' ')?;
    let mut date_parts = date.split('-');
    let (year, month, day) = (
        number(date_parts.next()?, 4)?,
        number(date_parts.next()?, 2)?,
        number(date_parts.next()?, 2)?,
    );
    let (clock, millis) = match time.split_once('.') {
        Some((clock, frac)) if (1..=3).contains(&frac.len()) => {
            let padded = format!("{frac:0<3}");
            (clock, number(&padded, 3)?)
        }
        Some(_) => return None,
        None => (time, 0),
    };
    let mut clock_parts = clock.split(':');
    let (hour, minute, second) = (
        number(clock_parts.next()?, 2)?,
        number(clock_parts.next()?, 2)?,
        number(clock_parts.next()?, 2)?,
    );
    if date_parts.next().is_some() || clock_parts.next().is_some() {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some(secs * 1000 + millis - SERVICE_UTC_OFFSET_MS)
}

/// Exactly `width` ASCII digits.
fn number(text: &str, width: usize) -> Option<i64> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.bytes().fold(0, |n, b| n * 10 + i64::from(b - b'0')))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests;
