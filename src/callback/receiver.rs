//! HTTP receiver for Modica's callbacks (feature `receiver`): axum routes with
//! Basic auth, a body limit, de-duplication of redeliveries, and 5xx when the
//! handler fails so Modica delivers again.

use super::dedup::{Claim, DedupStore, MemoryDedupStore};
use super::{Callback, ParseError};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use futures_util::FutureExt as _;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq as _;

/// The error a [`CallbackHandler`] returns; the receiver answers 500 and forgets the event.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Default body limit: 1 MiB (callbacks carry media ids, not media).
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// What the receiver calls for each new event.
///
/// Any `Fn(Callback) -> impl Future<Output = Result<(), HandlerError>>` is one.
pub trait CallbackHandler: Send + Sync + 'static {
    /// Handles one event. An `Err` makes the receiver answer 500 so Modica redelivers.
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
    /// A callback URL does not parse.
    #[error("callback URL {url:?} is not valid: {reason}")]
    InvalidUrl {
        /// The URL, with its password replaced by `***`.
        url: String,
        /// Why.
        reason: String,
    },
    /// No URL was given.
    #[error("no callback URL: call `url`, `mo_url` or `dlr_url`")]
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
///     .mo_url("https://hooks:s3cr%40t@example.com/wab/mo")
///     .dlr_url("https://hooks:s3cr%40t@example.com/wab/dlr")
///     .handler(|event: Callback| async move {
///         println!("{event:?}");
///         Ok::<(), HandlerError>(())
///     })
///     .build()?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, receiver.router()).await?;
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
    handler_timeout: Duration,
    store: Arc<dyn DedupStore>,
    handler: Arc<dyn CallbackHandler>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("paths", &self.shared.routes.keys().collect::<Vec<_>>())
            .field("body_limit", &self.shared.body_limit)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Receiver`].
#[must_use]
pub struct ReceiverBuilder {
    urls: Vec<String>,
    body_limit: usize,
    handler_timeout: Duration,
    store: Option<Arc<dyn DedupStore>>,
    handler: Option<Arc<dyn CallbackHandler>>,
}

impl Receiver {
    /// Starts a configuration.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder {
            urls: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            handler_timeout: Duration::from_secs(30),
            store: None,
            handler: None,
        }
    }

    /// The routes, to serve or to merge into your own axum app.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for (path, accepted) in &self.shared.routes {
            let shared = self.shared.clone();
            let accepted = Arc::new(accepted.clone());
            let route = post(move |request: Request| receive(shared, accepted, request));
            router = router.route(path, route);
        }
        router.with_state(())
    }

    /// The paths served.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.shared.routes.keys().map(String::as_str)
    }
}

impl ReceiverBuilder {
    /// One URL for both MO and DLR callbacks (the body tells them apart).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.urls.push(url.into());
        self
    }

    /// The MO callback URL configured at Modica.
    pub fn mo_url(self, url: impl Into<String>) -> Self {
        self.url(url)
    }

    /// The DLR callback URL configured at Modica.
    pub fn dlr_url(self, url: impl Into<String>) -> Self {
        self.url(url)
    }

    /// Largest body accepted; larger ones get 413. Default 1 MiB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long the handler may take before the receiver answers 503. Default 30 s.
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.handler_timeout = timeout;
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
        for url in &self.urls {
            let (path, credentials) = endpoint(url)?;
            let access = match credentials {
                Some(pair) => Access::Credentials(vec![digest(&pair)]),
                None => Access::Open,
            };
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
                    return Err(ReceiverError::InvalidUrl {
                        url: redact(url),
                        reason: format!("path {path} is given both with and without credentials"),
                    });
                }
            }
        }
        Ok(Receiver {
            shared: Arc::new(Shared {
                routes,
                body_limit: self.body_limit,
                handler_timeout: self.handler_timeout,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryDedupStore::new(100_000))),
                handler,
            }),
        })
    }
}

/// The path and the percent-decoded `user:password` of a callback URL.
fn endpoint(raw: &str) -> Result<(String, Option<Vec<u8>>), ReceiverError> {
    let invalid = |reason: String| ReceiverError::InvalidUrl {
        url: redact(raw),
        reason,
    };
    let url = url::Url::parse(raw).map_err(|e| invalid(e.to_string()))?;
    if url.cannot_be_a_base() {
        return Err(invalid("not a hierarchical URL".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        // A token in the query would not be checked: refuse rather than serve an open route.
        return Err(invalid(
            "a query or fragment is not checked by the receiver; put the credentials in the URL's user info".into(),
        ));
    }
    let path = match url.path() {
        "" => "/",
        p => p,
    };
    // axum reads `:x`, `*x` and `{x}` segments as captures (and refuses some).
    if path
        .split('/')
        .any(|seg| seg.starts_with([':', '*']) || seg.contains(['{', '}']))
    {
        return Err(invalid(format!(
            "path {path} has a segment starting with `:` or `*`, or a brace"
        )));
    }
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    let credentials = match (url.username(), url.password()) {
        ("", None) => None,
        (user, password) => {
            let mut pair = decode(user);
            pair.push(b':');
            pair.extend(decode(password.unwrap_or("")));
            Some(pair)
        }
    };
    Ok((path.to_owned(), credentials))
}

/// Who may post to a path.
#[derive(Debug, Clone)]
enum Access {
    /// The URL carried no credentials.
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

fn redact(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "<unparsable>".to_owned(),
    }
}

fn authorized(access: &Access, headers: &HeaderMap) -> bool {
    let Access::Credentials(accepted) = access else {
        return true;
    };
    let Some(given) = basic_credentials(headers) else {
        return false;
    };
    let given = digest(&given);
    // Check every pair, without stopping early, so timing says nothing about which matched.
    accepted
        .iter()
        .fold(0u8, |hit, want| hit | want.ct_eq(&given).unwrap_u8())
        == 1
}

fn basic_credentials(headers: &HeaderMap) -> Option<Vec<u8>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    super::BASE64.decode(encoded.trim()).ok()
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

async fn receive(shared: Arc<Shared>, accepted: Arc<Access>, request: Request) -> Response {
    if !authorized(&accepted, request.headers()) {
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
    let body: Body = request.into_body();
    let bytes = match axum::body::to_bytes(body, shared.body_limit).await {
        Ok(bytes) => bytes,
        Err(e) if over_limit(&e) => {
            return reply(StatusCode::PAYLOAD_TOO_LARGE, "body over the limit");
        }
        Err(_) => return reply(StatusCode::BAD_REQUEST, "the body could not be read"),
    };
    let event = match super::parse(&bytes) {
        Ok(event) => event,
        Err(ParseError::NotJson { message }) => {
            return reply(
                StatusCode::BAD_REQUEST,
                &format!("body is not JSON: {message}"),
            );
        }
        Err(e) => {
            // Still delivered: the handler decides what an odd payload means.
            tracing::warn!(error = %e, "callback of unexpected shape passed on as Unknown");
            match serde_json::from_slice(&bytes) {
                Ok(value) => Callback::Unknown(value),
                Err(e) => return reply(StatusCode::BAD_REQUEST, &format!("body is not JSON: {e}")),
            }
        }
    };
    dispatch(&shared, event).await
}

async fn dispatch(shared: &Arc<Shared>, event: Callback) -> Response {
    let key = event.dedup_key();
    if let Some(key) = &key {
        match shared.store.claim(key).await {
            Ok(Claim::New) => {}
            Ok(Claim::Done) => return reply(StatusCode::OK, "duplicate, already handled"),
            Ok(Claim::InFlight) => {
                let mut response = reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the same event is being handled; deliver again later",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return response;
            }
            Err(e) => {
                tracing::warn!(error = %e, "de-duplication store failed; asking for redelivery");
                return reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "de-duplication store unavailable",
                );
            }
        }
    }
    // The handler runs in a task of its own: if Modica hangs up first, the
    // handler still finishes and its outcome is recorded, so the redelivery is
    // neither run a second time nor lost.
    let task_shared = shared.clone();
    let task = tokio::spawn(async move {
        let outcome = run_handler(&task_shared, event).await;
        if let Some(key) = key {
            let recorded = match &outcome {
                Ok(_) => task_shared.store.complete(&key).await,
                Err(_) => task_shared.store.release(&key).await,
            };
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "could not record the outcome of a callback");
            }
        }
        outcome
    });
    match task.await {
        Ok(Ok(response) | Err(response)) => response,
        Err(_) => reply(StatusCode::INTERNAL_SERVER_ERROR, "handler failed"),
    }
}

/// `Ok` with 200 when the handler succeeded, `Err` with the 5xx to answer otherwise.
async fn run_handler(shared: &Shared, event: Callback) -> Result<Response, Response> {
    let call = AssertUnwindSafe(shared.handler.handle(event)).catch_unwind();
    match tokio::time::timeout(shared.handler_timeout, call).await {
        Ok(Ok(Ok(()))) => Ok(reply(StatusCode::OK, "handled")),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "callback handler failed; answering 500 so Modica redelivers");
            Err(reply(StatusCode::INTERNAL_SERVER_ERROR, "handler failed"))
        }
        Ok(Err(_panic)) => {
            tracing::error!("callback handler panicked; answering 500 so Modica redelivers");
            Err(reply(StatusCode::INTERNAL_SERVER_ERROR, "handler failed"))
        }
        Err(_elapsed) => Err(reply(StatusCode::SERVICE_UNAVAILABLE, "handler timed out")),
    }
}
