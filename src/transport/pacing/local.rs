//! Pacing in one process, on `governor`'s GCRA limiters.

use super::{Kind, TooLate, past};
use crate::clock::Sleeper;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// governor reads time from the client's [`Sleeper`], so pacing runs in
/// virtual time whenever the retries do.
#[derive(Clone, Debug)]
struct SleeperClock(Arc<dyn Sleeper>);

impl Clock for SleeperClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.now()
    }
}

type Limiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, SleeperClock, NoOpMiddleware<Duration>>;

/// Forget idle keys every this many checks, so one-off recipients do not pile up.
const PRUNE_EVERY: u64 = 4096;

/// One process's limiters: per source number and per recipient.
#[derive(Debug)]
pub(super) struct Local {
    per_source: Option<Limiter>,
    per_recipient: Option<Limiter>,
    sleeper: Arc<dyn Sleeper>,
    checks: AtomicU64,
}

impl Local {
    /// Limiters for sends per source spaced `source_period` apart, and to one
    /// recipient `recipient_interval` apart (each when given).
    pub(super) fn new(
        source_period: Option<Duration>,
        recipient_interval: Option<Duration>,
        sleeper: Arc<dyn Sleeper>,
    ) -> Self {
        let limiter = |period: Duration| {
            Quota::with_period(period).map(|q| {
                RateLimiter::new(
                    q,
                    DefaultKeyedStateStore::default(),
                    SleeperClock(sleeper.clone()),
                )
            })
        };
        Self {
            per_source: source_period.and_then(limiter),
            per_recipient: recipient_interval.and_then(limiter),
            sleeper,
            checks: AtomicU64::new(0),
        }
    }

    /// Waits until one more send for `key` fits its limit, unless that
    /// would end past `until`.
    pub(super) async fn acquire(
        &self,
        kind: Kind,
        key: &str,
        until: Option<Duration>,
    ) -> Result<(), TooLate> {
        let limiter = match kind {
            Kind::Source => &self.per_source,
            Kind::Recipient => &self.per_recipient,
        };
        let Some(limiter) = limiter else {
            return Ok(());
        };
        let key = key.to_owned();
        while let Err(not_until) = limiter.check_key(&key) {
            let now = self.sleeper.now();
            let wait = not_until.wait_time_from(now);
            if past(now, wait, until) {
                return Err(TooLate { wait });
            }
            tracing::debug!(key = %key, wait_ms = wait.as_millis() as u64, "pacing");
            self.sleeper.sleep(wait.max(Duration::from_micros(1))).await;
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        Ok(())
    }
}
