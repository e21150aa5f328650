//! What the sandbox remembers: bounded rings of records, and uploaded media
//! kept on disk in a temporary directory (removed with the sandbox).

use super::SentMessage;
use super::fault::{Fault, Script};
use super::rules::Conversations;
use serde_json::Value;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::SystemTime;

/// Which callback a delivery was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryKind {
    /// An inbound message, to the MO URL.
    Mo,
    /// A delivery report, to the DLR URL.
    Dlr,
}

/// One callback event and how its delivery went.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// MO or DLR.
    pub kind: DeliveryKind,
    /// The JSON body POSTed.
    pub body: Value,
    /// The status of each attempt (0: no response).
    pub attempts: Vec<u16>,
    /// Each attempt in full: where it went and when (same order as `attempts`).
    pub tries: Vec<CallbackTry>,
    /// Whether an attempt got a 2xx.
    pub delivered: bool,
}

/// One attempt of a delivery: the URL it went to and when, so that a test of
/// several receivers can tell which one was cut off.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallbackTry {
    /// The URL tried, without its credentials.
    pub url: String,
    /// Its status (0: no response).
    pub status: u16,
    /// When the POST started.
    pub started: SystemTime,
    /// When its answer, or the failure, came.
    pub ended: SystemTime,
}

/// A list that keeps its last `capacity` items.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> Ring<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            items: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Adds `item`; returns the oldest one if it had to go.
    pub(crate) fn push(&mut self, item: T) -> Option<T> {
        let evicted = if self.items.len() >= self.capacity {
            self.items.pop_front()
        } else {
            None
        };
        self.items.push_back(item);
        evicted
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.items.iter()
    }

    pub(crate) fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.items.get_mut(index)
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Removes the items `drop` picks; returns them.
    pub(crate) fn remove_where(&mut self, drop: impl Fn(&T) -> bool) -> Vec<T> {
        let mut gone = Vec::new();
        for item in std::mem::take(&mut self.items) {
            if drop(&item) {
                gone.push(item);
            } else {
                self.items.push_back(item);
            }
        }
        gone
    }
}

impl<T: Clone> Ring<T> {
    pub(crate) fn to_vec(&self) -> Vec<T> {
        self.items.iter().cloned().collect()
    }
}

/// An uploaded media file, on disk.
#[derive(Debug, Clone)]
pub(crate) struct StoredMedia {
    pub(crate) id: String,
    pub(crate) content_type: String,
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
}

/// One request the sandbox answered.
pub(crate) type RequestRecord = (String, String, u16);

/// An injected MO: its id, the body POSTed, and when.
#[derive(Debug, Clone)]
pub(crate) struct InboundRecord {
    pub(crate) id: String,
    pub(crate) body: Value,
    pub(crate) at: std::time::SystemTime,
}

/// A delivery report the sandbox issued (whether or not a DLR URL took it).
#[derive(Debug, Clone)]
pub(crate) struct DlrEvent {
    pub(crate) id: String,
    pub(crate) status: &'static str,
    pub(crate) code: Option<i64>,
}

/// Everything the sandbox remembers, each list bounded.
#[derive(Debug)]
pub(crate) struct Records {
    pub(crate) sent: Ring<SentMessage>,
    /// Injected MOs.
    pub(crate) inbound: Ring<InboundRecord>,
    /// Delivery reports issued, in order.
    pub(crate) dlrs: Ring<DlrEvent>,
    pub(crate) media: Ring<StoredMedia>,
    pub(crate) sources: Ring<Value>,
    pub(crate) requests: Ring<RequestRecord>,
    pub(crate) deliveries: Ring<Delivery>,
    /// How many deliveries were pushed out of `deliveries`, so a delivery in
    /// progress can find its record by its absolute index.
    pub(crate) deliveries_evicted: usize,
    pub(crate) faults: Ring<(Option<String>, Fault)>,
    pub(crate) script: Script,
    /// When each customer last wrote.
    pub(crate) conversations: Conversations,
    /// Customers known by username only: their BSUID → their username.
    pub(crate) usernames: std::collections::HashMap<String, String>,
}

impl Records {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            sent: Ring::new(capacity),
            inbound: Ring::new(capacity),
            dlrs: Ring::new(capacity),
            media: Ring::new(capacity),
            sources: Ring::new(capacity),
            requests: Ring::new(capacity),
            deliveries: Ring::new(capacity),
            deliveries_evicted: 0,
            faults: Ring::new(capacity),
            script: Script::default(),
            conversations: Conversations::new(capacity),
            usernames: std::collections::HashMap::new(),
        }
    }

    /// Records media; the file of the one pushed out, if any, is deleted.
    pub(crate) fn add_media(&mut self, media: StoredMedia) {
        if let Some(old) = self.media.push(media) {
            let _ = std::fs::remove_file(old.path);
        }
    }

    /// The furthest delivery report issued for message `id`.
    pub(crate) fn dlr_state(&self, id: &str) -> Option<&DlrEvent> {
        let rank = |s: &str| match s {
            "sent" => 1,
            _ => 2,
        };
        self.dlrs.iter().filter(|e| e.id == id).fold(
            None,
            |best: Option<&DlrEvent>, e| match best {
                Some(b) if rank(b.status) >= rank(e.status) => Some(b),
                _ => Some(e),
            },
        )
    }

    pub(crate) fn media(&self, id: &str) -> Option<&StoredMedia> {
        self.media.iter().rev().find(|m| m.id == id)
    }

    /// Starts a delivery record; returns its absolute index.
    pub(crate) fn add_delivery(&mut self, delivery: Delivery) -> usize {
        if self.deliveries.push(delivery).is_some() {
            self.deliveries_evicted += 1;
        }
        self.deliveries_evicted + self.deliveries.len() - 1
    }

    /// The delivery at an absolute index, unless it was pushed out.
    pub(crate) fn delivery_mut(&mut self, index: usize) -> Option<&mut Delivery> {
        let relative = index.checked_sub(self.deliveries_evicted)?;
        self.deliveries.get_mut(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_keeps_the_last_items() {
        let mut ring = Ring::new(2);
        assert_eq!(ring.push(1), None);
        assert_eq!(ring.push(2), None);
        assert_eq!(ring.push(3), Some(1));
        assert_eq!(ring.to_vec(), vec![2, 3]);
    }

    #[test]
    fn deliveries_keep_their_index_across_eviction() {
        let mut records = Records::new(2);
        let delivery = || Delivery {
            kind: DeliveryKind::Mo,
            body: Value::Null,
            attempts: Vec::new(),
            tries: Vec::new(),
            delivered: false,
        };
        let first = records.add_delivery(delivery());
        let second = records.add_delivery(delivery());
        let third = records.add_delivery(delivery());
        assert_eq!((first, second, third), (0, 1, 2));
        assert!(records.delivery_mut(first).is_none(), "pushed out");
        records.delivery_mut(third).unwrap().delivered = true;
        assert!(records.deliveries.iter().last().unwrap().delivered);
    }
}
