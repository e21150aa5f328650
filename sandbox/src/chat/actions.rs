//! What the customer does in the chat view, as the sandbox carries it out:
//! each becomes an MO POSTed to the service's MO URL (or a fault scripted
//! for the service's next send), exactly as the sandbox's own API for tests
//! does it.

use super::super::AnswerError;
use super::super::callbacks;
use super::super::customer;
use super::super::fault::Fault;
use super::super::rules::number_key;
use super::super::{Shared, gateway};
use super::view::Pair;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A form's fields.
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    pub(super) fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Faults the page queues per customer, and customers with faults queued:
/// bounded, as everything the sandbox keeps.
const MAX_FAULTS_WAITING: usize = 16;
const MAX_CUSTOMERS_WAITING: usize = 1_000;

/// What an action could not do.
pub(super) type Refused = &'static str;

/// Who writes: `+` and the digits of a phone number, or a business-scoped
/// user id as it is.
fn customer(pair: &Pair) -> String {
    if pair.customer.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{}", pair.customer)
    } else {
        pair.customer.clone()
    }
}

fn inject(shared: &Arc<Shared>, pair: &Pair, content: Value) {
    callbacks::inject_mo(shared, &customer(pair), Some(&pair.business), content);
}

/// The customer writes.
pub(super) fn reply(shared: &Arc<Shared>, pair: &Pair, form: &Form) -> Result<(), Refused> {
    let text = form.get("text");
    if text.trim().is_empty() {
        return Err("an empty message");
    }
    inject(
        shared,
        pair,
        json!({ "type": "text", "text": { "body": text } }),
    );
    Ok(())
}

/// A new customer writes first: by phone number, or as `@bob`, a customer
/// known by username only (their MOs carry only a business-scoped user id).
pub(super) fn start(shared: &Arc<Shared>, form: &Form) -> Result<Pair, Refused> {
    let who = form.get("customer").trim();
    let customer = match who.strip_prefix('@') {
        Some(name) if valid_username(name) => {
            let bsuid = super::super::bsuid_of(&format!("@{name}"));
            shared
                .records()
                .usernames
                .insert(bsuid.clone(), format!("@{name}"));
            bsuid
        }
        Some(_) => return Err("a username: 3 to 35 letters, digits, `.` or `_`"),
        None => number_key(who),
    };
    let pair = Pair {
        business: number_key(form.get("business")),
        customer,
    };
    if pair.customer.len() < 6 || pair.business.is_empty() {
        return Err("a customer number (E.164) or @username, and a business number");
    }
    reply(shared, &pair, form)?;
    Ok(pair)
}

/// A username as WhatsApp allows it (Meta, "Business-scoped user IDs"): 3 to
/// 35 of a-z, 0-9, `.` and `_`, a letter among them.
fn valid_username(name: &str) -> bool {
    (3..=35).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        && name.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The customer taps a reply button, a list row or a template's quick reply.
pub(super) fn tap(shared: &Arc<Shared>, pair: &Pair, form: &Form) -> Result<(), Refused> {
    let (id, title) = (form.get("id"), form.get("title"));
    let context = json!({ "from": pair.business, "id": form.get("context") });
    let content = match form.get("kind") {
        "button" => json!({ "type": "interactive", "context": context,
            "interactive": { "type": "button_reply", "button_reply": { "id": id, "title": title } } }),
        "row" => json!({ "type": "interactive", "context": context,
            "interactive": { "type": "list_reply", "list_reply": { "id": id, "title": title } } }),
        "template" => json!({ "type": "button", "context": context,
            "button": { "text": title, "payload": id } }),
        // Answers that quote what they answer, looked up in what was sent
        // (the form's own fields are not trusted for the flow's token).
        "flow" => {
            let (_, reply) = customer::flow_answer(
                shared,
                &customer(pair),
                form.get("context"),
                serde_json::Map::new(),
            )
            .map_err(|_| "a form for a message that is no flow")?;
            reply
        }
        "location" => {
            let coordinate = |name: &str| form.get(name).trim().parse::<f64>().ok();
            let (Some(latitude), Some(longitude)) =
                (coordinate("latitude"), coordinate("longitude"))
            else {
                return Err("a latitude and a longitude, as numbers");
            };
            let (_, answer) = customer::location_answer_to(
                shared,
                &customer(pair),
                form.get("context"),
                latitude,
                longitude,
            )
            .map_err(|e| match e {
                AnswerError::NotAPlace(_) => {
                    "a latitude from -90 to 90 and a longitude from -180 to 180"
                }
                _ => "a location for a message that asked for none",
            })?;
            answer
        }
        "contact" => customer::own_card(shared, &customer(pair)),
        _ => return Err("a tap on something unknown"),
    };
    inject(shared, pair, content);
    Ok(())
}

/// The customer reacts to one of the service's messages.
pub(super) fn react(shared: &Arc<Shared>, pair: &Pair, form: &Form) -> Result<(), Refused> {
    let message_id = form.get("message_id");
    if message_id.is_empty() {
        return Err("a reaction to no message");
    }
    inject(
        shared,
        pair,
        json!({ "type": "reaction", "reaction": { "message_id": message_id, "emoji": form.get("emoji") } }),
    );
    Ok(())
}

/// The service's next send to this customer meets a fault.
pub(super) fn fault(shared: &Arc<Shared>, pair: &Pair, form: &Form) -> Result<(), Refused> {
    let fault = match form.get("fault") {
        "131047" => Fault::WhatsAppError(131047),
        "131026" => Fault::WhatsAppError(131026),
        "429" => Fault::TooManyRequests(Duration::from_secs(2)),
        "503" => Fault::ServerError(503),
        "drop" => Fault::DropConnection,
        _ => return Err("a fault this page does not offer"),
    };
    {
        let mut records = shared.records();
        let waiting = &mut records.script.next_for;
        if !waiting.contains_key(&pair.customer) && waiting.len() >= MAX_CUSTOMERS_WAITING {
            return Err("too many customers with faults waiting");
        }
        let queue = waiting.entry(pair.customer.clone()).or_default();
        if queue.len() >= MAX_FAULTS_WAITING {
            return Err("too many faults waiting for this customer");
        }
        queue.push_back(fault);
    }
    shared.changed();
    Ok(())
}

/// The customer sends a file: stored like an upload, delivered as a media MO
/// the service can download.
pub(super) async fn upload<S>(
    shared: &Arc<Shared>,
    pair: &Pair,
    boundary: String,
    body: S,
) -> Result<(), gateway::Reply>
where
    S: futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static,
{
    let limit = shared.config.media_limit;
    let uploaded = gateway::store_upload(shared, boundary, body, limit).await?;
    let mime = uploaded.media.content_type.clone();
    let kind = match mime.split('/').next() {
        Some("image") if mime != "image/svg+xml" => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ => "document",
    };
    let mut object = json!({ "id": uploaded.media.id, "mime_type": mime });
    if let Some(name) = uploaded.filename {
        object["filename"] = json!(name);
    }
    inject(shared, pair, json!({ "type": kind, kind: object }));
    Ok(())
}
