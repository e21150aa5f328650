//! A local emulator of Modica's WAB API (feature `sandbox`).
//!
//! It serves every operation of the spec on 127.0.0.1, validates each request
//! with the [`conformance`](crate::conformance) validator (answering the error
//! the gateway would), accepts messages with fresh ids, stores uploaded media,
//! POSTs DLRs (`sent` then `received`, or `rejected`/`expired`) and injected MOs
//! to your callback URLs with Basic auth taken from the URL, retrying on
//! non-2xx like a real provider, and can be scripted to fail.
//!
//! ```
//! use modica_wab::sandbox::Sandbox;
//! use modica_wab::{Client, Message};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder().start().await?;
//! let client = Client::builder()
//!     .credentials(sandbox.username(), sandbox.password())
//!     .base_url(sandbox.base_url())
//!     .default_source(sandbox.business_number())
//!     .build()?;
//! let accepted = client.send(&Message::text("+64211234567", "Kia ora").reference("r1")).await?;
//! assert_eq!(sandbox.sent()[0].id, accepted.id);
//! assert_eq!(sandbox.accepted_count("r1"), 1);
//! # Ok(()) }
//! ```

mod callbacks;
mod fault;
mod gateway;
mod records;
mod rules;
mod server;

pub use callbacks::{Delivery, DeliveryKind};
pub use fault::Fault;

use crate::conformance::Validator;
use fault::{RandomFaults, Throughput};
use records::Records;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The spec could not be turned into a validator.
    #[error(transparent)]
    Spec(#[from] crate::conformance::SpecError),
    /// A callback URL is not a valid URL.
    #[error("callback URL is not valid: {0}")]
    CallbackUrl(String),
    /// The temporary directory for uploaded media could not be made.
    #[error("cannot make a directory for uploaded media: {0}")]
    MediaDir(std::io::Error),
}

/// A message the sandbox accepted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SentMessage {
    /// The id returned in the 202.
    pub id: String,
    /// The recipient.
    pub to: String,
    /// The business source it was sent from.
    pub source: String,
    /// The message `type`.
    pub kind: String,
    /// The client `reference`, if given.
    pub reference: Option<String>,
    /// The request body (for a broadcast, the body with `to` set to this recipient).
    pub body: Value,
    /// When the sandbox accepted it.
    pub accepted_at: std::time::SystemTime,
}

pub(crate) struct Config {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) business_number: String,
    /// Where MOs go, in turn (a load balancer's view of several replicas).
    pub(crate) mo_urls: Vec<String>,
    /// Where DLRs go, in turn.
    pub(crate) dlr_urls: Vec<String>,
    /// Deliberate duplicates: at-least-once delivery, as providers do it.
    pub(crate) duplicates: Option<Duplicates>,
    pub(crate) dlr_delay: Duration,
    pub(crate) callback_attempts: u32,
    pub(crate) callback_backoff: Duration,
    pub(crate) strict: bool,
    pub(crate) json_limit: usize,
    pub(crate) media_limit: u64,
    pub(crate) body_timeout: Duration,
    pub(crate) record_limit: usize,
    /// Free-form messages need a customer who wrote within 24 hours, not
    /// only one whose last message is older.
    pub(crate) require_contact: bool,
}

impl std::fmt::Debug for Config {
    /// Never shows the password, nor the credentials in the callback URLs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let urls = |u: &[String]| u.iter().map(|u| crate::auth::redact(u)).collect::<Vec<_>>();
        f.debug_struct("Config")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("business_number", &self.business_number)
            .field("mo_urls", &urls(&self.mo_urls))
            .field("dlr_urls", &urls(&self.dlr_urls))
            .field("dlr_delay", &self.dlr_delay)
            .field("strict", &self.strict)
            .field("json_limit", &self.json_limit)
            .field("media_limit", &self.media_limit)
            .field("record_limit", &self.record_limit)
            .finish_non_exhaustive()
    }
}

