//! A [`WindowStore`] in this process's memory, bounded.

use super::{StoreFuture, WINDOW, WindowStore};
use std::collections::HashMap;
use std::sync::Mutex;

/// Keeps up to `capacity` (business, customer) pairs; when full, the pair
/// whose customer wrote longest ago is forgotten (its window is the first
/// to close).
#[derive(Debug)]
pub struct MemoryWindowStore {
    last: Mutex<HashMap<(String, String), u64>>,
    capacity: usize,
}

impl MemoryWindowStore {
    /// A store of at most `capacity` pairs.
    pub fn new(capacity: usize) -> Self {
        Self {
            last: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// How many pairs it holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), u64>> {
        // A panic elsewhere cannot leave the map half-written: keep serving.
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl WindowStore for MemoryWindowStore {
    fn record<'a>(&'a self, business: &'a str, customer: &'a str, at: u64) -> StoreFuture<'a, ()> {
        let mut last = self.lock();
        let key = (business.to_owned(), customer.to_owned());
        if !last.contains_key(&key) && last.len() >= self.capacity {
            // Closed windows go first, then the one closest to closing; one
            // scan frees a tenth of the store, so scans stay rare.
            let mut by_age: Vec<(u64, (String, String))> =
                last.iter().map(|(k, at)| (*at, k.clone())).collect();
            by_age.sort_unstable();
            let window = WINDOW.as_secs();
            let newest = by_age.last().map_or(at, |(last, _)| (*last).max(at));
            let horizon = newest.saturating_sub(window);
            let free = (self.capacity / 10).max(1);
            for (i, (at, key)) in by_age.into_iter().enumerate() {
                if i >= free && at >= horizon {
                    break;
                }
                last.remove(&key);
            }
        }
        let entry = last.entry(key).or_insert(at);
        *entry = (*entry).max(at);
        Box::pin(std::future::ready(Ok(())))
    }

    fn last_message<'a>(
        &'a self,
        business: &'a str,
        customer: &'a str,
    ) -> StoreFuture<'a, Option<u64>> {
        let at = self
            .lock()
            .get(&(business.to_owned(), customer.to_owned()))
            .copied();
        Box::pin(std::future::ready(Ok(at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_store_forgets_the_longest_closed_first() {
        let store = MemoryWindowStore::new(10);
        for i in 0..10u64 {
            store
                .record("b", &i.to_string(), 1_000_000 + i)
                .await
                .unwrap();
        }
        store.record("b", "new", 2_000_000).await.unwrap();
        assert!(store.len() <= 10);
        assert_eq!(
            store.last_message("b", "0").await.unwrap(),
            None,
            "the oldest went"
        );
        assert_eq!(
            store.last_message("b", "new").await.unwrap(),
            Some(2_000_000)
        );
        assert_eq!(
            store.last_message("b", "9").await.unwrap(),
            None,
            "all were closed by then"
        );
    }

    #[tokio::test]
    async fn a_later_message_stands() {
        let store = MemoryWindowStore::new(10);
        store.record("b", "c", 50).await.unwrap();
        store.record("b", "c", 40).await.unwrap();
        assert_eq!(store.last_message("b", "c").await.unwrap(), Some(50));
    }
}
