//! What a receiver holds while it serves: its settings, the store, the
//! handler, and the log of store failures.

use super::endpoint::Access;
use super::handler::ContextHandler;
use crate::burst_log::BurstLog;
use crate::callback::dedup::DedupStore;
use crate::server::Limits;
use crate::store::StoreError;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

pub(super) struct Shared {
    /// Each path served and who may post there, by path (a route's handler
    /// holds its index).
    pub(super) routes: Vec<(String, Access)>,
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

/// Logs a store failure once per burst, with the count not logged.
pub(super) fn warn_store(log: &BurstLog, error: &StoreError) {
    if let Some(unlogged) = log.should_log() {
        tracing::warn!(error = %error.to_string().escape_debug(), not_logged_since_last = unlogged, "de-duplication store failed; answering 503 so Modica redelivers");
    }
}
