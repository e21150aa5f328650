//! The operations the sandbox plays, as Modica's gateway would answer them:
//! sends with fresh ids (or a scripted fault), lookups, media on disk,
//! source registration.

use super::callbacks::{self, Outcome};
use super::fault::Fault;
use super::records::StoredMedia;
use super::rules;
use super::{SentMessage, Shared};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_core::Stream;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncWriteExt as _;

/// What the sandbox does with a request.
pub(crate) enum Reply {
    Answer(Response),
    /// Close the connection without answering.
    Drop,
}

/// Modica's error body: `{"error","message","statusCode"}`.
pub(crate) fn error(status: StatusCode, error: &str, message: &str) -> Reply {
    let body = json!({ "error": error, "message": message, "statusCode": status.as_u16() });
    Reply::Answer(json_response(status, &body))
}

pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
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

/// A `{"errors":[…]}` body, as Modica answers a bad upload.
pub(crate) fn field_errors(status: StatusCode, errors: Vec<Value>) -> Reply {
    Reply::Answer(json_response(status, &json!({ "errors": errors })))
}

fn whatsapp_error(code: i64) -> Reply {
    let meaning = modica_wab::ErrorCode::from_code(code).meaning();
    error(
        StatusCode::BAD_REQUEST,
        &format!("(#{code}) {meaning}"),
        "Whatsapp Cloud API error",
    )
}

/// What WhatsApp answers a template its registry refuses (when the sandbox
/// has one).
fn template_refusal(shared: &Shared, body: &Value) -> Option<Reply> {
    let refusal = shared.config.templates.as_ref()?.check(body).err()?;
    Some(error(
        StatusCode::BAD_REQUEST,
        &refusal.to_string(),
        "Whatsapp Cloud API error",
    ))
}

/// What WhatsApp answers a message using a media id it no longer holds
/// (ids expire after 30 days; here, one [`Sandbox::forget_media`](crate::Sandbox::forget_media)
/// forgot or the record limit pushed out): 131053, naming the id.
fn unknown_media(shared: &Shared, body: &Value) -> Option<Reply> {
    let records = shared.records();
    let id = rules::media_ids(body)
        .into_iter()
        .find(|id| rules::is_sandbox_media_id(id) && records.media(id).is_none())?
        .to_owned();
    drop(records);
    let meaning = modica_wab::ErrorCode::MediaUploadError.meaning();
    Some(error(
        StatusCode::BAD_REQUEST,
        &format!("(#131053) {meaning}: media id {id} is not known (expired or never uploaded)"),
        "Whatsapp Cloud API error",
    ))
}

/// Whether a message is an authentication template: as the registry
/// declares it, or (without one) by its shape.
fn is_authentication(shared: &Shared, body: &Value) -> bool {
    shared
        .config
        .templates
        .as_ref()
        .and_then(|t| t.is_authentication(body))
        .unwrap_or_else(|| rules::is_authentication_template(body))
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
    if fault.is_some() {
        shared.changed();
    }
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
            let reason = status.canonical_reason().unwrap_or("Server Error");
            return Err(error(status, reason, "scripted failure"));
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
    } else if body.get("to").is_some() || body.get("recipient").is_none() {
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
        accepted_at: std::time::SystemTime::now(),
    };
    shared.records().sent.push(message.clone());
    shared.changed();
    callbacks::schedule_dlrs(shared, &message, outcome);
    message
}

/// WhatsApp's answer to a template whose named parameters do not add up.
fn parameter_problem(body: &Value) -> Option<Reply> {
    let problem = rules::template_parameters_problem(body)?;
    Some(error(
        StatusCode::BAD_REQUEST,
        &format!("(#100) Invalid parameter: {problem}"),
        "Whatsapp Cloud API error",
    ))
}

/// Seconds since the Unix epoch, now.
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A free-form message outside the customer's service window is accepted,
/// then rejected with 131047 in its DLR, as WhatsApp does.
fn window_outcome(shared: &Shared, body: &Value, to: &str, outcome: Outcome) -> Outcome {
    if !matches!(outcome, Outcome::Received) || rules::is_template(body) {
        return outcome;
    }
    let mut records = shared.records();
    let business = text(body, "source");
    let closed = records.conversations.window_closed(
        &business,
        to,
        now_secs(),
        shared.config.require_contact,
    );
    if !closed {
        return outcome;
    }
    let reference = body
        .get("reference")
        .and_then(Value::as_str)
        .map(str::to_owned);
    records.faults.push((reference, Fault::DlrRejected(131047)));
    Outcome::Rejected(131047)
}

pub(crate) async fn send(shared: &Arc<Shared>, body: Value) -> Reply {
    if let Some(reply) = parameter_problem(&body)
        .or_else(|| template_refusal(shared, &body))
        .or_else(|| unknown_media(shared, &body))
    {
        return reply;
    }
    let to = rules::recipient_of(&body);
    // What WhatsApp refuses a customer known by username only: a one-time
    // code needs their phone number.
    if modica_wab::customer::Bsuid::parse(&to).is_ok() && is_authentication(shared, &body) {
        return whatsapp_error(131062);
    }
    let reference = body.get("reference").and_then(Value::as_str);
    let outcome = match fault_for(shared, std::slice::from_ref(&to), reference).await {
        Ok(outcome) => window_outcome(shared, &body, &to, outcome),
        Err(reply) => return reply,
    };
    let m = accept(shared, &body, &to, outcome);
    let answer =
        json!([{ "id": m.id, "status": "accepted", "reference": m.reference.unwrap_or_default() }]);
    Reply::Answer(json_response(StatusCode::ACCEPTED, &answer))
}

