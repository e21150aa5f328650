//! One attempt, judged on its own answer: read once (bounded), classified
//! for the retry decision.

use super::answer::{Answer, AnswerBody, Failure};
use super::retry::Outcome;
use super::retry_after;
use crate::error::{ErrorBody, ErrorCode};
use bytes::BytesMut;

/// Error bodies longer than this are cut: enough for any JSON error, and a
/// hostile or broken server cannot make the client buffer megabytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Reads what came back and says how the attempt ended. A success body is
/// read whole (up to `max_body`) unless it is streamed media; an error body
/// is read (cut at 64 KiB) and parsed, so its WhatsApp code is seen.
pub(crate) async fn judge(
    sent: Result<reqwest::Response, Failure>,
    streamed_success: bool,
    max_body: usize,
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
            read_success(response, max_body, retry_after).await
        };
        return (answer, Outcome::Success);
    }
    let headers = response.headers().clone();
    match read_cut(response, MAX_ERROR_BODY).await {
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
        Err(e) => (Err(Failure::Http(e)), Outcome::Transport { timeout: false }),
    }
}

/// A success body, whole, or `TooLarge` (nothing past the limit is held).
async fn read_success(
    mut response: reqwest::Response,
    limit: usize,
    retry_after: Option<std::time::Duration>,
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
    while let Some(chunk) = response.chunk().await.map_err(Failure::Http)? {
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
async fn read_cut(mut response: reqwest::Response, limit: usize) -> reqwest::Result<bytes::Bytes> {
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(body.freeze())
}
