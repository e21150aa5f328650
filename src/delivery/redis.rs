//! A [`DeliveryStore`] on Redis, shared by every sender and receiver.
//!
//! One key per message, `<prefix>m:<id>`, holding its record as JSON; one
//! set per reference, `<prefix>r:<reference>`, holding ids. Both expire after
//! the retention (7 days by default). An update is optimistic: read the
//! record, apply the change here (the same rule as every store), and write
//! it back only if the record is still what was read (one Lua script);
//! otherwise read again.

use super::{Change, Delivery, DeliveryStore, StoreError, StoreFuture};
use crate::redis::{RedisConfig, store_error};
use redis::aio::ConnectionManager;
use std::time::Duration;

/// Sets `KEYS[1]` to `ARGV[2]` (expiring in `ARGV[3]` s) if it still holds
/// `ARGV[1]` (`''`: absent): 1, or 0 when it changed meanwhile.
const COMPARE_AND_SET: &str = r"
local v = redis.call('GET', KEYS[1])
if (v == false and ARGV[1] == '') or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
";

/// Adds `ARGV[1]` to the set `KEYS[1]` and pushes its expiry to `ARGV[2]` s.
const LINK: &str = r"
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 0
";

/// How often an update is tried against concurrent writers before it fails.
const ATTEMPTS: usize = 16;

/// A delivery store on Redis.
///
/// ```no_run
/// use modica_wab::delivery::{DeliveryTracker, RedisDeliveryStore};
/// use modica_wab::redis::RedisConfig;
/// # fn f() -> Result<(), modica_wab::Error> {
/// let redis = RedisConfig::new("redis://:s3cret@10.0.0.5:6379/0")?;
/// let tracker = DeliveryTracker::new(RedisDeliveryStore::new(&redis)?);
/// # let _ = tracker; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisDeliveryStore {
    connection: ConnectionManager,
    prefix: String,
    retention: Duration,
    compare_and_set: redis::Script,
    link: redis::Script,
}

impl std::fmt::Debug for RedisDeliveryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDeliveryStore")
            .field("prefix", &self.prefix)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl RedisDeliveryStore {
    /// The default prefix of the store's keys.
    pub const DEFAULT_PREFIX: &str = "modica-wab:delivery:";
    /// How long a message's record is kept by default: 7 days.
    pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

    /// A store on `redis` (connected on first use, reconnected after a failure).
    pub fn new(redis: &RedisConfig) -> Result<Self, crate::error::Error> {
        Ok(Self {
            connection: redis.connection()?,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            retention: Self::DEFAULT_RETENTION,
            compare_and_set: redis::Script::new(COMPARE_AND_SET),
            link: redis::Script::new(LINK),
        })
    }

    /// Another key prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long records are kept after their last change. Default 7 days.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    fn seconds(&self) -> u64 {
        self.retention.as_secs().max(1)
    }

    async fn read(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut connection)
            .await
            .map_err(store_error)
    }
}

fn decode(text: &str) -> Result<Delivery, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::new(format!("a delivery record that is not one: {e}")))
}

impl DeliveryStore for RedisDeliveryStore {
    fn update<'a>(&'a self, id: &'a str, change: Change<'a>) -> StoreFuture<'a, Delivery> {
        Box::pin(async move {
            let key = format!("{}m:{id}", self.prefix);
            for _ in 0..ATTEMPTS {
                let text = self.read(&key).await?;
                let known = text.as_deref().map(decode).transpose()?;
                let record = change(known);
                let written =
                    serde_json::to_string(&record).map_err(|e| StoreError::new(e.to_string()))?;
                let mut connection = self.connection.clone();
                let set: i64 = self
                    .compare_and_set
                    .key(&key)
                    .arg(text.unwrap_or_default())
                    .arg(written)
                    .arg(self.seconds())
                    .invoke_async(&mut connection)
                    .await
                    .map_err(store_error)?;
                if set == 1 {
                    return Ok(record);
                }
            }
            Err(StoreError::new(format!(
                "the record of {id} kept changing: {ATTEMPTS} attempts lost the race"
            )))
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Delivery>> {
        Box::pin(async move {
            let key = format!("{}m:{id}", self.prefix);
            self.read(&key).await?.as_deref().map(decode).transpose()
        })
    }

    fn link<'a>(&'a self, reference: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            self.link
                .key(format!("{}r:{reference}", self.prefix))
                .arg(id)
                .arg(self.seconds())
                .invoke_async::<i64>(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn ids<'a>(&'a self, reference: &'a str) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            redis::cmd("SMEMBERS")
                .arg(format!("{}r:{reference}", self.prefix))
                .query_async(&mut connection)
                .await
                .map_err(store_error)
        })
    }
}
