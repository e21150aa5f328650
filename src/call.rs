//! How the facade calls an operation: found in the built spec by method and path
//! at run time (so the facade compiles against any spec), built by hand, and sent
//! through the same hooks as `raw` (auth, timeouts, pacing, retries).

use crate::client::Client;
use crate::error::{ApiError, Error, TransportError};
use crate::hooks::{AttemptError, Door};
use crate::spec::{OPERATIONS, Operation};
use progenitor_client::ClientInfo;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// What a request carries.
pub(crate) enum Payload {
    None,
    Json(serde_json::Value),
    /// A body with its content type (a multipart upload, say).
    Raw(String, reqwest::Body),
}

/// The operation of the built spec at `method` `path`.
pub(crate) fn operation(method: &str, path: &str) -> Result<&'static Operation, Error> {
    OPERATIONS
        .iter()
        .find(|op| op.method.eq_ignore_ascii_case(method) && op.path == path)
        .ok_or_else(|| Error::Unsupported {
            method: method.to_owned(),
            path: path.to_owned(),
        })
}

/// Sends `method` `path` and returns the response, whatever its status.
pub(crate) async fn send(
    client: &Client,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    payload: Payload,
) -> Result<reqwest::Response, Error> {
    let op = operation(method, path)?;
    let raw = client.raw();
    let method = reqwest::Method::from_bytes(op.method.as_bytes())
        .map_err(|e| Error::Config(format!("spec method {:?}: {e}", op.method)))?;
    let accept = if op.binary_response {
        "*/*"
    } else {
        "application/json"
    };
    let mut builder = raw
        .client()
        .request(method, format!("{}{}", client.base_url(), op.path))
        .header(reqwest::header::ACCEPT, accept);
    if !query.is_empty() {
        builder = builder.query(query);
    }
    builder = match payload {
        Payload::None => builder,
        Payload::Json(value) => builder
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&value).map_err(|e| Error::invalid("body", e.to_string()))?),
        Payload::Raw(content_type, body) => builder
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body),
    };
    let mut request = builder
        .build()
        .map_err(|e| Error::invalid("request", e.to_string()))?;
    raw.inner().prepare(&mut request, op.id);
    match raw
        .inner()
        .execute(raw.client(), request, op.id, Door::Facade)
        .await
    {
        Ok(response) => Ok(response),
        Err(AttemptError::Http(e)) => Err(Error::Transport(TransportError::from_reqwest(e))),
        Err(AttemptError::Stalled(quiet)) => Err(Error::Transport(TransportError::timed_out(
            format!("the upload made no progress, or got no answer, for {quiet:?}"),
        ))),
        Err(AttemptError::TooLarge { status, limit }) => {
            Err(Error::ResponseTooLarge { status, limit })
        }
    }
}

/// The response if its status is a success; otherwise its body as an [`ApiError`].
pub(crate) async fn success(response: reqwest::Response) -> Result<reqwest::Response, Error> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let retry_after = retry_after_of(response.headers());
    let body = read_body(response).await?;
    Err(Error::Api(ApiError::from_parts(status, retry_after, body)))
}

/// The whole body of a response (a broken connection is a transport error).
async fn read_body(response: reqwest::Response) -> Result<bytes::Bytes, Error> {
    response
        .bytes()
        .await
        .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))
}

/// A success body decoded as `U`, or the error the response stands for.
pub(crate) async fn json<U: DeserializeOwned>(response: reqwest::Response) -> Result<U, Error> {
    let response = success(response).await?;
    let status = response.status().as_u16();
    let body = read_body(response).await?;
    serde_json::from_slice(&body).map_err(|e| Error::UndecodableResponse {
        status,
        reason: e.to_string(),
        body,
    })
}

/// One item, whether the gateway answered with it or with an array holding it.
pub(crate) async fn first<U: DeserializeOwned>(response: reqwest::Response) -> Result<U, Error> {
    let response = success(response).await?;
    let status = response.status().as_u16();
    let body = read_body(response).await?;
    let undecodable = |reason: String, body: &bytes::Bytes| Error::UndecodableResponse {
        status,
        reason,
        body: body.clone(),
    };
    // Look at the first byte rather than trying both shapes (an untagged enum
    // buffers the whole document first).
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        let many: Vec<U> =
            serde_json::from_slice(&body).map_err(|e| undecodable(e.to_string(), &body))?;
        many.into_iter().next().ok_or_else(|| {
            undecodable(
                "the gateway accepted the request but returned an empty array".into(),
                &body,
            )
        })
    } else {
        serde_json::from_slice(&body).map_err(|e| undecodable(e.to_string(), &body))
    }
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
