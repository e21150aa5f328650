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

use super::Callback;
use super::dedup::{Claim, ClaimToken, DedupStore, MemoryDedupStore};
use super::key::DedupKey;
use crate::http_server::{self, Limits};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::FutureExt as _;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq as _;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The error a [`CallbackHandler`] returns; the receiver answers 500 and forgets the event.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Default body limit: 1 MiB (callbacks carry media ids, not media).
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// Default longest `id` accepted (bytes): Modica's ids are UUIDs, WhatsApp's
/// `wamid`s under 100 characters.
pub const DEFAULT_MAX_ID_LEN: usize = 256;

/// What the receiver calls for each new event.
///
/// Any `Fn(Callback) -> impl Future<Output = Result<(), HandlerError>>` is one.
pub trait CallbackHandler: Send + Sync + 'static {
    /// Handles one event. An `Err` (or a panic) makes the receiver answer 500
    /// so Modica redelivers.
    fn handle(
        &self,
        event: Callback,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>>;
}

impl<F, Fut> CallbackHandler for F
where
    F: Fn(Callback) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn handle(
        &self,
        event: Callback,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>> {
        Box::pin(self(event))
    }
}

/// A receiver configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// A callback URL cannot be served as given.
    #[error("callback URL {url} cannot be served: {reason}")]
    InvalidUrl {
        /// The URL, with user, password, query and fragment masked.
        url: String,
        /// Why.
        reason: String,
    },
    /// No URL was given.
    #[error("no callback URL: call `url`")]
    NoUrl,
    /// No handler was given.
    #[error("no handler: call `handler`")]
    NoHandler,
}

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

struct Shared {
    /// Path → who may post there.
    routes: BTreeMap<String, Access>,
    body_limit: usize,
    body_timeout: Duration,
    max_id_len: usize,
    handler_timeout: Duration,
    lease: Duration,
    limits: Limits,
    store: Arc<dyn DedupStore>,
    handler: Arc<dyn CallbackHandler>,
    /// Handler tasks, waited for at shutdown.
    tasks: TaskTracker,
    /// Cancels the handler tasks still running when the shutdown grace ends.
    cancel: CancellationToken,
    store_errors: BurstLog,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("paths", &self.shared.routes.keys().collect::<Vec<_>>())
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
    handler: Option<Arc<dyn CallbackHandler>>,
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
        let mut router = Router::new();
        for (path, access) in &self.shared.routes {
            let shared = self.shared.clone();
            let access = Arc::new(access.clone());
            let route = post(move |request: Request| receive(shared, access, request));
            router = router.route(path, route);
        }
        router
    }

    /// The paths served.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.shared.routes.keys().map(String::as_str)
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
        let shared = self.shared.clone();
        let drain = move |grace| async move { shared.drain(grace).await };
        http_server::serve(listener, self.router(), self.shared.limits, shutdown, drain).await;
    }

    /// How many handlers are running now (including those past their timeout).
    pub fn handlers_running(&self) -> usize {
        self.shared.tasks.len()
    }
}

impl Shared {
    /// Waits for the handler tasks for `grace`, then cancels the rest and
    /// waits (briefly) for their claims to be released.
    async fn drain(&self, grace: Duration) {
        self.tasks.close();
        if tokio::time::timeout(grace, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                running = self.tasks.len(),
                "shutdown: cancelling handlers still running; their events will be delivered again"
            );
            self.cancel.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(5), self.tasks.wait()).await;
        }
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
    /// plus 30 s.
    pub fn claim_lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    /// Time a client has to send a request head, and that an idle keep-alive
    /// connection stays open, with [`Receiver::serve`]. Default 10 s.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
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
        for raw in &self.urls {
            let (path, access) = endpoint(raw, self.allow_unauthenticated)?;
            match (routes.get_mut(&path), access) {
                (None, access) => {
                    routes.insert(path, access);
                }
                (Some(Access::Open), Access::Open) => {}
                (Some(Access::Credentials(known)), Access::Credentials(more)) => {
                    for d in more {
                        if !known.contains(&d) {
                            known.push(d);
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
                routes,
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
                tasks: TaskTracker::new(),
                cancel: CancellationToken::new(),
                store_errors: BurstLog::default(),
            }),
        })
    }
}

fn invalid(raw: &str, reason: impl Into<String>) -> ReceiverError {
    ReceiverError::InvalidUrl {
        url: crate::auth::redact(raw),
        reason: reason.into(),
    }
}

