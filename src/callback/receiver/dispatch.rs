//! One callback request: credentials, body, parse, claim, the handler in a
//! task of its own, and the answer that tells Modica whether to deliver again.

use super::claim::{ClaimGuard, ClaimWatch, Renewal};
use super::context::CallbackContext;
use super::endpoint::{Access, authorized};
use super::state::{Lifetime, Shared, warn_store};
use crate::callback::dedup::{Claim, ClaimToken};
use crate::callback::{Callback, parse_lenient};
use crate::telemetry;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt as _;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Whether reading the body stopped at the limit (rather than a broken connection).
fn over_limit(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

fn reply(status: StatusCode, message: &str) -> Response {
    // The everyday answers are written once.
    if let Some(body) = match (status, message) {
        (StatusCode::OK, "handled") => Some(r#"{"message":"handled","status":200}"#),
        (StatusCode::OK, "duplicate, already handled") => {
            Some(r#"{"message":"duplicate, already handled","status":200}"#)
        }
        _ => None,
    } {
        return (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response();
    }
    let body = serde_json::json!({ "status": status.as_u16(), "message": message });
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// 503 with `Retry-After`: Modica should deliver again a little later.
fn later(message: &str) -> Response {
    let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

pub(super) async fn receive(
    shared: Arc<Shared>,
    life: Arc<Lifetime>,
    access: Arc<Access>,
    request: Request,
) -> Response {
    let Some(endpoint) = authorized(&access, request.headers()) else {
        let mut response = reply(StatusCode::UNAUTHORIZED, "missing or wrong credentials");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"modica-wab\""),
        );
        return response;
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.body_limit as u64) {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "body over the limit");
    }
    // One timer per request: the body's deadline, then (reset) the
    // handler's. It is registered only when a wait is pending.
    let deadline = tokio::time::sleep(shared.body_timeout);
    tokio::pin!(deadline);
    let read = axum::body::to_bytes(request.into_body(), shared.body_limit);
    let bytes = tokio::select! {
        biased;
        read = read => match read {
            Ok(bytes) => bytes,
            Err(e) if over_limit(&e) => {
                return reply(StatusCode::PAYLOAD_TOO_LARGE, "body over the limit");
            }
            Err(_) => return reply(StatusCode::BAD_REQUEST, "the body could not be read"),
        },
        () = &mut deadline => return reply(StatusCode::REQUEST_TIMEOUT, "the body came too slowly"),
    };
    let context = CallbackContext::new(endpoint, std::time::SystemTime::now());
    let event = match parse_lenient(&bytes) {
        Ok(event) => event,
        Err(e) => return reply(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    if event.id_len() > shared.max_id_len {
        return reply(
            StatusCode::BAD_REQUEST,
            &format!(
                "the id is {} bytes long; the limit is {}",
                event.id_len(),
                shared.max_id_len
            ),
        );
    }
    if let Callback::Malformed { error, .. } = &event {
        // The error names a path and a type, never the value (customers' content).
        tracing::warn!(path = ?error.path(), error = %error.to_string().escape_debug(), "callback of unexpected shape passed to the handler as Malformed");
    }
    dispatch(&shared, life, event, context, deadline).await
}

/// `timeout` from now; a timeout too long for the clock is as good as never.
fn after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// How a handler ended.
#[derive(Debug)]
enum Outcome {
    Handled,
    Failed,
    Panicked,
}

/// The `kind` and `status` labels of an event (a bounded set: an unknown
/// DLR status is `other`).
fn labels(event: &Callback) -> (&'static str, &'static str) {
    match event {
        Callback::Mo(_) => ("mo", "none"),
        Callback::Dlr(dlr) => {
            let status = match dlr.status.as_str() {
                "sent" => "sent",
                "received" => "received",
                "rejected" => "rejected",
                "expired" => "expired",
                _ => "other",
            };
            ("dlr", status)
        }
        Callback::Malformed { .. } => ("malformed", "none"),
        _ => ("unknown", "none"),
    }
}

async fn dispatch(
    shared: &Arc<Shared>,
    life: Arc<Lifetime>,
    event: Callback,
    context: CallbackContext,
    mut deadline: Pin<&mut Sleep>,
) -> Response {
    let (kind, status) = labels(&event);
    let key = event.dedup_key().scoped(context.scope());
    let token = ClaimToken::new();
    let asked = std::time::Instant::now();
    let fence = match shared.store.claim(&key, token, shared.lease).await {
        Ok(Claim::New { fence }) => fence,
        Ok(Claim::Done) => {
            telemetry::callback(kind, status, "duplicate");
            return reply(StatusCode::OK, "duplicate, already handled");
        }
        Ok(Claim::InFlight) => {
            telemetry::callback(kind, status, "in_flight");
            return later("the same event is being handled; deliver again later");
        }
        Err(e) => {
            warn_store(&shared.store_errors, &e);
            telemetry::callback(kind, status, "store_error");
            return later("de-duplication store unavailable");
        }
    };
    shared.store_errors.recovered(|failures| {
        tracing::info!(failures, "de-duplication store answers again");
    });
    let watch = Arc::new(ClaimWatch::new(
        shared.store.clone(),
        key,
        token,
        shared.lease,
        fence,
        asked,
    ));
    let context = context.with_claim(watch.clone());
    let claim = ClaimGuard::new(watch);
    let task_shared = shared.clone();
    // The handler runs in a task of its own: a caller that hangs up, or a
    // timeout, stops only the waiting (dropping the JoinHandle detaches
    // the task); the outcome is recorded either way.
    let task_life = life.clone();
    let answered = life.tasks.spawn(async move {
        let (shared, life) = (task_shared, task_life);
        let _running = Running::start(&shared.running);
        let outcome = tokio::select! {
            // The handler first: a handler done at its first poll never
            // registers the other branches' wakers.
            biased;
            outcome = run_handler(&shared, event, context, &claim) => outcome,
            // Shutdown grace is over: drop the handler; `claim` releases on drop.
            () = life.cancel.cancelled() => return None,
        };
        settle(claim, &shared, matches!(outcome, Outcome::Handled)).await;
        Some(outcome)
    });
    deadline.as_mut().reset(after(shared.handler_timeout));
    let waited = tokio::select! {
        // The answer first: one already there never registers the timer.
        biased;
        answer = answered => Some(answer.ok().flatten()),
        () = deadline => None,
    };
    let (outcome, response) = match waited {
        Some(Some(Outcome::Handled)) => ("handled", reply(StatusCode::OK, "handled")),
        Some(Some(Outcome::Failed | Outcome::Panicked)) => (
            "failed",
            reply(StatusCode::INTERNAL_SERVER_ERROR, "handler failed"),
        ),
        // Cancelled at the end of the shutdown grace (or the task died).
        Some(None) => ("shutdown", later("shutting down; deliver again later")),
        None => {
            tracing::warn!(
                kind,
                timeout_ms = u64::try_from(shared.handler_timeout.as_millis()).unwrap_or(u64::MAX),
                "a handler ran past its timeout: answered 503 (Modica delivers again); it runs on with its claim"
            );
            ("timeout", later("still being handled; deliver again later"))
        }
    };
    telemetry::callback(kind, status, outcome);
    response
}

/// Calls the handler with panics caught, in its synchronous part as well as
/// in its future, and keeps the claim alive while it runs.
async fn run_handler(
    shared: &Shared,
    event: Callback,
    context: CallbackContext,
    claim: &ClaimGuard,
) -> Outcome {
    let handler = shared.handler.clone();
    // The call itself happens inside the async block, so a panic before the
    // future exists is caught too.
    let handling =
        AssertUnwindSafe(async move { handler.handle(event, context).await }).catch_unwind();
    let renewing = async {
        let every = (shared.lease / 3).max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(every).await;
            match claim.watch.renew().await {
                Ok(Renewal::Held) => shared.store_errors.recovered(|failures| {
                    tracing::info!(failures, "de-duplication store answers again");
                }),
                Ok(Renewal::Lost) => {
                    telemetry::claim_renewal_failed("lost");
                    tracing::warn!(
                        fence = claim.watch.fence(),
                        "a running handler's claim expired and may be taken by a redelivery (the store stalled, or lost it, for longer than the claim lease); the handler runs on: check CallbackContext::claim_held before outside effects, or fence them with its fencing_token"
                    );
                    // Renewing again cannot take it back; the handler runs on.
                    std::future::pending::<()>().await;
                }
                Err(e) => {
                    telemetry::claim_renewal_failed("store_error");
                    warn_store(&shared.store_errors, &e);
                }
            }
        }
    };
    tokio::pin!(handling);
    let result = tokio::select! {
        // The handler first: one done at its first poll never starts the
        // renewal timer.
        biased;
        result = &mut handling => result,
        // The renewal loop never ends on its own.
        _ = renewing => return Outcome::Failed,
    };
    match result {
        Ok(Ok(())) => Outcome::Handled,
        Ok(Err(e)) => {
            // The handler's error may quote what came in: escaped for the log.
            tracing::warn!(error = %e.to_string().escape_debug(), "callback handler failed; answering 500 so Modica redelivers");
            Outcome::Failed
        }
        Err(_panic) => {
            tracing::error!("callback handler panicked; answering 500 so Modica redelivers");
            Outcome::Panicked
        }
    }
}

/// Completes the claim when the handler succeeded, else releases it.
async fn settle(claim: ClaimGuard, shared: &Shared, handled: bool) {
    let watch = claim.settle();
    if handled {
        match watch.complete().await {
            Ok(true) => {}
            Ok(false) => {
                telemetry::claim_renewal_failed("lost_at_completion");
                tracing::warn!(
                    fence = watch.fence(),
                    "handled an event whose claim had expired; a redelivery may be handled again (raise the claim lease above the longest store stall)"
                );
            }
            Err(e) => warn_store(&shared.store_errors, &e),
        }
    } else if let Err(e) = watch.release().await {
        warn_store(&shared.store_errors, &e);
    }
}

/// Counts a handler task while it runs (however it ends).
struct Running<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Running<'a> {
    fn start(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
