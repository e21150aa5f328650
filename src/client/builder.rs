//! [`ClientBuilder`]: the settings of a client, each with its default, and
//! their checks when the client is built.

use super::{Client, FallbackPolicy, Inner};
use crate::clock::{Sleeper, TokioSleeper};
use crate::error::Error;
use crate::message;
use crate::raw;
use crate::transport::{Pacing, RetryPolicy, Transport, TransportConfig};
use crate::window::ServiceWindow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Client`](crate::Client).
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) base_url: String,
    pub(super) default_source: Option<String>,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) read_timeout: Duration,
    pub(super) user_agent: String,
    pub(super) max_response_body: usize,
    pub(super) retry: RetryPolicy,
    pub(super) pacing: Option<Pacing>,
    pub(super) sleeper: Option<Arc<dyn Sleeper>>,
    pub(super) window: Option<ServiceWindow>,
    pub(super) fallback: FallbackPolicy,
    pub(super) media_cache: Option<crate::media::MediaCache>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            username: None,
            password: None,
            base_url: ClientBuilder::DEFAULT_BASE_URL.to_owned(),
            default_source: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            user_agent: format!("modica-wab/{}", env!("CARGO_PKG_VERSION")),
            max_response_body: ClientBuilder::DEFAULT_MAX_RESPONSE_BODY,
            retry: RetryPolicy::standard(),
            pacing: None,
            sleeper: None,
            window: None,
            fallback: FallbackPolicy::default(),
            media_cache: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("default_source", &self.default_source)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("pacing", &self.pacing)
            .field("service_window", &self.window.is_some())
            .finish()
    }
}

impl ClientBuilder {
    /// Modica's production base URL.
    pub const DEFAULT_BASE_URL: &str = "https://api.modicagroup.com/rest/wab/v1";

    /// Largest JSON answer read by default: 4 MiB (answers are small; a larger
    /// one is a broken or hostile server).
    pub const DEFAULT_MAX_RESPONSE_BODY: usize = 4 << 20;

    /// The API username and password (HTTP Basic auth).
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// Checks the 24-hour customer-service window before each free-form
    /// (non-template) send: into a closed window, the message's fallback
    /// template ([`Message::or_template`](crate::Message::or_template)) is
    /// sent instead, or, without one, the send is refused with
    /// [`Error::WindowClosed`] and nothing is sent. Feed the same window
    /// your inbound messages ([`ServiceWindow::record`]).
    ///
    /// When the window's store cannot answer, the message is sent (WhatsApp
    /// is the judge then: at worst it rejects it with 131047).
    pub fn service_window(mut self, window: ServiceWindow) -> Self {
        self.window = Some(window);
        self
    }

    /// Remembers the media id of each file sent with
    /// [`Client::send_media`] per business number and SHA-256, so a file sent
    /// to many customers is uploaded once (see [`MediaCache`](crate::media::MediaCache)).
    pub fn media_cache(mut self, cache: crate::media::MediaCache) -> Self {
        self.media_cache = Some(cache);
        self
    }

    /// When a message's fallback template goes out (see
    /// [`FallbackPolicy`]); default: only when the service window is closed.
    pub fn fallback_policy(mut self, policy: FallbackPolicy) -> Self {
        self.fallback = policy;
        self
    }

    /// Another base URL: a white-label host, or a local mock or sandbox.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The source number used when a message names none.
    pub fn default_source(mut self, source: impl Into<String>) -> Self {
        self.default_source = Some(source.into());
        self
    }

    /// The longest one attempt may take, response body included (default
    /// 30 s). Media transfers are exempt: downloads run on the read timeout,
    /// uploads on their progress (see [`Self::read_timeout`]).
    ///
    /// Keep it shorter than the retry policy's deadline
    /// ([`RetryPolicy::deadline`](crate::RetryPolicy::deadline), 90 s by
    /// default): a send starts only if its whole timeout fits before the
    /// deadline, so with a timeout as long as the deadline no retry and no
    /// pacing wait can start.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Deadline for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest wait for a response's head, and then between two chunks of a
    /// media download; for an upload, the longest it may go without sending
    /// a chunk, and then wait for the answer (default 30 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::standard`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Paces sends per source number and per recipient (off by default).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = Some(pacing);
        self
    }

    /// Replaces the clock and sleep used by retries and pacing (tests and
    /// simulations use a virtual one).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Largest JSON answer the client reads (default
    /// [`Self::DEFAULT_MAX_RESPONSE_BODY`]); a longer one is
    /// [`Error::ResponseTooLarge`]. Media downloads are streamed and not limited.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Replaces the `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Reads `MODICA_USERNAME`, `MODICA_PASSWORD` and, when set,
    /// `MODICA_BASE_URL` and `MODICA_SOURCE`.
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let username = var("MODICA_USERNAME")
            .ok_or_else(|| Error::Config("MODICA_USERNAME is not set".into()))?;
        let password = var("MODICA_PASSWORD")
            .ok_or_else(|| Error::Config("MODICA_PASSWORD is not set".into()))?;
        let mut builder = Self::default().credentials(username, password);
        if let Some(url) = var("MODICA_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Some(source) = var("MODICA_SOURCE") {
            builder = builder.default_source(source);
        }
        Ok(builder)
    }
}

impl ClientBuilder {
    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let (Some(username), Some(password)) = (self.username, self.password) else {
            return Err(Error::Config(
                "credentials are not set: call ClientBuilder::credentials".into(),
            ));
        };
        check_username(&username)?;
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let shown = crate::credentials::redact(&base_url);
        match crate::credentials::service_url(&base_url) {
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                return Err(Error::Config(format!(
                    "base URL {shown} carries credentials; give them to ClientBuilder::credentials instead"
                )));
            }
            Ok(_) => {}
            Err(why) => return Err(Error::Config(format!("base URL {shown}: {why}"))),
        }
        if let Some(source) = &self.default_source {
            message::source("default_source", source)
                .map_err(|e| Error::Config(format!("default_source {}", e.reason)))?;
        }
        let authorization =
            crate::credentials::basic_header(username.as_bytes(), password.as_bytes())
                .ok_or_else(|| Error::Config("the credentials cannot form a header".into()))?;
        // With only the ring backend, rustls has no provider until one is installed;
        // an error means the application installed its own, which is kept.
        #[cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc")))]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let transport = Transport::new(TransportConfig {
            authorization,
            timeout: Some(self.timeout),
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            max_body: self.max_response_body,
            user_agent: self.user_agent,
            retry: self.retry,
            sleeper: self
                .sleeper
                .unwrap_or_else(|| Arc::new(TokioSleeper::default())),
            pacing: self.pacing,
        })?;
        let raw =
            raw::Client::new_with_client(&base_url, transport.http().clone(), transport.clone());
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                transport,
                base_url,
                username,
                default_source: self.default_source,
                window: self.window,
                fallback: self.fallback,
                media_cache: self.media_cache,
            }),
        })
    }
}

/// Basic auth cannot carry a `:` in the user name, nor an empty one.
pub(super) fn check_username(username: &str) -> Result<(), Error> {
    if username.is_empty() || username.contains(':') {
        return Err(Error::Config(
            "the username must be non-empty and must not contain `:`".into(),
        ));
    }
    Ok(())
}
