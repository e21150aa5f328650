//! HTTP receiver for Modica's callbacks (feature `receiver`).
//!
//! What it promises, and how:
//! - **Nobody gets in without the credentials.** Every served URL carries a
//!   user and a non-empty password (unless [`ReceiverBuilder::allow_unauthenticated`]);
//!   Basic auth is checked, as SHA-256 digests compared in constant time,
//!   before the body is read.
//! - **A callback is never lost nor handled twice.** Every event has a
//!   de-duplication key (malformed ones too). The receiver claims the key
//!   before calling the handler and answers 200 only once the handler
//!   succeeded (now or on an earlier delivery); otherwise 5xx, so Modica
//!   delivers again. However the handler ends (error, a panic before or
//!   inside its future, cancellation at shutdown), the claim is completed or
//!   released.
//!   Keys are scoped by the account (the URL's user) the event came in on.
//! - **A claim's loss is visible.** The claim is a lease renewed while the
//!   handler runs; a store that stalls past the lease lets a redelivery be
//!   handled elsewhere meanwhile. [`CallbackContext::claim_held`],
//!   [`CallbackContext::confirm_claim`] and [`CallbackContext::fencing_token`]
//!   let a handler with outside effects refuse to act as a stale owner.
//! - **A handler is never cut off mid-flight by a timeout.** After
//!   [`ReceiverBuilder::handler_timeout`] the receiver stops *waiting* and
//!   answers 503; the handler runs on, keeping its claim (renewed as a lease),
//!   and its outcome is recorded when it ends. A redelivery in the meantime
//!   gets 503. Handlers need not be cancel-safe, except at shutdown once the
//!   grace period is over: then a handler still running is dropped and its
//!   claim released, so the event is handled again (at least once).
//! - **Slow clients cannot hold it.** [`Receiver::serve`] bounds the time to
//!   send a request head (and idle keep-alive time), the time to send the
//!   body, the number of connections, and the time a shutdown takes.

mod claim;
mod context;
mod dispatch;
mod endpoint;
mod error;
mod handler;
mod handling;
mod runners;
mod state;

pub use context::CallbackContext;
pub use error::ReceiverError;
pub use handler::{CallbackHandler, ContextHandler, HandlerError};

use super::dedup::{DedupStore, MemoryDedupStore};
use crate::burst_log::BurstLog;
use crate::server::{self, Limits};
use axum::Router;
use axum::extract::Request;
use axum::routing::post;
use endpoint::{Access, CallbackUrl, endpoint, invalid};
use runners::Lifetime;
use state::Shared;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Default body limit: 1 MiB (callbacks carry media ids, not media).
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// The shortest claim lease a receiver uses (see [`ReceiverBuilder::claim_lease`]).
pub const MIN_CLAIM_LEASE: Duration = Duration::from_secs(2);

/// Default longest `id` accepted (bytes): Modica's ids are UUIDs, WhatsApp's
/// `wamid`s under 100 characters.
pub const DEFAULT_MAX_ID_LEN: usize = 256;