pub(crate) async fn broadcast(shared: &Arc<Shared>, body: Value) -> Reply {
    if let Some(reply) = parameter_problem(&body)
        .or_else(|| template_refusal(shared, &body))
        .or_else(|| unknown_media(shared, &body))
    {
        return reply;
    }
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
            Ok(o) => outcomes.push(window_outcome(shared, &body, r, o)),
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

pub(crate) fn lookup(shared: &Shared, id: &str) -> Reply {
    let records = shared.records();
    if let Some(m) = records.sent.iter().rev().find(|m| m.id == id) {
        let status = records.dlr_state(&m.id).map_or("accepted", |e| e.status);
        let mut details = json!({
            "id": m.id, "source": m.source, "destination": m.to, "direction": "mt",
            "type": m.kind, "status": status,
        });
        if let Some(r) = &m.reference {
            details["reference"] = json!(r);
        }
        if let Some(content) = m.body.get(&m.kind).filter(|c| c.is_object()) {
            details["content"] = content.clone();
        }
        return Reply::Answer(json_response(StatusCode::OK, &details));
    }
    if let Some(mo) = records
        .inbound
        .iter()
        .rev()
        .find(|r| r.id == id)
        .map(|r| &r.body)
    {
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

/// Why an upload was refused.
fn upload_refused(e: &multer::Error) -> Reply {
    let status = match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let error = json!({ "field": "file", "code": "invalid", "description": e.to_string() });
    field_errors(status, vec![error])
}

/// Stores the `file` part of a multipart body on disk, at most `limit` bytes.
pub(crate) async fn upload<S>(shared: &Shared, boundary: String, body: S, limit: u64) -> Reply
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    match store_upload(shared, boundary, body, limit).await {
        Ok(stored) => Reply::Answer(json_response(
            StatusCode::OK,
            &json!([{ "id": stored.media.id }]),
        )),
        Err(reply) => reply,
    }
}

/// An uploaded file, stored, with the name the uploader gave it.
pub(crate) struct Uploaded {
    pub(crate) media: StoredMedia,
    pub(crate) filename: Option<String>,
}

/// Stores the `file` part of a multipart body on disk (at most `limit`
/// bytes) and records it; the refusal to answer otherwise.
pub(crate) async fn store_upload<S>(
    shared: &Shared,
    boundary: String,
    body: S,
    limit: u64,
) -> Result<Uploaded, Reply>
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    let constraints =
        multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(limit));
    let mut form = multer::Multipart::with_constraints(body, boundary, constraints);
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => field,
            Ok(Some(_)) => continue,
            Ok(None) => {
                let error =
                    json!({ "field": "file", "code": "required", "description": "no `file` part" });
                return Err(field_errors(StatusCode::UNPROCESSABLE_ENTITY, vec![error]));
            }
            Err(e) => return Err(upload_refused(&e)),
        };
        let content_type = field
            .content_type()
            .map(ToString::to_string)
            .unwrap_or_else(|| "application/octet-stream".into());
        let filename = field.file_name().map(str::to_owned);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let path = shared.media_dir.path().join(&id);
        let storage = |e: &dyn std::fmt::Display| {
            error(
                StatusCode::INSUFFICIENT_STORAGE,
                "Insufficient Storage",
                &e.to_string(),
            )
        };
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| storage(&e))?;
        let mut size = 0u64;
        loop {
            let chunk = match field.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    drop(file);
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(upload_refused(&e));
                }
            };
            size += chunk.len() as u64;
            if let Err(e) = file.write_all(&chunk).await {
                let _ = tokio::fs::remove_file(&path).await;
                return Err(storage(&e));
            }
        }
        if file.flush().await.is_err() {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(storage(&"flush failed"));
        }
        let media = StoredMedia {
            id,
            content_type,
            path,
            size,
        };
        shared.records().add_media(media.clone());
        shared.changed();
        return Ok(Uploaded { media, filename });
    }
}

/// Streams a stored media file from disk.
pub(crate) async fn download(shared: &Shared, media_id: &str) -> Reply {
    let Some(media) = shared.records().media(media_id).cloned() else {
        return error(StatusCode::NOT_FOUND, "Not Found", "no media with this id");
    };
    let Ok(file) = tokio::fs::File::open(&media.path).await else {
        return error(StatusCode::NOT_FOUND, "Not Found", "no media with this id");
    };
    let content_type = HeaderValue::from_str(&media.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(stream),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(media.size));
    Reply::Answer(response)
}

pub(crate) fn register(shared: &Shared, body: Value) -> Reply {
    let source = json!({ "source": text(&body, "source"), "status": "registered" });
    shared.records().sources.push(source.clone());
    Reply::Answer(json_response(StatusCode::CREATED, &source))
}

/// The business number it plays (registered from the start), then the
/// numbers registered since, each once.
pub(crate) fn sources(shared: &Shared) -> Reply {
    let own = &shared.config.business_number;
    let mut sources = vec![json!({ "source": own, "name": "sandbox", "status": "registered" })];
    for source in shared.records().sources.to_vec() {
        if source.get("source").and_then(Value::as_str) != Some(own.as_str())
            && !sources.contains(&source)
        {
            sources.push(source);
        }
    }
    Reply::Answer(json_response(StatusCode::OK, &Value::Array(sources)))
}

pub(crate) fn status() -> Reply {
    Reply::Answer(json_response(
        StatusCode::OK,
        &json!({ "status": "ok", "version": modica_wab::spec::SPEC_VERSION }),
    ))
}
