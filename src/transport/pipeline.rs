//! The loop every request goes through: credentials, timeouts, pacing, an
//! attempt, the retry decision, a wait; until an answer, or a stop.

use super::Transport;
use super::answer::{Answer, Failure};
use super::attempt;
use super::budget::RetryBudget;
use super::pacing::{Pacer, Pacing};
use super::prepared::{Prepared, Replay};
use super::retry::{Attempted, Decision, Outcome, RetryPolicy};
use super::upload_watch;
use crate::clock::Sleeper;
use crate::telemetry;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument as _;

pub(crate) struct Shared {
    authorization: HeaderValue,
    timeout: Option<Duration>,
    read_timeout: Duration,
    max_body: usize,
    retry: RetryPolicy,
    budget: Option<Arc<RetryBudget>>,
    sleeper: Arc<dyn Sleeper>,
    pacer: Option<Arc<Pacer>>,
    /// For everything but uploads: connect and read timeouts, no redirects.
    http: reqwest::Client,
    /// For uploads: no read timeout (a fixed deadline to the answer's head in
    /// reqwest, which would end a long upload); a progress watch instead.
    uploads: reqwest::Client,
}

/// What the builder hands to the transport.
pub(crate) struct TransportConfig {
    pub authorization: HeaderValue,
    pub timeout: Option<Duration>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub max_body: usize,
    pub user_agent: String,
    pub retry: RetryPolicy,
    pub sleeper: Arc<dyn Sleeper>,
    pub pacing: Option<Pacing>,
}

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Result<Self, crate::error::Error> {
        // Redirects are never followed: the API has none, and reqwest would
        // turn a POST into a GET whose answer says nothing about the POST.
        let client = |read_timeout: Option<Duration>| {
            let mut builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(config.connect_timeout)
                .user_agent(config.user_agent.clone());
            if let Some(t) = read_timeout {
                builder = builder.read_timeout(t);
            }
            builder.build()
        };
        let pacer = match &config.pacing {
            Some(p) => Pacer::new(p, config.sleeper.clone())?.map(Arc::new),
            None => None,
        };
        let http_error = |e: reqwest::Error| {
            crate::error::Error::Config(format!("cannot build the HTTP client: {e}"))
        };
        Ok(Self(Arc::new(Shared {
            http: client(Some(config.read_timeout)).map_err(http_error)?,
            uploads: client(None).map_err(http_error)?,
            authorization: config.authorization,
            timeout: config.timeout,
            read_timeout: config.read_timeout,
            max_body: config.max_body,
            budget: config.retry.new_budget().map(Arc::new),
            retry: config.retry,
            sleeper: config.sleeper,
            pacer,
        })))
    }

    /// The same transport (connection pools, retry budget, pacing, timeouts)
    /// sending other credentials: for a second account.
    pub(crate) fn with_authorization(&self, authorization: HeaderValue) -> Self {
        let s = &self.0;
        Self(Arc::new(Shared {
            authorization,
            timeout: s.timeout,
            read_timeout: s.read_timeout,
            max_body: s.max_body,
            retry: s.retry.clone(),
            budget: s.budget.clone(),
            sleeper: s.sleeper.clone(),
            pacer: s.pacer.clone(),
            http: s.http.clone(),
            uploads: s.uploads.clone(),
        }))
    }

    /// The client requests go out on (the generated code is given it).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.0.http
    }

    /// Whether sends are paced (the generated code's bodies are then read
    /// back for their source and recipients).
    pub(crate) fn paces(&self) -> bool {
        self.0.pacer.is_some()
    }

    /// Sends `prepared`, retrying as the policy allows. Every attempt is
    /// judged on its own answer: redirects are not followed, and a POST is
    /// sent again only when its answer proves it was not accepted.
    pub(crate) async fn send(&self, prepared: Prepared) -> Result<Answer, Failure> {
        let span = tracing::info_span!(
            "modica_wab.request",
            route = prepared.operation.route,
            attempts = tracing::field::Empty,
        );
        self.attempts(prepared).instrument(span).await
    }

    /// The attempts of one request, in its span: pace → send → judge →
    /// decide → sleep. Every rule is in [`RetryPolicy::decide`] and the
    /// request's [`Frame`](super::retry::Frame); this loop only acts on them.
    async fn attempts(&self, prepared: Prepared) -> Result<Answer, Failure> {
        let shared = &self.0;
        let idempotent = prepared.idempotent();
        let upload = prepared.is_upload();
        let streamed_success = prepared.operation.binary_response;
        let Prepared {
            mut request,
            pacing,
            operation,
            held,
        } = prepared;
        let replay = Replay::new(held);
        request
            .headers_mut()
            .insert(AUTHORIZATION, shared.authorization.clone());
        // An overall deadline would cut long media transfers: downloads run
        // on the read timeout (to the answer's head, then between chunks),
        // uploads on their progress.
        let timeout = match request.timeout() {
            Some(t) => Some(*t),
            None if streamed_success || upload => None,
            None => shared.timeout,
        };
        let frame = shared.retry.frame(idempotent, timeout);
        let start = shared.sleeper.now();
        let elapsed = || shared.sleeper.now().saturating_sub(start);
        let mut attempt = 1u32;
        // The last attempt's result, kept across the wait before the next.
        let mut last: Option<(Result<Answer, Failure>, Outcome)> = None;
        // An earlier attempt of a POST that may have been taken (only with
        // `retry_ambiguous`): what the call reports if a later one is refused.
        let mut taken: Option<(Result<Answer, Failure>, Outcome)> = None;
        loop {
            // A timer that woke late: no attempt starts past its latest start.
            if let Some((result, outcome)) = last.take() {
                if !frame.may_start_at(elapsed()) {
                    let (result, outcome) = taken.unwrap_or((result, outcome));
                    return finish(
                        operation.route,
                        attempt - 1,
                        elapsed(),
                        result,
                        outcome.label(),
                        outcome.code(),
                    );
                }
                if !idempotent && !outcome.refused() {
                    taken = Some((result, outcome));
                }
            }
            if let (Some(pacer), Some(keys)) = (&shared.pacer, &pacing) {
                let recipients: Vec<&str> = keys.recipients.iter().map(String::as_str).collect();
                let waiting = shared.sleeper.now();
                let until = frame
                    .pacing_allowance(elapsed())
                    .map(|allowed| waiting.saturating_add(allowed));
                let paced = pacer.wait(&keys.source, &recipients, until).await;
                telemetry::paced(shared.sleeper.now().saturating_sub(waiting));
                if let Err(late) = paced {
                    tracing::info!(
                        route = operation.route,
                        attempt,
                        wait_ms = late.wait.as_millis() as u64,
                        "not sent: pacing would hold it past the deadline"
                    );
                    // Nothing of this attempt was sent; an earlier one that
                    // may have been taken is what the caller must hear of.
                    return match taken {
                        Some((result, outcome)) => finish(
                            operation.route,
                            attempt - 1,
                            elapsed(),
                            result,
                            outcome.label(),
                            outcome.code(),
                        ),
                        None => finish(
                            operation.route,
                            attempt,
                            elapsed(),
                            Err(Failure::PacedPastDeadline { wait: late.wait }),
                            "not_sent",
                            None,
                        ),
                    };
                }
            }
            *request.timeout_mut() = frame.attempt_timeout(elapsed());
            let spare = if attempt < shared.retry.max_attempts_value() {
                replay.spare(&request)
            } else {
                None
            };
            let attempt_span =
                tracing::info_span!("modica_wab.attempt", route = operation.route, attempt,);
            let exchange = async {
                let sent = if upload {
                    upload_watch::send(&shared.uploads, request, shared.read_timeout).await
                } else {
                    shared.http.execute(request).await.map_err(Failure::Http)
                };
                // An upload's answer is read on the read timeout too (its client has none).
                let idle = upload.then_some(shared.read_timeout);
                attempt::judge(sent, streamed_success, shared.max_body, idle).await
            };
            let (result, outcome) = exchange.instrument(attempt_span).await;
            if outcome == Outcome::Success
                && let Some(b) = &shared.budget
            {
                b.deposit();
            }
            let attempted = Attempted {
                outcome: &outcome,
                number: attempt,
                idempotent,
                replayable: replay.replayable(&spare),
                elapsed: elapsed(),
            };
            let decision = shared
                .retry
                .decide(&attempted, &frame, rand::random::<f64>(), || {
                    shared.budget.as_ref().is_none_or(|b| b.withdraw())
                });
            trace_attempt(operation.route, attempt, &outcome, &decision);
            match (decision, spare) {
                (Decision::Retry { after }, Some(next)) => {
                    telemetry::retried(operation.route, outcome.retry_reason());
                    shared.sleeper.sleep(after).await;
                    request = next;
                    attempt += 1;
                    last = Some((result, outcome));
                }
                _ => {
                    // A refusal after an attempt that may have been taken
                    // does not make the call "not accepted".
                    let (result, outcome) = match taken {
                        Some(earlier) if outcome.refused() => earlier,
                        _ => (result, outcome),
                    };
                    return finish(
                        operation.route,
                        attempt,
                        elapsed(),
                        result,
                        outcome.label(),
                        outcome.code(),
                    );
                }
            }
        }
    }
}

