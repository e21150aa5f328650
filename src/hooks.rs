//! The pipeline every request goes through, generated or hand-written:
//! credentials, headers, timeouts, pacing, then sending, judging each attempt
//! on its own answer, retrying as the policy allows, and reading the answer
//! once, within bounds.

use crate::error_body::ErrorBody;
use crate::error_code::ErrorCode;
use crate::pacing::{Pacer, Pacing};
use crate::raw;
use crate::retry::{Decision, Outcome, RetryBudget, RetryPolicy, Sleeper, StopReason};
use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The state the generated client carries for our hooks.
///
/// Cheap to clone; `Debug` never shows the credentials.
#[derive(Clone)]
pub struct HookState(Arc<Shared>);

struct Shared {
    authorization: HeaderValue,
    timeout: Option<Duration>,
    read_timeout: Duration,
    max_body: usize,
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    sleeper: Arc<dyn Sleeper>,
    pacer: Option<Pacer>,
    /// Requests whose body is a stream (uploads): no read timeout of
    /// reqwest's, which would end an upload after that long however well it
    /// progresses; a progress watchdog instead.
    streaming: reqwest::Client,
}

/// What the builder hands to the transport.
pub(crate) struct TransportConfig {
    pub authorization: HeaderValue,
    pub timeout: Option<Duration>,
    pub read_timeout: Duration,
    pub max_body: usize,
    pub retry: RetryPolicy,
    pub sleeper: Arc<dyn Sleeper>,
    pub pacing: Option<Pacing>,
    pub streaming: reqwest::Client,
}

/// Error bodies larger than this are cut: enough for any JSON error, and a
/// hostile or broken server cannot make us buffer megabytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Which way a request came in. The facade's uploads are watched for
/// progress; the generated code can only be handed reqwest's own errors, so
/// its streamed bodies keep reqwest's read timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Door {
    Facade,
    Raw,
}

/// Why an attempt produced no response to hand on.
#[derive(Debug)]
pub(crate) enum AttemptError {
    Http(reqwest::Error),
    /// A streamed upload made no progress (or got no answer) for this long.
    Stalled(Duration),
    /// A success body longer than the limit; only its status was read.
    TooLarge {
        status: u16,
        limit: usize,
    },
}

