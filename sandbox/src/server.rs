//! The sandbox's HTTP side: credentials, routing (404, 405 with `Allow`),
//! bounded bodies, validation against the spec, then the gateway's answer.

use super::Shared;
use super::gateway::{self, Reply, error, field_errors};
use super::idle::IdleTimeout;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use bytes::{Bytes, BytesMut};
use futures_util::{StreamExt as _, TryStreamExt as _};
use modica_wab::server::{self, ConnectionKill, Limits};
use modica_wab::spec::Route;
use modica_wab_conformance::{RecordedRequest, Violations};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Multipart bodies are validated on their first bytes (the part names).
const MULTIPART_PEEK: usize = 64 * 1024;

/// Longest request target kept in the records.
const MAX_RECORDED_TARGET: usize = 512;

pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let router = Router::new().fallback(handle).with_state(shared);
    // Runs until the sandbox is dropped (its task is aborted).
    let forever = std::future::pending();
    let limits = Limits::default().shutdown_grace(Duration::from_secs(1));
    server::serve(listener, router, limits, forever, |_| async {}).await;
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    // The chat view is not the API: not authenticated by the API's
    // credentials (its address holds a secret), not recorded as a request.
    if request.uri().path().starts_with(super::chat::PREFIX) {
        return super::chat::handle(&shared, request).await;
    }
    let kill = ConnectionKill::current();
    let method = request.method().as_str().to_owned();
    // Kept short: anyone, with or without credentials, chooses the target.
    let target: String = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .chars()
        .take(MAX_RECORDED_TARGET)
        .collect();
    let reply = play(&shared, request).await;
    let status = match &reply {
        Reply::Answer(r) => r.status().as_u16(),
        Reply::Drop => 0,
    };
    shared.records().requests.push((method, target, status));
    match reply {
        Reply::Answer(response) => response,
        Reply::Drop => {
            if let Some(kill) = kill {
                kill.kill();
            }
            std::future::pending().await
        }
    }
}

fn authorized(shared: &Shared, authorization: Option<&HeaderValue>) -> bool {
    let config = &shared.config;
    credentials_match(authorization, &config.username, &config.password)
}

/// Whether the header carries `username:password`. The SHA-256 digests are
/// compared in constant time (as the receiver and the chat view do): an
/// early exit on the first differing byte, or on a length, would tell an
/// attacker how much of a guess was right.
fn credentials_match(authorization: Option<&HeaderValue>, username: &str, password: &str) -> bool {
    use sha2::Digest as _;
    use subtle::ConstantTimeEq as _;
    let Some(given) =
        authorization.and_then(|v| modica_wab::credentials::parse_basic(v.as_bytes()))
    else {
        return false;
    };
    let mut expected = username.as_bytes().to_vec();
    expected.push(b':');
    expected.extend_from_slice(password.as_bytes());
    let (given, expected) = (
        sha2::Sha256::digest(&given),
        sha2::Sha256::digest(&expected),
    );
    given.as_slice().ct_eq(expected.as_slice()).into()
}

