//! Configuring and starting a [`Sandbox`].

use super::records::Records;
use super::{
    Config, DEFAULT_JSON_LIMIT, DEFAULT_MEDIA_LIMIT, DEFAULT_RECORD_LIMIT, Duplicates, Sandbox,
    SandboxError, Shared, server,
};
use modica_wab_conformance::Validator;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Configures a [`Sandbox`].
#[derive(Debug)]
#[must_use]
pub struct SandboxBuilder {
    addr: String,
    config: Config,
    spec: Option<String>,
    throughput: Option<usize>,
}

impl SandboxBuilder {
    pub(super) fn new() -> Self {
        Self {
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
                callback_max_backoff: Duration::from_secs(600),
                strict: false,
                json_limit: DEFAULT_JSON_LIMIT,
                media_limit: DEFAULT_MEDIA_LIMIT,
                body_timeout: Duration::from_secs(10),
                record_limit: DEFAULT_RECORD_LIMIT,
                ui: true,
                require_contact: false,
                templates: None,
            },
            spec: None,
            throughput: None,
        }
    }

    /// Answers WhatsApp's 130429 (throughput reached) above `per_second`
    /// messages a second, from the start ([`Sandbox::limit_throughput`] later).
    pub fn throughput(mut self, per_second: usize) -> Self {
        self.throughput = Some(per_second);
        self
    }

    /// Serves the chat view (default on): a page under a secret path,
    /// `/_sandbox/<token>/`, showing each conversation as the customer sees
    /// it and answering as the customer ([`Sandbox::chat_url`]).
    pub fn chat_view(mut self, on: bool) -> Self {
        self.config.ui = on;
        self
    }

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
    /// An absolute http(s) URL without query or fragment, as the receiver
    /// takes ([`Self::start`] refuses others).
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

    /// Callback attempts per event and the first backoff, doubling up to
    /// [`Self::callback_max_backoff`]. Default 5, 50 ms. As a real gateway
    /// redelivers over minutes (Svix: up to 10 h), `wab sandbox` defaults to
    /// 10 attempts from 1 s, so a receiver restarted during development
    /// still gets its callbacks.
    pub fn callback_retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.config.callback_attempts = attempts.max(1);
        self.config.callback_backoff = backoff;
        self
    }

    /// The longest wait between two attempts of one callback. Default 10 min.
    pub fn callback_max_backoff(mut self, max: Duration) -> Self {
        self.config.callback_max_backoff = max;
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

    /// Answers template messages as WhatsApp does for a business holding
    /// `templates` (132001, 132000, 132012, 132015, 132016, 132005; see
    /// [`Templates`](crate::templates::Templates)), and shows them in the
    /// chat view with their text filled in. Without it, any template is
    /// accepted.
    pub fn templates(mut self, templates: crate::templates::Templates) -> Self {
        self.config.templates = Some(Arc::new(templates));
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
            modica_wab::credentials::service_url(url).map_err(|why| {
                SandboxError::CallbackUrl(format!(
                    "{}: {why}",
                    modica_wab::credentials::redact(url)
                ))
            })?;
        }
        let ui = self.config.ui;
        let spec = self.spec.as_deref().unwrap_or(modica_wab::spec::SPEC_JSON);
        let validator = Validator::from_json(spec, self.config.strict)?;
        // It parsed for the validator, so it parses here.
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
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
        let mut records = Records::new(self.config.record_limit);
        records.script.throughput = self.throughput.map(super::fault::Throughput::new);
        let shared = Arc::new(Shared {
            records: Mutex::new(records),
            config: self.config,
            validator,
            spec,
            media_dir,
            http: reqwest::Client::new(),
            pending: AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
            turn: AtomicUsize::new(0),
            version: tokio::sync::watch::Sender::new(0),
            ui_token: ui.then(|| format!("{:032x}", rand::random::<u128>())),
        });
        let server = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(Sandbox {
            shared,
            addr,
            server,
        })
    }
}