impl HookState {
    pub(crate) fn new(config: TransportConfig) -> Self {
        let pacer = config
            .pacing
            .as_ref()
            .and_then(|p| Pacer::new(p, config.sleeper.clone()));
        Self(Arc::new(Shared {
            authorization: config.authorization,
            timeout: config.timeout,
            read_timeout: config.read_timeout,
            max_body: config.max_body,
            budget: config.retry.new_budget(),
            retry: config.retry,
            sleeper: config.sleeper,
            pacer,
            streaming: config.streaming,
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
        // An overall deadline would cut long media transfers; downloads rely
        // on the read timeout (to the answer's head, then between chunks),
        // uploads on their progress.
        if request.timeout().is_none() && !binary_response(operation) && !upload(request) {
            *request.timeout_mut() = self.0.timeout;
        }
    }

    /// Sends the request, retrying as the policy allows. Every attempt is
    /// judged on its own answer: redirects are not followed (the client is
    /// built so), and a POST is sent again only when its answer proves it was
    /// not accepted.
    pub(crate) async fn execute(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &str,
        door: Door,
    ) -> Result<reqwest::Response, AttemptError> {
        let shared = &self.0;
        let idempotent = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        let streams_body = binary_response(operation);
        let pacing_keys = shared.pacer.as_ref().and_then(|_| PacingKeys::of(&request));
        let start = shared.sleeper.now();
        let mut attempt = 1u32;
        loop {
            if let (Some(pacer), Some(keys)) = (&shared.pacer, &pacing_keys) {
                let recipients: Vec<&str> = keys.recipients.iter().map(String::as_str).collect();
                pacer.wait(&keys.source, &recipients).await;
            }
            // No attempt may outlast the overall deadline.
            if let (Some(timeout), Some(deadline)) =
                (request.timeout().copied(), shared.retry.deadline_value())
            {
                let left = deadline.saturating_sub(shared.sleeper.now().saturating_sub(start));
                *request.timeout_mut() = Some(timeout.min(left.max(Duration::from_millis(1))));
            }
            // A body that cannot be cloned (a stream) gets one attempt.
            let spare = (attempt < shared.retry.max_attempts_value())
                .then(|| request.try_clone())
                .flatten();
            let sent = if door == Door::Facade && upload(&request) {
                self.send_streamed(request).await
            } else {
                client.execute(request).await.map_err(AttemptError::Http)
            };
            let (result, outcome) = observe(sent, !streams_body, shared.max_body).await;
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

    /// Sends an upload, watching its progress: it fails when no chunk went out
    /// for the read timeout, or when the answer's head does not come within
    /// the read timeout of the body's end.
    async fn send_streamed(
        &self,
        mut request: reqwest::Request,
    ) -> Result<reqwest::Response, AttemptError> {
        let limit = self.0.read_timeout;
        let progress = Arc::new(Progress::new());
        if let Some(body) = request.body_mut().take() {
            let watched = Watched {
                inner: http_body_util::BodyDataStream::new(body),
                progress: progress.clone(),
            };
            *request.body_mut() = Some(reqwest::Body::wrap_stream(watched));
        }
        let watchdog = async {
            loop {
                let quiet = progress.quiet();
                if quiet >= limit {
                    return AttemptError::Stalled(limit);
                }
                tokio::time::sleep(limit - quiet).await;
            }
        };
        tokio::select! {
            response = self.0.streaming.execute(request) => response.map_err(AttemptError::Http),
            stalled = watchdog => Err(stalled),
        }
    }
}

/// Whether the operation's success body is binary and streamed.
fn binary_response(operation: &str) -> bool {
    crate::spec::operation(operation).is_some_and(|op| op.binary_response)
}

/// Whether the request carries media up: a multipart body, or any streamed
/// one. Its time depends on its size and the link, so no overall deadline
/// applies; its progress is watched instead.
fn upload(request: &reqwest::Request) -> bool {
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"multipart/"));
    multipart || request.body().is_some_and(|b| b.as_bytes().is_none())
}

/// When a streamed body last made progress (a chunk went out, or it ended).
struct Progress {
    since: tokio::time::Instant,
    last_ms: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Self {
            since: tokio::time::Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Time since the last progress.
    fn quiet(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.since.elapsed().saturating_sub(last)
    }
}

/// A body stream that records its progress.
struct Watched<S> {
    inner: S,
    progress: Arc<Progress>,
}

impl<S> futures_core::Stream for Watched<S>
where
    S: futures_core::Stream<Item = Result<Bytes, reqwest::Error>> + Unpin,
{
    type Item = Result<Bytes, reqwest::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_next(cx);
        if polled.is_ready() {
            // A chunk, or the end (the watchdog then waits for the answer).
            self.progress.touch();
        }
        polled
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

/// Classifies one attempt on its own answer. Reads an error body (bounded)
/// so its WhatsApp code is seen, and a success body (bounded by `max_body`)
/// unless it is streamed, so it is read once, here.
async fn observe(
    sent: Result<reqwest::Response, AttemptError>,
    buffer_success: bool,
    max_body: usize,
) -> (Result<reqwest::Response, AttemptError>, Outcome) {
    let response = match sent {
        Ok(response) => response,
        Err(AttemptError::Http(e)) => {
            // Only a failure to connect proves nothing was sent.
            let outcome = if e.is_connect() {
                Outcome::ConnectFailed
            } else {
                Outcome::Transport {
                    timeout: e.is_timeout(),
                }
            };
            return (Err(AttemptError::Http(e)), outcome);
        }
        Err(other) => return (Err(other), Outcome::Transport { timeout: true }),
    };
    let status = response.status();
    if status.is_success() {
        // The server accepted the request: whatever happens while reading its
        // answer, it must not be sent again.
        if !buffer_success {
            return (Ok(response), Outcome::Success);
        }
        let result = match read_capped(response, max_body).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(status)) => Err(AttemptError::TooLarge {
                status,
                limit: max_body,
            }),
            Err(e) => Err(AttemptError::Http(e)),
        };
        return (result, Outcome::Success);
    }
    let retry_after = crate::call::retry_after_of(response.headers());
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
        Err(e) => (
            Err(AttemptError::Http(e)),
            Outcome::Transport { timeout: false },
        ),
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

/// Rebuilds a response around a body already read, so the generated code
/// still decodes it and the facade still has the bytes.
fn rebuilt(response: &reqwest::Response, body: impl Into<reqwest::Body>) -> reqwest::Response {
    let mut rebuilt = http::Response::new(body.into());
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = response.headers().clone();
    reqwest::Response::from(rebuilt)
}

/// Reads a success body whole, up to `limit` bytes. `Ok(Err(status))` when
/// the body is longer (nothing past the limit is held).
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<Result<reqwest::Response, u16>> {
    let status = response.status().as_u16();
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Ok(Err(status));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(Err(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(rebuilt(&response, body.freeze())))
}

/// Reads an error body (bounded: cut, not refused) and rebuilds the response around it.
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
    Ok((rebuilt(&response, body.clone()), body))
}

/// A response whose body fails to read with `error`: how the generated code
/// is told of a failure that is not one of reqwest's own.
fn failing_body(status: http::StatusCode, error: std::io::Error) -> reqwest::Response {
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter([Err::<Bytes, _>(error)]));
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    reqwest::Response::from(response)
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
        let outcome = self
            .inner()
            .execute(self.client(), request, info.operation_id, Door::Raw)
            .await;
        match outcome {
            Ok(response) => Ok(response),
            Err(AttemptError::Http(e)) => Err(e),
            Err(AttemptError::TooLarge { status, limit }) => {
                let status = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
                let error = std::io::Error::other(format!(
                    "the response body is larger than the client's {limit}-byte limit (ClientBuilder::max_response_body)"
                ));
                Ok(failing_body(status, error))
            }
            // Only the facade's door watches uploads; kept for completeness.
            Err(AttemptError::Stalled(quiet)) => {
                let error = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("the request made no progress for {quiet:?}"),
                );
                Ok(failing_body(http::StatusCode::GATEWAY_TIMEOUT, error))
            }
        }
    }
}
