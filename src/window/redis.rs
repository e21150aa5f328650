//! A [`WindowStore`] on Redis, shared by every receiver and sender.
//!
//! One key per (business, customer): `<prefix><business>:<customer>`, its
//! value the Unix second the customer last wrote, expiring when the window
//! closes (so Redis forgets closed windows by itself). Recording is one Lua
//! script: a message older than the one known does not move it back.

use super::{StoreFuture, WINDOW, WindowStore};
use crate::redis::{RedisConfig, store_error};
use redis::aio::ConnectionManager;

/// Keeps `ARGV[1]` in `KEYS[1]` unless a later second is there, expiring at
/// `ARGV[1] + ARGV[2]` (Unix seconds).
const RECORD: &str = r"
local known = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = tonumber(ARGV[1])
if at > known then
  redis.call('SET', KEYS[1], ARGV[1], 'EXAT', at + tonumber(ARGV[2]))
end
return 0
";

/// A window store on Redis.
///
/// ```no_run
/// use modica_wab::redis::RedisConfig;
/// use modica_wab::window::{RedisWindowStore, ServiceWindow};
/// # fn f() -> Result<(), modica_wab::Error> {
/// let redis = RedisConfig::new("redis://:s3cret@10.0.0.5:6379/0")?;
/// let window = ServiceWindow::new(RedisWindowStore::new(&redis)?);
/// # let _ = window; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisWindowStore {
    connection: ConnectionManager,
    prefix: String,
    record: redis::Script,
}

impl std::fmt::Debug for RedisWindowStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisWindowStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisWindowStore {
    /// The default prefix of the store's keys.
    pub const DEFAULT_PREFIX: &str = "modica-wab:window:";

    /// A store on `redis` (connected on first use, reconnected after a failure).
    pub fn new(redis: &RedisConfig) -> Result<Self, crate::error::Error> {
        Ok(Self {
            connection: redis.connection()?,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            record: redis::Script::new(RECORD),
        })
    }

    /// Another key prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, business: &str, customer: &str) -> String {
        format!("{}{business}:{customer}", self.prefix)
    }
}

impl WindowStore for RedisWindowStore {
    fn record<'a>(&'a self, business: &'a str, customer: &'a str, at: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            self.record
                .key(self.key(business, customer))
                .arg(at)
                .arg(WINDOW.as_secs())
                .invoke_async::<i64>(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn last_message<'a>(
        &'a self,
        business: &'a str,
        customer: &'a str,
    ) -> StoreFuture<'a, Option<u64>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let value: Option<u64> = redis::cmd("GET")
                .arg(self.key(business, customer))
                .query_async(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(value)
        })
    }
}
