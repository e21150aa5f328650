//! The sandbox's HTTP side: an accept loop that can drop a connection on
//! purpose, and one handler that checks auth and the spec, then plays the gateway.

use super::callbacks::{self, Outcome};
use super::fault::Fault;
use super::{SentMessage, Shared, StoredMedia};
use crate::conformance::{RecordedRequest, Violations};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt as _;

/// Lets a handler close its own connection without answering.
#[derive(Clone)]
struct Killer(Arc<tokio::sync::Notify>);

/// Largest body read (media uploads included).
const BODY_LIMIT: usize = 1 << 30;
/// Multipart bodies are validated on their first part names only.
const MULTIPART_PEEK: usize = 64 * 1024;

pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let router = Router::new().fallback(handle).with_state(shared);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors, say: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let kill = Arc::new(tokio::sync::Notify::new());
        let killer = Killer(kill.clone());
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(killer.clone());
                router.clone().oneshot(request.map(Body::new))
            });
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = kill.notified() => {} // dropping the connection closes the socket
            }
        });
    }
}

enum Reply {
    Answer(Response),
    Drop,
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let killer = request.extensions().get::<Killer>().cloned();
    let method = request.method().as_str().to_owned();
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let reply = play(&shared, request).await;
    let status = match &reply {
        Reply::Answer(r) => r.status().as_u16(),
        Reply::Drop => 0,
    };
    shared.records().requests.push((method, target, status));
    match reply {
        Reply::Answer(response) => response,
        Reply::Drop => {
            if let Some(Killer(kill)) = killer {
                kill.notify_one();
            }
            std::future::pending().await
        }
    }
}

fn error(status: StatusCode, error: &str, message: &str) -> Reply {
    let body = json!({ "error": error, "message": message, "statusCode": status.as_u16() });
    Reply::Answer(json_response(status, &body))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
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

fn whatsapp_error(code: i64) -> Reply {
    let meaning = crate::ErrorCode::from_code(code).meaning();
    error(
        StatusCode::BAD_REQUEST,
        &format!("(#{code}) {meaning}"),
        "Whatsapp Cloud API error",
    )
}

async fn play(shared: &Arc<Shared>, request: Request) -> Reply {
    let (parts, body) = request.into_parts();
    // Credentials first: nobody gets to make the sandbox buffer a body without them.
    let given = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !authorized(shared, given) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Invalid credentials",
        );
    }
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large",
            "body over the limit",
        );
    };
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let multipart = content_type.starts_with("multipart/");
    let peek = if multipart && body.len() > MULTIPART_PEEK {
        body.slice(..MULTIPART_PEEK)
    } else {
        body.clone()
    };
    let mut recorded = RecordedRequest::new(parts.method.as_str(), target).body(peek.to_vec());
    for (name, value) in &parts.headers {
        recorded = recorded.header(name.as_str(), value.to_str().unwrap_or_default());
    }
    if let Err(v) = shared.validator.check_request(&recorded) {
        return rejected(&v, multipart);
    }
    let (path, query) = recorded.path_and_query();
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let json_body = || serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    match (parts.method.as_str(), path.as_str()) {
        ("POST", "/messages") => send(shared, json_body()).await,
        ("POST", "/messages/broadcast") => broadcast(shared, json_body()).await,
        ("GET", "/messages") => lookup(shared, &q("id")),
        ("POST", "/media") => upload(shared, &content_type, body).await,
        ("GET", "/media") => download(shared, &q("media_id")),
        ("POST", "/source") => register(shared, json_body()),
        ("GET", "/source") => {
            let sources = Value::Array(shared.records().sources.clone());
            Reply::Answer(json_response(StatusCode::OK, &sources))
        }
        ("GET", "/status") => Reply::Answer(json_response(
            StatusCode::OK,
            &json!({ "status": "ok", "version": crate::spec::SPEC_VERSION }),
        )),
        _ => error(
            StatusCode::NOT_IMPLEMENTED,
            "Not Implemented",
            "the sandbox does not emulate this operation",
        ),
    }
}

fn authorized(shared: &Shared, authorization: Option<&str>) -> bool {
    let Some(value) = authorization else {
        return false;
    };
    let Some((scheme, token)) = value.split_once(' ') else {
        return false;
    };
    let expected = format!("{}:{}", shared.config.username, shared.config.password);
    scheme.eq_ignore_ascii_case("basic")
        && base64::engine::general_purpose::STANDARD
            .decode(token.trim())
            .is_ok_and(|given| given == expected.as_bytes())
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
        return Reply::Answer(json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "errors": errors }),
        ));
    }
    let text: Vec<String> = v.iter().map(ToString::to_string).collect();
    error(StatusCode::BAD_REQUEST, &text.join("; "), "Invalid request")
}