async fn play(shared: &Arc<Shared>, request: Request) -> Reply {
    let (parts, body) = request.into_parts();
    // Credentials first: nobody gets to make the sandbox read a body without them.
    if !authorized(shared, parts.headers.get(header::AUTHORIZATION)) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Invalid credentials",
        );
    }
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut recorded = RecordedRequest::new(parts.method.as_str(), target);
    let (path, query) = recorded.path_and_query();
    let allowed = shared.validator.methods_at(&path);
    if allowed.is_empty() {
        return error(StatusCode::NOT_FOUND, "Not Found", "no such operation");
    }
    if !allowed
        .iter()
        .any(|m| m.eq_ignore_ascii_case(parts.method.as_str()))
    {
        let mut reply = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            &format!("{} is not an operation of {path}", parts.method),
        );
        if let (Reply::Answer(response), Ok(allow)) =
            (&mut reply, HeaderValue::from_str(&allowed.join(", ")))
        {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        return reply;
    }
    for (name, value) in &parts.headers {
        recorded = recorded.header(name.as_str(), value.to_str().unwrap_or_default());
    }
    let content_type = recorded
        .header_value("content-type")
        .unwrap_or("")
        .to_owned();
    let mut body = IdleTimeout::new(
        body.into_data_stream().map_err(std::io::Error::other),
        shared.config.body_timeout,
    );
    if content_type.starts_with("multipart/") {
        // Validate on the first bytes, then stream the whole body to disk.
        let peek = match read_up_to(&mut body, MULTIPART_PEEK).await {
            Ok((peek, _)) => peek,
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    "the body could not be read",
                );
            }
        };
        let recorded = recorded.body(peek.to_vec());
        if let Err(v) = shared.validator.check_request(&recorded) {
            return rejected(&v, true);
        }
        let Ok(boundary) = multer::parse_boundary(&content_type) else {
            let e = json!({ "field": "file", "code": "invalid", "description": "multipart without a boundary" });
            return field_errors(StatusCode::UNPROCESSABLE_ENTITY, vec![e]);
        };
        let whole = futures_util::stream::iter([Ok(peek)]).chain(body);
        return gateway::upload(shared, boundary, whole, shared.config.media_limit).await;
    }
    let limit = shared.config.json_limit;
    let body = match read_up_to(&mut body, limit).await {
        Ok((body, false)) => body,
        Ok((_, true)) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large",
                &format!("the body is over the sandbox's {limit}-byte limit"),
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                "Request Timeout",
                "the body came too slowly",
            );
        }
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "the body could not be read",
            );
        }
    };
    let recorded = recorded.body(body.to_vec());
    let operation = match shared.validator.check_request(&recorded) {
        Ok(operation) => operation,
        Err(v) => return rejected(&v, false),
    };
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let json_body = || serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    match Route::of(parts.method.as_str(), &path) {
        Some(Route::SendMessage) => gateway::send(shared, json_body()).await,
        Some(Route::SendBroadcast) => gateway::broadcast(shared, json_body()).await,
        Some(Route::GetMessage) => gateway::lookup(shared, &q("id")),
        Some(Route::DownloadMedia) => gateway::download(shared, &q("media_id")).await,
        Some(Route::RegisterSource) => gateway::register(shared, json_body()),
        Some(Route::ListSources) => gateway::sources(shared),
        Some(Route::GetStatus) => gateway::status(),
        // A spec's newer operations (and an upload that was not multipart,
        // which the spec refused above): answered as the spec says.
        _ => from_spec(shared, &operation),
    }
}

/// The success answer the spec gives `operation`, marked as generated.
fn from_spec(shared: &Shared, operation: &str) -> Reply {
    let Some((status, body)) = super::from_spec::answer(&shared.spec, operation) else {
        return error(
            StatusCode::NOT_IMPLEMENTED,
            "Not Implemented",
            "the spec declares no success answer for this operation",
        );
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = match body {
        Some(body) => gateway::json_response(status, &body),
        None => (status, ()).into_response(),
    };
    let (name, value) = super::from_spec::GENERATED;
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    Reply::Answer(response)
}

/// Reads until the body ends or passes `limit` bytes; `true` when it passed
/// them (what was read is returned either way, so it can be chained back).
async fn read_up_to<S>(body: &mut S, limit: usize) -> Result<(Bytes, bool), std::io::Error>
where
    S: futures_core::Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    let mut out = BytesMut::new();
    while out.len() <= limit {
        match body.next().await {
            Some(chunk) => out.extend_from_slice(&chunk?),
            None => return Ok((out.freeze(), false)),
        }
    }
    let over = out.len() > limit;
    Ok((out.freeze(), over))
}

/// The gateway's answer to a request that breaks the spec.
fn rejected(v: &Violations, multipart: bool) -> Reply {
    if v.operation.is_none() {
        return error(StatusCode::NOT_FOUND, "Not Found", "no such operation");
    }
    if multipart {
        let errors: Vec<Value> = v
            .iter()
            .map(|x| json!({ "field": x.location, "code": x.rule, "description": x.message }))
            .collect();
        return field_errors(StatusCode::UNPROCESSABLE_ENTITY, errors);
    }
    let text: Vec<String> = v.iter().map(ToString::to_string).collect();
    error(StatusCode::BAD_REQUEST, &text.join("; "), "Invalid request")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_checked_whole_whatever_their_length() {
        let header = |user: &str, pass: &str| {
            modica_wab::credentials::basic_header(user.as_bytes(), pass.as_bytes())
        };
        let matches =
            |user, pass| credentials_match(header(user, pass).as_ref(), "sandbox", "s3cr:et");
        assert!(matches("sandbox", "s3cr:et"));
        for (user, pass) in [
            ("sandbox", "s3cr:e"),
            ("sandbox", "s3cr:et2"),
            ("sandbo", "xs3cr:et"),
            ("", ""),
            ("sandbox", ""),
        ] {
            assert!(!matches(user, pass), "{user}:{pass}");
        }
        assert!(!credentials_match(None, "sandbox", "s3cr:et"));
        let garbage = HeaderValue::from_static("Basic !!!");
        assert!(!credentials_match(Some(&garbage), "sandbox", "s3cr:et"));
    }
}
