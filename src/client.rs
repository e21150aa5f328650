//! `Client` and `ClientBuilder`: credentials, base URL, timeouts, and one
//! method per thing the WAB API does.

use crate::broadcast::Broadcast;
use crate::call::{self, Payload};
use crate::error::Error;
use crate::hooks::{HookState, TransportConfig};
use crate::media::{MediaDownload, MediaUpload};
use crate::message::Message;
use crate::pacing::Pacing;
use crate::raw;
use crate::response::{
    Accepted, BroadcastAccepted, MessageRecord, ServiceStatus, Source, UploadedMedia,
};
use crate::retry::{RetryPolicy, Sleeper, TokioSleeper};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Modica's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.modicagroup.com/rest/wab/v1";

/// Largest JSON answer read by default: 4 MiB (answers are small; a larger
/// one is a broken or hostile server).
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 4 << 20;

/// A client of the WAB API. Cheap to clone; share one per process.
///
/// ```no_run
/// # async fn f() -> Result<(), modica_wab::Error> {
/// use modica_wab::{Client, Message};
/// let client = Client::builder()
///     .credentials("my-app", "secret")
///     .default_source("6421000001")
///     .build()?;
/// let accepted = client.send(&Message::text("+64211234567", "Kia ora!")).await?;
/// println!("queued as {}", accepted.id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    raw: raw::Client,
    base_url: String,
    username: String,
    default_source: Option<String>,
}

/// Builds a [`Client`].
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    username: Option<String>,
    password: Option<String>,
    base_url: String,
    default_source: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
    max_response_body: usize,
    retry: RetryPolicy,
    pacing: Option<Pacing>,
    sleeper: Option<Arc<dyn Sleeper>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            username: None,
            password: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            default_source: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            user_agent: format!("modica-wab/{}", env!("CARGO_PKG_VERSION")),
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            retry: RetryPolicy::standard(),
            pacing: None,
            sleeper: None,
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
            .finish()
    }
}

impl ClientBuilder {
    /// The API username and password (HTTP Basic auth).
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
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

    /// Overall deadline of one request, response body included (default 30 s).
    /// Media transfers are exempt: downloads run on the read timeout, uploads
    /// on their progress (see [`Self::read_timeout`]).
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
    /// [`DEFAULT_MAX_RESPONSE_BODY`]); a longer one is
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

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let (Some(username), Some(password)) = (self.username, self.password) else {
            return Err(Error::Config(
                "credentials are not set: call ClientBuilder::credentials".into(),
            ));
        };
        if username.is_empty() || username.contains(':') {
            return Err(Error::Config(
                "the username must be non-empty and must not contain `:`".into(),
            ));
        }
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let shown = crate::auth::redact(&base_url);
        match reqwest::Url::parse(&base_url) {
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                return Err(Error::Config(format!(
                    "base URL {shown} carries credentials; give them to ClientBuilder::credentials instead"
                )));
            }
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return Err(Error::Config(format!(
                    "base URL {shown} is not an absolute http(s) URL"
                )));
            }
        }
        if let Some(source) = &self.default_source {
            crate::validate::source("default_source", source)?;
        }
        let authorization = crate::auth::basic_header(username.as_bytes(), password.as_bytes())
            .ok_or_else(|| Error::Config("the credentials cannot form a header".into()))?;
        // With only the ring backend, rustls has no provider until one is installed;
        // an error means the application installed its own, which is kept.
        #[cfg(all(feature = "tls-ring", not(feature = "tls-aws-lc")))]
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Redirects are never followed: the API has none, and reqwest would
        // turn a POST into a GET whose answer says nothing about the POST.
        let http_client = |read_timeout: Option<Duration>| {
            let mut builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent.clone());
            if let Some(t) = read_timeout {
                builder = builder.read_timeout(t);
            }
            builder
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
        };
        let http = http_client(Some(self.read_timeout))?;
        let streaming = http_client(None)?;
        let hooks = HookState::new(TransportConfig {
            authorization,
            timeout: Some(self.timeout),
            read_timeout: self.read_timeout,
            max_body: self.max_response_body,
            streaming,
            retry: self.retry,
            sleeper: self
                .sleeper
                .unwrap_or_else(|| Arc::new(TokioSleeper::default())),
            pacing: self.pacing,
        });
        let raw = raw::Client::new_with_client(&base_url, http, hooks);
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                base_url,
                username,
                default_source: self.default_source,
            }),
        })
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("username", &self.inner.username)
            .field("password", &"<redacted>")
            .field("default_source", &self.inner.default_source)
            .finish()
    }
}

