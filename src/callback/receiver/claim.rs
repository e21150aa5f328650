//! The claim a delivery holds while its handler runs: renewed as a lease,
//! watched so the handler can ask whether it still holds it (and with which
//! fencing token), and completed or released however the handler ends.

use crate::callback::dedup::{ClaimToken, DedupStore};
use crate::callback::key::DedupKey;
use crate::store::StoreError;
use futures_util::FutureExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One delivery's claim, shared by the receiver and the handler's context.
pub(crate) struct ClaimWatch {
    store: Arc<dyn DedupStore>,
    key: DedupKey,
    token: ClaimToken,
    lease: Duration,
    fence: u64,
    started: Instant,
    /// When the store last confirmed the claim, in ms since `started`.
    confirmed_ms: AtomicU64,
    /// The store said the claim is no longer ours.
    lost: AtomicBool,
}

impl std::fmt::Debug for ClaimWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claim")
            .field("fence", &self.fence)
            .field("held", &self.held())
            .finish_non_exhaustive()
    }
}

/// What a renewal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Renewal {
    Held,
    /// The store has no claim of ours on the key: it expired (and may have
    /// been taken by a redelivery).
    Lost,
}

impl ClaimWatch {
    /// A claim the store granted with `fence`, asked for at `asked` (its
    /// lease may have begun any time after: counting from the asking errs
    /// on the side of "no longer held").
    pub(super) fn new(
        store: Arc<dyn DedupStore>,
        key: DedupKey,
        token: ClaimToken,
        lease: Duration,
        fence: u64,
        asked: Instant,
    ) -> Self {
        Self {
            store,
            key,
            token,
            lease,
            fence,
            started: asked,
            confirmed_ms: AtomicU64::new(0),
            lost: AtomicBool::new(false),
        }
    }

    pub(crate) fn fence(&self) -> u64 {
        self.fence
    }

    /// Whether the claim is held as far as the receiver knows: the store has
    /// not said otherwise, and confirmed it within the lease (when renewals
    /// fail, it may have expired on the store's clock).
    pub(crate) fn held(&self) -> bool {
        if self.lost.load(Ordering::SeqCst) {
            return false;
        }
        let confirmed = Duration::from_millis(self.confirmed_ms.load(Ordering::SeqCst));
        self.started.elapsed().saturating_sub(confirmed) < self.lease
    }

    /// Asks the store now, extending the claim by its lease when it is ours.
    pub(crate) async fn renew(&self) -> Result<Renewal, StoreError> {
        let asked = self.started.elapsed();
        match self.store.renew(&self.key, self.token, self.lease).await? {
            true => {
                let ms = u64::try_from(asked.as_millis()).unwrap_or(u64::MAX);
                self.confirmed_ms.fetch_max(ms, Ordering::SeqCst);
                Ok(Renewal::Held)
            }
            false => {
                self.lost.store(true, Ordering::SeqCst);
                Ok(Renewal::Lost)
            }
        }
    }

    /// The handler succeeded: mark the event done, if the claim is still
    /// ours (`false` when it was lost).
    pub(super) async fn complete(&self) -> Result<bool, StoreError> {
        self.store.complete(&self.key, self.token).await
    }

    /// Gives the claim up, so a redelivery is handled.
    pub(super) async fn release(&self) -> Result<(), StoreError> {
        self.store.release(&self.key, self.token).await
    }
}

/// A claim the receiver holds. Settled explicitly when the handler ends;
/// released on drop otherwise (the task was cancelled).
pub(super) struct ClaimGuard {
    pub(super) watch: Arc<ClaimWatch>,
    settled: bool,
}

impl ClaimGuard {
    pub(super) fn new(watch: Arc<ClaimWatch>) -> Self {
        Self {
            watch,
            settled: false,
        }
    }

    /// Marks it settled: the caller completes or releases it.
    pub(super) fn settle(mut self) -> Arc<ClaimWatch> {
        self.settled = true;
        self.watch.clone()
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let watch = self.watch.clone();
        let mut release = Box::pin(async move {
            let _ = watch.release().await;
        });
        // An in-memory store answers at once; a remote one finishes in a task.
        if release.as_mut().now_or_never().is_none()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::dedup::{Claim, MemoryDedupStore};

    #[tokio::test]
    async fn a_claim_is_held_until_the_store_says_otherwise_or_the_lease_passes_unconfirmed() {
        let store: Arc<dyn DedupStore> = Arc::new(MemoryDedupStore::new(10));
        let key = DedupKey::mo("m");
        let token = ClaimToken::new();
        let lease = Duration::from_millis(50);
        let asked = Instant::now();
        let Claim::New { fence } = store.claim(&key, token, lease).await.unwrap() else {
            panic!()
        };
        let watch = ClaimWatch::new(store.clone(), key, token, lease, fence, asked);
        assert!(watch.held());
        assert_eq!(watch.renew().await.unwrap(), Renewal::Held);
        // Unconfirmed for a lease: no longer known to be held.
        std::thread::sleep(lease * 2);
        assert!(!watch.held(), "past its lease without a renewal");
        // The lease passed on the store too: a redelivery takes it.
        let Claim::New { fence: newer } =
            store.claim(&key, ClaimToken::new(), lease).await.unwrap()
        else {
            panic!()
        };
        assert!(newer > fence);
        assert_eq!(watch.renew().await.unwrap(), Renewal::Lost);
        assert!(!watch.held());
        assert!(
            !watch.complete().await.unwrap(),
            "no longer ours to complete"
        );
    }
}
