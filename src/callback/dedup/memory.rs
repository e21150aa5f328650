//! A bounded in-memory [`DedupStore`]: one process's memory of what it handled.

use super::{Claim, ClaimToken, DedupStore, StoreFuture};
use crate::callback::key::DedupKey;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bounded in-memory [`DedupStore`]: remembers the last `capacity` handled
/// events (oldest forgotten first) plus the claims in flight. Each entry is a
/// 32-byte digest, whatever the size of the ids.
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

/// Handled keys and claims in flight apart: the handled ones are many and
/// need nothing but the key (32 bytes each); the claims are few (about as
/// many as handlers running) and stay in cache.
#[derive(Debug, Default)]
struct State {
    /// Handled keys (each also in `done_order`).
    done: HashSet<DedupKey>,
    /// Claims in flight, by key.
    in_flight: HashMap<DedupKey, Held>,
    /// The last fencing token granted (one counter for every key; see `claim`).
    fence: u64,
    /// Done keys, oldest first, for eviction.
    done_order: VecDeque<DedupKey>,
}

/// A claim in flight: whose, and until when.
#[derive(Debug, Clone, Copy)]
struct Held {
    token: ClaimToken,
    until: Instant,
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
        // Every step leaves the maps consistent, so a poisoned lock is still usable.
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// How many handled events are remembered.
    pub fn len(&self) -> usize {
        self.with(|s| s.done_order.len())
    }

    /// Whether no handled event is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many claims are in flight (expired ones included until touched).
    pub fn in_flight(&self) -> usize {
        self.with(|s| s.in_flight.len())
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(Ok(value)))
}

/// `now + lease`, or far enough ahead when that overflows.
fn deadline(lease: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(lease)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

impl DedupStore for MemoryDedupStore {
    fn claim<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        let claim = self.with(|s| {
            if s.done.contains(key) {
                return Claim::Done;
            }
            // One lookup in the claims: the entry API, not a get then an insert.
            let entry = s.in_flight.entry(*key);
            if let std::collections::hash_map::Entry::Occupied(held) = &entry
                && held.get().until > Instant::now()
            {
                return Claim::InFlight;
            }
            // New, or its lease ran out: claimed anew.
            entry.insert_entry(Held {
                token,
                until: deadline(lease),
            });
            // As on Redis: above the last one, and above the clock in µs,
            // so a restarted process's tokens stay above its earlier ones.
            let clock = crate::unix_time::micros(std::time::SystemTime::now());
            s.fence = s.fence.saturating_add(1).max(clock);
            Claim::New { fence: s.fence }
        });
        ready(claim)
    }

    fn renew<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool> {
        let ours = self.with(|s| match s.in_flight.get_mut(key) {
            Some(held) if held.token == token => {
                held.until = deadline(lease);
                true
            }
            _ => false,
        });
        ready(ours)
    }

    fn complete<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, bool> {
        let ours = self.with(|s| match s.in_flight.get(key) {
            Some(held) if held.token == token => {
                s.in_flight.remove(key);
                if s.done.insert(*key) {
                    s.done_order.push_back(*key);
                }
                while s.done_order.len() > self.capacity {
                    if let Some(old) = s.done_order.pop_front() {
                        s.done.remove(&old);
                    }
                }
                true
            }
            _ => false,
        });
        ready(ours)
    }

    fn release<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, ()> {
        self.with(|s| {
            if s.in_flight.get(key).is_some_and(|held| held.token == token) {
                s.in_flight.remove(key);
            }
        });
        ready(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt as _;

    fn now<T>(f: StoreFuture<'_, T>) -> T {
        f.now_or_never().expect("ready").expect("no store error")
    }

    const LEASE: Duration = Duration::from_secs(60);

    /// A new claim's fence (failing on any other answer).
    fn new(claim: Claim) -> u64 {
        match claim {
            Claim::New { fence } => fence,
            other => panic!("expected New, got {other:?}"),
        }
    }

    #[test]
    fn claims_complete_release_and_eviction() {
        let store = MemoryDedupStore::new(2);
        let [a, b, c] = [DedupKey::mo("a"), DedupKey::mo("b"), DedupKey::mo("c")];
        let (t1, t2) = (ClaimToken::new(), ClaimToken::new());
        let first = new(now(store.claim(&a, t1, LEASE)));
        let clock = crate::unix_time::micros(std::time::SystemTime::now());
        assert!(
            first > 1_700_000_000_000_000 && first <= clock,
            "from the clock: {first}"
        );
        assert_eq!(now(store.claim(&a, t2, LEASE)), Claim::InFlight);
        // Only the owner may release or complete.
        now(store.release(&a, t2));
        assert_eq!(now(store.claim(&a, t2, LEASE)), Claim::InFlight);
        assert!(!now(store.complete(&a, t2)));
        now(store.release(&a, t1));
        let second = new(now(store.claim(&a, t2, LEASE)));
        assert!(
            second > first,
            "a released key's next claim is fenced above"
        );
        assert!(now(store.complete(&a, t2)));
        assert_eq!(now(store.claim(&a, t1, LEASE)), Claim::Done);
        for key in [b, c] {
            new(now(store.claim(&key, t1, LEASE)));
            assert!(now(store.complete(&key, t1)));
        }
        assert_eq!(store.len(), 2);
        assert_eq!(store.in_flight(), 0);
        // `a` was the oldest and has been forgotten.
        assert!(new(now(store.claim(&a, t1, LEASE))) > second);
        assert_eq!(now(store.claim(&c, t1, LEASE)), Claim::Done);
    }

    #[test]
    fn an_expired_claim_comes_free_and_its_owner_loses_it() {
        let store = MemoryDedupStore::new(10);
        let key = DedupKey::dlr("d", "sent");
        let (dead, live) = (ClaimToken::new(), ClaimToken::new());
        let stale = new(now(store.claim(&key, dead, Duration::ZERO)));
        let fresh = new(now(store.claim(&key, live, LEASE)));
        assert!(
            fresh > stale,
            "the new owner's fence is above the old one's"
        );
        assert!(!now(store.renew(&key, dead, LEASE)), "the lease moved on");
        assert!(!now(store.complete(&key, dead)));
        assert!(now(store.renew(&key, live, LEASE)));
        assert!(now(store.complete(&key, live)));
    }

    #[test]
    fn a_huge_lease_does_not_overflow() {
        let store = MemoryDedupStore::new(1);
        let key = DedupKey::mo("x");
        let t = ClaimToken::new();
        new(now(store.claim(&key, t, Duration::MAX)));
        assert!(now(store.renew(&key, t, Duration::MAX)));
    }
}