/// The path of a callback URL and who may post there.
fn endpoint(raw: &str, allow_unauthenticated: bool) -> Result<(String, Access), ReceiverError> {
    let url = url::Url::parse(raw).map_err(|e| invalid(raw, e.to_string()))?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(raw, "not an http(s) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        // A token in the query would not be checked: refuse rather than serve an open route.
        return Err(invalid(
            raw,
            "a query or fragment is not checked by the receiver; put the credentials in the URL's user info",
        ));
    }
    let path = url.path();
    if path.contains('@') {
        // `https://user:12/34@host/p` parses as host `user`, port 12, path `/34@host/p`.
        return Err(invalid(
            raw,
            "the path holds an `@`: a password containing `/`, `?` or `#` must be percent-encoded (%2F, %3F, %23)",
        ));
    }
    // axum reads `:x`, `*x` and `{x}` segments as captures (and refuses some),
    // and an empty segment (`//`) can never match a request.
    if path
        .split('/')
        .skip(1)
        .any(|seg| seg.starts_with([':', '*']) || seg.contains(['{', '}']))
        || path.contains("//")
    {
        return Err(invalid(
            raw,
            format!(
                "path {path} has an empty segment, a segment starting with `:` or `*`, or a brace"
            ),
        ));
    }
    let access = match crate::auth::url_credentials(&url) {
        Some((user, password)) if !user.is_empty() && !password.is_empty() => {
            if user.contains(&b':') {
                return Err(invalid(
                    raw,
                    "the user name contains `:`, which Basic auth cannot carry",
                ));
            }
            let mut pair = user;
            pair.push(b':');
            pair.extend(password);
            Access::Credentials(vec![digest(&pair)])
        }
        _ if allow_unauthenticated => Access::Open,
        _ => {
            return Err(invalid(
                raw,
                "it carries no user and password; Modica sends the credentials of the URL you \
                 configure, and without them anyone could post forged events. Write them in the \
                 URL (https://user:password@host/path, percent-encoded), or call \
                 `allow_unauthenticated()` if something in front of the receiver authenticates",
            ));
        }
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        tracing::warn!(
            url = %crate::auth::redact(raw),
            "callback URL is plain http: its credentials and the customers' messages cross the network unencrypted"
        );
    }
    Ok((path.to_owned(), access))
}

/// Who may post to a path.
#[derive(Debug, Clone)]
enum Access {
    /// No credentials (only with `allow_unauthenticated`).
    Open,
    /// SHA-256 of each accepted `user:password`.
    Credentials(Vec<[u8; 32]>),
}

/// Comparing digests (always 32 bytes) keeps the comparison's time free of
/// the secret's length as well as its content.
fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

fn authorized(access: &Access, headers: &HeaderMap) -> bool {
    let Access::Credentials(accepted) = access else {
        return true;
    };
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| crate::auth::parse_basic(v.as_bytes()))
    else {
        return false;
    };
    let given = digest(&given);
    // Check every pair, without stopping early, so timing says nothing about which matched.
    accepted
        .iter()
        .fold(0u8, |hit, want| hit | want.ct_eq(&given).unwrap_u8())
        == 1
}

/// Whether reading the body stopped at the limit (rather than a broken connection).
fn over_limit(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

fn reply(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "status": status.as_u16(), "message": message });
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// 503 with `Retry-After`: Modica should deliver again a little later.
fn later(message: &str) -> Response {
    let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

async fn receive(shared: Arc<Shared>, access: Arc<Access>, request: Request) -> Response {
    if !authorized(&access, request.headers()) {
        let mut response = reply(StatusCode::UNAUTHORIZED, "missing or wrong credentials");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"modica-wab\""),
        );
        return response;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.body_limit as u64) {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "body over the limit");
    }
    let read = axum::body::to_bytes(request.into_body(), shared.body_limit);
    let bytes = match tokio::time::timeout(shared.body_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if over_limit(&e) => {
            return reply(StatusCode::PAYLOAD_TOO_LARGE, "body over the limit");
        }
        Ok(Err(_)) => return reply(StatusCode::BAD_REQUEST, "the body could not be read"),
        Err(_) => return reply(StatusCode::REQUEST_TIMEOUT, "the body came too slowly"),
    };
    let event = match super::parse_lenient(&bytes) {
        Ok(event) => event,
        Err(e) => return reply(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    if event.id_len() > shared.max_id_len {
        return reply(
            StatusCode::BAD_REQUEST,
            &format!(
                "the id is {} bytes long; the limit is {}",
                event.id_len(),
                shared.max_id_len
            ),
        );
    }
    if let Callback::Malformed { error, .. } = &event {
        // The error names a path and a type, never the value (customers' content).
        tracing::warn!(path = error.path(), error = %error, "callback of unexpected shape passed to the handler as Malformed");
    }
    dispatch(&shared, event).await
}

/// How a handler ended.
#[derive(Debug)]
enum Outcome {
    Handled,
    Failed,
    Panicked,
}

async fn dispatch(shared: &Arc<Shared>, event: Callback) -> Response {
    let key = event.dedup_key();
    let token = ClaimToken::new();
    match shared.store.claim(&key, token, shared.lease).await {
        Ok(Claim::New) => {}
        Ok(Claim::Done) => return reply(StatusCode::OK, "duplicate, already handled"),
        Ok(Claim::InFlight) => {
            return later("the same event is being handled; deliver again later");
        }
        Err(e) => {
            shared.store_errors.warn(&e);
            return later("de-duplication store unavailable");
        }
    }
    let claim = ClaimGuard {
        store: shared.store.clone(),
        key,
        token,
        settled: false,
    };
    let (answer, answered) = tokio::sync::oneshot::channel();
    let task_shared = shared.clone();
    // The handler runs in a task of its own: a caller that hangs up, or a
    // timeout, stops only the waiting; the outcome is recorded either way.
    shared.tasks.spawn(async move {
        let shared = task_shared;
        let outcome = tokio::select! {
            outcome = run_handler(&shared, event, &claim) => outcome,
            // Shutdown grace is over: drop the handler; `claim` releases on drop.
            _ = shared.cancel.cancelled() => return,
        };
        claim
            .settle(&shared, matches!(outcome, Outcome::Handled))
            .await;
        let _ = answer.send(outcome);
    });
    match tokio::time::timeout(shared.handler_timeout, answered).await {
        Ok(Ok(Outcome::Handled)) => reply(StatusCode::OK, "handled"),
        Ok(Ok(Outcome::Failed | Outcome::Panicked)) => {
            reply(StatusCode::INTERNAL_SERVER_ERROR, "handler failed")
        }
        Ok(Err(_cancelled)) => later("shutting down; deliver again later"),
        Err(_elapsed) => later("still being handled; deliver again later"),
    }
}

/// Calls the handler with panics caught, in its synchronous part as well as
/// in its future, and keeps the claim alive while it runs.
async fn run_handler(shared: &Shared, event: Callback, claim: &ClaimGuard) -> Outcome {
    let handler = shared.handler.clone();
    // The call itself happens inside the async block, so a panic before the
    // future exists is caught too.
    let handling = AssertUnwindSafe(async move { handler.handle(event).await }).catch_unwind();
    let renewing = async {
        let every = (shared.lease / 3).max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(every).await;
            match shared
                .store
                .renew(&claim.key, claim.token, shared.lease)
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "a running handler's claim expired and may be taken by a redelivery; raise the claim lease"
                ),
                Err(e) => shared.store_errors.warn(&e),
            }
        }
    };
    tokio::pin!(handling);
    let result = tokio::select! {
        result = &mut handling => result,
        // The renewal loop never ends on its own.
        _ = renewing => return Outcome::Failed,
    };
    match result {
        Ok(Ok(())) => Outcome::Handled,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "callback handler failed; answering 500 so Modica redelivers");
            Outcome::Failed
        }
        Err(_panic) => {
            tracing::error!("callback handler panicked; answering 500 so Modica redelivers");
            Outcome::Panicked
        }
    }
}

