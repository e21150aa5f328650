//! Callbacks the sandbox makes: DLRs after a send, injected MOs; retried on
//! non-2xx like a real provider.

use super::records::{CallbackTry, Delivery, DeliveryKind, DlrEvent, InboundRecord};
use super::{SentMessage, Shared};
use base64::Engine as _;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

/// How a DLR sequence ends.
pub(crate) enum Outcome {
    Received,
    Rejected(i64),
    Expired,
}

/// Issues `sent` then the final status of `message`, in the background: each
/// recorded (the chat view shows it) and POSTed to the DLR URLs, if any.
pub(crate) fn schedule_dlrs(shared: &Arc<Shared>, message: &SentMessage, outcome: Outcome) {
    let reference = message.reference.clone().unwrap_or_default();
    let id = message.id.clone();
    let (final_status, code) = match outcome {
        Outcome::Received => ("received", None),
        Outcome::Rejected(code) => ("rejected", Some(code)),
        Outcome::Expired => ("expired", Some(131026)),
    };
    let shared = shared.clone();
    begin(&shared);
    tokio::spawn(async move {
        for (status, code) in [("sent", None), (final_status, code)] {
            tokio::time::sleep(shared.config.dlr_delay).await;
            shared.records().dlrs.push(DlrEvent {
                id: id.clone(),
                status,
                code,
            });
            shared.changed();
            if !shared.config.dlr_urls.is_empty() {
                let mut body = json!({ "id": id, "status": status, "reference": reference });
                if let Some(code) = code {
                    body["errors"] = json!([error_object(code)]);
                }
                deliver(&shared, DeliveryKind::Dlr, body).await;
            }
        }
        end(&shared);
    });
}

fn error_object(code: i64) -> Value {
    let meaning = modica_wab::ErrorCode::from_code(code).meaning();
    json!({
        "code": code,
        "title": meaning,
        "message": meaning,
        "error_data": { "details": format!("(#{code}) {meaning}") }
    })
}

/// Records an inbound message from `from` to `to` (the business number;
/// the sandbox's own when `None`) and POSTs it to the MO URL in the background.
pub(crate) fn inject_mo(
    shared: &Arc<Shared>,
    from: &str,
    to: Option<&str>,
    content: Value,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let mut content = match content {
        Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("type".into(), json!("unknown"));
            map.insert("unknown".into(), other);
            map
        }
    };
    let wamid = format!(
        "wamid.{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(id.as_bytes())
    );
    // A customer known by username only (Meta, 2026): their BSUID in
    // `from_user_id`, no `from`, and the username in `profile`.
    if modica_wab::customer::Bsuid::parse(from).is_ok() {
        content.entry("from_user_id").or_insert_with(|| json!(from));
        if let Some(username) = shared.records().usernames.get(from).cloned() {
            content
                .entry("profile")
                .or_insert_with(|| json!({ "username": username }));
        }
    } else {
        content
            .entry("from")
            .or_insert_with(|| json!(from.trim_start_matches('+')));
    }
    content.entry("id").or_insert_with(|| json!(wamid));
    content.entry("timestamp").or_insert_with(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        json!(now.as_secs().to_string())
    });
    // A customer's message opens (or extends) the service window; a status
    // notice or a system notice is not the customer writing.
    let kind = content.get("type").and_then(Value::as_str).unwrap_or("");
    let notice = matches!(
        kind,
        "sent" | "delivered" | "read" | "failed" | "deleted" | "status" | "system"
    ) || (kind.is_empty() && content.contains_key("status"));
    let written_at = content.get("timestamp").and_then(|t| match t {
        Value::String(s) => s.parse::<u64>().ok(),
        other => other.as_u64(),
    });
    let body = json!({
        "id": id,
        "source": from,
        "Destination": to.unwrap_or(&shared.config.business_number),
        "content": Value::Object(content),
    });
    {
        let mut records = shared.records();
        records.inbound.push(InboundRecord {
            id: id.clone(),
            body: body.clone(),
            at: std::time::SystemTime::now(),
        });
        if !notice && let Some(at) = written_at {
            let business = to.unwrap_or(&shared.config.business_number);
            records.conversations.record(business, from, at);
        }
    }
    shared.changed();
    if !shared.config.mo_urls.is_empty() {
        let shared = shared.clone();
        begin(&shared);
        tokio::spawn(async move {
            deliver(&shared, DeliveryKind::Mo, body).await;
            end(&shared);
        });
    }
    id
}