impl Client {
    /// A builder with the default settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the `MODICA_*` environment (see [`ClientBuilder::from_env`]).
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The generated low-level client, with the same credentials and hooks.
    /// Every operation of the spec is there, including ones added to a newer spec.
    pub fn raw(&self) -> &raw::Client {
        &self.inner.raw
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The default source number, if one was set.
    pub fn default_source(&self) -> Option<&str> {
        self.inner.default_source.as_deref()
    }

    /// Sends one message. Checked locally first; nothing is sent if it is invalid.
    pub async fn send(&self, message: &Message) -> Result<Accepted, Error> {
        let body = message.to_json(self.default_source())?;
        let response = call::send(self, "POST", "/messages", &[], Payload::Json(body)).await?;
        call::first(response).await
    }

    /// Sends one message to several recipients; one entry per recipient.
    pub async fn broadcast(&self, broadcast: &Broadcast) -> Result<Vec<BroadcastAccepted>, Error> {
        let body = broadcast.to_json(self.default_source())?;
        let path = "/messages/broadcast";
        let response = call::send(self, "POST", path, &[], Payload::Json(body)).await?;
        call::json(response).await
    }

    /// Looks up a sent or received message by id.
    pub async fn message(&self, id: &str) -> Result<MessageRecord, Error> {
        crate::validate::text("id", id, 255)?;
        let response = call::send(self, "GET", "/messages", &[("id", id)], Payload::None).await?;
        call::json(response).await
    }

    /// Uploads a media file; use the returned id in [`crate::Media::id`].
    ///
    /// Files given as a path or stream are streamed, never held in memory.
    pub async fn upload_media(&self, upload: MediaUpload) -> Result<UploadedMedia, Error> {
        call::operation("POST", "/media")?;
        let source = upload
            .source_or(self.default_source())
            .ok_or_else(|| {
                Error::invalid(
                    "source",
                    "no source number: set it on the upload or with ClientBuilder::default_source",
                )
            })?
            .to_owned();
        crate::validate::source("source", &source)?;
        let (content_type, body) = upload.into_multipart()?;
        let query = [("source", source.as_str())];
        let payload = Payload::Raw(content_type, body);
        let response = call::send(self, "POST", "/media", &query, payload).await?;
        call::first(response).await
    }

    /// Downloads media (e.g. from an inbound message) for the default source.
    pub async fn download_media(&self, media_id: &str) -> Result<MediaDownload, Error> {
        let source = self
            .default_source()
            .ok_or_else(|| Error::invalid("source", "no default source: use download_media_for"))?
            .to_owned();
        self.download_media_for(&source, media_id).await
    }

    /// Downloads the media item of an inbound message (image, audio, video,
    /// document or sticker), as a stream.
    ///
    /// The media belongs to the business number the message was sent to (its
    /// `Destination`, without a leading `+`); the default source is used when
    /// the callback did not name it.
    pub async fn download_inbound_media(
        &self,
        message: &crate::callback::InboundMessage,
    ) -> Result<MediaDownload, Error> {
        let media = message
            .media()
            .ok_or_else(|| Error::invalid("content", "the message carries no media"))?;
        let source = match message.destination.as_deref() {
            Some(d) => d.trim_start_matches('+').to_owned(),
            None => self.default_source().map(str::to_owned).ok_or_else(|| {
                Error::invalid(
                    "source",
                    "the message has no Destination and no default source is set",
                )
            })?,
        };
        self.download_media_for(&source, &media.id).await
    }

    /// Downloads media received on `source`, as a stream.
    pub async fn download_media_for(
        &self,
        source: &str,
        media_id: &str,
    ) -> Result<MediaDownload, Error> {
        crate::validate::media_key("media_id", media_id)?;
        crate::validate::media_key("source", source)?;
        let query = [("media_id", media_id), ("source", source)];
        let response = call::send(self, "GET", "/media", &query, Payload::None).await?;
        let response = call::success(response).await?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let content_length = header(reqwest::header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
        Ok(MediaDownload::new(
            content_type,
            content_length,
            response.bytes_stream(),
        ))
    }

    /// Registers a business phone number as a sending source, with its
    /// six-digit two-step verification PIN.
    pub async fn register_source(&self, source: &str, pin: &str) -> Result<Source, Error> {
        crate::validate::source("source", source)?;
        if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("pin", "must be six digits"));
        }
        let body = serde_json::json!({ "source": source, "pin": pin });
        let response = call::send(self, "POST", "/source", &[], Payload::Json(body)).await?;
        call::json(response).await
    }

    /// Lists the account's sources.
    pub async fn sources(&self) -> Result<Vec<Source>, Error> {
        let response = call::send(self, "GET", "/source", &[], Payload::None).await?;
        call::json(response).await
    }

    /// The gateway's status.
    pub async fn status(&self) -> Result<ServiceStatus, Error> {
        let response = call::send(self, "GET", "/status", &[], Payload::None).await?;
        call::json(response).await
    }
}
