//! Logging a failure once per burst: a store or a server that is down fails
//! every request, and one line per request would drown the log.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tells whether to log now (once every 10 s at most), and how many
/// failures went unlogged since the last line.
#[derive(Debug, Default)]
pub(crate) struct BurstLog {
    state: Mutex<(Option<Instant>, u64)>,
}

impl BurstLog {
    const QUIET: Duration = Duration::from_secs(10);

    /// `Some(unlogged)` when this failure should be logged.
    pub(crate) fn should_log(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (last, suppressed) = &mut *state;
        if last.is_some_and(|t| t.elapsed() < Self::QUIET) {
            *suppressed += 1;
            return None;
        }
        *last = Some(Instant::now());
        Some(std::mem::take(suppressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_logs_once() {
        let log = BurstLog::default();
        assert_eq!(log.should_log(), Some(0));
        for _ in 0..99 {
            assert_eq!(log.should_log(), None);
        }
        assert_eq!(log.state.lock().unwrap().1, 99);
    }
}
