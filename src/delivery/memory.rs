//! A [`DeliveryStore`] in this process's memory, bounded.

use super::{Change, Delivery, DeliveryStore, StoreFuture};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

/// Keeps the records of the last `capacity` messages (the oldest first
/// recorded is forgotten first) and their references.
#[derive(Debug)]
pub struct MemoryDeliveryStore {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    records: HashMap<String, Delivery>,
    order: VecDeque<String>,
    references: HashMap<String, HashSet<String>>,
}

impl MemoryDeliveryStore {
    /// A store of at most `capacity` messages (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// How many messages it holds.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Each step leaves the maps consistent: a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl DeliveryStore for MemoryDeliveryStore {
    fn update<'a>(&'a self, id: &'a str, change: Change<'a>) -> StoreFuture<'a, Delivery> {
        let mut s = self.lock();
        let known = s.records.get(id).cloned();
        let is_new = known.is_none();
        let record = change(known);
        s.records.insert(id.to_owned(), record.clone());
        if is_new {
            s.order.push_back(id.to_owned());
            while s.order.len() > self.capacity {
                let Some(old) = s.order.pop_front() else {
                    break;
                };
                if let Some(gone) = s.records.remove(&old)
                    && let Some(reference) = gone.reference
                    && let Some(ids) = s.references.get_mut(&reference)
                {
                    ids.remove(&old);
                    if ids.is_empty() {
                        s.references.remove(&reference);
                    }
                }
            }
        }
        Box::pin(std::future::ready(Ok(record)))
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Delivery>> {
        let record = self.lock().records.get(id).cloned();
        Box::pin(std::future::ready(Ok(record)))
    }

    fn link<'a>(&'a self, reference: &'a str, id: &'a str) -> StoreFuture<'a, ()> {
        let mut s = self.lock();
        // Only for a message still held, so references cannot outgrow records.
        if s.records.contains_key(id) {
            s.references
                .entry(reference.to_owned())
                .or_default()
                .insert(id.to_owned());
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn ids<'a>(&'a self, reference: &'a str) -> StoreFuture<'a, Vec<String>> {
        let ids: Vec<String> = self
            .lock()
            .references
            .get(reference)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default();
        Box::pin(std::future::ready(Ok(ids)))
    }
}