/// Records how a request ended, and hands its result on.
fn finish(
    route: &'static str,
    attempts: u32,
    took: Duration,
    result: Result<Answer, Failure>,
    label: &'static str,
    code: Option<i64>,
) -> Result<Answer, Failure> {
    tracing::Span::current().record("attempts", attempts);
    telemetry::request_done(route, label, code, took);
    result
}

fn trace_attempt(route: &str, attempt: u32, outcome: &Outcome, decision: &Decision) {
    let (status, code) = match outcome {
        Outcome::Status { status, code, .. } => (*status, code.map(|c| c.code())),
        Outcome::Success => (200, None),
        _ => (0, None),
    };
    match decision {
        // Named, so a watcher (`wab`'s Ctrl-C) can count the retries: each
        // follows an attempt that did not take the request (for a POST).
        Decision::Retry { after } => tracing::info!(
            name: "modica_wab.retry",
            route, attempt, status, code, wait_ms = after.as_millis() as u64, outcome = ?outcome, "retrying"
        ),
        Decision::Stop(reason) => {
            tracing::debug!(route, attempt, status, code, outcome = ?outcome, stop = ?reason, "done")
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("authorization", &"<redacted>")
            .field("timeout", &self.0.timeout)
            .field("read_timeout", &self.0.read_timeout)
            .field("retry", &self.0.retry)
            .field("pacing", &self.0.pacer.is_some())
            .finish()
    }
}
