//! The pipeline every request goes through, generated or hand-written:
//! credentials, headers, timeouts, then sending and recording the response.

use crate::capture::{self, Captured};
use crate::raw;
use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The state the generated client carries for our hooks.
///
/// Cheap to clone; `Debug` never shows the credentials.
#[derive(Clone)]
pub struct HookState(Arc<Shared>);

struct Shared {
    authorization: HeaderValue,
    timeout: Option<Duration>,
}

/// Error bodies larger than this are cut: enough for any JSON error, and a
/// hostile or broken server cannot make us buffer megabytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

impl HookState {
    pub(crate) fn new(authorization: HeaderValue, timeout: Option<Duration>) -> Self {
        Self(Arc::new(Shared {
            authorization,
            timeout,
        }))
    }

    /// Adds what every request needs before it is sent.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request, operation: &str) {
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, self.0.authorization.clone());
        // progenitor always adds `api-version`; send it only when the spec asks.
        if !crate::spec::DECLARES_API_VERSION_HEADER {
            headers.remove("api-version");
        }
        // An overall deadline would cut long media downloads; those rely on
        // the client's connect and read timeouts instead.
        let streams = crate::spec::operation(operation).is_some_and(|op| op.binary_response);
        if request.timeout().is_none() && !streams {
            *request.timeout_mut() = self.0.timeout;
        }
    }

    /// Sends the request and records what the facade needs of the response.
    pub(crate) async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        _operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let response = client.execute(request).await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if status.is_success() {
            capture::record(Captured {
                status: status.as_u16(),
                retry_after,
                error_body: None,
            });
            return Ok(response);
        }
        let (response, body) = buffer_error(response).await?;
        capture::record(Captured {
            status: status.as_u16(),
            retry_after,
            error_body: Some(body),
        });
        Ok(response)
    }
}

/// Reads an error body (bounded) and rebuilds the response around it, so the
/// generated code still decodes it and the facade still has the bytes.
async fn buffer_error(
    mut response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, Bytes)> {
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_ERROR_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    let body = body.freeze();
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = response.headers().clone();
    Ok((reqwest::Response::from(rebuilt), body))
}

impl fmt::Debug for HookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookState")
            .field("authorization", &"<redacted>")
            .field("timeout", &self.0.timeout)
            .finish()
    }
}

impl ClientHooks<HookState> for raw::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner().prepare(request, info.operation_id);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner()
            .execute(self.client(), request, info.operation_id)
            .await
    }
}
