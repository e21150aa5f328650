//! Pacing shared on Redis: one GCRA limiter per source number and per
//! recipient, kept by the server, so every process pacing there draws from
//! the same allowance.
//!
//! Keys: `modica-wab:pace:source:<number>` and `modica-wab:pace:to:<SHA-256
//! of the recipient>`: no customer's number in clear, though a digest of a
//! phone number can be reversed by trying numbers (Redis still holds
//! personal data).
//!
//! The script reads the server's clock (no skew between processes) and
//! either takes a slot (returns 0) or says how long to wait (µs). A sender
//! that wakes a little late keeps its slot (up to two slots of slack per
//! source number), so the lateness of timers and round trips does not add
//! up to a lower rate; the long-run rate never exceeds the one configured.

use super::{Kind, TooLate, past};
use crate::burst_log::BurstLog;
use crate::clock::Sleeper;
use crate::redis::RedisConfig;
use redis::aio::ConnectionManager;
use std::sync::Arc;
use std::time::Duration;

/// GCRA on `KEYS[1]` (the theoretical arrival time, µs): one slot every
/// `ARGV[1]` µs, with `ARGV[2]` µs of slack for late arrivals. Returns 0
/// when the slot is taken, else the µs to wait.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local earliest = now - tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or earliest)
if tat < earliest then tat = earliest end
if tat > now then return math.ceil(tat - now) end
local next = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.ceil((next - now) / 1000) + 1000)
return 0
";

/// The shared limiters of one client.
pub(super) struct Shared {
    connection: ConnectionManager,
    script: redis::Script,
    source_period: Option<Duration>,
    recipient_interval: Option<Duration>,
    sleeper: Arc<dyn Sleeper>,
    failures: BurstLog,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("source_period", &self.source_period)
            .field("recipient_interval", &self.recipient_interval)
            .finish_non_exhaustive()
    }
}

/// The prefix of the limiters' keys.
const PREFIX: &str = "modica-wab:pace:";

impl Shared {
    pub(super) fn new(
        redis: &RedisConfig,
        source_period: Option<Duration>,
        recipient_interval: Option<Duration>,
        sleeper: Arc<dyn Sleeper>,
    ) -> Result<Self, crate::error::Error> {
        Ok(Self {
            connection: redis.connection()?,
            script: redis::Script::new(GCRA),
            source_period,
            recipient_interval,
            sleeper,
            failures: BurstLog::default(),
        })
    }

    /// Waits for a slot for `key` unless that would end past `until`
    /// (`Ok(Err)`); an error when Redis cannot answer (the caller then paces
    /// locally).
    pub(super) async fn acquire(
        &self,
        kind: Kind,
        key: &str,
        until: Option<Duration>,
    ) -> Result<Result<(), TooLate>, redis::RedisError> {
        // Two slots of slack per source number; none between two messages
        // to one person (their spacing is the point).
        let (period, slack, name) = match kind {
            Kind::Source => (self.source_period, 2, "source"),
            Kind::Recipient => (self.recipient_interval, 0, "to"),
        };
        let Some(period) = period else {
            return Ok(Ok(()));
        };
        let interval = u64::try_from(period.as_micros()).unwrap_or(u64::MAX).max(1);
        let slack = interval.saturating_mul(slack);
        let key = match kind {
            Kind::Source => format!("{PREFIX}{name}:{key}"),
            // A customer's number is personal data: not in clear in Redis.
            Kind::Recipient => format!("{PREFIX}{name}:{}", digest(key)),
        };
        loop {
            let mut connection = self.connection.clone();
            let wait: Result<u64, _> = self
                .script
                .key(&key)
                .arg(interval)
                .arg(slack)
                .invoke_async(&mut connection)
                .await;
            match wait {
                Ok(0) => return Ok(Ok(())),
                Ok(micros) => {
                    let wait = Duration::from_micros(micros);
                    if past(self.sleeper.now(), wait, until) {
                        return Ok(Err(TooLate { wait }));
                    }
                    self.sleeper.sleep(wait).await
                }
                Err(e) => {
                    if let Some(unlogged) = self.failures.should_log() {
                        tracing::warn!(error = %e.kind_name(), not_logged_since_last = unlogged, "shared pacing on Redis failed; pacing in this process meanwhile");
                    }
                    return Err(e);
                }
            }
        }
    }
}

/// SHA-256 of `text`, in hex.
fn digest(text: &str) -> String {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for redis::RedisError {
    /// The kind of failure, without the detail (which may name the server).
    fn kind_name(&self) -> String {
        format!("{:?}", self.kind())
    }
}
