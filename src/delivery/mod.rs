//! Delivery state that never goes backwards.
//!
//! DLRs arrive late, twice and out of order: a `received` before its `sent`,
//! a report before the 202 of its send was stored. A [`DeliveryTracker`]
//! keeps, per message id, the furthest state reached (accepted < sent <
//! received, rejected or expired; the first final state stands) with the
//! time each state was first seen, whatever order the news came in; and
//! finds messages by id or by your reference. Its state lives in a
//! [`DeliveryStore`]: [`MemoryDeliveryStore`] for one process,
//! `RedisDeliveryStore` (feature `redis`) for several.
//!
//! ```
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use modica_wab::callback::parse_dlr;
//! use modica_wab::delivery::{DeliveryState, DeliveryTracker};
//! let tracker = DeliveryTracker::in_memory();
//! // The report overtakes the send's 202, then an older report comes late.
//! tracker.record_report(&parse_dlr(br#"{"id":"m1","status":"received","reference":"order-7"}"#)?).await?;
//! tracker.record_report(&parse_dlr(br#"{"id":"m1","status":"sent","reference":"order-7"}"#)?).await?;
//! let delivery = tracker.get("m1").await?.unwrap();
//! assert_eq!(delivery.state, DeliveryState::Received);
//! assert_eq!(tracker.by_reference("order-7").await?.len(), 1);
//! # Ok(()) }
//! ```

mod memory;
#[cfg(feature = "redis")]
mod redis;
mod state;

pub use memory::MemoryDeliveryStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::RedisDeliveryStore;
pub use state::{Delivery, DeliveryState};

use crate::callback::DeliveryReport;
use crate::response::{Accepted, BroadcastAccepted};
use crate::store::{StoreError, StoreFuture};
use crate::unix_time::millis;
use state::{Event, apply};
use std::sync::Arc;
use std::time::SystemTime;

/// A change to one message's record, as a store applies it: atomically,
/// from what the store holds (`None` when it holds nothing).
pub type Change<'a> = &'a (dyn Fn(Option<Delivery>) -> Delivery + Send + Sync);

/// Where delivery state lives. Each method is one atomic step of the store.
pub trait DeliveryStore: Send + Sync + 'static {
    /// Replaces the record of `id` with `change` applied to it, atomically
    /// (another update of the same id in between is not lost), and returns
    /// the new record.
    fn update<'a>(&'a self, id: &'a str, change: Change<'a>) -> StoreFuture<'a, Delivery>;
    /// The record of `id`.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Delivery>>;
    /// Notes that message `id` carries `reference`.
    fn link<'a>(&'a self, reference: &'a str, id: &'a str) -> StoreFuture<'a, ()>;
    /// The ids of the messages that carry `reference`.
    fn ids<'a>(&'a self, reference: &'a str) -> StoreFuture<'a, Vec<String>>;
}

/// What a record became after an event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Update {
    /// The record now.
    pub delivery: Delivery,
    /// Whether the event moved the state forward (a stale or repeated
    /// report does not).
    pub advanced: bool,
}

/// Follows messages from their 202 to their final DLR. Cheap to clone;
/// clones share the store.
#[derive(Clone)]
pub struct DeliveryTracker {
    store: Arc<dyn DeliveryStore>,
}

impl std::fmt::Debug for DeliveryTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryTracker").finish_non_exhaustive()
    }
}

impl DeliveryTracker {
    /// A tracker in this process's memory (the last 100,000 messages).
    pub fn in_memory() -> Self {
        Self::new(MemoryDeliveryStore::new(100_000))
    }

    /// A tracker on `store`.
    pub fn new(store: impl DeliveryStore) -> Self {
        Self {
            store: Arc::new(store),
        }
    }

    async fn record(&self, id: &str, event: Event) -> Result<Update, StoreError> {
        let at = millis(SystemTime::now());
        let before = std::sync::Mutex::new(None);
        let change = |known: Option<Delivery>| {
            let state = known.as_ref().map(|d| d.state);
            *before.lock().unwrap_or_else(|e| e.into_inner()) = Some(state);
            apply(known, id, &event, at)
        };
        let delivery = self.store.update(id, &change).await?;
        if let Some(reference) = &delivery.reference {
            self.store.link(reference, id).await?;
        }
        // The state before the change the store applied last (a retried
        // optimistic update sees the latest).
        let before = before
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .flatten();
        let advanced = event.state.is_some_and(|s| s == delivery.state)
            && before.is_none_or(|b| b != delivery.state);
        Ok(Update { delivery, advanced })
    }

    /// Records a send the API accepted (its 202).
    pub async fn record_send(&self, accepted: &Accepted) -> Result<Update, StoreError> {
        let event = Event {
            send: true,
            state: Some(DeliveryState::Accepted),
            reference: accepted.reference.clone(),
            errors: Vec::new(),
        };
        self.record(&accepted.id, event).await
    }

    /// Records each recipient of an accepted broadcast.
    pub async fn record_broadcast(
        &self,
        accepted: &[BroadcastAccepted],
    ) -> Result<Vec<Update>, StoreError> {
        let mut updates = Vec::with_capacity(accepted.len());
        for a in accepted {
            let event = Event {
                send: true,
                state: Some(DeliveryState::Accepted),
                reference: a.reference.clone(),
                errors: Vec::new(),
            };
            updates.push(self.record(&a.id, event).await?);
        }
        Ok(updates)
    }

    /// Records a delivery report (in any order, any number of times). A
    /// status this crate does not know changes no state.
    pub async fn record_report(&self, report: &DeliveryReport) -> Result<Update, StoreError> {
        let event = Event {
            send: false,
            state: DeliveryState::of(&report.status),
            reference: report.reference.clone(),
            errors: report.errors.clone(),
        };
        self.record(&report.id, event).await
    }

    /// The record of message `id`.
    pub async fn get(&self, id: &str) -> Result<Option<Delivery>, StoreError> {
        self.store.get(id).await
    }

    /// The records of the messages sent with `reference` (several for a
    /// broadcast, or a reference used twice), in no particular order.
    pub async fn by_reference(&self, reference: &str) -> Result<Vec<Delivery>, StoreError> {
        let mut found = Vec::new();
        for id in self.store.ids(reference).await? {
            if let Some(d) = self.store.get(&id).await? {
                found.push(d);
            }
        }
        Ok(found)
    }
}
