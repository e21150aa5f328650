//! Upload once, send many: the media id of a file, remembered per business
//! number and SHA-256 of the content for a time the caller sets, in memory
//! or on Redis (replicas share it). See [`Client::send_media`](crate::Client::send_media).
//!
//! ```
//! use modica_wab::media::MediaCache;
//! use std::time::Duration;
//! // WhatsApp keeps an uploaded media id for 30 days; stay well within.
//! let cache = MediaCache::in_memory(Duration::from_secs(7 * 24 * 3600));
//! let client = modica_wab::Client::builder()
//!     .credentials("user", "secret")
//!     .media_cache(cache)
//!     .build()?;
//! # Ok::<(), modica_wab::Error>(())
//! ```

use crate::store::{StoreError, StoreFuture};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// Where media ids are remembered. Each method is one atomic step.
pub trait MediaIdStore: Send + Sync + 'static {
    /// The id remembered under `key`, if it has not expired.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>>;
    /// Remembers `id` under `key` for `ttl`.
    fn put<'a>(&'a self, key: &'a str, id: &'a str, ttl: Duration) -> StoreFuture<'a, ()>;
    /// Forgets `id` under `key`, unless another id has replaced it meanwhile
    /// (a replica that uploaded again is not undone by a slower one).
    fn forget<'a>(&'a self, key: &'a str, id: &'a str) -> StoreFuture<'a, ()>;
}

/// Media ids in this process's memory, bounded: when full, the entry that
/// expires first goes first.
#[derive(Debug)]
pub struct MemoryMediaIdStore {
    entries: Mutex<HashMap<String, (String, Instant)>>,
    capacity: usize,
}

