//! The one error type of the facade, and what it carries: the API's answer
//! ([`ApiError`], in `api.rs`) and WhatsApp's error codes ([`ErrorCode`], in
//! `code.rs`); `shape.rs` takes the values out of serde's messages.

mod api;
mod code;
mod shape;

pub(crate) use api::ErrorBody;
pub use api::{ApiError, FieldError};
pub use code::{ErrorClass, ErrorCode};

pub(crate) use shape::shape_only;

use bytes::Bytes;
use std::fmt;
use std::time::Duration;

/// Anything that can go wrong when talking to the WAB API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was rejected locally, before anything was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(#[from] ValidationError),
    /// The client could not be built (bad base URL, missing credentials…).
    #[error("configuration error: {0}")]
    Config(String),
    /// A local file could not be read or written (an upload, a download's target).
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The request did not complete: connect failure, timeout, broken connection.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// The API answered with an error status.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The API answered with a success status, but the body is not what the spec says.
    #[error("undecodable response (HTTP {status}): {reason}")]
    UndecodableResponse {
        /// HTTP status of the response.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The body as received.
        body: Bytes,
    },
    /// The API answered with a success status and a body longer than
    /// [`crate::ClientBuilder::max_response_body`]; the body was not read.
    /// For a send, the message **may have been accepted**: do not resend it blindly.
    #[error(
        "the API answered HTTP {status} with a body over the {limit}-byte limit (ClientBuilder::max_response_body); the request may have taken effect"
    )]
    ResponseTooLarge {
        /// HTTP status of the response.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },
    /// A free-form message to a customer whose 24-hour service window is
    /// closed, refused locally: nothing was sent. Send a template (or give
    /// the message one with [`Message::or_template`](crate::Message::or_template)).
    /// Only with [`ClientBuilder::service_window`](crate::ClientBuilder::service_window).
    #[error("{to}'s customer-service window with {source_number} is closed{}: send a template", closed_since(*.closed_at))]
    WindowClosed {
        /// The customer.
        to: String,
        /// The business number it would have gone from.
        source_number: String,
        /// When the window closed; `None` when the customer never wrote.
        closed_at: Option<std::time::SystemTime>,
    },
    /// Nothing was sent: pacing would have held the request past the latest
    /// time it could start and still finish by the retry policy's deadline
    /// (an attempt is never cut short; see [`RetryPolicy::deadline`](crate::RetryPolicy::deadline)).
    /// Sending it again later is safe.
    #[error(
        "not sent: pacing would hold it {} more, past the time by which it could still finish within the deadline (RetryPolicy::deadline); nothing was sent, so sending again later is safe",
        seconds(*wait)
    )]
    PacedPastDeadline {
        /// The wait pacing would have needed.
        wait: Duration,
    },
    /// The spec this crate was built from has no such operation (an older or
    /// different spec): the facade method cannot be used with it.
    #[error("the spec this client was built from has no {method} {path} operation")]
    Unsupported {
        /// HTTP method.
        method: String,
        /// Path below the base URL.
        path: String,
    },
}

/// Whether an error status proves the request was not taken: a 4xx, but
/// 408 and 425 (a proxy may have timed out after passing the request on).
/// A 5xx or a 3xx (never followed) leaves it unknown. The retry decision and
/// [`Error::acceptance`] both read it.
pub(crate) fn refuses(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 408 | 425)
}

/// `"1.250 s"`.
fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// `" since 2026-11-29 10:00:00 UTC"`, or that the customer never wrote.
fn closed_since(closed_at: Option<std::time::SystemTime>) -> String {
    match closed_at {
        Some(at) => format!(" since {}", httpdate::fmt_http_date(at)),
        None => " (the customer never wrote)".to_owned(),
    }
}

impl Error {
    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::UndecodableResponse { status, .. } | Error::ResponseTooLarge { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The API error, when the API answered with an error status.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The WhatsApp error code the API gave, if any.
    pub fn code(&self) -> Option<ErrorCode> {
        self.api_error().and_then(|e| e.code)
    }

    /// What kind of failure this is. Transport failures are transient; local
    /// validation and configuration errors are permanent.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Api(e) => e.class(),
            Error::Transport(_) => ErrorClass::Transient,
            Error::UndecodableResponse { status, .. } if *status >= 500 => ErrorClass::Transient,
            _ => ErrorClass::Permanent,
        }
    }

    /// Whether the same request can succeed later. Says nothing about whether
    /// resending is *safe*: a timed-out send may have been accepted.
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }

    /// Whether the API may have taken the request, as far as the client can
    /// know: what to do with a send that failed.
    ///
    /// ```
    /// # fn f(e: modica_wab::Error) {
    /// use modica_wab::error::Acceptance;
    /// match e.acceptance() {
    ///     Acceptance::NotAccepted => { /* safe to send again (later, if it is retryable) */ }
    ///     Acceptance::MayHaveBeenAccepted => { /* reconcile by reference; never resend blindly */ }
    ///     Acceptance::Accepted => { /* taken, but its answer could not be read */ }
    ///     _ => {}
    /// }
    /// # }
    /// ```
    pub fn acceptance(&self) -> Acceptance {
        match self {
            Error::Transport(t) if t.is_connect() => Acceptance::NotAccepted,
            Error::Transport(_) => Acceptance::MayHaveBeenAccepted,
            Error::Api(e) if refuses(e.status) => Acceptance::NotAccepted,
            Error::Api(_) => Acceptance::MayHaveBeenAccepted,
            Error::UndecodableResponse { status, .. } | Error::ResponseTooLarge { status, .. }
                if (200..300).contains(status) =>
            {
                Acceptance::Accepted
            }
            Error::UndecodableResponse { .. } | Error::ResponseTooLarge { .. } => {
                Acceptance::MayHaveBeenAccepted
            }
            // Refused locally, or before anything was sent: a file that could
            // not be read ends an upload before the gateway has all of it.
            _ => Acceptance::NotAccepted,
        }
    }

    /// The wait the server asked for, when it asked (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|e| e.retry_after)
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidRequest(ValidationError::new(field, reason))
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Whether a failed request may have been taken by the API: see
/// [`Error::acceptance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Acceptance {
    /// Not taken: nothing reached the API, or it refused the request (a 4xx,
    /// 429 and throttling codes included). Sending again is safe.
    NotAccepted,
    /// Unknown: a timeout, a dropped connection, a 5xx or a redirect after
    /// the request went out. For a send, reconcile by its reference (a DLR,
    /// [`Client::message`](crate::Client::message)); never resend blindly.
    MayHaveBeenAccepted,
    /// Taken (a success status), but its answer could not be read.
    Accepted,
}

/// A request that breaks a rule of the API, found before sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationError {
    /// Path of the offending field, e.g. `to` or `template.components[1].parameters[0]`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ValidationError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.field, self.reason)
    }
}

impl std::error::Error for ValidationError {}

/// The request did not complete. Opaque; ask it what kind of failure it was.
#[derive(Debug)]
pub struct TransportError {
    message: String,
    connect: bool,
    timeout: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        let e = e.without_url();
        Self {
            message: e.to_string(),
            connect: e.is_connect(),
            timeout: e.is_timeout(),
            source: Some(Box::new(e)),
        }
    }

    pub(crate) fn timed_out(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            connect: false,
            timeout: true,
            source: None,
        }
    }

    /// The connection could not be established: nothing reached the server.
    pub fn is_connect(&self) -> bool {
        self.connect
    }

    /// The request or the response timed out.
    pub fn is_timeout(&self) -> bool {
        self.timeout
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        let mut source = self.source.as_deref().and_then(std::error::Error::source);
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
