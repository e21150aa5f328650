//! A template message against its declared template, as WhatsApp judges it
//! (Meta, "Error codes": 132000 parameter count mismatch, 132001 template
//! does not exist, 132005 hydrated text too long, 132012 parameter format
//! mismatch, 132015 paused, 132016 disabled).

use super::file::CARD_BODY;
use super::placeholders::Text;
use super::{Button, Header, Refusal, Status, TemplateDef, Templates};
use serde_json::Value;

/// The longest body once its parameters are filled in (Meta: 1024).
const BODY_FILLED: usize = 1024;

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The template a message names, if the registry has it.
pub(super) fn find<'a>(templates: &'a Templates, message: &Value) -> Option<&'a TemplateDef> {
    templates.get(
        str_at(message, "/template/name"),
        str_at(message, "/template/language/code"),
    )
}

pub(super) fn check(templates: &Templates, message: &Value) -> Result<(), Refusal> {
    if str_at(message, "/type") != "template" {
        return Ok(());
    }
    let (name, language) = (
        str_at(message, "/template/name"),
        str_at(message, "/template/language/code"),
    );
    let Some(def) = templates.get(name, language) else {
        let elsewhere: Vec<&str> = templates
            .defs
            .iter()
            .filter(|d| d.name == name)
            .map(|d| d.language.as_str())
            .collect();
        let detail = if elsewhere.is_empty() {
            format!("there is no template {name:?}")
        } else {
            format!("template {name:?} has no {language:?} translation (it has {elsewhere:?})")
        };
        return Err(Refusal::new(132001, detail));
    };
    match def.status {
        Status::Approved => {}
        Status::Paused => return Err(Refusal::new(132015, format!("{name:?} is paused"))),
        Status::Disabled => return Err(Refusal::new(132016, format!("{name:?} is disabled"))),
        Status::Pending | Status::Rejected => {
            return Err(Refusal::new(132001, format!("{name:?} is not approved")));
        }
    }
    let components = list(message.pointer("/template/components"));
    let carousel = components.iter().find(|c| str_at(c, "/type") == "carousel");
    let parts = Parts {
        header: def.header.as_ref(),
        body: def.body.as_ref(),
        buttons: &def.buttons,
        body_limit: BODY_FILLED,
        at: "",
    };
    parts.check(&components)?;
    match (def.cards.is_empty(), carousel) {
        (true, None) => Ok(()),
        (true, Some(_)) => Err(Refusal::new(
            132000,
            "the template has no carousel; cards were sent",
        )),
        (false, None) => Err(Refusal::new(
            132000,
            format!(
                "the template's carousel has {} cards; none were sent",
                def.cards.len()
            ),
        )),
        (false, Some(carousel)) => {
            let cards = list(carousel.get("cards"));
            if cards.len() != def.cards.len() {
                return Err(Refusal::new(
                    132000,
                    format!(
                        "the template's carousel has {} cards; {} were sent",
                        def.cards.len(),
                        cards.len()
                    ),
                ));
            }
            for (i, (card, sent)) in def.cards.iter().zip(cards).enumerate() {
                let at = format!("card {i}: ");
                Parts {
                    header: Some(&card.header),
                    body: card.body.as_ref(),
                    buttons: &card.buttons,
                    body_limit: CARD_BODY,
                    at: &at,
                }
                .check(&list(sent.get("components")))?;
            }
            Ok(())
        }
    }
}

fn list(v: Option<&Value>) -> Vec<&Value> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// One level of a template (the template itself, or a card): what it
/// declares, and how to say where a mistake is.
struct Parts<'a> {
    header: Option<&'a Header>,
    body: Option<&'a Text>,
    buttons: &'a [Button],
    body_limit: usize,
    at: &'a str,
}

/// The value a parameter puts in its placeholder.
fn value(p: &Value) -> String {
    match str_at(p, "/type") {
        "currency" => str_at(p, "/currency/fallback_value"),
        "date_time" => str_at(p, "/date_time/fallback_value"),
        "payload" => str_at(p, "/payload"),
        _ => str_at(p, "/text"),
    }
    .to_owned()
}