fn begin(shared: &Shared) {
    shared.pending.fetch_add(1, Ordering::SeqCst);
}

fn end(shared: &Shared) {
    if shared.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
        shared.idle.notify_waiters();
    }
}

/// Delivers one event: until a 2xx or the attempts run out; then, when
/// duplicates are asked for, again (a redelivery), or twice at once.
async fn deliver(shared: &Shared, kind: DeliveryKind, body: Value) {
    let (concurrent, redeliver) = match &shared.config.duplicates {
        Some(d) => {
            use rand::Rng as _;
            let mut rng = d.rng.lock().unwrap_or_else(|e| e.into_inner());
            (rng.random_bool(d.concurrent), rng.random_bool(d.redeliver))
        }
        None => (false, false),
    };
    let delivered = if concurrent {
        let (a, b) = tokio::join!(
            deliver_once(shared, kind, body.clone()),
            deliver_once(shared, kind, body.clone())
        );
        a || b
    } else {
        deliver_once(shared, kind, body.clone()).await
    };
    if delivered && redeliver {
        deliver_once(shared, kind, body).await;
    }
}

/// POSTs `body` until a 2xx or the attempts run out, backing off between
/// tries; each try goes to the next URL of its kind (round robin, as a load
/// balancer would). Returns whether a try got a 2xx.
async fn deliver_once(shared: &Shared, kind: DeliveryKind, body: Value) -> bool {
    let urls = match kind {
        DeliveryKind::Mo => &shared.config.mo_urls,
        DeliveryKind::Dlr => &shared.config.dlr_urls,
    };
    let index = shared.records().add_delivery(Delivery {
        kind,
        body: body.clone(),
        attempts: Vec::new(),
        tries: Vec::new(),
        delivered: false,
    });
    if urls.is_empty() {
        return false;
    }
    let mut backoff = shared.config.callback_backoff;
    for attempt in 1..=shared.config.callback_attempts {
        let turn = shared.turn.fetch_add(1, Ordering::Relaxed);
        let url = &urls[turn % urls.len()];
        let started = SystemTime::now();
        let status = post(shared, url, &body).await;
        let ended = SystemTime::now();
        let delivered = (200..300).contains(&status);
        if let Some(d) = shared.records().delivery_mut(index) {
            d.attempts.push(status);
            d.tries.push(CallbackTry {
                url: modica_wab::credentials::redact(url),
                status,
                started,
                ended,
            });
            d.delivered = delivered;
        }
        shared.changed();
        if delivered {
            return true;
        }
        if attempt == shared.config.callback_attempts {
            return false;
        }
        tokio::time::sleep(backoff.min(shared.config.callback_max_backoff)).await;
        backoff = backoff.saturating_mul(2);
    }
    false
}

/// One POST with the URL's credentials as Basic auth; the status (0: no answer).
async fn post(shared: &Shared, url: &str, body: &Value) -> u16 {
    // Checked at start; a URL that does not parse has no attempt to make.
    let Ok(url) = url::Url::parse(url) else {
        return 0;
    };
    let (target, credentials) = modica_wab::credentials::split_credentials(&url);
    let mut request = shared
        .http
        .post(target)
        .timeout(Duration::from_secs(10))
        .json(body);
    if let Some(authorization) = credentials
        .and_then(|(user, password)| modica_wab::credentials::basic_header(&user, &password))
    {
        request = request.header(reqwest::header::AUTHORIZATION, authorization);
    }
    match request.send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}
