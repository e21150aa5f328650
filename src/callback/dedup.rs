//! De-duplication of redelivered callbacks: the store trait, and a bounded
//! in-memory store.
//!
//! A claim is a lease: it names its owner (a [`ClaimToken`]) and expires
//! unless renewed, so a receiver that dies mid-handler does not lock its event
//! out for good in a store shared by several processes. Only the owner can
//! complete or release a claim.

use super::key::DedupKey;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A de-duplication store that could not answer (a network error, say).
/// The receiver answers 503 so Modica delivers the event again later.
#[derive(Debug)]
pub struct StoreError(Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps any error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "de-duplication store: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// A boxed future, as returned by [`DedupStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Who holds a claim: a random 128-bit value, fresh for each delivery.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(u128);

impl ClaimToken {
    /// A fresh random token.
    pub fn new() -> Self {
        Self(rand::random())
    }

    /// The token as 32 hex digits (what a store writes).
    pub fn to_hex(&self) -> String {
        format!("{:032x}", self.0)
    }
}

impl Default for ClaimToken {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimToken({})", self.to_hex())
    }
}

/// What [`DedupStore::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Unseen (or its earlier claim was released or expired): the caller now
    /// owns the key and must complete or release it.
    New,
    /// Another delivery of the same event holds a live claim.
    InFlight,
    /// The event was handled already.
    Done,
}

/// Where the receiver remembers which events it handled.
///
/// The default is [`MemoryDedupStore`]; a store shared by several receivers
/// (Redis, a database) lets them de-duplicate together. Each method is one
/// atomic step of the store:
///
/// - `claim`: if `key` is done, `Done`; if it holds a live claim, `InFlight`;
///   else claim it for `token` until `lease` from now and answer `New`.
/// - `renew`: push our claim's expiry to `lease` from now; `false` when the
///   claim is no longer ours (it expired and was taken, say).
/// - `complete`: mark `key` done, only while `token` still owns it; `false` otherwise.
/// - `release`: drop the claim, only while `token` still owns it.
///
/// The receiver renews the claim while the handler runs, so a slow handler
/// keeps it and a crashed process's claim comes free after `lease`.
pub trait DedupStore: Send + Sync + 'static {
    /// Claims `key` for `token`, atomically, for `lease`.
    fn claim<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Claim>;
    /// Extends `token`'s claim on `key` to `lease` from now.
    fn renew<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool>;
    /// The handler succeeded: remember `key` as done, if `token` still owns it.
    fn complete<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, bool>;
    /// The handler failed: forget `token`'s claim so a redelivery is handled.
    fn release<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, ()>;
}

/// A store shared by several receivers of one process.
impl<S: DedupStore> DedupStore for std::sync::Arc<S> {
    fn claim<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        (**self).claim(key, token, lease)
    }

    fn renew<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool> {
        (**self).renew(key, token, lease)
    }

    fn complete<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, bool> {
        (**self).complete(key, token)
    }

    fn release<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, ()> {
        (**self).release(key, token)
    }
}

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

#[derive(Debug, Default)]
struct State {
    entries: HashMap<DedupKey, Entry>,
    /// Done keys, oldest first, for eviction.
    done_order: VecDeque<DedupKey>,
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    InFlight { token: ClaimToken, until: Instant },
    Done,
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
        self.with(|s| s.entries.len() - s.done_order.len())
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
        let claim = self.with(|s| match s.entries.get(key) {
            Some(Entry::Done) => Claim::Done,
            Some(Entry::InFlight { until, .. }) if *until > Instant::now() => Claim::InFlight,
            _ => {
                let until = deadline(lease);
                s.entries.insert(*key, Entry::InFlight { token, until });
                Claim::New
            }
        });
        ready(claim)
    }

    fn renew<'a>(
        &'a self,
        key: &'a DedupKey,
        token: ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, bool> {
        let ours = self.with(|s| match s.entries.get_mut(key) {
            Some(Entry::InFlight { token: t, until }) if *t == token => {
                *until = deadline(lease);
                true
            }
            _ => false,
        });
        ready(ours)
    }

    fn complete<'a>(&'a self, key: &'a DedupKey, token: ClaimToken) -> StoreFuture<'a, bool> {
        let ours = self.with(|s| match s.entries.get(key) {
            Some(Entry::InFlight { token: t, .. }) if *t == token => {
                s.entries.insert(*key, Entry::Done);
                s.done_order.push_back(*key);
                while s.done_order.len() > self.capacity {
                    if let Some(old) = s.done_order.pop_front() {
                        s.entries.remove(&old);
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
            if matches!(s.entries.get(key), Some(Entry::InFlight { token: t, .. }) if *t == token) {
                s.entries.remove(key);
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

    #[test]
    fn claims_complete_release_and_eviction() {
        let store = MemoryDedupStore::new(2);
        let [a, b, c] = [DedupKey::mo("a"), DedupKey::mo("b"), DedupKey::mo("c")];
        let (t1, t2) = (ClaimToken::new(), ClaimToken::new());
        assert_eq!(now(store.claim(&a, t1, LEASE)), Claim::New);
        assert_eq!(now(store.claim(&a, t2, LEASE)), Claim::InFlight);
        // Only the owner may release or complete.
        now(store.release(&a, t2));
        assert_eq!(now(store.claim(&a, t2, LEASE)), Claim::InFlight);
        assert!(!now(store.complete(&a, t2)));
        now(store.release(&a, t1));
        assert_eq!(now(store.claim(&a, t2, LEASE)), Claim::New);
        assert!(now(store.complete(&a, t2)));
        assert_eq!(now(store.claim(&a, t1, LEASE)), Claim::Done);
        for key in [b, c] {
            assert_eq!(now(store.claim(&key, t1, LEASE)), Claim::New);
            assert!(now(store.complete(&key, t1)));
        }
        assert_eq!(store.len(), 2);
        assert_eq!(store.in_flight(), 0);
        // `a` was the oldest and has been forgotten.
        assert_eq!(now(store.claim(&a, t1, LEASE)), Claim::New);
        assert_eq!(now(store.claim(&c, t1, LEASE)), Claim::Done);
    }

    #[test]
    fn an_expired_claim_comes_free_and_its_owner_loses_it() {
        let store = MemoryDedupStore::new(10);
        let key = DedupKey::dlr("d", "sent");
        let (dead, live) = (ClaimToken::new(), ClaimToken::new());
        assert_eq!(now(store.claim(&key, dead, Duration::ZERO)), Claim::New);
        assert_eq!(now(store.claim(&key, live, LEASE)), Claim::New);
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
        assert_eq!(now(store.claim(&key, t, Duration::MAX)), Claim::New);
        assert!(now(store.renew(&key, t, Duration::MAX)));
    }
}
