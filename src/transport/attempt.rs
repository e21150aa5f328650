//! One attempt, judged on its own answer: read once (bounded), classified
//! for the retry decision.

use super::answer::{Answer, AnswerBody, Failure};
use super::retry::Outcome;
use super::retry_after;
use crate::error::{ErrorBody, ErrorCode};
use bytes::BytesMut;
use std::time::Duration;

/// Error bodies longer than this are cut: enough for any JSON error, and a
/// hostile or broken server cannot make the client buffer megabytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Reads what came back and says how the attempt ended. A success body is
/// read whole (up to `max_body`) unless it is streamed media; an error body
/// is read (cut at 64 KiB) and parsed, so its WhatsApp code is seen.
///
/// `idle` bounds the wait for each chunk of the body when the client itself
/// does not (uploads run without reqwest's read timeout).
pub(crate) async fn judge(
    sent: Result<reqwest::Response, Failure>,
    streamed_success: bool,
    max_body: usize,
    idle: Option<Duration>,
) -> (Result<Answer, Failure>, Outcome) {
    let response = match sent {
        Ok(response) => response,
        Err(Failure::Http(e)) => {
            // Only a failure to connect proves nothing was sent.
            let outcome = if e.is_connect() {
                Outcome::ConnectFailed
            } else {
                Outcome::Transport {
                    timeout: e.is_timeout(),
                }
            };
            return (Err(Failure::Http(e)), outcome);
        }
        Err(other) => return (Err(other), Outcome::Transport { timeout: true }),
    };
    let status = response.status();
    let retry_after = retry_after::of(response.headers());
    if status.is_success() {
        // The server accepted the request: whatever happens while reading its
        // answer, it must not be sent again.
        let answer = if streamed_success {
            Ok(Answer {
                status,
                headers: response.headers().clone(),
                body: AnswerBody::Streaming(response),
                retry_after,
                error: None,
            })
        } else {
            read_success(response, max_body, retry_after, idle).await
        };
        return (answer, Outcome::Success);
    }
    let headers = response.headers().clone();
    match read_cut(response, MAX_ERROR_BODY, idle).await {
        Ok(body) => {
            let error = ErrorBody::parse(&body);
            let outcome = Outcome::Status {
                status: status.as_u16(),
                code: error.code.map(ErrorCode::from_code),
                retry_after,
            };
            let answer = Answer {
                status,
                headers,
                body: AnswerBody::Read(body),
                retry_after,
                error: Some(error),
            };
            (Ok(answer), outcome)
        }
        Err(failure) => {
            let timeout = matches!(failure, Failure::Stalled(_));
            (Err(failure), Outcome::Transport { timeout })
        }
    }
}

/// The next chunk of a body, within `idle` when given.
async fn next_chunk(
    response: &mut reqwest::Response,
    idle: Option<Duration>,
) -> Result<Option<bytes::Bytes>, Failure> {
    match idle {
        None => response.chunk().await.map_err(Failure::Http),
        Some(limit) => match tokio::time::timeout(limit, response.chunk()).await {
            Ok(chunk) => chunk.map_err(Failure::Http),
            Err(_) => Err(Failure::Stalled(limit)),
        },
    }
}

/// A success body, whole, or `TooLarge` (nothing past the limit is held).
async fn read_success(
    mut response: reqwest::Response,
    limit: usize,
    retry_after: Option<Duration>,
    idle: Option<Duration>,
) -> Result<Answer, Failure> {
    let status = response.status();
    let too_large = Failure::TooLarge {
        status: status.as_u16(),
        limit,
    };
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = next_chunk(&mut response, idle).await? {
        if body.len() + chunk.len() > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers: response.headers().clone(),
        body: AnswerBody::Read(body.freeze()),
        retry_after,
        error: None,
    })
}

/// At most `limit` bytes of a body; the rest is not read.
async fn read_cut(
    mut response: reqwest::Response,
    limit: usize,
    idle: Option<Duration>,
) -> Result<bytes::Bytes, Failure> {
    let mut body = BytesMut::new();
    while let Some(chunk) = next_chunk(&mut response, idle).await? {
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(body.freeze())
}
