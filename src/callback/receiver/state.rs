//! What a receiver holds while it serves: its settings, the store, the
//! handler, the handlers' tasks, and the log of store failures.

use super::endpoint::Access;
use super::handler::ContextHandler;
use super::runners::Runners;
use crate::burst_log::BurstLog;
use crate::callback::dedup::DedupStore;
use crate::server::Limits;
use crate::store::StoreError;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub(super) struct Shared {
    /// Path → who may post there.
    pub(super) routes: BTreeMap<String, Access>,
    pub(super) body_limit: usize,
    pub(super) body_timeout: Duration,
    pub(super) max_id_len: usize,
    pub(super) handler_timeout: Duration,
    pub(super) lease: Duration,
    pub(super) limits: Limits,
    pub(super) store: Arc<dyn DedupStore>,
    pub(super) handler: Arc<dyn ContextHandler>,
    /// Handlers running now, across every router and serve call.
    pub(super) running: AtomicUsize,
    pub(super) store_errors: BurstLog,
    /// What the URLs allow but should not (see `Receiver::warnings`).
    pub(super) warnings: Vec<String>,
}

/// The handlers' tasks of one router (one `serve` call, or one `router()`):
/// waited for, then their handlers cancelled, when that serve shuts down,
/// and only then.
pub(super) struct Lifetime {
    /// The handlers' tasks (runners, or one task per handler).
    pub(super) tasks: TaskTracker,
    pub(super) cancel: CancellationToken,
    /// How handlers get their task, and the runners waiting for work.
    pub(super) runners: Runners,
}

impl Lifetime {
    /// For `serve`: runners kept between callbacks.
    pub(super) fn serving() -> Self {
        Self::with(Runners::kept())
    }

    /// For `router()`: a task per handler (it may serve on several runtimes).
    pub(super) fn routing() -> Self {
        Self::with(Runners::per_callback())
    }

    fn with(runners: Runners) -> Self {
        Self {
            tasks: TaskTracker::new(),
            cancel: CancellationToken::new(),
            runners,
        }
    }
}

impl Lifetime {
    /// Within `grace` in all: waits for the handlers running (four fifths
    /// of it; idle runners end at once, busy ones after their handler), then
    /// cancels the rest and waits for their claims to be released.
    pub(super) async fn drain(&self, grace: Duration) {
        self.tasks.close();
        self.runners.close();
        let waiting = grace.mul_f64(0.8);
        if tokio::time::timeout(waiting, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                running = self.tasks.len(),
                "shutdown: cancelling handlers still running; their events will be delivered again"
            );
            self.cancel.cancel();
            let _ = tokio::time::timeout(grace - waiting, self.tasks.wait()).await;
        }
    }
}

/// Logs a store failure once per burst, with the count not logged.
pub(super) fn warn_store(log: &BurstLog, error: &StoreError) {
    if let Some(unlogged) = log.should_log() {
        tracing::warn!(error = %error.to_string().escape_debug(), not_logged_since_last = unlogged, "de-duplication store failed; answering 503 so Modica redelivers");
    }
}
