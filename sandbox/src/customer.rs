//! What a customer sends in answer to the service's newer messages, as Meta
//! writes it: a flow's reply (`nfm_reply`), a location shared in answer to a
//! location request, their own card shared through a "request contact info"
//! button. Used by the chat view's buttons and by the [`Sandbox`](super::Sandbox)
//! methods that play the same from a test.

use super::rules::customer_key;
use super::{AnswerError, SentMessage, Shared};
use serde_json::{Map, Value, json};

/// The message `message_id` the service sent to `customer`.
fn sent_to(shared: &Shared, customer: &str, message_id: &str) -> Result<SentMessage, AnswerError> {
    let key = customer_key(customer);
    shared
        .records()
        .sent
        .iter()
        .rev()
        .find(|m| m.id == message_id && customer_key(&m.to) == key)
        .cloned()
        .ok_or_else(|| AnswerError::UnknownMessage {
            message_id: message_id.to_owned(),
            customer: customer.to_owned(),
        })
}

/// The reply completing the flow sent in `message_id`, and the business
/// number it goes to.
pub(crate) fn flow_answer(
    shared: &Shared,
    customer: &str,
    message_id: &str,
    answers: Map<String, Value>,
) -> Result<(String, Value), AnswerError> {
    let sent = sent_to(shared, customer, message_id)?;
    let token = flow_token_of(&sent.body).ok_or_else(|| AnswerError::NotAnswerable {
        message_id: message_id.to_owned(),
        kind: sent.kind.clone(),
        expected: "a flow",
    })?;
    let reply = flow_reply(&sent.source, message_id, &token, answers);
    Ok((sent.source, reply))
}

/// A location answering the location request sent in `message_id`, and
/// the business number it goes to.
pub(crate) fn location_answer_to(
    shared: &Shared,
    customer: &str,
    message_id: &str,
    latitude: f64,
    longitude: f64,
) -> Result<(String, Value), AnswerError> {
    let place = latitude.is_finite()
        && longitude.is_finite()
        && (-90.0..=90.0).contains(&latitude)
        && (-180.0..=180.0).contains(&longitude);
    if !place {
        return Err(AnswerError::NotAPlace(format!("{latitude}, {longitude}")));
    }
    let sent = sent_to(shared, customer, message_id)?;
    if sent
        .body
        .pointer("/interactive/type")
        .and_then(Value::as_str)
        != Some("location_request_message")
    {
        return Err(AnswerError::NotAnswerable {
            message_id: message_id.to_owned(),
            kind: sent.kind,
            expected: "a location request",
        });
    }
    let answer = location_answer(&sent.source, message_id, latitude, longitude);
    Ok((sent.source, answer))
}

/// What the service sent that a customer's answer refers to: a flow (by its
/// token) or something else.
pub(crate) fn flow_token_of(body: &Value) -> Option<String> {
    // An interactive flow message…
    if body.pointer("/interactive/type").and_then(Value::as_str) == Some("flow") {
        return Some(
            body.pointer("/interactive/action/parameters/flow_token")
                .and_then(Value::as_str)
                .unwrap_or("unused")
                .to_owned(),
        );
    }
    // …or a template with a flow button.
    body.pointer("/template/components")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c.get("sub_type").and_then(Value::as_str) == Some("flow"))
        .map(|c| {
            c.pointer("/parameters/0/action/flow_token")
                .and_then(Value::as_str)
                .unwrap_or("unused")
                .to_owned()
        })
}

fn context(business: &str, message_id: &str) -> Value {
    json!({ "from": business, "id": message_id })
}

/// A completed flow: its answers as a JSON string, holding the token the
/// flow was sent with (Meta, "Receiving a Flow response").
fn flow_reply(business: &str, message_id: &str, token: &str, answers: Map<String, Value>) -> Value {
    let mut response = answers;
    response.insert("flow_token".into(), json!(token));
    json!({
        "type": "interactive",
        "context": context(business, message_id),
        "interactive": {
            "type": "nfm_reply",
            "nfm_reply": {
                "name": "flow",
                "body": "Sent",
                "response_json": Value::Object(response).to_string(),
            }
        }
    })
}

/// A location shared in answer to the location request `message_id`.
fn location_answer(business: &str, message_id: &str, latitude: f64, longitude: f64) -> Value {
    json!({
        "type": "location",
        "context": context(business, message_id),
        "location": { "latitude": latitude, "longitude": longitude },
    })
}

/// The customer's own card, shared by tapping a "request contact info"
/// button (Meta, "Business-scoped user IDs": `origin` and a vCard).
pub(crate) fn own_contact(name: &str, phone: &str) -> Value {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let vcard = format!(
        "BEGIN:VCARD\nVERSION:3.0\nFN:{name}\nTEL;type=CELL;waid={digits}:+{digits}\nEND:VCARD"
    );
    json!({
        "type": "contacts",
        "origin": "contact_request/other",
        "contacts": [{
            "vcard": vcard,
            "name": { "formatted_name": name, "first_name": name },
            "phones": [{ "phone": format!("+{digits}"), "wa_id": digits, "type": "CELL" }],
        }],
    })
}

/// The card `customer` shares when asked: a username customer's own number
/// ([`phone_of`]), or the number they write from.
pub(crate) fn own_card(shared: &Shared, customer: &str) -> Value {
    let username = shared.records().usernames.get(customer).cloned();
    match username {
        Some(name) => own_contact(name.trim_start_matches('@'), &phone_of(&name)),
        None => own_contact("Customer", customer),
    }
}

/// The phone number a username customer shares when asked (`+6420` and
/// eight digits of the username's SHA-256: one username, one number).
pub(crate) fn phone_of(username: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(username.to_ascii_lowercase().as_bytes());
    let mut first = [0u8; 4];
    first.copy_from_slice(&digest[..4]);
    format!("+6420{:08}", u32::from_be_bytes(first) % 100_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_token_comes_from_the_flow_message_or_its_template_button() {
        let flow = json!({"type": "interactive", "interactive": {"type": "flow",
            "action": {"name": "flow", "parameters": {"flow_token": "t-1"}}}});
        assert_eq!(flow_token_of(&flow).as_deref(), Some("t-1"));
        let button = json!({"type": "template", "template": {"components": [
            {"type": "button", "sub_type": "flow", "index": "0", "parameters": [{"type": "action", "action": {}}]}]}});
        assert_eq!(flow_token_of(&button).as_deref(), Some("unused"));
        assert_eq!(flow_token_of(&json!({"type": "text"})), None);
    }

    #[test]
    fn a_flow_reply_keeps_the_answers_and_the_token() {
        let answers = json!({"day": "Tuesday", "flow_token": "forged"});
        let reply = flow_reply("649", "m1", "t-1", answers.as_object().unwrap().clone());
        let text = reply["interactive"]["nfm_reply"]["response_json"]
            .as_str()
            .unwrap();
        let parsed: Value = serde_json::from_str(text).unwrap();
        assert_eq!(parsed, json!({"day": "Tuesday", "flow_token": "t-1"}));
        assert_eq!(reply["context"]["id"], "m1");
    }

    #[test]
    fn a_username_shares_one_valid_number() {
        let phone = phone_of("@bob");
        assert_eq!(phone, phone_of("@BOB"));
        assert_eq!(phone.len(), 13, "{phone}");
        assert!(phone.starts_with("+6420"));
    }
}
