//! A [`DedupStore`] on Redis, shared by every replica of a receiver.
//!
//! One key per event: `<prefix><digest in hex>`. Its value is the claim's
//! token while a delivery is being handled (with the claim's lease as the
//! key's expiry), or `done` once handled (kept for the retention, 7 days by
//! default). Each step is one Lua script, so each is atomic on the server:
//! claims tell new, in-flight and done apart at once; only the token that
//! holds a claim can renew, complete or release it.

use super::{Claim, ClaimToken, DedupStore, StoreError, StoreFuture};
use crate::callback::key::DedupKey;
use crate::redis::{RedisConfig, store_error};
use redis::aio::ConnectionManager;
use std::time::Duration;

/// Claims `KEYS[1]` for the token `ARGV[1]` for `ARGV[2]` ms if it is free:
/// 0 new, 1 in flight (another token holds it), 2 done.
const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 0
end
if v == 'done' then return 2 end
return 1
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

    /// How long a handled event is remembered (a redelivery later than this
    /// is handled again). Default 7 days; at most ten years (a longer one is
    /// ten years).
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    fn key(&self, key: &DedupKey) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn run(
        &self,
        script: &redis::Script,
        key: &DedupKey,
        token: Option<ClaimToken>,
        millis: Option<Duration>,
    ) -> Result<i64, StoreError> {
        let mut invocation = script.key(self.key(key));
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
            match self
                .run(&self.scripts.claim, key, Some(token), Some(lease))
                .await?
            {
                0 => Ok(Claim::New),
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
            Ok(self
                .run(&self.scripts.renew, key, Some(token), Some(lease))
                .await?
                == 1)
        })
    }

    fn complete<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let retention = Some(self.retention);
            Ok(self
                .run(&self.scripts.complete, key, Some(token), retention)
                .await?
                == 1)
        })
    }

    fn release<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.run(&self.scripts.release, key, Some(token), None)
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
