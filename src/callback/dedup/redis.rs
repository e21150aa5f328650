//! A [`DedupStore`] on Redis, shared by every replica of a receiver.
//!
//! One key per event: `<prefix><digest in hex>`. Its value is the claim's
//! token while a delivery is being handled (with the claim's lease as the
//! key's expiry), or `done` once handled (kept for the retention, 7 days by
//! default). Each step is one Lua script, so each is atomic on the server:
//! claims tell new, in-flight and done apart at once; only the token that
//! holds a claim can renew, complete or release it.
//!
//! Fencing tokens come from one counter, `<prefix>fence`, raised by every
//! claim to the larger of its value plus one and the server's clock in
//! microseconds: it grows with every claim, and survives the claims' own
//! expiry; after a failover that lost the counter's last writes, the clock
//! keeps the next tokens above the lost ones (while the servers' clocks agree
//! to within the time the failover takes).

use super::{Claim, ClaimToken, DedupStore, StoreFuture};
use crate::callback::key::DedupKey;
use crate::redis::{RedisConfig, store_error};
use crate::store::StoreError;
use redis::aio::ConnectionManager;
use std::time::Duration;

/// Claims `KEYS[1]` for the token `ARGV[1]` for `ARGV[2]` ms if it is free:
/// `{0, fence}` new (the fence from the counter `KEYS[2]`), `{1, 0}` in
/// flight (another token holds it), `{2, 0}` done.
const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if v == 'done' then return {2, 0} end
if v then return {1, 0} end
local t = redis.call('TIME')
local clock = tonumber(t[1]) * 1000000 + tonumber(t[2])
local fence = tonumber(redis.call('GET', KEYS[2]) or '0') + 1
if clock > fence then fence = clock end
redis.call('SET', KEYS[2], string.format('%.0f', fence))
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {0, fence}
";

/// Extends the token's claim to `ARGV[2]` ms from now: 1, or 0 if not its.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// Marks the key done for `ARGV[2]` ms if the token `ARGV[1]` holds it: 1, or 0.
const COMPLETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
  return 1
end
return 0
";

/// Drops the claim if the token `ARGV[1]` holds it: 1, or 0.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// A de-duplication store on Redis: several receivers (replicas, restarts)
/// share one memory of what was handled.
///
/// ```no_run
/// use modica_wab::callback::{Callback, HandlerError, Receiver, RedisDedupStore};
/// use modica_wab::redis::RedisConfig;
/// # fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisDedupStore::new(&RedisConfig::new("redis://:s3cret@10.0.0.5:6379/0")?)?;
/// let receiver = Receiver::builder()
///     .url("https://hooks:s3cr%40t@example.com/wab/callbacks")
///     .dedup_store(store)
///     .handler(|event: Callback| async move { Ok::<(), HandlerError>(()) })
///     .build()?;
/// # let _ = receiver; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisDedupStore {
    connection: ConnectionManager,
    prefix: String,
    retention: Duration,
    scripts: Scripts,
}

#[derive(Clone)]
struct Scripts {
    claim: redis::Script,
    renew: redis::Script,
    complete: redis::Script,
    release: redis::Script,
}

