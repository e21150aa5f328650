//! A bounded in-memory [`DedupStore`]: one process's memory of what it handled.

use super::{Claim, ClaimToken, DedupStore, StoreFuture};
use crate::callback::key::DedupKey;
use hashbrown::HashTable;
use std::collections::HashMap;
use std::collections::hash_map::{Entry, RandomState};
use std::hash::BuildHasher as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bounded in-memory [`DedupStore`]: remembers the last `capacity` handled
/// events (oldest forgotten first) plus the claims in flight. Each handled
/// event costs 42 to 52 bytes (its 32-byte digest, whatever the size of the
/// ids, and an index entry of 9 bytes with the index's spare room); memory
/// grows with the events handled, up to `capacity` (at most `u32::MAX`).
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
/// need nothing but the key; the claims are few (about as many as handlers
/// running) and stay in cache.
///
/// The handled keys sit in the order they were handled (`done`, a ring once
/// full), and a hash index holds each one's position with 32 bits of its
/// hash: an index entry is 8 bytes rather than the 32 of a key, so checking
/// and recording keys touches a quarter of the memory (with a capacity of a
/// million, a lookup in a 32 MB table was a cache miss per callback, and
/// its rehashes moved every key), and the index grows without reading the
/// keys back.
#[derive(Default)]
struct State {
    /// Handled keys, oldest first until full; then a ring, `next` the oldest.
    done: Vec<DedupKey>,
    /// Where the next handled key goes once `done` is full.
    next: usize,
    /// Each handled key's position in `done` and its hash's low 32 bits.
    index: HashTable<Slot>,
    /// The index's keyed hasher: chosen collisions stay out of reach.
    hasher: RandomState,
    /// Claims in flight, by key.
    in_flight: HashMap<DedupKey, Held>,
    /// The last fencing token granted (one counter for every key; see `claim`).
    fence: u64,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("done", &self.done.len())
            .field("in_flight", &self.in_flight.len())
            .field("fence", &self.fence)
            .finish_non_exhaustive()
    }
}

/// A handled key in the index: where it is in `done`, and its hash.
#[derive(Clone, Copy)]
struct Slot {
    at: u32,
    hash: u32,
}

/// The index's hash of a key, from the 32 bits a slot keeps (so the index
/// rehashes as it grows without reading the keys): repeated in the high
/// half, where hashbrown takes its tag, so tag and bucket both vary. (Past
/// 2^25 buckets, some 30 million keys, tag and bucket share bits: lookups
/// probe a little more; answers stay exact, since keys are compared whole.)
fn spread(hash: u32) -> u64 {
    (u64::from(hash) << 32) | u64::from(hash)
}

impl State {
    fn hash(&self, key: &DedupKey) -> u32 {
        // The low half of a keyed SipHash (`as` keeps exactly those bits).
        self.hasher.hash_one(key) as u32
    }

    fn is_done(&self, key: &DedupKey, hash: u32) -> bool {
        let done = &self.done;
        self.index
            .find(spread(hash), |slot| {
                slot.hash == hash && done.get(slot.at as usize) == Some(key)
            })
            .is_some()
    }

    /// Records `key` as handled, forgetting the oldest when `capacity` are.
    fn record(&mut self, key: DedupKey, hash: u32, capacity: usize) {
        if self.is_done(&key, hash) {
            return;
        }
        let at = if self.done.len() < capacity {
            if self.done.len() == self.done.capacity() {
                // Doubling, but never past the capacity: no room reserved
                // that the ring could never use.
                let more = self.done.len().max(8).min(capacity - self.done.len());
                self.done.reserve_exact(more);
            }
            self.done.push(key);
            self.done.len() - 1
        } else {
            let at = self.next % capacity;
            self.next = (at + 1) % capacity;
            let old = self.done[at];
            let old_hash = self.hash(&old);
            if let Ok(entry) = self
                .index
                .find_entry(spread(old_hash), |slot| slot.at as usize == at)
            {
                entry.remove();
            }
            self.done[at] = key;
            at
        };
        // A position that did not fit would make the key unfindable (handled
        // twice); it cannot happen: `new` clamps the capacity to u32::MAX.
        let at = u32::try_from(at).expect("positions stay below the capacity, at most u32::MAX");
        self.index
            .insert_unique(spread(hash), Slot { at, hash }, |slot| spread(slot.hash));
    }
}