/// Serves Modica's MO and DLR callbacks.
///
/// Give it the same URLs you configure in Modica's portal (credentials
/// included, percent-encoded); it serves their paths and checks their
/// credentials.
///
/// ```no_run
/// use modica_wab::callback::{Callback, HandlerError, Receiver};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = Receiver::builder()
///     .url("https://hooks:s3cr%40t@example.com/wab/mo")
///     .url("https://hooks:s3cr%40t@example.com/wab/dlr")
///     .handler(|event: Callback| async move {
///         println!("{event:?}");
///         Ok::<(), HandlerError>(())
///     })
///     .build()?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// // Until Ctrl-C; then requests in flight finish (30 s at most) and it returns.
/// receiver.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Receiver {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("paths", &self.paths().collect::<Vec<_>>())
            .field("body_limit", &self.shared.body_limit)
            .field("handler_timeout", &self.shared.handler_timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Receiver`].
#[must_use]
pub struct ReceiverBuilder {
    urls: Vec<String>,
    allow_unauthenticated: bool,
    body_limit: usize,
    body_timeout: Duration,
    max_id_len: usize,
    handler_timeout: Duration,
    lease: Option<Duration>,
    limits: Limits,
    store: Option<Arc<dyn DedupStore>>,
    handler: Option<Arc<dyn ContextHandler>>,
}

impl Receiver {
    /// Starts a configuration.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder {
            urls: Vec::new(),
            allow_unauthenticated: false,
            body_limit: DEFAULT_BODY_LIMIT,
            body_timeout: Duration::from_secs(10),
            max_id_len: DEFAULT_MAX_ID_LEN,
            handler_timeout: Duration::from_secs(30),
            lease: None,
            limits: Limits {
                header_timeout: Duration::from_secs(10),
                write_timeout: Duration::from_secs(10),
                max_connections: 1024,
                shutdown_grace: Duration::from_secs(30),
            },
            store: None,
            handler: None,
        }
    }

    /// The routes, to merge into your own axum app. Prefer [`Receiver::serve`]:
    /// `axum::serve` has no header timeout and no connection cap, and does not
    /// wait for handlers at shutdown.
    pub fn router(&self) -> Router {
        Self::router_with(Arc::new(Lifetime::routing(self.shared.clone())))
    }

    /// The routes, their handlers' runners tracked by `life`.
    fn router_with(life: Arc<Lifetime>) -> Router {
        let mut router = Router::new();
        for (route, (path, _)) in life.shared.routes.iter().enumerate() {
            // axum clones the handler for each request: one `Arc` and an
            // index, so a request touches one shared count, not one per field.
            let life = life.clone();
            router = router.route(
                path,
                post(move |request: Request| dispatch::receive(life, route, request)),
            );
        }
        router
    }

    /// The paths served.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.shared.routes.iter().map(|(path, _)| path.as_str())
    }

    /// What the URLs allow but should not: a plain `http://` URL to a host
    /// other than this machine (credentials and messages unencrypted on the
    /// network). Also logged with `tracing` when the receiver is built;
    /// credentials are redacted.
    ///
    /// ```
    /// use modica_wab::callback::{Callback, HandlerError, Receiver};
    /// let receiver = Receiver::builder()
    ///     .url("http://hooks:s3cret@callbacks.example.com/wab")
    ///     .handler(|_: Callback| async { Ok::<(), HandlerError>(()) })
    ///     .build()?;
    /// assert!(receiver.warnings()[0].contains("plain http"));
    /// assert!(!receiver.warnings()[0].contains("s3cret"));
    /// # Ok::<(), modica_wab::callback::ReceiverError>(())
    /// ```
    pub fn warnings(&self) -> &[String] {
        &self.shared.warnings
    }

    /// The lease of each claim (see [`ReceiverBuilder::claim_lease`]).
    pub fn claim_lease(&self) -> Duration {
        self.shared.lease
    }

    /// Serves the routes on `listener` until `shutdown` resolves.
    ///
    /// Then it stops accepting, closes idle connections, waits up to the
    /// shutdown grace ([`ReceiverBuilder::shutdown_timeout`], default 30 s)
    /// for handlers and answers in flight, cancels the handlers still running
    /// (releasing their claims, so their events are handled again on
    /// redelivery), closes every connection and returns.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()>,
    ) {
        // This serve's handlers only: another serve of the same receiver
        // (another listener) goes on.
        let life = Arc::new(Lifetime::serving(self.shared.clone()));
        let router = Self::router_with(life.clone());
        let drain = move |grace| async move { life.drain(grace).await };
        server::serve(listener, router, self.shared.limits, shutdown, drain).await;
    }

    /// How many handlers are running now (including those past their timeout).
    pub fn handlers_running(&self) -> usize {
        self.shared
            .running
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl ReceiverBuilder {
    /// A callback URL configured at Modica (MO, DLR, or one for both: the body
    /// tells them apart), with its credentials. Call once per URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.urls.push(url.into());
        self
    }

    /// Serve URLs that carry no credentials. **Anyone who can reach the
    /// receiver can then post forged events**, and a forged event claims its
    /// id (the real one would be dropped as a duplicate). Only for receivers
    /// behind something else that authenticates.
    pub fn allow_unauthenticated(mut self) -> Self {
        self.allow_unauthenticated = true;
        self
    }

    /// Largest body accepted; larger ones get 413. Default 1 MiB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Time allowed to send the body once the head is in; slower ones get 408.
    /// Default 10 s.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Longest envelope `id` accepted, in bytes; longer ones get 400.
    /// Default [`DEFAULT_MAX_ID_LEN`].
    pub fn max_id_len(mut self, bytes: usize) -> Self {
        self.max_id_len = bytes;
        self
    }

    /// How long the receiver waits for the handler before answering 503.
    /// The handler is not cancelled: it runs on and its outcome is recorded.
    /// Default 30 s.
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.handler_timeout = timeout;
        self
    }

    /// How long a claim lives without renewal (the receiver renews it every
    /// third of this while the handler runs). In a shared store, a crashed
    /// receiver's claims come free after this. Default: the handler timeout
    /// plus 30 s; at least [`MIN_CLAIM_LEASE`] (a shorter lease could expire
    /// between two renewals and let a duplicate in).
    pub fn claim_lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease.max(MIN_CLAIM_LEASE));
        self
    }

    /// Time a client has to send a request head, and that an idle keep-alive
    /// connection stays open, with [`Receiver::serve`]; also the longest an
    /// answer may wait for the client to read it. Default 10 s.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
        self.limits.write_timeout = timeout;
        self
    }

    /// Connections served at once by [`Receiver::serve`]. Default 1024.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections;
        self
    }

    /// After the shutdown signal of [`Receiver::serve`]: time for handlers
    /// and answers in flight before the rest is cancelled. Default 30 s.
    pub fn shutdown_timeout(mut self, grace: Duration) -> Self {
        self.limits.shutdown_grace = grace;
        self
    }

    /// Where handled events are remembered. Default: a [`MemoryDedupStore`] of 100,000.
    pub fn dedup_store(mut self, store: impl DedupStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// What to do with each new event.
    pub fn handler(mut self, handler: impl CallbackHandler) -> Self {
        self.handler = Some(Arc::new(handler::WithoutContext(handler)));
        self
    }

    /// What to do with each new event, told where and when it came in
    /// ([`CallbackContext`]: the URL and account it matched, the arrival
    /// time). Replaces [`handler`](Self::handler).
    pub fn handler_with_context(mut self, handler: impl ContextHandler) -> Self {
        self.handler = Some(Arc::new(handler));
        self
    }

    /// Checks the URLs and builds the receiver.
    pub fn build(self) -> Result<Receiver, ReceiverError> {
        if self.urls.is_empty() {
            return Err(ReceiverError::NoUrl);
        }
        let handler = self.handler.ok_or(ReceiverError::NoHandler)?;
        let mut routes: BTreeMap<String, Access> = BTreeMap::new();
        let mut warnings = Vec::new();
        for raw in &self.urls {
            let CallbackUrl {
                path,
                access,
                warning,
            } = endpoint(raw, self.allow_unauthenticated)?;
            if let Some(warning) = warning {
                tracing::warn!("{warning}");
                warnings.push(warning);
            }
            match (routes.get_mut(&path), access) {
                (None, access) => {
                    routes.insert(path, access);
                }
                // The same path given twice: the first URL names it.
                (Some(Access::Open(_)), Access::Open(_)) => {}
                (Some(Access::Credentials(known)), Access::Credentials(more)) => {
                    for credential in more {
                        if !known.iter().any(|k| k.digest == credential.digest) {
                            known.push(credential);
                        }
                    }
                }
                // One URL without credentials would open the path to anyone.
                (Some(_), _) => {
                    return Err(invalid(
                        raw,
                        format!("path {path} is given both with and without credentials"),
                    ));
                }
            }
        }
        let lease = self
            .lease
            .unwrap_or_else(|| self.handler_timeout.saturating_add(Duration::from_secs(30)));
        Ok(Receiver {
            shared: Arc::new(Shared {
                routes: routes.into_iter().collect(),
                body_limit: self.body_limit,
                body_timeout: self.body_timeout,
                max_id_len: self.max_id_len,
                handler_timeout: self.handler_timeout,
                lease,
                limits: self.limits,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryDedupStore::new(100_000))),
                handler,
                running: Default::default(),
                store_errors: BurstLog::default(),
                warnings,
            }),
        })
    }
}