/// A claim the receiver holds. Settled explicitly when the handler ends;
/// released on drop otherwise (the task was cancelled).
struct ClaimGuard {
    store: Arc<dyn DedupStore>,
    key: DedupKey,
    token: ClaimToken,
    settled: bool,
}

impl ClaimGuard {
    async fn settle(mut self, shared: &Shared, handled: bool) {
        self.settled = true;
        if handled {
            match self.store.complete(&self.key, self.token).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "handled an event whose claim had expired; a redelivery may be handled again"
                ),
                Err(e) => shared.store_errors.warn(&e),
            }
        } else if let Err(e) = self.store.release(&self.key, self.token).await {
            shared.store_errors.warn(&e);
        }
    }
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (store, key, token) = (self.store.clone(), self.key, self.token);
        let mut release = Box::pin(async move {
            let _ = store.release(&key, token).await;
        });
        // An in-memory store answers at once; a remote one finishes in a task.
        if release.as_mut().now_or_never().is_none()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(release);
        }
    }
}

/// Logs a store failure once per burst (a store that is down fails every
/// request), with the count of those not logged.
#[derive(Default)]
struct BurstLog {
    state: Mutex<(Option<Instant>, u64)>,
}

impl BurstLog {
    const QUIET: Duration = Duration::from_secs(10);

    fn warn(&self, error: &super::dedup::StoreError) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (last, suppressed) = &mut *state;
        if last.is_some_and(|t| t.elapsed() < Self::QUIET) {
            *suppressed += 1;
            return;
        }
        tracing::warn!(error = %error, not_logged_since_last = *suppressed, "de-duplication store failed; answering 503 so Modica redelivers");
        *last = Some(Instant::now());
        *suppressed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(raw: &str) -> String {
        match endpoint(raw, false) {
            Err(ReceiverError::InvalidUrl { reason, url }) => {
                assert!(!url.contains("s3cr"), "{url}");
                reason
            }
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn urls_without_credentials_are_refused_unless_allowed() {
        for raw in [
            "https://example.com/hook",
            "https://:@example.com/hook",
            "https://hooks@example.com/hook",
            "https://hooks:@example.com/hook",
            "https://:s3cr@example.com/hook",
        ] {
            assert!(reason(raw).contains("no user and password"), "{raw}");
            assert!(
                endpoint(raw, true).is_ok(),
                "{raw} with allow_unauthenticated"
            );
        }
        assert!(reason("https://hooks:1234/abcd@example.com/wab/mo").contains("percent-encoded"));
        assert!(reason("https://a%3Ab:s3cr@example.com/hook").contains("`:`"));
    }

    #[test]
    fn a_burst_of_store_errors_logs_once() {
        let log = BurstLog::default();
        let e = super::super::dedup::StoreError::new("down");
        for _ in 0..100 {
            log.warn(&e);
        }
        assert_eq!(log.state.lock().unwrap().1, 99);
    }
}