impl std::fmt::Debug for RedisDedupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDedupStore")
            .field("prefix", &self.prefix)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl RedisDedupStore {
    /// The default prefix of the store's keys.
    pub const DEFAULT_PREFIX: &str = "modica-wab:dedup:";
    /// How long a handled event is remembered by default: 7 days.
    pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

    /// A store on `redis` (connected on first use, reconnected after a
    /// failure). While Redis cannot answer, the receiver answers 503 and
    /// Modica delivers again later.
    pub fn new(redis: &RedisConfig) -> Result<Self, crate::error::Error> {
        Ok(Self {
            connection: redis.connection()?,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            retention: Self::DEFAULT_RETENTION,
            scripts: Scripts {
                claim: redis::Script::new(CLAIM),
                renew: redis::Script::new(RENEW),
                complete: redis::Script::new(COMPLETE),
                release: redis::Script::new(RELEASE),
            },
        })
    }

    /// Another key prefix (one per receiver fleet sharing a Redis).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The shortest retention accepted: a shorter one would let most
    /// redeliveries through as new events.
    pub const MIN_RETENTION: Duration = Duration::from_secs(60);

    /// How long a handled event is remembered (a redelivery later than this
    /// is handled again). Default 7 days; at least [`Self::MIN_RETENTION`]
    /// (a shorter one is an error: it would turn de-duplication off); at
    /// most ten years (a longer one is ten years).
    ///
    /// ```no_run
    /// use modica_wab::callback::RedisDedupStore;
    /// use modica_wab::redis::RedisConfig;
    /// use std::time::Duration;
    /// # fn f() -> Result<(), modica_wab::Error> {
    /// let store = RedisDedupStore::new(&RedisConfig::new("redis://127.0.0.1/")?)?
    ///     .retention(Duration::from_secs(3 * 24 * 3600))?;
    /// assert!(RedisDedupStore::new(&RedisConfig::new("redis://127.0.0.1/")?)?
    ///     .retention(Duration::ZERO)
    ///     .is_err());
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn retention(mut self, retention: Duration) -> Result<Self, crate::error::Error> {
        if retention < Self::MIN_RETENTION {
            return Err(crate::error::Error::Config(format!(
                "a de-duplication retention of {:.3} s is shorter than the {} s minimum: redeliveries after it would be handled again",
                retention.as_secs_f64(),
                Self::MIN_RETENTION.as_secs()
            )));
        }
        self.retention = retention;
        Ok(self)
    }

    fn key(&self, key: &DedupKey) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The counter fencing tokens come from (not a digest: no key collides).
    fn fence_key(&self) -> String {
        format!("{}fence", self.prefix)
    }

    /// Runs `script` on `keys` with the token and a time in ms, if given.
    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        keys: &[String],
        token: Option<ClaimToken>,
        millis: Option<Duration>,
    ) -> Result<T, StoreError> {
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        if let Some(token) = token {
            invocation.arg(token.to_hex());
        }
        if let Some(d) = millis {
            // Redis refuses 0 ms, and an expiry past its clock's range: a
            // lease shorter than 1 ms is 1 ms, one longer than ten years is
            // ten years (else every step would fail and nothing be kept).
            let ms = u64::try_from(d.as_millis())
                .unwrap_or(u64::MAX)
                .clamp(1, MAX_EXPIRY_MS);
            invocation.arg(ms);
        }
        let mut connection = self.connection.clone();
        invocation
            .invoke_async(&mut connection)
            .await
            .map_err(store_error)
    }
}

/// The longest expiry given to Redis: ten years, in ms.
const MAX_EXPIRY_MS: u64 = 10 * 365 * 24 * 3600 * 1000;

impl DedupStore for RedisDedupStore {
    fn claim<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            let keys = [self.key(key), self.fence_key()];
            let (state, fence): (i64, u64) = self
                .run(&self.scripts.claim, &keys, Some(token), Some(lease))
                .await?;
            match state {
                0 => Ok(Claim::New { fence }),
                2 => Ok(Claim::Done),
                _ => Ok(Claim::InFlight),
            }
        })
    }

    fn renew<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let renewed: i64 = self
                .run(
                    &self.scripts.renew,
                    &[self.key(key)],
                    Some(token),
                    Some(lease),
                )
                .await?;
            Ok(renewed == 1)
        })
    }

    fn complete<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let retention = Some(self.retention);
            let completed: i64 = self
                .run(
                    &self.scripts.complete,
                    &[self.key(key)],
                    Some(token),
                    retention,
                )
                .await?;
            Ok(completed == 1)
        })
    }

    fn release<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _: i64 = self
                .run(&self.scripts.release, &[self.key(key)], Some(token), None)
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_done_marker_cannot_be_a_token() {
        // Tokens are 32 hex digits; `done` is not one, so no claim reads as done.
        assert_eq!(ClaimToken::new().to_hex().len(), 32);
        assert!(CLAIM.contains("'done'") && COMPLETE.contains("'done'"));
    }
}