impl MemoryMediaIdStore {
    /// A store holding at most `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// How many ids it holds (expired ones included until touched).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl MediaIdStore for MemoryMediaIdStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        let mut entries = self.lock();
        let found = match entries.get(key) {
            Some((id, until)) if *until > Instant::now() => Some(id.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn put<'a>(&'a self, key: &'a str, id: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        let now = Instant::now();
        let mut entries = self.lock();
        if !entries.contains_key(key) && entries.len() >= self.capacity {
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= self.capacity {
                let first = entries
                    .iter()
                    .min_by_key(|(_, (_, until))| *until)
                    .map(|(k, _)| k.clone());
                if let Some(first) = first {
                    entries.remove(&first);
                }
            }
        }
        let until = now
            .checked_add(ttl)
            .unwrap_or(now + Duration::from_secs(u32::MAX.into()));
        entries.insert(key.to_owned(), (id.to_owned(), until));
        Box::pin(std::future::ready(Ok(())))
    }

    fn forget<'a>(&'a self, key: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        let mut entries = self.lock();
        if entries.get(key).is_some_and(|(known, _)| known == id) {
            entries.remove(key);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Which media ids are known, for how long, and the uploads under way in
/// this process (so concurrent sends of one file upload it once). Cheap to
/// clone; clones share everything.
#[derive(Clone)]
pub struct MediaCache {
    store: Arc<dyn MediaIdStore>,
    ttl: Duration,
    /// One lock per key with an upload under way.
    flights: Flights,
}

impl std::fmt::Debug for MediaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// The most ids [`MediaCache::in_memory`] holds.
pub const DEFAULT_MEMORY_CAPACITY: usize = 10_000;

impl MediaCache {
    /// Ids kept in this process's memory for `ttl` (at most
    /// [`DEFAULT_MEMORY_CAPACITY`]).
    pub fn in_memory(ttl: Duration) -> Self {
        Self::new(MemoryMediaIdStore::new(DEFAULT_MEMORY_CAPACITY), ttl)
    }

    /// Ids kept in `store` for `ttl` (for replicas: `RedisMediaIdStore`,
    /// feature `redis`). WhatsApp forgets an uploaded media id after 30
    /// days; a `ttl` within that saves most re-uploads, and an id forgotten
    /// sooner is uploaded again when a send finds out.
    pub fn new(store: impl MediaIdStore, ttl: Duration) -> Self {
        Self {
            store: Arc::new(store),
            ttl: ttl.max(Duration::from_millis(1)),
            flights: Arc::default(),
        }
    }

    /// The cache's key for content with this SHA-256 (hex), uploaded for
    /// business number `source`.
    pub(crate) fn key(source: &str, sha256_hex: &str) -> String {
        format!("{source}:{sha256_hex}")
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.store.get(key).await
    }

    pub(crate) async fn put(&self, key: &str, id: &str) -> Result<(), StoreError> {
        self.store.put(key, id, self.ttl).await
    }

    pub(crate) async fn forget(&self, key: &str, id: &str) -> Result<(), StoreError> {
        self.store.forget(key, id).await
    }

    /// Holds the upload of `key` in this process: a second caller waits for
    /// the first, then finds the id in the store.
    pub(crate) async fn flight(&self, key: &str) -> Flight {
        let lock = self
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.to_owned())
            .or_default()
            .clone();
        // A caller cancelled while it waits must remove the key too, when
        // it was the last one interested: the wait is dropped before that
        // check (`Waiting`'s drop), so its own handle is not counted.
        let mut waiting = Waiting {
            wait: Box::pin(lock.lock_owned()),
            done: false,
            flights: self.flights.clone(),
            key: key.to_owned(),
        };
        let guard = (&mut waiting.wait).await;
        waiting.done = true;
        Flight {
            guard: Some(guard),
            flights: self.flights.clone(),
            key: key.to_owned(),
        }
    }
}

type Flights = Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

/// Removes `key`'s lock when only the map holds it: nobody holds or waits
/// for the upload.
fn remove_if_unused(flights: &Flights, key: &str) {
    let mut flights = flights.lock().unwrap_or_else(PoisonError::into_inner);
    if flights
        .get(key)
        .is_some_and(|lock| Arc::strong_count(lock) == 1)
    {
        flights.remove(key);
    }
}

/// A caller waiting for another's upload of the same key.
struct Waiting {
    wait: std::pin::Pin<
        Box<dyn std::future::Future<Output = tokio::sync::OwnedMutexGuard<()>> + Send>,
    >,
    done: bool,
    flights: Flights,
    key: String,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if !self.done {
            // Cancelled while waiting: let go of the lock's handle first.
            self.wait = Box::pin(std::future::pending());
            remove_if_unused(&self.flights, &self.key);
        }
    }
}

/// An upload under way for one key; the last holder removes the key's lock.
pub(crate) struct Flight {
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    flights: Flights,
    key: String,
}

impl Drop for Flight {
    fn drop(&mut self) {
        drop(self.guard.take());
        remove_if_unused(&self.flights, &self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt as _;

    /// Outside review: a waiter cancelled after the holder let go (but
    /// before it took the lock) left the key's lock in the map for good.
    #[tokio::test]
    async fn no_key_outlives_its_holders_and_waiters_however_they_end() {
        let cache = MediaCache::in_memory(Duration::from_secs(60));
        let holder = cache.flight("k").await;
        let mut waiter = Box::pin(cache.flight("k"));
        assert!(waiter.as_mut().now_or_never().is_none(), "waits its turn");
        drop(holder); // the waiter still counts: the key stays
        assert_eq!(cache.flights.lock().unwrap().len(), 1);
        drop(waiter); // cancelled before it took the lock
        assert!(cache.flights.lock().unwrap().is_empty());
        // And the plain case: one holder, gone.
        drop(cache.flight("k").await);
        assert!(cache.flights.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_id_lives_for_its_ttl_in_virtual_time() {
        let store = MemoryMediaIdStore::new(10);
        store
            .put("6421:ab", "m1", Duration::from_secs(60))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(store.get("6421:ab").await.unwrap().as_deref(), Some("m1"));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(store.get("6421:ab").await.unwrap(), None);
        assert!(store.is_empty(), "an expired id is dropped when touched");
    }

    #[tokio::test(start_paused = true)]
    async fn forgetting_spares_a_newer_id_and_the_store_stays_bounded() {
        let store = MemoryMediaIdStore::new(2);
        store
            .put("k", "new", Duration::from_secs(60))
            .await
            .unwrap();
        store.forget("k", "old").await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some("new"));
        store.forget("k", "new").await.unwrap();
        assert_eq!(store.get("k").await.unwrap(), None);
        for (i, ttl) in [(1, 30), (2, 10), (3, 60)] {
            store
                .put(&format!("k{i}"), "id", Duration::from_secs(ttl))
                .await
                .unwrap();
        }
        assert_eq!(store.len(), 2);
        assert_eq!(
            store.get("k2").await.unwrap(),
            None,
            "the first to expire went first"
        );
    }

    #[tokio::test]
    async fn a_flight_is_one_at_a_time_per_key_and_leaves_nothing_behind() {
        let cache = MediaCache::in_memory(Duration::from_secs(60));
        let first = cache.flight("k").await;
        let (c, waiting) = (cache.clone(), tokio::sync::oneshot::channel::<()>());
        let (started, done) = waiting;
        let second = tokio::spawn(async move {
            let _ = started.send(());
            let _flight = c.flight("k").await;
        });
        done.await.unwrap();
        tokio::task::yield_now().await;
        assert!(!second.is_finished(), "the second waits for the first");
        drop(first);
        second.await.unwrap();
        assert!(cache.flights.lock().unwrap().is_empty());
    }
}
