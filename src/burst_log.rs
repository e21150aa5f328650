//! Logging a failure once per burst: a store or a server that is down fails
//! every request, and one line per request would drown the log.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tells whether to log now (once every 10 s at most), and how many
/// failures went unlogged since the last line; and, once, that it works
/// again after failures.
#[derive(Debug, Default)]
pub(crate) struct BurstLog {
    state: Mutex<(Option<Instant>, u64)>,
    /// Failures since the last success.
    failing: std::sync::atomic::AtomicU64,
}

impl BurstLog {
    const QUIET: Duration = Duration::from_secs(10);

    /// `Some(unlogged)` when this failure should be logged.
    pub(crate) fn should_log(&self) -> Option<u64> {
        self.failing
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
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

impl BurstLog {
    /// A success: calls `log` with the number of failures, once, when it
    /// follows failures (cheap when nothing failed).
    pub(crate) fn recovered(&self, log: impl FnOnce(u64)) {
        use std::sync::atomic::Ordering;
        if self.failing.load(Ordering::Relaxed) == 0 {
            return;
        }
        let failures = self.failing.swap(0, Ordering::SeqCst);
        if failures > 0 {
            *self.state.lock().unwrap_or_else(|e| e.into_inner()) = (None, 0);
            log(failures);
        }
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
        let mut told = Vec::new();
        log.recovered(|n| told.push(n));
        log.recovered(|n| told.push(n));
        assert_eq!(told, [100], "once, with every failure counted");
        assert_eq!(log.should_log(), Some(0), "a new burst logs at once");
    }
}
