//! Unix time in seconds and milliseconds, both ways, checked: a timestamp
//! from the network (or from a shared store) past what the platform's clock
//! can hold is `None`, never an overflow panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix seconds of `at` (0 before the epoch).
pub(crate) fn secs(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Unix milliseconds of `at` (0 before the epoch).
pub(crate) fn millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Unix microseconds of `at` (0 before the epoch): the memory claim store's fence.
#[cfg(feature = "receiver")]
pub(crate) fn micros(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// The time `seconds` after the epoch, if the platform can hold it.
pub(crate) fn from_secs(seconds: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// The time `millis` after the epoch, if the platform can hold it.
pub(crate) fn from_millis(millis: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_converts_or_is_none_and_none_panics() {
        for value in [0, 1, 1_700_000_000, u64::MAX / 1000, u64::MAX] {
            if let Some(at) = from_secs(value) {
                assert_eq!(secs(at), value);
            }
            if let Some(at) = from_millis(value) {
                assert_eq!(millis(at), value);
            }
        }
        assert_eq!(from_secs(u64::MAX), None);
        assert_eq!(secs(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
