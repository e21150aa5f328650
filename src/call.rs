//! Runs a generated operation and turns its outcome into facade types.

use crate::capture::{self, Captured};
use crate::error::{ApiError, Error, TransportError};
use bytes::Bytes;
use progenitor_client::{Error as RawError, ResponseValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::time::Duration;

/// Runs a generated operation with a JSON success body and decodes it into `U`.
pub(crate) async fn json<T, E, U, F>(operation: F) -> Result<U, Error>
where
    F: Future<Output = Result<ResponseValue<T>, RawError<E>>>,
    T: Serialize + DeserializeOwned,
    E: Serialize,
    U: DeserializeOwned,
{
    let (result, captured) = capture::scope(operation).await;
    let status = captured.as_ref().map_or(200, |c| c.status);
    match result {
        Ok(value) => convert(&value.into_inner(), status),
        // A success status the spec does not list (200 for 202, say): the
        // request may well have been accepted, so decode it rather than fail.
        Err(RawError::UnexpectedResponse(response)) if response.status().is_success() => {
            let status = response.status().as_u16();
            let body = response
                .bytes()
                .await
                .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))?;
            match serde_json::from_slice::<T>(&body) {
                Ok(value) => convert(&value, status),
                Err(e) => Err(Error::UndecodableResponse {
                    status,
                    reason: e.to_string(),
                    body,
                }),
            }
        }
        Err(e) => Err(map_error(e, captured).await),
    }
}

/// Runs a generated operation and keeps the raw value (a byte stream, say).
pub(crate) async fn raw<T, E, F>(operation: F) -> Result<ResponseValue<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, RawError<E>>>,
    E: Serialize,
{
    let (result, captured) = capture::scope(operation).await;
    match result {
        Ok(value) => Ok(value),
        Err(e) => Err(map_error(e, captured).await),
    }
}

/// Re-reads a generated value as a facade type (they share the wire format).
pub(crate) fn convert<T: Serialize, U: DeserializeOwned>(
    value: &T,
    status: u16,
) -> Result<U, Error> {
    let json = serde_json::to_value(value).map_err(|e| Error::UndecodableResponse {
        status,
        reason: e.to_string(),
        body: Bytes::new(),
    })?;
    serde_json::from_value(json.clone()).map_err(|e| Error::UndecodableResponse {
        status,
        reason: e.to_string(),
        body: Bytes::from(json.to_string()),
    })
}

/// Reads a checked JSON body as the generated request type of an operation.
pub(crate) fn request_body<T: DeserializeOwned>(body: serde_json::Value) -> Result<T, Error> {
    serde_json::from_value(body).map_err(|e| Error::invalid("body", e.to_string()))
}

/// The `Retry-After` of a response, parsed.
pub(crate) fn retry_after_of(headers: &http::HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// Parses `Retry-After`: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

async fn map_error<E: Serialize>(e: RawError<E>, captured: Option<Captured>) -> Error {
    let captured = captured.unwrap_or_default();
    let retry_after = captured.retry_after.as_deref().and_then(parse_retry_after);
    match e {
        RawError::InvalidRequest(reason) => Error::invalid("request", reason),
        RawError::CommunicationError(e)
        | RawError::ResponseBodyError(e)
        | RawError::InvalidUpgrade(e) => Error::Transport(TransportError::from_reqwest(e)),
        RawError::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let body = match captured.error_body {
                Some(body) => body,
                None => Bytes::from(serde_json::to_vec(value.as_ref()).unwrap_or_default()),
            };
            Error::Api(ApiError::from_parts(status, retry_after, body))
        }
        RawError::InvalidResponsePayload(body, reason) => {
            if captured.status >= 400 {
                Error::Api(ApiError::from_parts(captured.status, retry_after, body))
            } else {
                Error::UndecodableResponse {
                    status: captured.status,
                    reason: reason.to_string(),
                    body,
                }
            }
        }
        RawError::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let body = match captured.error_body {
                Some(body) => body,
                None => response.bytes().await.unwrap_or_default(),
            };
            if status >= 400 {
                Error::Api(ApiError::from_parts(status, retry_after, body))
            } else {
                Error::UndecodableResponse {
                    status,
                    reason: "status not listed in the spec".into(),
                    body,
                }
            }
        }
        RawError::Custom(reason) => Error::Transport(TransportError::other(reason)),
    }
}
