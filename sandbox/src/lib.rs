//! A local emulator of Modica's WhatsApp Business (WAB) API.
//!
//! It serves every operation of the spec on 127.0.0.1, validates each request
//! with the [`conformance`](modica_wab_conformance) validator (answering the error
//! the gateway would), accepts messages with fresh ids, stores uploaded media,
//! POSTs DLRs (`sent` then `received`, or `rejected`/`expired`) and injected MOs
//! to your callback URLs with Basic auth taken from the URL, retrying on
//! non-2xx like a real provider, and can be scripted to fail. Its chat view
//! ([`Sandbox::chat_url`]) shows each conversation as the customer sees it,
//! live, and answers as the customer.
//!
//! ```
//! use modica_wab_sandbox::Sandbox;
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

mod builder;
mod callbacks;
mod chat;
mod customer;
mod fault;
mod from_spec;
mod gateway;
mod idle;
mod records;
mod rules;
mod server;
pub mod templates;

pub use builder::SandboxBuilder;
pub use fault::Fault;
pub use from_spec::GENERATED;
pub use records::{CallbackTry, Delivery, DeliveryKind};

use fault::{RandomFaults, Throughput};
use modica_wab_conformance::Validator;
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
    Spec(#[from] modica_wab_conformance::SpecError),
    /// A callback URL is not a valid URL.
    #[error("callback URL is not valid: {0}")]
    CallbackUrl(String),
    /// The temporary directory for uploaded media could not be made.
    #[error("cannot make a directory for uploaded media: {0}")]
    MediaDir(std::io::Error),
}

/// A customer's answer the sandbox could not play.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// No message with this id went to this customer.
    #[error("no message {message_id:?} was sent to {customer:?}")]
    UnknownMessage {
        /// The message id asked for.
        message_id: String,
        /// The customer asked for.
        customer: String,
    },
    /// The message is not what the answer answers (a flow, a location
    /// request).
    #[error("message {message_id:?} is a {kind} message, not {expected}")]
    NotAnswerable {
        /// The message id asked for.
        message_id: String,
        /// What it is (`text`, `interactive`…).
        kind: String,
        /// What the answer needs.
        expected: &'static str,
    },
    /// A flow's answers are a JSON object.
    #[error("a flow's answers are a JSON object, not {0}")]
    AnswersNotAnObject(String),
    /// A latitude from -90 to 90 and a longitude from -180 to 180.
    #[error("({0}) is not a place: latitude -90 to 90, longitude -180 to 180")]
    NotAPlace(String),
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
    pub(crate) callback_max_backoff: Duration,
    pub(crate) strict: bool,
    pub(crate) json_limit: usize,
    pub(crate) media_limit: u64,
    pub(crate) body_timeout: Duration,
    pub(crate) record_limit: usize,
    /// Serve the chat view under `/_sandbox/<token>/`.
    pub(crate) ui: bool,
    /// Free-form messages need a customer who wrote within 24 hours, not
    /// only one whose last message is older.
    pub(crate) require_contact: bool,
    /// The templates WhatsApp would hold for the business; `None`: any
    /// template is accepted.
    pub(crate) templates: Option<Arc<templates::Templates>>,
}

impl std::fmt::Debug for Config {
    /// Never shows the password, nor the credentials in the callback URLs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let urls = |u: &[String]| {
            u.iter()
                .map(|u| modica_wab::credentials::redact(u))
                .collect::<Vec<_>>()
        };
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
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) validator: Validator,
    /// The spec it plays, parsed: answers for operations it does not emulate.
    pub(crate) spec: Value,
    pub(crate) records: Mutex<Records>,
    /// Uploaded media; removed with the sandbox.
    pub(crate) media_dir: tempfile::TempDir,
    pub(crate) http: reqwest::Client,
    pub(crate) pending: AtomicUsize,
    pub(crate) idle: tokio::sync::Notify,
    /// The next callback URL to use, per kind (round robin).
    pub(crate) turn: AtomicUsize,
    /// Bumped on every change the chat view shows.
    pub(crate) version: tokio::sync::watch::Sender<u64>,
    /// The secret path segment of the chat view; `None` when it is off.
    pub(crate) ui_token: Option<String>,
}

