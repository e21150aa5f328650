//! What WhatsApp checks beyond the spec, as the sandbox plays it: the
//! 24-hour customer-service window, and named template parameters.

use serde_json::Value;
use std::collections::HashMap;

/// How long after a customer's last message free-form messages may be sent.
pub(crate) const SERVICE_WINDOW_SECS: u64 = 24 * 3600;

/// When each customer last wrote to each business number (Unix seconds),
/// bounded: the oldest pairs are forgotten first. A window is per pair: a
/// customer who wrote to one number has no window with another.
#[derive(Debug)]
pub(crate) struct Conversations {
    last_inbound: HashMap<(String, String), u64>,
    capacity: usize,
}

/// A number as a key: its digits only (`+64 21 123` and `6421123` are one customer).
pub(crate) fn number_key(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// A customer as a key: a phone number's digits, a business-scoped user id
/// as it is (the client's keys: `modica_wab::customer::key`).
pub(crate) use modica_wab::customer::key as customer_key;

/// Who a send goes to: `to` (a phone number) or `recipient` (a
/// business-scoped user id); `to` wins when both are given (Meta's rule).
pub(crate) fn recipient_of(body: &Value) -> String {
    ["to", "recipient"]
        .iter()
        .find_map(|k| {
            body.get(*k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_default()
        .to_owned()
}

/// The text of a component's first parameter.
fn first_text(component: &Value) -> Option<&str> {
    component
        .pointer("/parameters/0/text")
        .and_then(Value::as_str)
}

/// An authentication template (a one-time code): the code in the body, and
/// again as the text of the URL button at index 0 (Meta, "Sending
/// authentication templates"). Such a template needs a phone number.
pub(crate) fn is_authentication_template(body: &Value) -> bool {
    let Some(components) = body
        .pointer("/template/components")
        .and_then(Value::as_array)
    else {
        return false;
    };
    let code = components
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("body"))
        .and_then(first_text);
    components.iter().any(|c| {
        c.get("type").and_then(Value::as_str) == Some("button")
            && c.get("sub_type").and_then(Value::as_str) == Some("url")
            && matches!(c.get("index"), Some(i) if i == "0" || i == 0)
            && code.is_some()
            && first_text(c) == code
    })
}

impl Conversations {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            last_inbound: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    /// The customer wrote to `business` at `at`; a later message already known stands.
    pub(crate) fn record(&mut self, business: &str, customer: &str, at: u64) {
        let key = (number_key(business), customer_key(customer));
        if !self.last_inbound.contains_key(&key) && self.last_inbound.len() >= self.capacity {
            let oldest = self
                .last_inbound
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.last_inbound.remove(&oldest);
            }
        }
        let last = self.last_inbound.entry(key).or_insert(at);
        *last = (*last).max(at);
    }

    /// When the customer last wrote to `business`.
    pub(crate) fn last_inbound(&self, business: &str, customer: &str) -> Option<u64> {
        let key = (number_key(business), customer_key(customer));
        self.last_inbound.get(&key).copied()
    }

    /// Whether a free-form message from `business` to `customer` at `now`
    /// falls outside the window: the customer's last message to that number
    /// is older than 24 hours (or, when `require_contact`, there is none).
    pub(crate) fn window_closed(
        &self,
        business: &str,
        customer: &str,
        now: u64,
        require_contact: bool,
    ) -> bool {
        match self.last_inbound(business, customer) {
            Some(at) => now.saturating_sub(at) > SERVICE_WINDOW_SECS,
            None => require_contact,
        }
    }
}

/// Whether `id` has the shape of a media id this sandbox gives (32
/// lower-case hex digits): one it does not hold was forgotten (expired).
/// Ids of other shapes are someone else's (a test's made-up `"1"`) and pass.
pub(crate) fn is_sandbox_media_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The media ids a message uses: every `image`, `video`, `audio`,
/// `document` or `sticker` object with an `id`, wherever it is (the
/// message, a header, a template parameter, a carousel card).
pub(crate) fn media_ids(body: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    let mut todo = vec![body];
    while let Some(v) = todo.pop() {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if matches!(
                        k.as_str(),
                        "image" | "video" | "audio" | "document" | "sticker"
                    ) && let Some(id) = child.get("id").and_then(Value::as_str)
                    {
                        out.push(id);
                    }
                    todo.push(child);
                }
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    out
}

/// Whether a message body is a template (the only kind allowed outside the window).
pub(crate) fn is_template(body: &Value) -> bool {
    body.get("type").and_then(Value::as_str) == Some("template")
}

/// What is wrong with a template's named parameters, as WhatsApp would see it:
/// a component that names some parameters and not others, or one name twice.
pub(crate) fn template_parameters_problem(body: &Value) -> Option<String> {
    let components = body.pointer("/template/components")?.as_array()?;
    for (i, component) in components.iter().enumerate() {
        let Some(parameters) = component.get("parameters").and_then(Value::as_array) else {
            continue;
        };
        let names: Vec<Option<&str>> = parameters
            .iter()
            .map(|p| p.get("parameter_name").and_then(Value::as_str))
            .collect();
        let named = names.iter().flatten().count();
        if named != 0 && named != names.len() {
            return Some(format!(
                "template.components[{i}]: {named} of {} parameters are named; name all or none",
                names.len()
            ));
        }
        for (j, name) in names.iter().enumerate() {
            if let Some(name) = name
                && names[..j].contains(&Some(name))
            {
                return Some(format!(
                    "template.components[{i}].parameters[{j}]: parameter_name {name:?} given twice"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_window_closes_24_hours_after_the_last_message() {
        let mut c = Conversations::new(10);
        c.record("649", "+64 21 123", 1_000);
        c.record("+649", "6421123", 500); // older: the later message stands
        assert_eq!(c.last_inbound("649", "+6421123"), Some(1_000));
        assert!(!c.window_closed("649", "6421123", 1_000 + SERVICE_WINDOW_SECS, false));
        assert!(c.window_closed("649", "6421123", 1_001 + SERVICE_WINDOW_SECS, false));
        assert!(
            !c.window_closed("649", "+64999", 0, false),
            "never wrote: not enforced"
        );
        assert!(
            c.window_closed("649", "+64999", 0, true),
            "never wrote: enforced"
        );
        // Another business number: no window there.
        assert!(c.window_closed("648", "6421123", 1_000, true));
    }

    #[test]
    fn the_oldest_pair_is_forgotten_first() {
        let mut c = Conversations::new(2);
        c.record("9", "1", 10);
        c.record("9", "2", 5);
        c.record("9", "3", 20);
        assert_eq!(c.last_inbound("9", "2"), None);
        assert_eq!(c.last_inbound("9", "1"), Some(10));
        assert_eq!(c.last_inbound("9", "3"), Some(20));
    }

    #[test]
    fn media_ids_are_found_wherever_they_are() {
        let body = json!({"type": "template", "template": {"components": [
            {"type": "header", "parameters": [{"type": "image", "image": {"id": "a"}}]},
            {"type": "carousel", "cards": [{"components": [
                {"type": "header", "parameters": [{"type": "video", "video": {"id": "b"}}]}]}]}]}});
        let mut ids = media_ids(&body);
        ids.sort_unstable();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            media_ids(&json!({"type": "image", "image": {"link": "https://x"}})),
            Vec::<&str>::new()
        );
        assert!(is_sandbox_media_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_sandbox_media_id("112233"));
    }

    #[test]
    fn named_parameters_all_or_none_and_once_each() {
        let template = |parameters: Value| {
            json!({"type": "template", "template": {"name": "t", "language": {"code": "en"},
                "components": [{"type": "body", "parameters": parameters}]}})
        };
        let named = |name: &str| json!({"type": "text", "text": "x", "parameter_name": name});
        let positional = json!({"type": "text", "text": "x"});
        assert_eq!(
            template_parameters_problem(&template(json!([named("a"), named("b")]))),
            None
        );
        assert_eq!(
            template_parameters_problem(&template(json!([positional, positional]))),
            None
        );
        let mixed = template_parameters_problem(&template(json!([named("a"), positional])));
        assert!(mixed.unwrap().contains("1 of 2 parameters are named"));
        let twice = template_parameters_problem(&template(json!([named("a"), named("a")])));
        assert!(twice.unwrap().contains("given twice"));
    }
}
