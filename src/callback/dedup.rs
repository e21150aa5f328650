//! De-duplication of redelivered callbacks: a small trait and a bounded in-memory store.

use super::receiver::HandlerError;
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed future, as returned by [`DedupStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, HandlerError>> + Send + 'a>>;

/// What [`DedupStore::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// First delivery: the caller now owns the key and must `complete` or `release` it.
    New,
    /// Another delivery of the same event is being handled right now.
    InFlight,
    /// The event was handled already.
    Done,
}

/// Where the receiver remembers which events it handled.
///
/// The default is [`MemoryDedupStore`]; implement this over Redis or a database
/// to share the memory between several receivers. Give in-flight claims an
/// expiry there (a few minutes): a receiver that crashes mid-handler cannot
/// release its claim, and redeliveries would be deferred until it expires.
pub trait DedupStore: Send + Sync + 'static {
    /// Marks `key` in flight if it is unseen, atomically.
    fn claim<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Claim>;
    /// The handler succeeded: remember `key` as done.
    fn complete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// The handler failed: forget `key` so a redelivery is handled.
    fn release<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
}

/// A bounded in-memory [`DedupStore`]: remembers the last `capacity` handled
/// events (oldest forgotten first) plus those in flight.
///
/// ```
/// use modica_wab::callback::MemoryDedupStore;
/// let store = MemoryDedupStore::new(100_000);
/// # let _ = store;
/// ```
#[derive(Debug)]
pub struct MemoryDedupStore {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    done: HashSet<String>,
    in_flight: HashSet<String>,
    order: VecDeque<String>,
}

impl MemoryDedupStore {
    /// A store remembering up to `capacity` handled events (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // A panic elsewhere while holding the lock leaves consistent maps; keep going.
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// How many handled events are remembered.
    pub fn len(&self) -> usize {
        self.with(|s| s.done.len())
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl DedupStore for MemoryDedupStore {
    fn claim<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Claim> {
        let claim = self.with(|s| {
            if s.done.contains(key) {
                Claim::Done
            } else if !s.in_flight.insert(key.to_owned()) {
                Claim::InFlight
            } else {
                Claim::New
            }
        });
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn complete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.with(|s| {
            s.in_flight.remove(key);
            if s.done.insert(key.to_owned()) {
                s.order.push_back(key.to_owned());
            }
            while s.order.len() > self.capacity {
                if let Some(old) = s.order.pop_front() {
                    s.done.remove(&old);
                }
            }
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.with(|s| {
            s.in_flight.remove(key);
        });
        Box::pin(std::future::ready(Ok(())))
    }
}
