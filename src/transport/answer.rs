//! What an attempt gives back: the answer, read once, or why there is none.

use crate::error::ErrorBody;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use std::time::Duration;

/// The API's answer to a request, each part read once.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: AnswerBody,
    /// `Retry-After`, parsed.
    pub(crate) retry_after: Option<Duration>,
    /// What an error body says (for an error status).
    pub(crate) error: Option<ErrorBody>,
}

/// The body: read (JSON and error bodies, bounded) or still streaming (media).
pub(crate) enum AnswerBody {
    Read(Bytes),
    Streaming(reqwest::Response),
}

/// Why a request produced no answer to hand on.
#[derive(Debug)]
pub(crate) enum Failure {
    Http(reqwest::Error),
    /// An upload made no progress, or got no answer, for this long.
    Stalled(Duration),
    /// Pacing would have held the request past the time by which it could
    /// still finish: nothing of it was sent.
    PacedPastDeadline {
        /// The wait pacing would have needed.
        wait: Duration,
    },
    /// A success body longer than the limit; only its status was read.
    TooLarge {
        status: u16,
        limit: usize,
    },
}

impl Answer {
    /// The answer as the generated code reads it: a `reqwest::Response`
    /// around the body already read (or still streaming).
    pub(crate) fn into_response(self) -> reqwest::Response {
        match self.body {
            AnswerBody::Streaming(response) => response,
            AnswerBody::Read(bytes) => {
                let mut response = http::Response::new(reqwest::Body::from(bytes));
                *response.status_mut() = self.status;
                *response.headers_mut() = self.headers;
                reqwest::Response::from(response)
            }
        }
    }
}

/// A response whose body fails to read with `error`: how the generated code
/// is told of a failure that is not one of reqwest's own.
pub(crate) fn failing_body(status: StatusCode, error: std::io::Error) -> reqwest::Response {
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter([Err::<Bytes, _>(error)]));
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    reqwest::Response::from(response)
}
