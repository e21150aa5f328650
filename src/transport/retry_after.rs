//! `Retry-After`, read once per answer: delay seconds or an HTTP date.

use http::HeaderMap;
use std::time::{Duration, SystemTime};

/// The `Retry-After` of an answer, when it has a readable one.
pub(crate) fn of(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    parse(value, SystemTime::now())
}

/// Delay seconds (any size: the retry policy caps it) or an HTTP date
/// (one in the past is no wait).
fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_dates_and_garbage() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let in_two_minutes = httpdate::fmt_http_date(now + Duration::from_secs(120));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        for (value, expected) in [
            ("0", Some(Duration::ZERO)),
            (" 7 ", Some(Duration::from_secs(7))),
            ("18446744073709551615", Some(Duration::from_secs(u64::MAX))),
            (in_two_minutes.as_str(), Some(Duration::from_secs(120))),
            (past.as_str(), Some(Duration::ZERO)),
            ("-1", None),
            ("1.5", None),
            ("soon", None),
            ("", None),
        ] {
            assert_eq!(parse(value, now), expected, "{value:?}");
        }
    }
}