/// How often callbacks are delivered more than once.
#[derive(Debug)]
pub(crate) struct Duplicates {
    pub(crate) redeliver: f64,
    pub(crate) concurrent: f64,
    pub(crate) rng: std::sync::Mutex<rand::rngs::StdRng>,
}

/// State shared by the server, the callback tasks and the [`Sandbox`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) validator: Validator,
    pub(crate) records: Mutex<Records>,
    /// Uploaded media; removed with the sandbox.
    pub(crate) media_dir: tempfile::TempDir,
    pub(crate) http: reqwest::Client,
    pub(crate) pending: AtomicUsize,
    pub(crate) idle: tokio::sync::Notify,
    /// The next callback URL to use, per kind (round robin).
    pub(crate) turn: AtomicUsize,
}

impl Shared {
    pub(crate) fn records(&self) -> MutexGuard<'_, Records> {
        // Records stay consistent even if a holder panicked; keep serving.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Largest JSON request body the sandbox reads (larger: 413).
pub const DEFAULT_JSON_LIMIT: usize = 1 << 20;
/// Largest media upload the sandbox stores (WhatsApp's largest, documents: 100 MB).
pub const DEFAULT_MEDIA_LIMIT: u64 = 100 * 1024 * 1024;
/// How many of each kind of record (sends, requests, deliveries, media…) the sandbox keeps.
pub const DEFAULT_RECORD_LIMIT: usize = 10_000;

/// Configures a [`Sandbox`].
#[derive(Debug)]
#[must_use]
pub struct SandboxBuilder {
    addr: String,
    config: Config,
    spec: Option<String>,
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Sandbox {
    /// Starts a configuration: 127.0.0.1 on a random port, credentials
    /// `sandbox`/`sandbox`, business number `6421000001`, no callback URLs.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            addr: "127.0.0.1:0".into(),
            config: Config {
                username: "sandbox".into(),
                password: "sandbox".into(),
                business_number: "6421000001".into(),
                mo_urls: Vec::new(),
                dlr_urls: Vec::new(),
                duplicates: None,
                dlr_delay: Duration::from_millis(20),
                callback_attempts: 5,
                callback_backoff: Duration::from_millis(50),
                strict: false,
                json_limit: DEFAULT_JSON_LIMIT,
                media_limit: DEFAULT_MEDIA_LIMIT,
                body_timeout: Duration::from_secs(10),
                record_limit: DEFAULT_RECORD_LIMIT,
                require_contact: false,
            },
            spec: None,
        }
    }

    /// The base URL to give [`crate::ClientBuilder::base_url`].
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The username clients must send.
    pub fn username(&self) -> &str {
        &self.shared.config.username
    }

    /// The password clients must send.
    pub fn password(&self) -> &str {
        &self.shared.config.password
    }

    /// The business number MOs are sent to (and the usual source).
    pub fn business_number(&self) -> &str {
        &self.shared.config.business_number
    }