impl Parts<'_> {
    fn refuse(&self, code: i64, detail: impl std::fmt::Display) -> Refusal {
        Refusal::new(code, format!("{}{detail}", self.at))
    }

    fn check(&self, components: &[&Value]) -> Result<(), Refusal> {
        let of = |kind: &str| {
            components
                .iter()
                .copied()
                .find(|c| str_at(c, "/type") == kind)
        };
        self.header(of("header"))?;
        self.body(of("body"))?;
        let buttons: Vec<&Value> = components
            .iter()
            .copied()
            .filter(|c| str_at(c, "/type") == "button")
            .collect();
        self.buttons(&buttons)
    }

    fn header(&self, sent: Option<&Value>) -> Result<(), Refusal> {
        let parameters = list(sent.and_then(|c| c.get("parameters")));
        match self.header {
            None if parameters.is_empty() => Ok(()),
            None => Err(self.refuse(
                132000,
                "the template has no header; a header parameter was sent",
            )),
            Some(Header::Text(text)) => self.placeholders("header", text, &parameters, 60),
            Some(header @ (Header::Media(_) | Header::Location)) if parameters.len() != 1 => {
                let kind = match header {
                    Header::Media(kind) => kind,
                    _ => "location",
                };
                Err(self.refuse(
                    132000,
                    format!(
                        "the header takes one {kind}; {} parameters were sent",
                        parameters.len()
                    ),
                ))
            }
            Some(Header::Media(kind)) => {
                let sent = str_at(parameters[0], "/type");
                if sent == *kind {
                    Ok(())
                } else {
                    Err(self.refuse(
                        132012,
                        format!("the header is a {kind}; a {sent} parameter was sent"),
                    ))
                }
            }
            Some(Header::Location) => match str_at(parameters[0], "/type") {
                "location" => Ok(()),
                sent => Err(self.refuse(
                    132012,
                    format!("the header is a location; a {sent} parameter was sent"),
                )),
            },
        }
    }

    fn body(&self, sent: Option<&Value>) -> Result<(), Refusal> {
        let parameters = list(sent.and_then(|c| c.get("parameters")));
        match self.body {
            Some(text) => self.placeholders("body", text, &parameters, self.body_limit),
            None if parameters.is_empty() => Ok(()),
            None => Err(self.refuse(
                132000,
                "the template has no body; body parameters were sent",
            )),
        }
    }

    /// The parameters of a text with placeholders: as many, named alike, and
    /// the filled text within `limit`.
    fn placeholders(
        &self,
        part: &str,
        text: &Text,
        parameters: &[&Value],
        limit: usize,
    ) -> Result<(), Refusal> {
        let names: Vec<Option<&str>> = parameters
            .iter()
            .map(|p| p.get("parameter_name").and_then(Value::as_str))
            .collect();
        if parameters.len() != text.len() {
            return Err(self.refuse(
                132000,
                format!(
                    "the {part} has {} placeholder(s); {} parameter(s) were sent",
                    text.len(),
                    parameters.len()
                ),
            ));
        }
        if text.named && !parameters.is_empty() && names.iter().all(Option::is_none) {
            return Err(self.refuse(
                132012,
                format!("the {part}'s placeholders are named; parameters were sent by position"),
            ));
        }
        if text.named {
            let missing: Vec<&String> = text
                .slots
                .iter()
                .filter(|s| !names.contains(&Some(s.as_str())))
                .collect();
            if !missing.is_empty() {
                return Err(self.refuse(
                    132000,
                    format!("the {part}'s placeholders {missing:?} got no parameter by that name"),
                ));
            }
        } else if names.iter().any(Option::is_some) {
            return Err(self.refuse(
                132012,
                format!("the {part}'s placeholders are numbered; parameters were sent by name"),
            ));
        }
        let filled = text.filled_len(|slot| {
            let at = if text.named {
                names.iter().position(|n| *n == Some(slot))
            } else {
                slot.parse::<usize>().ok().and_then(|n| n.checked_sub(1))
            };
            at.and_then(|i| parameters.get(i))
                .map(|p| value(p))
                .unwrap_or_default()
        });
        if filled > limit {
            return Err(self.refuse(
                132005,
                format!("the {part} filled in is {filled} characters; the limit is {limit}"),
            ));
        }
        Ok(())
    }

    fn buttons(&self, sent: &[&Value]) -> Result<(), Refusal> {
        let mut given = vec![false; self.buttons.len()];
        for component in sent {
            let index = match component.get("index") {
                Some(Value::String(s)) => s.parse::<usize>().ok(),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
                _ => None,
            };
            let Some((i, button)) = index.and_then(|i| Some((i, self.buttons.get(i)?))) else {
                return Err(self.refuse(
                    132000,
                    format!(
                        "the template has {} button(s); a parameter was sent for index {}",
                        self.buttons.len(),
                        component
                            .get("index")
                            .map_or("none".into(), Value::to_string)
                    ),
                ));
            };
            given[i] = true;
            let sub_type = str_at(component, "/sub_type");
            let expected = match button {
                Button::QuickReply { .. } => "quick_reply",
                Button::Url { .. } | Button::Otp { .. } => "url",
                Button::CopyCode => "copy_code",
                Button::Flow { .. } => "flow",
                Button::PhoneNumber { .. } | Button::RequestContactInfo => {
                    return Err(self.refuse(
                        132000,
                        format!("button {i} ({}) takes no parameter", button.kind()),
                    ));
                }
            };
            if sub_type != expected {
                return Err(self.refuse(
                    132012,
                    format!(
                        "button {i} is a {} button; a {sub_type} parameter was sent",
                        button.kind()
                    ),
                ));
            }
            let parameters = list(component.get("parameters"));
            let takes = match button {
                Button::Url { url, .. } => url.len(),
                Button::Otp { .. } | Button::CopyCode => 1,
                _ => parameters.len().min(1),
            };
            if parameters.len() != takes {
                return Err(self.refuse(
                    132000,
                    format!(
                        "button {i} ({}) takes {takes} parameter(s); {} were sent",
                        button.kind(),
                        parameters.len()
                    ),
                ));
            }
        }
        for (i, button) in self.buttons.iter().enumerate() {
            let needs = match button {
                Button::Url { url, .. } => url.len() > 0,
                Button::Otp { .. } => true,
                Button::CopyCode => true,
                _ => false,
            };
            if needs && !given[i] {
                let what = match button {
                    Button::Otp { .. } => "the one-time code (as the url button at index 0)",
                    Button::CopyCode => "its coupon code",
                    _ => "the end of its URL",
                };
                return Err(self.refuse(
                    132000,
                    format!("button {i} ({}) needs {what}", button.kind()),
                ));
            }
        }
        Ok(())
    }
}
