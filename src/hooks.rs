//! The pipeline every request goes through, generated or hand-written:
//! credentials, headers, timeouts, then sending and recording the response.

use crate::error_body::ErrorBody;
use crate::error_code::ErrorCode;
use crate::pacing::{Pacer, Pacing};
use crate::raw;
use crate::retry::{Decision, Outcome, RetryBudget, RetryPolicy, Sleeper, StopReason};
use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::Method;
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
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    sleeper: Arc<dyn Sleeper>,
    pacer: Option<Pacer>,
}

/// What the builder hands to the transport.
pub(crate) struct TransportConfig {
    pub authorization: HeaderValue,
    pub timeout: Option<Duration>,
    pub retry: RetryPolicy,
    pub sleeper: Arc<dyn Sleeper>,
    pub pacing: Option<Pacing>,
}

/// Error bodies larger than this are cut: enough for any JSON error, and a
/// hostile or broken server cannot make us buffer megabytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

impl HookState {
    pub(crate) fn new(config: TransportConfig) -> Self {
        let pacer = config
            .pacing
            .as_ref()
            .and_then(|p| Pacer::new(p, config.sleeper.clone()));
        Self(Arc::new(Shared {
            authorization: config.authorization,
            timeout: config.timeout,
            budget: config.retry.new_budget(),
            retry: config.retry,
            sleeper: config.sleeper,
            pacer,
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

    /// Sends the request, retrying as the policy allows, and records what the
    /// facade needs of the final response.
    pub(crate) async fn execute(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let shared = &self.0;
        let idempotent = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        let pacing_keys = shared.pacer.as_ref().and_then(|_| PacingKeys::of(&request));
        let start = shared.sleeper.now();
        let mut attempt = 1u32;
        loop {
            if let (Some(pacer), Some(keys)) = (&shared.pacer, &pacing_keys) {
                let recipients: Vec<&str> = keys.recipients.iter().map(String::as_str).collect();
                pacer.wait(&keys.source, &recipients).await;
            }
            // A body that cannot be cloned (a stream) gets one attempt.
            let spare = (attempt < shared.retry.max_attempts_value())
                .then(|| request.try_clone())
                .flatten();
            let (result, outcome) = observe(client.execute(request).await).await;
            let mut decision = match &spare {
                Some(_) => {
                    let elapsed = shared.sleeper.now().saturating_sub(start);
                    shared.retry.decide(
                        &outcome,
                        attempt,
                        idempotent,
                        elapsed,
                        rand::random::<f64>(),
                    )
                }
                None if outcome == Outcome::Success => Decision::Stop(StopReason::Done),
                None => Decision::Stop(StopReason::NotRetryable),
            };
            if outcome == Outcome::Success {
                if let Some(b) = &shared.budget {
                    b.deposit();
                }
            } else if let Decision::Retry { .. } = decision
                && shared.budget.as_ref().is_some_and(|b| !b.withdraw())
            {
                decision = Decision::Stop(StopReason::BudgetExhausted);
            }
            trace_attempt(operation, attempt, &outcome, &decision);
            match (decision, spare) {
                (Decision::Retry { after }, Some(next)) => {
                    shared.sleeper.sleep(after).await;
                    request = next;
                    attempt += 1;
                }
                _ => return result,
            }
        }
    }
}

fn trace_attempt(operation: &str, attempt: u32, outcome: &Outcome, decision: &Decision) {
    let (status, code) = match outcome {
        Outcome::Status { status, code, .. } => (*status, code.map(|c| c.code())),
        Outcome::Success => (200, None),
        _ => (0, None),
    };
    match decision {
        Decision::Retry { after } => tracing::info!(
            operation, attempt, status, code, wait_ms = after.as_millis() as u64, outcome = ?outcome, "retrying"
        ),
        Decision::Stop(reason) => {
            tracing::debug!(operation, attempt, status, code, outcome = ?outcome, stop = ?reason, "done")
        }
    }
}

/// Classifies one attempt; buffers an error body so its WhatsApp code is seen.
async fn observe(
    result: reqwest::Result<reqwest::Response>,
) -> (reqwest::Result<reqwest::Response>, Outcome) {
    let response = match result {
        Ok(response) => response,
        Err(e) => {
            let outcome = if e.is_connect() {
                Outcome::ConnectFailed
            } else {
                Outcome::Transport {
                    timeout: e.is_timeout(),
                }
            };
            return (Err(e), outcome);
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::call::parse_retry_after);
    if status.is_success() {
        return (Ok(response), Outcome::Success);
    }
    match buffer_error(response).await {
        Ok((response, body)) => {
            let code = ErrorBody::parse(&body).code.map(ErrorCode::from_code);
            let outcome = Outcome::Status {
                status: status.as_u16(),
                code,
                retry_after,
            };
            (Ok(response), outcome)
        }
        Err(e) => (Err(e), Outcome::Transport { timeout: false }),
    }
}

/// Who a JSON send goes from and to, for pacing.
struct PacingKeys {
    source: String,
    recipients: Vec<String>,
}

impl PacingKeys {
    fn of(request: &reqwest::Request) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Body {
            source: String,
            #[serde(default)]
            to: Option<String>,
            #[serde(default)]
            destination: Vec<String>,
        }
        let body: Body = serde_json::from_slice(request.body()?.as_bytes()?).ok()?;
        let mut recipients = body.destination;
        recipients.extend(body.to);
        (!recipients.is_empty()).then_some(Self {
            source: body.source,
            recipients,
        })
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
            .field("retry", &self.0.retry)
            .field("pacing", &self.0.pacer.is_some())
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