/// Plays the scripted fault for a send, if any. `Ok(outcome)`: accept with that DLR ending.
async fn fault_for(
    shared: &Shared,
    recipients: &[String],
    reference: Option<&str>,
) -> Result<Outcome, Reply> {
    let fault = {
        let mut records = shared.records();
        let fault = records.script.next(recipients);
        if let Some(f) = &fault {
            records
                .faults
                .push((reference.map(str::to_owned), f.clone()));
        }
        fault
    };
    let outcome = match fault {
        None => Outcome::Received,
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            Outcome::Received
        }
        Some(Fault::DlrRejected(code)) => Outcome::Rejected(code),
        Some(Fault::DlrExpired) => Outcome::Expired,
        Some(Fault::WhatsAppError(code)) => return Err(whatsapp_error(code)),
        Some(Fault::TooManyRequests(wait)) => {
            let secs = wait
                .as_secs()
                .saturating_add(u64::from(wait.subsec_nanos() > 0));
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "slow down",
            );
            if let Reply::Answer(r) = &mut response
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Err(response);
        }
        Some(Fault::ServerError(status)) => {
            // Only a 5xx is a server error; anything else asked for becomes a 500.
            let status = StatusCode::from_u16(status)
                .ok()
                .filter(StatusCode::is_server_error)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Err(error(status, "Internal Server Error", "scripted failure"));
        }
        Some(Fault::DropConnection) => return Err(Reply::Drop),
    };
    let admitted = match &mut shared.records().script.throughput {
        Some(limit) => {
            let now = Instant::now();
            recipients.iter().all(|_| limit.admit(now))
        }
        None => true,
    };
    if admitted {
        Ok(outcome)
    } else {
        shared
            .records()
            .faults
            .push((reference.map(str::to_owned), Fault::WhatsAppError(130429)));
        Err(whatsapp_error(130429))
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn accept(shared: &Arc<Shared>, body: &Value, to: &str, outcome: Outcome) -> SentMessage {
    let mut body = body.clone();
    if body.get("destination").is_some() {
        body["destination"] = json!(to);
    } else {
        body["to"] = json!(to);
    }
    let message = SentMessage {
        id: uuid::Uuid::new_v4().to_string(),
        to: to.to_owned(),
        source: text(&body, "source"),
        kind: text(&body, "type"),
        reference: body
            .get("reference")
            .and_then(Value::as_str)
            .map(str::to_owned),
        body,
    };
    shared.records().sent.push(message.clone());
    callbacks::schedule_dlrs(shared, &message, outcome);
    message
}

async fn send(shared: &Arc<Shared>, body: Value) -> Reply {
    let to = text(&body, "to");
    let reference = body.get("reference").and_then(Value::as_str);
    let outcome = match fault_for(shared, std::slice::from_ref(&to), reference).await {
        Ok(outcome) => outcome,
        Err(reply) => return reply,
    };
    let m = accept(shared, &body, &to, outcome);
    let answer =
        json!([{ "id": m.id, "status": "accepted", "reference": m.reference.unwrap_or_default() }]);
    Reply::Answer(json_response(StatusCode::ACCEPTED, &answer))
}

async fn broadcast(shared: &Arc<Shared>, body: Value) -> Reply {
    let recipients: Vec<String> = body
        .get("destination")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut outcomes = Vec::new();
    for r in &recipients {
        let reference = body.get("reference").and_then(Value::as_str);
        match fault_for(shared, std::slice::from_ref(r), reference).await {
            Ok(o) => outcomes.push(o),
            Err(reply) => return reply,
        }
    }
    let mut answer = Vec::new();
    for (to, outcome) in recipients.iter().zip(outcomes) {
        let m = accept(shared, &body, to, outcome);
        let mut item = json!({ "destination": to, "id": m.id, "status": "accepted" });
        if let Some(r) = m.reference {
            item["reference"] = json!(r);
        }
        answer.push(item);
    }
    Reply::Answer(json_response(StatusCode::ACCEPTED, &Value::Array(answer)))
}

fn lookup(shared: &Shared, id: &str) -> Reply {
    let records = shared.records();
    if let Some(m) = records.sent.iter().find(|m| m.id == id) {
        let mut details = json!({
            "id": m.id, "source": m.source, "destination": m.to, "direction": "mt",
            "type": m.kind, "status": "accepted",
        });
        if let Some(r) = &m.reference {
            details["reference"] = json!(r);
        }
        if let Some(content) = m.body.get(&m.kind).filter(|c| c.is_object()) {
            details["content"] = content.clone();
        }
        return Reply::Answer(json_response(StatusCode::OK, &details));
    }
    if let Some(mo) = records.inbound.get(id) {
        let details = json!({
            "id": id, "source": mo["source"], "destination": mo["Destination"], "direction": "mo",
            "type": mo["content"]["type"], "content": mo["content"],
        });
        return Reply::Answer(json_response(StatusCode::OK, &details));
    }
    error(
        StatusCode::NOT_FOUND,
        "Not Found",
        "no message with this id",
    )
}

async fn upload(shared: &Shared, content_type: &str, body: Bytes) -> Reply {
    let invalid = |description: String| {
        Reply::Answer(json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "errors": [{ "field": "file", "code": "invalid", "description": description }] }),
        ))
    };
    let boundary = match multer::parse_boundary(content_type) {
        Ok(b) => b,
        Err(e) => return invalid(e.to_string()),
    };
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let media_type = field
                    .content_type()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "application/octet-stream".into());
                let bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) => return invalid(e.to_string()),
                };
                let id = uuid::Uuid::new_v4().simple().to_string();
                shared.records().media.insert(
                    id.clone(),
                    StoredMedia {
                        content_type: media_type,
                        bytes,
                    },
                );
                return Reply::Answer(json_response(StatusCode::OK, &json!([{ "id": id }])));
            }
            Ok(Some(_)) => {}
            Ok(None) => return invalid("no `file` part".into()),
            Err(e) => return invalid(e.to_string()),
        }
    }
}

fn download(shared: &Shared, media_id: &str) -> Reply {
    let Some(media) = shared.records().media.get(media_id).cloned() else {
        return error(StatusCode::NOT_FOUND, "Not Found", "no media with this id");
    };
    let content_type = HeaderValue::from_str(&media.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Reply::Answer(
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, content_type)],
            media.bytes,
        )
            .into_response(),
    )
}

fn register(shared: &Shared, body: Value) -> Reply {
    let source = json!({ "source": text(&body, "source"), "status": "registered" });
    shared.records().sources.push(source.clone());
    Reply::Answer(json_response(StatusCode::CREATED, &source))
}
