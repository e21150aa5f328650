//! One callback request: credentials, body, parse, claim, the handler on a
//! runner (another task, kept between callbacks: see `runners`), and the
//! answer that tells Modica whether to deliver again.

use super::claim::{ClaimGuard, ClaimWatch};
use super::context::CallbackContext;
use super::endpoint::authorized;
use super::handling::{Outcome, Work};
use super::runners::{Lifetime, Runners};
use super::state::warn_store;
use crate::callback::dedup::{Claim, ClaimToken};
use crate::callback::{Callback, parse_lenient};
use crate::telemetry;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::future::Future;
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
    // The everyday answers are written once, and the response is built
    // directly (a `(status, headers, body)` tuple fills a header map twice).
    let body = match (status, message) {
        (StatusCode::OK, "handled") => {
            Body::from(Bytes::from_static(br#"{"message":"handled","status":200}"#))
        }
        (StatusCode::OK, "duplicate, already handled") => Body::from(Bytes::from_static(
            br#"{"message":"duplicate, already handled","status":200}"#,
        )),
        _ => Body::from(
            serde_json::json!({ "status": status.as_u16(), "message": message }).to_string(),
        ),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// 503 with `Retry-After`: Modica should deliver again a little later.
fn later(message: &str) -> Response {
    let mut response = reply(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// One request: its credentials and declared length are checked at once;
/// only the body goes on into the future that reads, parses and dispatches
/// it (kept small: a future over 1 KiB is a slower allocation, per request).
pub(super) fn receive(
    life: Arc<Lifetime>,
    route: usize,
    request: Request,
) -> impl Future<Output = Response> + Send + use<> {
    use futures_util::future::Either;
    let shared = &life.shared;
    let access = shared.routes.get(route).map(|(_, access)| access);
    let Some(endpoint) = access.and_then(|access| authorized(access, request.headers())) else {
        let mut response = reply(StatusCode::UNAUTHORIZED, "missing or wrong credentials");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"modica-wab\""),
        );
        return Either::Left(std::future::ready(response));
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.body_limit as u64) {
        return Either::Left(std::future::ready(reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body over the limit",
        )));
    }
    Either::Right(read_and_dispatch(life, endpoint, request.into_body()))
}

async fn read_and_dispatch(
    life: Arc<Lifetime>,
    endpoint: Arc<super::endpoint::Endpoint>,
    body: axum::body::Body,
) -> Response {
    let shared = &*life.shared;
    // One timer per request: the body's deadline, then (reset) the
    // handler's. It is registered only when a wait is pending.
    let deadline = tokio::time::sleep(shared.body_timeout);
    tokio::pin!(deadline);
    let read = axum::body::to_bytes(body, shared.body_limit);
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
    // The event owns what it needs. Held on across the handler's run, the
    // body would keep hyper's read buffer (8 KiB or more) alive as long as
    // the handler runs.
    drop(bytes);
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
    let handler_timeout = shared.handler_timeout;
    dispatch(life, event, context, deadline, handler_timeout).await
}

/// `timeout` from now; a timeout too long for the clock is as good as never.
fn after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
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
    life: Arc<Lifetime>,
    event: Callback,
    context: CallbackContext,
    mut deadline: Pin<&mut Sleep>,
    handler_timeout: Duration,
) -> Response {
    let shared = &*life.shared;
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
    // The handler runs in another task (a runner): a caller that hangs up,
    // or a timeout, stops only the waiting; the outcome is recorded either way.
    let work = Work {
        event,
        context,
        claim,
    };
    // The lifetime goes with the handler's job (the runner holds it while
    // the handler runs); this side needs nothing of it after.
    let answered = Runners::run(life, work);
    deadline.as_mut().reset(after(handler_timeout));
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
                timeout_ms = u64::try_from(handler_timeout.as_millis()).unwrap_or(u64::MAX),
                "a handler ran past its timeout: answered 503 (Modica delivers again); it runs on with its claim"
            );
            ("timeout", later("still being handled; deliver again later"))
        }
    };
    telemetry::callback(kind, status, outcome);
    response
}
