//! Optional pacing (off by default): a bulk sender waits before a send
//! instead of retrying into WhatsApp's throughput (130429) and per-recipient
//! (131056) limits. In one process by default (`local.rs`); shared by every
//! process that paces on the same Redis with [`Pacing::on_redis`]
//! (`redis.rs`), so that several workers together keep the rate.
//!
//! The retry budget stays per process either way.

mod local;
#[cfg(feature = "redis")]
mod redis;

use crate::clock::Sleeper;
use local::Local;
use std::sync::Arc;
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
    #[cfg(feature = "redis")]
    shared: Option<crate::redis::RedisConfig>,
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

    /// At least `interval` between two sends to the same recipient. Longer
    /// than [`Self::MAX_INTERVAL`] (a century: never again, in practice) is
    /// that: the limiters' clocks count in whole micro- and nanoseconds.
    pub fn per_recipient_interval(mut self, interval: Duration) -> Self {
        self.per_recipient = (!interval.is_zero()).then_some(interval.min(Self::MAX_INTERVAL));
        self
    }

    /// The longest interval kept as given: 100 years.
    pub const MAX_INTERVAL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

    /// Keeps the limits on `redis`, shared by every process pacing there
    /// (feature `redis`): four workers pacing one number at 80 msg/s send 80
    /// msg/s together, not 320. While Redis cannot answer, each process paces
    /// on its own (and logs it, once per burst).
    ///
    /// ```no_run
    /// use modica_wab::{redis::RedisConfig, Pacing};
    /// let redis = RedisConfig::new("redis://10.0.0.5/")?;
    /// let pacing = Pacing::new().per_source(80).on_redis(&redis);
    /// # let _ = pacing;
    /// # Ok::<(), modica_wab::Error>(())
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn on_redis(mut self, redis: &crate::redis::RedisConfig) -> Self {
        self.shared = Some(redis.clone());
        self
    }
}

/// Which limit a key is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Source,
    Recipient,
}

/// The pacing of one client: on Redis when configured (with its own
/// limiters as the fallback), else its own.
#[derive(Debug)]
pub(crate) struct Pacer {
    local: Local,
    #[cfg(feature = "redis")]
    shared: Option<redis::Shared>,
}

impl Pacer {
    /// `None` when the settings pace nothing.
    pub(crate) fn new(
        pacing: &Pacing,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<Option<Self>, crate::error::Error> {
        let source_period = pacing.per_source.map(|n| Duration::from_secs(1) / n);
        let recipient_interval = pacing.per_recipient;
        if source_period.is_none() && recipient_interval.is_none() {
            return Ok(None);
        }
        Ok(Some(Self {
            local: Local::new(source_period, recipient_interval, sleeper.clone()),
            #[cfg(feature = "redis")]
            shared: match &pacing.shared {
                Some(config) => Some(redis::Shared::new(
                    config,
                    source_period,
                    recipient_interval,
                    sleeper,
                )?),
                None => None,
            },
        }))
    }

    /// Waits until `source` may send one message to each of `recipients`,
    /// unless that would take past `until` (on the client's clock): then it
    /// returns at once with the wait it would have needed, and sends nothing.
    /// Slots taken before the limit was seen stay taken (a lower rate, never
    /// a higher one).
    pub(crate) async fn wait(
        &self,
        source: &str,
        recipients: &[&str],
        until: Option<Duration>,
    ) -> Result<(), TooLate> {
        for recipient in recipients {
            self.acquire(Kind::Recipient, recipient, until).await?;
            self.acquire(Kind::Source, source, until).await?;
        }
        Ok(())
    }

    async fn acquire(&self, kind: Kind, key: &str, until: Option<Duration>) -> Result<(), TooLate> {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared
            && let Ok(done) = shared.acquire(kind, key, until).await
        {
            return done;
        }
        self.local.acquire(kind, key, until).await
    }
}

/// Pacing would hold a send past its limit: the wait it would have needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLate {
    pub(crate) wait: Duration,
}

/// Whether a wait of `wait` from `now` ends past `until`.
pub(super) fn past(now: Duration, wait: Duration, until: Option<Duration>) -> bool {
    until.is_some_and(|until| now.saturating_add(wait) > until)
}
