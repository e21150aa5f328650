//! Reading the transport's answer into the facade's types and errors.

use crate::error::{ApiError, Error, TransportError, shape_only};
use crate::media::SourceReadError;
use crate::transport::{Answer, AnswerBody, Failure};
use bytes::Bytes;
use serde::de::DeserializeOwned;

/// The error a pipeline failure stands for.
pub(crate) fn failure(failure: Failure) -> Error {
    match failure {
        Failure::Http(e) => match SourceReadError::find(&e) {
            // The file or stream being uploaded failed, not the network.
            Some(read) => Error::Io {
                path: read.origin.clone(),
                source: std::io::Error::new(read.error.kind(), read.error.to_string()),
            },
            None => Error::Transport(TransportError::from_reqwest(e)),
        },
        Failure::Stalled(quiet) => Error::Transport(TransportError::timed_out(format!(
            "the upload made no progress, or got no answer, for {quiet:?}"
        ))),
        Failure::TooLarge { status, limit } => Error::ResponseTooLarge { status, limit },
        Failure::PacedPastDeadline { wait } => Error::PacedPastDeadline { wait },
    }
}

/// The answer if its status is a success; otherwise the [`ApiError`] its body gives.
pub(crate) fn success(answer: Answer) -> Result<Answer, Error> {
    if answer.status.is_success() {
        return Ok(answer);
    }
    let body = match answer.body {
        AnswerBody::Read(bytes) => bytes,
        // Error bodies are always read; kept total all the same.
        AnswerBody::Streaming(_) => Bytes::new(),
    };
    Err(Error::Api(ApiError::new(
        answer.status.as_u16(),
        answer.retry_after,
        body,
        answer.error.unwrap_or_default(),
    )))
}

/// A success body, already read.
fn body(answer: Answer) -> Result<(u16, Bytes), Error> {
    let answer = success(answer)?;
    let status = answer.status.as_u16();
    match answer.body {
        AnswerBody::Read(bytes) => Ok((status, bytes)),
        AnswerBody::Streaming(_) => Err(Error::UndecodableResponse {
            status,
            reason: "the spec says this answer is binary, not JSON".into(),
            body: Bytes::new(),
        }),
    }
}

/// A success body decoded as `U`, or the error the answer stands for.
pub(crate) fn json<U: DeserializeOwned>(answer: Answer) -> Result<U, Error> {
    let (status, body) = body(answer)?;
    serde_json::from_slice(&body).map_err(|e| Error::UndecodableResponse {
        status,
        reason: shape_only(&e.to_string()),
        body,
    })
}

/// One item, whether the gateway answered with it or with an array holding it.
pub(crate) fn first<U: DeserializeOwned>(answer: Answer) -> Result<U, Error> {
    let (status, body) = body(answer)?;
    let undecodable = |reason: String, body: &Bytes| Error::UndecodableResponse {
        status,
        reason,
        body: body.clone(),
    };
    // Look at the first byte rather than trying both shapes (an untagged enum
    // buffers the whole document first).
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        let many: Vec<U> = serde_json::from_slice(&body)
            .map_err(|e| undecodable(shape_only(&e.to_string()), &body))?;
        many.into_iter().next().ok_or_else(|| {
            undecodable(
                "the gateway accepted the request but returned an empty array".into(),
                &body,
            )
        })
    } else {
        serde_json::from_slice(&body).map_err(|e| undecodable(shape_only(&e.to_string()), &body))
    }
}
