//! De-duplication of redelivered callbacks: the store trait, a bounded
//! in-memory store, and (feature `redis`) a store shared by several
//! receivers.
//!
//! A claim is a lease: it names its owner (a [`ClaimToken`]) and expires
//! unless renewed, so a receiver that dies mid-handler does not lock its event
//! out for good in a store shared by several processes. Only the owner can
//! complete or release a claim.
//!
//! A lease cannot stop a handler that is already running: if the store
//! stalls longer than the lease (or fails over and loses the claim), a
//! redelivery elsewhere claims the event again while the first handler
//! still runs. Every claim therefore carries a **fencing token** that grows
//! with every claim the store grants, so a handler with outside effects can
//! have them reject a stale owner (Kleppmann, "How to do distributed
//! locking", 2016): see [`CallbackContext::fencing_token`](crate::callback::CallbackContext::fencing_token)
//! and [`CallbackContext::claim_held`](crate::callback::CallbackContext::claim_held).

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::MemoryDedupStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::RedisDedupStore;

use super::key::DedupKey;
use std::fmt;
use std::time::Duration;

use crate::store::StoreFuture;

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
    New {
        /// The claim's fencing token: greater than that of every claim the
        /// store granted before it, for this key and any other.
        fence: u64,
    },
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
///   else claim it for `token` until `lease` from now and answer `New` with
///   a fencing token greater than every one granted before (a counter the
///   store keeps, which must survive the claims' own expiry; the built-in
///   stores also keep it above the clock in µs, so it grows across restarts).
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