impl std::fmt::Debug for Shared {
    /// The settings (credentials redacted) and how much is recorded: never the
    /// records themselves (customers' messages) nor the chat view's token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = f.debug_struct("Shared");
        shown.field("config", &self.config);
        // Not waiting for the lock: a holder formatting this would deadlock.
        match self.records.try_lock() {
            Ok(records) => shown
                .field("sent", &records.sent.len())
                .field("inbound", &records.inbound.len())
                .field("deliveries", &records.deliveries.len())
                .field("media", &records.media.len())
                .field("requests", &records.requests.len()),
            Err(_) => shown.field("records", &"<busy>"),
        };
        shown
            .field("media_dir", &self.media_dir.path())
            .field("pending", &self.pending)
            .field("chat_view", &self.ui_token.is_some())
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Tells the chat view something changed.
    pub(crate) fn changed(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }

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
        SandboxBuilder::new()
    }

    /// The chat view's address (open it in a browser), when it is on.
    pub fn chat_url(&self) -> Option<String> {
        let token = self.shared.ui_token.as_deref()?;
        Some(format!("http://{}/_sandbox/{token}/", self.addr))
    }

    /// Makes the next send to `recipient` meet `fault` (once; queued after
    /// any fault already waiting for it). The chat view's fault buttons do this.
    pub fn fail_next_send_to(&self, recipient: &str, fault: Fault) {
        self.shared
            .records()
            .script
            .next_for
            .entry(rules::customer_key(recipient))
            .or_default()
            .push_back(fault);
    }

    /// The base URL to give [`modica_wab::ClientBuilder::base_url`].
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
        callbacks::inject_mo(&self.shared, from, None, content)
    }

    /// A customer known by username only (`@bob`, with no phone number the
    /// business may see), as Meta names such a user to a business: the
    /// business-scoped user id returned, the same for the same username.
    /// Their MOs (`inject_text(&bsuid, …)`, or the chat view's `@bob`) carry
    /// only that id and the username; sends to it reach them; an
    /// authentication template to it gets 131062. Asked for their contact
    /// ([`share_own_contact`](Self::share_own_contact)), they share a number
    /// of their own: `+6420` and eight digits drawn from the username.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sandbox = modica_wab_sandbox::Sandbox::builder().start().await.unwrap();
    /// let bob = sandbox.username_customer("@bob");
    /// assert!(bob.starts_with("NZ.") && bob == sandbox.username_customer("bob"));
    /// # }
    /// ```
    pub fn username_customer(&self, username: &str) -> String {
        let username = format!("@{}", username.trim_start_matches('@'));
        let bsuid = bsuid_of(&username);
        self.shared
            .records()
            .usernames
            .insert(bsuid.clone(), username);
        bsuid
    }

    /// The customer completes the WhatsApp Flow the service sent them in
    /// `message_id` (an interactive flow, or a template with a flow button):
    /// an `nfm_reply` MO quoting it, whose `response_json` holds `answers`
    /// and the flow's token, as WhatsApp sends it. Returns the MO id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use modica_wab::message::{Flow, Interactive};
    /// use modica_wab::{Client, Message};
    /// let sandbox = modica_wab_sandbox::Sandbox::builder().start().await?;
    /// let client = Client::builder().credentials(sandbox.username(), sandbox.password())
    ///     .base_url(sandbox.base_url()).default_source(sandbox.business_number()).build()?;
    /// let book = Interactive::flow("Book a visit", Flow::id("1234", "Book").token("visit-42"));
    /// let sent = client.send(&Message::interactive("+64211234567", book)).await?;
    /// sandbox.complete_flow("+64211234567", &sent.id, serde_json::json!({"day": "Tuesday"}))?;
    /// # Ok(()) }
    /// ```
    pub fn complete_flow(
        &self,
        customer: &str,
        message_id: &str,
        answers: Value,
    ) -> Result<String, AnswerError> {
        let Value::Object(answers) = answers else {
            return Err(AnswerError::AnswersNotAnObject(answers.to_string()));
        };
        let (business, reply) = customer::flow_answer(&self.shared, customer, message_id, answers)?;
        Ok(callbacks::inject_mo(
            &self.shared,
            customer,
            Some(&business),
            reply,
        ))
    }

    /// The customer shares a location in answer to the location request
    /// `message_id`: a `location` MO quoting it. Returns the MO id.
    pub fn share_location(
        &self,
        customer: &str,
        message_id: &str,
        latitude: f64,
        longitude: f64,
    ) -> Result<String, AnswerError> {
        let (business, answer) =
            customer::location_answer_to(&self.shared, customer, message_id, latitude, longitude)?;
        Ok(callbacks::inject_mo(
            &self.shared,
            customer,
            Some(&business),
            answer,
        ))
    }

    /// The customer taps a "request contact info" button and shares their own
    /// card: a `contacts` MO with `origin: contact_request/other`, a vCard
    /// and their number (for a username customer, the number
    /// [`username_customer`](Self::username_customer) gave them). Returns the MO id.
    pub fn share_own_contact(&self, customer: &str) -> String {
        let content = customer::own_card(&self.shared, customer);
        callbacks::inject_mo(&self.shared, customer, None, content)
    }

    /// Forgets the uploaded media `id`, as WhatsApp does after 30 days: a
    /// send using it then gets 131053. Returns whether it was held.
    pub fn forget_media(&self, id: &str) -> bool {
        let gone = self.shared.records().media.remove_where(|m| m.id == id);
        for m in &gone {
            let _ = std::fs::remove_file(&m.path);
        }
        !gone.is_empty()
    }

    /// How many media files were uploaded to the sandbox (successful
    /// `POST /media` requests).
    pub fn uploads(&self) -> usize {
        self.shared
            .records()
            .requests
            .iter()
            .filter(|(method, target, status)| {
                method == "POST" && target.starts_with("/media") && *status == 200
            })
            .count()
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

    /// When `customer` last wrote to the sandbox's business number (the
    /// latest injected message's timestamp).
    pub fn last_inbound(&self, customer: &str) -> Option<std::time::SystemTime> {
        let business = &self.shared.config.business_number;
        let at = self
            .shared
            .records()
            .conversations
            .last_inbound(business, customer)?;
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

// The README's examples compile (and run) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The business-scoped user id the sandbox gives a username: `NZ.` and 20
/// digits of its SHA-256, so one username is always one id.
pub(crate) fn bsuid_of(username: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(username.to_ascii_lowercase().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("NZ.{:020}", u64::from_be_bytes(first))
}