/// A claim in flight: whose, and until when.
#[derive(Debug, Clone, Copy)]
struct Held {
    token: ClaimToken,
    until: Instant,
}

/// The most handled events a store can remember (positions are 32 bits).
const MAX_CAPACITY: usize = u32::MAX as usize;

impl MemoryDedupStore {
    /// A store remembering up to `capacity` handled events (at least 1, at
    /// most `u32::MAX`).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.clamp(1, MAX_CAPACITY),
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
        self.with(|s| s.done.len())
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
fn deadline(now: Instant, lease: Duration) -> Instant {
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
        // The clocks are read before the lock, so it is held for less.
        let now = Instant::now();
        // As on Redis: above the last one, and above the clock in µs,
        // so a restarted process's tokens stay above its earlier ones.
        let clock = crate::unix_time::micros(std::time::SystemTime::now());
        let claim = self.with(|s| {
            let hash = s.hash(key);
            if s.is_done(key, hash) {
                return Claim::Done;
            }
            // One lookup in the claims: the entry API, not a get then an insert.
            let entry = s.in_flight.entry(*key);
            if let std::collections::hash_map::Entry::Occupied(held) = &entry
                && held.get().until > now
            {
                return Claim::InFlight;
            }
            // New, or its lease ran out: claimed anew.
            entry.insert_entry(Held {
                token,
                until: deadline(now, lease),
            });
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
        let until = deadline(Instant::now(), lease);
        let ours = self.with(|s| match s.in_flight.get_mut(key) {
            Some(held) if held.token == token => {
                // Never backwards: two renewals read the clock before the
                // lock and may take it in the other order.
                held.until = held.until.max(until);
                true
            }
            _ => false,
        });
        ready(ours)
    }

    fn complete<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, bool> {
        let capacity = self.capacity;
        let ours = self.with(|s| match s.in_flight.entry(*key) {
            Entry::Occupied(held) if held.get().token == token => {
                held.remove();
                let hash = s.hash(key);
                s.record(*key, hash, capacity);
                true
            }
            _ => false,
        });
        ready(ours)
    }

    fn release<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, ()> {
        self.with(|s| {
            if let Entry::Occupied(held) = s.in_flight.entry(*key)
                && held.get().token == token
            {
                held.remove();
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

    /// The ring wraps many times: exactly the last `capacity` keys are
    /// remembered, and the index holds one entry per key remembered.
    #[test]
    fn the_last_capacity_keys_are_remembered_through_many_wraps() {
        for capacity in [1, 3, 20] {
            let store = MemoryDedupStore::new(capacity);
            let t = ClaimToken::new();
            let keys: Vec<DedupKey> = (0..50).map(|i| DedupKey::mo(&i.to_string())).collect();
            for (i, key) in keys.iter().enumerate() {
                new(now(store.claim(key, t, LEASE)));
                assert!(now(store.complete(key, t)));
                assert_eq!(store.len(), (i + 1).min(capacity));
                assert_eq!(store.with(|s| s.index.len()), (i + 1).min(capacity));
                assert!(
                    store.with(|s| s.done.capacity()) <= capacity,
                    "no room reserved past the capacity"
                );
            }
            for (i, key) in keys.iter().enumerate() {
                let remembered = now(store.claim(key, t, LEASE)) == Claim::Done;
                assert_eq!(
                    remembered,
                    i >= 50 - capacity,
                    "capacity {capacity}, key {i}"
                );
            }
        }
    }

    /// Defect (found in review): a renewal's deadline is read before the
    /// lock, so of two renewals racing, the earlier deadline could be set
    /// last and shorten the claim while its owner believed it held.
    #[test]
    fn a_renewal_never_moves_the_deadline_back() {
        let store = MemoryDedupStore::new(10);
        let key = DedupKey::mo("r");
        let (owner, other) = (ClaimToken::new(), ClaimToken::new());
        new(now(store.claim(&key, owner, LEASE)));
        // The later of two renewals takes the lock first, the earlier one after.
        assert!(now(store.renew(&key, owner, LEASE)));
        assert!(now(store.renew(&key, owner, Duration::ZERO)));
        assert_eq!(now(store.claim(&key, other, LEASE)), Claim::InFlight);
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