    /// Every message accepted so far, in order.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.shared.records().sent.to_vec()
    }

    /// How many messages were accepted with this `reference` (a retry that sent
    /// a message twice shows here as 2).
    pub fn accepted_count(&self, reference: &str) -> usize {
        self.shared
            .records()
            .sent
            .iter()
            .filter(|m| m.reference.as_deref() == Some(reference))
            .count()
    }

    /// Accepted messages per reference.
    pub fn accepted_by_reference(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for m in self.shared.records().sent.iter() {
            if let Some(r) = &m.reference {
                *out.entry(r.clone()).or_default() += 1;
            }
        }
        out
    }

    /// Every request received: method, path with query, status answered
    /// (0 when the connection was dropped).
    pub fn requests(&self) -> Vec<(String, String, u16)> {
        self.shared.records().requests.to_vec()
    }

    /// Every fault played, in order, with the `reference` of the send it hit
    /// (throughput refusals show as `WhatsAppError(130429)`).
    pub fn faults_applied(&self) -> Vec<(Option<String>, Fault)> {
        self.shared.records().faults.to_vec()
    }

    /// Every callback delivery (DLR and MO), with its attempts.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.records().deliveries.to_vec()
    }

    /// Scripts `fault` for every send to `recipient` (e.g. a number that always gets 131047).
    pub fn fail_recipient(&self, recipient: &str, fault: Fault) {
        self.shared
            .records()
            .script
            .per_recipient
            .insert(recipient.to_owned(), fault);
    }

    /// Stops failing sends to `recipient`.
    pub fn heal_recipient(&self, recipient: &str) {
        self.shared.records().script.per_recipient.remove(recipient);
    }

    /// Scripts `fault` for the next sends, one each, in order.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.records().script.scheduled.extend(faults);
    }

    /// Fails each send with probability `rate`, picking one of `kinds` (seeded, so repeatable).
    pub fn fail_randomly(&self, rate: f64, kinds: Vec<Fault>, seed: u64) {
        use rand::SeedableRng;
        self.shared.records().script.random = Some(RandomFaults {
            rate,
            kinds,
            rng: rand::rngs::StdRng::seed_from_u64(seed),
        });
    }

    /// Answers WhatsApp's 130429 (throughput reached) above `per_second` messages per second.
    pub fn limit_throughput(&self, per_second: usize) {
        self.shared.records().script.throughput = Some(Throughput::new(per_second));
    }

    /// Injects an inbound message from `from` with `content` (Meta's inbound
    /// message object, e.g. `{"type":"text","text":{"body":"hi"}}`) and POSTs it
    /// to the MO URL. Returns the MO id.
    pub fn inject_mo(&self, from: &str, content: Value) -> String {
        callbacks::inject_mo(&self.shared, from, content)
    }

    /// Injects an inbound text message. Returns the MO id.
    pub fn inject_text(&self, from: &str, body: &str) -> String {
        self.inject_mo(
            from,
            serde_json::json!({ "type": "text", "text": { "body": body } }),
        )
    }

    /// Injects an inbound text message written at `at` (its content
    /// `timestamp`): one from more than 24 hours ago leaves the customer's
    /// service window closed. Returns the MO id.
    pub fn inject_text_at(&self, from: &str, body: &str, at: std::time::SystemTime) -> String {
        let seconds = at
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        self.inject_mo(
            from,
            serde_json::json!({
                "type": "text",
                "text": { "body": body },
                "timestamp": seconds.to_string(),
            }),
        )
    }

    /// When `customer` last wrote (the latest injected message's timestamp).
    pub fn last_inbound(&self, customer: &str) -> Option<std::time::SystemTime> {
        let at = self.shared.records().conversations.last_inbound(customer)?;
        Some(std::time::UNIX_EPOCH + Duration::from_secs(at))
    }

    /// Waits until every callback delivery has finished (delivered or given up),
    /// or `timeout` passes; returns whether it became idle.
    pub async fn settle(&self, timeout: Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.shared.idle.notified();
                if self.shared.pending.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}

