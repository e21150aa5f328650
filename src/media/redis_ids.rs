//! A [`MediaIdStore`] on Redis, shared by every replica and sender.
//!
//! One key per (business number, content): `<prefix><business>:<sha256>`,
//! its value the media id, expiring after the cache's time to live.
//! Forgetting is one Lua script: only the id that failed is removed, never
//! one another replica uploaded since.

use super::cache::MediaIdStore;
use crate::redis::{RedisConfig, store_error};
use crate::store::StoreFuture;
use redis::aio::ConnectionManager;
use std::time::Duration;

/// Deletes `KEYS[1]` only if it still holds `ARGV[1]`.
const FORGET: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A media id store on Redis.
///
/// ```no_run
/// use modica_wab::media::{MediaCache, RedisMediaIdStore};
/// use modica_wab::redis::RedisConfig;
/// use std::time::Duration;
/// # fn f() -> Result<(), modica_wab::Error> {
/// let redis = RedisConfig::new("redis://:s3cret@10.0.0.5:6379/0")?;
/// let cache = MediaCache::new(RedisMediaIdStore::new(&redis)?, Duration::from_secs(7 * 24 * 3600));
/// # let _ = cache; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisMediaIdStore {
    connection: ConnectionManager,
    prefix: String,
    forget: redis::Script,
}

impl std::fmt::Debug for RedisMediaIdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisMediaIdStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisMediaIdStore {
    /// The default prefix of the store's keys.
    pub const DEFAULT_PREFIX: &str = "modica-wab:media:";

    /// A store on `redis` (connected on first use, reconnected after a failure).
    pub fn new(redis: &RedisConfig) -> Result<Self, crate::error::Error> {
        Ok(Self {
            connection: redis.connection()?,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            forget: redis::Script::new(FORGET),
        })
    }

    /// Another key prefix (several applications or accounts on one Redis).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl MediaIdStore for RedisMediaIdStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            redis::cmd("GET")
                .arg(self.key(key))
                .query_async(&mut connection)
                .await
                .map_err(store_error)
        })
    }

    fn put<'a>(&'a self, key: &'a str, id: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            redis::cmd("SET")
                .arg(self.key(key))
                .arg(id)
                .arg("PX")
                .arg(millis)
                .query_async::<()>(&mut connection)
                .await
                .map_err(store_error)
        })
    }

    fn forget<'a>(&'a self, key: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            self.forget
                .key(self.key(key))
                .arg(id)
                .invoke_async::<i64>(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }
}
