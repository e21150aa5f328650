//! Optional pacing (off by default): a bulk sender waits before a send
//! instead of retrying into WhatsApp's throughput (130429) and per-recipient
//! (131056) limits. Built on `governor`'s GCRA limiters.

use super::clock::Sleeper;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Pacing settings for [`crate::ClientBuilder::pacing`].
///
/// ```
/// use modica_wab::Pacing;
/// use std::time::Duration;
/// // WhatsApp's default throughput is 80 msg/s per number, and about one
/// // message every 6 s to the same user.
/// let pacing = Pacing::new().per_source(70).per_recipient_interval(Duration::from_secs(6));
/// # let _ = pacing;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Pacing {
    per_source: Option<u32>,
    per_recipient: Option<Duration>,
}

impl Pacing {
    /// No limits yet; add them with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `messages_per_second` sends per source number.
    pub fn per_source(mut self, messages_per_second: u32) -> Self {
        self.per_source = (messages_per_second > 0).then_some(messages_per_second);
        self
    }

    /// At least `interval` between two sends to the same recipient.
    pub fn per_recipient_interval(mut self, interval: Duration) -> Self {
        self.per_recipient = (!interval.is_zero()).then_some(interval);
        self
    }
}

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

#[derive(Debug)]
pub(crate) struct Pacer {
    per_source: Option<Limiter>,
    per_recipient: Option<Limiter>,
    sleeper: Arc<dyn Sleeper>,
    checks: AtomicU64,
}

impl Pacer {
    pub(crate) fn new(pacing: &Pacing, sleeper: Arc<dyn Sleeper>) -> Option<Self> {
        let limiter = |period: Duration| {
            Quota::with_period(period).map(|q| {
                RateLimiter::new(
                    q,
                    DefaultKeyedStateStore::default(),
                    SleeperClock(sleeper.clone()),
                )
            })
        };
        let per_source = pacing
            .per_source
            .and_then(|n| limiter(Duration::from_secs(1) / n));
        let per_recipient = pacing.per_recipient.and_then(limiter);
        (per_source.is_some() || per_recipient.is_some()).then(|| Self {
            per_source,
            per_recipient,
            sleeper,
            checks: AtomicU64::new(0),
        })
    }

    /// Waits until `source` may send one message to each of `recipients`.
    pub(crate) async fn wait(&self, source: &str, recipients: &[&str]) {
        for recipient in recipients {
            if let Some(limiter) = &self.per_recipient {
                self.wait_for(limiter, recipient).await;
            }
            if let Some(limiter) = &self.per_source {
                self.wait_for(limiter, source).await;
            }
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            for limiter in [&self.per_source, &self.per_recipient]
                .into_iter()
                .flatten()
            {
                limiter.retain_recent();
            }
        }
    }

    async fn wait_for(&self, limiter: &Limiter, key: &str) {
        let key = key.to_owned();
        while let Err(not_until) = limiter.check_key(&key) {
            let wait = not_until.wait_time_from(self.sleeper.now());
            tracing::debug!(key = %key, wait_ms = wait.as_millis() as u64, "pacing");
            self.sleeper.sleep(wait.max(Duration::from_micros(1))).await;
        }
    }
}