impl SandboxBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a random port).
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.addr = addr.into();
        self
    }

    /// The credentials clients must send.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.config.username = username.into();
        self.config.password = password.into();
        self
    }

    /// The business number (Destination of injected MOs).
    pub fn business_number(mut self, number: impl Into<String>) -> Self {
        self.config.business_number = number.into();
        self
    }

    /// Where MOs are POSTed; credentials in the URL are sent as Basic auth.
    ///
    /// Call it again for more URLs (replicas behind no load balancer):
    /// deliveries go to each in turn, and a failed one is tried on the next.
    pub fn mo_url(mut self, url: impl Into<String>) -> Self {
        self.config.mo_urls.push(url.into());
        self
    }

    /// Where DLRs are POSTed; credentials in the URL are sent as Basic auth.
    ///
    /// Call it again for more URLs, as for [`Self::mo_url`].
    pub fn dlr_url(mut self, url: impl Into<String>) -> Self {
        self.config.dlr_urls.push(url.into());
        self
    }

    /// Delay before each DLR (`sent`, then the final status). Default 20 ms.
    pub fn dlr_delay(mut self, delay: Duration) -> Self {
        self.config.dlr_delay = delay;
        self
    }

    /// Delivers callbacks more than once, as at-least-once providers do: after
    /// a delivery the receiver took, the same event again with probability
    /// `redeliver`; and twice at the same time with probability `concurrent`
    /// (seeded, so repeatable). For testing that a receiver de-duplicates.
    pub fn duplicate_callbacks(mut self, redeliver: f64, concurrent: f64, seed: u64) -> Self {
        use rand::SeedableRng;
        let rate = |p: f64| {
            if p.is_finite() {
                p.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        self.config.duplicates = Some(Duplicates {
            redeliver: rate(redeliver),
            concurrent: rate(concurrent),
            rng: std::sync::Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)),
        });
        self
    }

    /// Callback attempts per event and the first backoff (doubling). Default 5, 50 ms.
    pub fn callback_retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.config.callback_attempts = attempts.max(1);
        self.config.callback_backoff = backoff;
        self
    }

    /// Refuses what the spec leaves open: an object that lists its properties
    /// accepts no others (a misspelt optional field gets 400). Off by default,
    /// where the sandbox accepts whatever the spec allows.
    pub fn strict(mut self, strict: bool) -> Self {
        self.config.strict = strict;
        self
    }

    /// Plays the 24-hour customer-service window for customers who never
    /// wrote too: a free-form (non-template) message to them is rejected
    /// with 131047, as WhatsApp does. Off by default, where only customers
    /// whose last message is older than 24 hours are refused (so examples
    /// can message a customer who never wrote).
    pub fn require_service_window(mut self, require: bool) -> Self {
        self.config.require_contact = require;
        self
    }

    /// Largest JSON body read (default [`DEFAULT_JSON_LIMIT`]) and largest media
    /// upload stored (default [`DEFAULT_MEDIA_LIMIT`]); larger ones get 413.
    pub fn body_limits(mut self, json: usize, media: u64) -> Self {
        self.config.json_limit = json;
        self.config.media_limit = media;
        self
    }

    /// Longest a client may take to send the next part of a body (408, or 422
    /// for an upload, past it). Default 10 s.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.config.body_timeout = timeout;
        self
    }

    /// How many of each kind of record it keeps, oldest forgotten first
    /// (default [`DEFAULT_RECORD_LIMIT`]). Uploaded media beyond it are deleted.
    pub fn record_limit(mut self, records: usize) -> Self {
        self.config.record_limit = records;
        self
    }

    /// Validates against this OpenAPI document (JSON) instead of the built spec.
    pub fn spec_json(mut self, spec: impl Into<String>) -> Self {
        self.spec = Some(spec.into());
        self
    }

    /// Starts serving on a background task of the current tokio runtime.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        for url in self.config.mo_urls.iter().chain(&self.config.dlr_urls) {
            url::Url::parse(url).map_err(|e| {
                SandboxError::CallbackUrl(format!("{}: {e}", crate::auth::redact(url)))
            })?;
        }
        let spec = self.spec.as_deref().unwrap_or(crate::spec::SPEC_JSON);
        let validator = Validator::from_json(spec, self.config.strict)?;
        let media_dir = tempfile::Builder::new()
            .prefix("modica-wab-sandbox-")
            .tempdir()
            .map_err(SandboxError::MediaDir)?;
        let listener = tokio::net::TcpListener::bind(&self.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: self.addr.clone(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: self.addr.clone(),
            source,
        })?;
        let shared = Arc::new(Shared {
            records: Mutex::new(Records::new(self.config.record_limit)),
            config: self.config,
            validator,
            media_dir,
            http: reqwest::Client::new(),
            pending: AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
            turn: AtomicUsize::new(0),
        });
        let server = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(Sandbox {
            shared,
            addr,
            server,
        })
    }
}
