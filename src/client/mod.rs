//! `Client` and `ClientBuilder`: credentials, base URL, timeouts, and one
//! method per thing the WAB API does. Each method checks its input, builds
//! its request from typed parts, hands it to the transport, and reads the
//! answer into the facade's types.

mod answer;
mod builder;
mod cached_media;
mod fallback;
mod window_check;

pub use cached_media::MediaId;
pub use fallback::FallbackPolicy;

pub use builder::ClientBuilder;

use crate::error::Error;
use crate::media::{MediaDownload, MediaUpload, MultipartBody};
use crate::message::{self, Broadcast, Encoded, Message};
use crate::raw;
use crate::response::{
    Accepted, BroadcastAccepted, FallbackReason, MessageRecord, ServiceStatus, Source,
    UploadedMedia,
};
use crate::spec::Route;
use crate::transport::{Answer, AnswerBody, PacingKeys, Payload, Prepared, Transport};
use std::fmt;
use std::sync::Arc;

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
    transport: Transport,
    base_url: String,
    username: String,
    default_source: Option<String>,
    window: Option<crate::window::ServiceWindow>,
    fallback: FallbackPolicy,
    media_cache: Option<crate::media::MediaCache>,
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

    /// A client for another account (another Modica application's
    /// credentials, with its own default source), sharing this one's
    /// connection pool, timeouts, retry policy and budget, and pacing.
    ///
    /// ```
    /// # fn f() -> Result<(), modica_wab::Error> {
    /// use modica_wab::Client;
    /// let retail = Client::builder().credentials("retail-app", "s3cret").default_source("6421000001").build()?;
    /// let support = retail.account("support-app", "an0ther", Some("6421000002"))?;
    /// assert_eq!(support.default_source(), Some("6421000002"));
    /// # Ok(()) }
    /// ```
    pub fn account(
        &self,
        username: &str,
        password: &str,
        default_source: Option<&str>,
    ) -> Result<Client, Error> {
        builder::check_username(username)?;
        if let Some(source) = default_source {
            message::source("default_source", source)
                .map_err(|e| Error::Config(format!("default_source {}", e.reason)))?;
        }
        let authorization =
            crate::credentials::basic_header(username.as_bytes(), password.as_bytes())
                .ok_or_else(|| Error::Config("the credentials cannot form a header".into()))?;
        let transport = self.inner.transport.with_authorization(authorization);
        let raw = raw::Client::new_with_client(
            &self.inner.base_url,
            transport.http().clone(),
            transport.clone(),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                transport,
                base_url: self.inner.base_url.clone(),
                username: username.to_owned(),
                default_source: default_source.map(str::to_owned),
                window: self.inner.window.clone(),
                fallback: self.inner.fallback,
                media_cache: self.inner.media_cache.clone(),
            }),
        })
    }

    /// The API username this client sends.
    pub fn username(&self) -> &str {
        &self.inner.username
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

    /// Sends a request for `route`, built from typed parts, through the pipeline.
    async fn call(
        &self,
        route: Route,
        query: &[(&str, &str)],
        payload: Payload,
        pacing: Option<PacingKeys>,
    ) -> Result<Answer, Error> {
        let operation = route.operation().ok_or_else(|| Error::Unsupported {
            method: route.method().to_owned(),
            path: route.path().to_owned(),
        })?;
        let prepared = Prepared::new(operation, self.base_url(), query, payload, pacing)
            .map_err(Error::Config)?;
        self.inner
            .transport
            .send(prepared)
            .await
            .map_err(answer::failure)
    }

    /// A JSON send, paced by its source and recipients.
    async fn send_encoded(&self, route: Route, encoded: Encoded) -> Result<Answer, Error> {
        let pacing = PacingKeys {
            source: encoded.source,
            recipients: encoded.recipients,
        };
        self.call(route, &[], Payload::Json(encoded.body), Some(pacing))
            .await
    }

    /// Sends one message. Checked locally first; nothing is sent if it is invalid.
    ///
    /// With a [service window](ClientBuilder::service_window), a free-form
    /// message to a customer whose window is closed goes as its fallback
    /// template, or is refused with [`Error::WindowClosed`]. With
    /// [`FallbackPolicy::AlsoWhenRefused`], a message WhatsApp refuses with
    /// 131047 goes as its fallback too. [`Accepted::sent_as`] says which went out.
    pub async fn send(&self, message: &Message) -> Result<Accepted, Error> {
        let encoded = message.encode(self.default_source())?;
        if let Some(window) = &self.inner.window
            && !matches!(message.content(), crate::message::Content::Template(_))
            && let Some(closed) =
                window_check::first_closed(window, &encoded.source, &encoded.recipients).await
        {
            let Some(fallback) = message.fallback() else {
                crate::telemetry::window("refused");
                return Err(Error::WindowClosed {
                    to: closed.to,
                    source_number: encoded.source,
                    closed_at: closed.closed_at,
                });
            };
            crate::telemetry::window("fallback");
            return self
                .send_fallback(&fallback, FallbackReason::WindowClosed)
                .await;
        }
        let sent = self
            .send_encoded(Route::SendMessage, encoded)
            .await
            .and_then(answer::first::<Accepted>);
        match (sent, message.fallback()) {
            (Err(e), Some(fallback)) if self.inner.fallback.follows(&e) => {
                crate::telemetry::window("fallback_after_refusal");
                tracing::info!(
                    error = %e.to_string().escape_debug(),
                    "WhatsApp refused the message (131047); sending its fallback template"
                );
                self.send_fallback(&fallback, FallbackReason::RefusedOutsideWindow)
                    .await
            }
            (sent, _) => sent,
        }
    }

    /// Sends a message's fallback template in its place.
    async fn send_fallback(
        &self,
        fallback: &Message,
        reason: FallbackReason,
    ) -> Result<Accepted, Error> {
        let encoded = fallback.encode(self.default_source())?;
        let answer = self.send_encoded(Route::SendMessage, encoded).await?;
        Ok(answer::first::<Accepted>(answer)?.into_fallback(reason))
    }

    /// Replies to an inbound message: to its sender, from the business number
    /// it was sent to, quoting it (see [`Message::reply`]).
    ///
    /// ```no_run
    /// # async fn f(client: modica_wab::Client, mo: modica_wab::callback::InboundMessage) -> Result<(), modica_wab::Error> {
    /// use modica_wab::Content;
    /// client.reply(&mo, Content::text("Thanks, we're on it.")).await?;
    /// client.react(&mo, "👍").await?;
    /// # Ok(()) }
    /// ```
    pub async fn reply(
        &self,
        inbound: &crate::callback::InboundMessage,
        content: crate::message::Content,
    ) -> Result<Accepted, Error> {
        self.send(&Message::reply(inbound, content)).await
    }

    /// Reacts to an inbound message with `emoji` (see [`Message::react`]).
    pub async fn react(
        &self,
        inbound: &crate::callback::InboundMessage,
        emoji: &str,
    ) -> Result<Accepted, Error> {
        self.send(&Message::react(inbound, emoji)).await
    }

    /// Sends one message to several recipients; one entry per recipient.
    ///
    /// With a [service window](ClientBuilder::service_window), a free-form
    /// broadcast is refused with [`Error::WindowClosed`] (naming the first
    /// such recipient) when any recipient's window is closed.
    pub async fn broadcast(&self, broadcast: &Broadcast) -> Result<Vec<BroadcastAccepted>, Error> {
        let encoded = broadcast.encode(self.default_source())?;
        if let Some(window) = &self.inner.window
            && !matches!(broadcast.content(), crate::message::Content::Template(_))
            && let Some(closed) =
                window_check::first_closed(window, &encoded.source, &encoded.recipients).await
        {
            crate::telemetry::window("refused");
            return Err(Error::WindowClosed {
                to: closed.to,
                source_number: encoded.source,
                closed_at: closed.closed_at,
            });
        }
        answer::json(self.send_encoded(Route::SendBroadcast, encoded).await?)
    }

    /// Looks up a sent or received message by id.
    pub async fn message(&self, id: &str) -> Result<MessageRecord, Error> {
        message::text("id", id, 255)?;
        let answer = self
            .call(Route::GetMessage, &[("id", id)], Payload::None, None)
            .await?;
        answer::json(answer)
    }

    /// Uploads a media file; use the returned id in [`crate::Media::id`].
    ///
    /// Files given as a path or stream are streamed, never held in memory.
    pub async fn upload_media(&self, upload: MediaUpload) -> Result<UploadedMedia, Error> {
        let source = upload
            .source_or(self.default_source())
            .ok_or_else(|| {
                Error::invalid(
                    "source",
                    "no source number: set it on the upload or with ClientBuilder::default_source",
                )
            })?
            .to_owned();
        message::source("source", &source)?;
        let multipart = upload.into_multipart()?;
        let payload = match multipart.body {
            MultipartBody::Bytes(body) => Payload::Multipart {
                content_type: multipart.content_type,
                body,
            },
            MultipartBody::Stream { stream, len } => Payload::MultipartStream {
                content_type: multipart.content_type,
                body: stream,
                len,
            },
        };
        let query = [("source", source.as_str())];
        answer::first(self.call(Route::UploadMedia, &query, payload, None).await?)
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
        message::media_key("media_id", media_id)?;
        message::media_key("source", source)?;
        let query = [("media_id", media_id), ("source", source)];
        let answer = self
            .call(Route::DownloadMedia, &query, Payload::None, None)
            .await?;
        let answer = answer::success(answer)?;
        let header = |name| {
            answer
                .headers
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(http::header::CONTENT_TYPE);
        let content_length = header(http::header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
        Ok(match answer.body {
            AnswerBody::Streaming(response) => {
                MediaDownload::new(content_type, content_length, response.bytes_stream())
            }
            AnswerBody::Read(bytes) => MediaDownload::new(
                content_type,
                content_length,
                futures_util::stream::iter([Ok(bytes)]),
            ),
        })
    }

    /// Registers a business phone number as a sending source, with its
    /// six-digit two-step verification PIN.
    pub async fn register_source(&self, source: &str, pin: &str) -> Result<Source, Error> {
        message::source("source", source)?;
        if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("pin", "must be six digits"));
        }
        #[derive(serde::Serialize)]
        struct Registration<'a> {
            source: &'a str,
            pin: &'a str,
        }
        let body = serde_json::to_vec(&Registration { source, pin })
            .map_err(|e| Error::invalid("body", e.to_string()))?;
        let answer = self
            .call(Route::RegisterSource, &[], Payload::Json(body), None)
            .await?;
        answer::json(answer)
    }

    /// Lists the account's sources.
    pub async fn sources(&self) -> Result<Vec<Source>, Error> {
        answer::json(
            self.call(Route::ListSources, &[], Payload::None, None)
                .await?,
        )
    }

    /// The gateway's status.
    pub async fn status(&self) -> Result<ServiceStatus, Error> {
        answer::json(
            self.call(Route::GetStatus, &[], Payload::None, None)
                .await?,
        )
    }
}
