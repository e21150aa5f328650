//! A template message as the customer reads it: the declared text with the
//! message's parameters in its placeholders, its media and its buttons, as
//! blocks the chat view writes out (and escapes).

use super::placeholders::{Piece, Text};
use super::{Button, Header, Templates, check};
use serde_json::Value;

/// A piece of filled text: as written, or a parameter's value in a
/// placeholder (`slot` names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) text: String,
    pub(crate) slot: Option<String>,
}

/// What the customer sees of a template, part by part.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// An image, video or document header: the message's media object.
    Media {
        kind: &'static str,
        media: Value,
    },
    HeaderText(Vec<Segment>),
    Body(Vec<Segment>),
    Footer(String),
    Button(ButtonView),
    Cards(Vec<Vec<Block>>),
}

/// A template button as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ButtonView {
    QuickReply { label: String, payload: String },
    Url { label: String, url: String },
    Phone { label: String },
    CopyCode { code: String },
    Otp { label: String },
    Flow { label: String, token: String },
    RequestContactInfo,
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn of_type<'a>(components: &'a [Value], kind: &str) -> impl Iterator<Item = &'a Value> {
    components
        .iter()
        .filter(move |c| str_at(c, "/type") == kind)
}

fn parameters(component: Option<&Value>) -> &[Value] {
    component
        .and_then(|c| c.get("parameters"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `text` with the parameters in its placeholders (by position, or by
/// `parameter_name`); a placeholder without a value shows as written.
fn fill(text: &Text, given: &[Value]) -> Vec<Segment> {
    text.pieces
        .iter()
        .map(|piece| match piece {
            Piece::Literal(t) => Segment {
                text: t.clone(),
                slot: None,
            },
            Piece::Slot(slot) => {
                let p = if text.named {
                    given
                        .iter()
                        .find(|p| p.get("parameter_name").and_then(Value::as_str) == Some(slot))
                } else {
                    slot.parse::<usize>()
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .and_then(|i| given.get(i))
                };
                Segment {
                    text: p.map_or_else(
                        || format!("{{{{{slot}}}}}"),
                        |p| {
                            match str_at(p, "/type") {
                                "currency" => str_at(p, "/currency/fallback_value"),
                                "date_time" => str_at(p, "/date_time/fallback_value"),
                                _ => str_at(p, "/text"),
                            }
                            .to_owned()
                        },
                    ),
                    slot: Some(slot.clone()),
                }
            }
        })
        .collect()
}

fn level(
    header: Option<&Header>,
    body: Option<&Text>,
    footer: Option<&str>,
    buttons: &[Button],
    components: &[Value],
) -> Vec<Block> {
    let mut out = Vec::new();
    let sent_header = parameters(of_type(components, "header").next());
    match header {
        Some(Header::Text(t)) => out.push(Block::HeaderText(fill(t, sent_header))),
        Some(Header::Media(kind)) => out.push(Block::Media {
            kind,
            media: sent_header
                .first()
                .and_then(|p| p.get(*kind))
                .cloned()
                .unwrap_or(Value::Null),
        }),
        Some(Header::Location) | None => {}
    }
    if let Some(body) = body {
        out.push(Block::Body(fill(
            body,
            parameters(of_type(components, "body").next()),
        )));
    }
    if let Some(footer) = footer {
        out.push(Block::Footer(footer.to_owned()));
    }
    let sent_buttons: Vec<&Value> = of_type(components, "button").collect();
    for (i, button) in buttons.iter().enumerate() {
        let sent = sent_buttons
            .iter()
            .find(|c| match c.get("index") {
                Some(Value::String(s)) => s.parse::<usize>().ok() == Some(i),
                Some(Value::Number(n)) => n.as_u64() == Some(i as u64),
                _ => false,
            })
            .copied();
        let first = parameters(sent).first();
        let view = match button {
            Button::QuickReply { text } => ButtonView::QuickReply {
                label: text.clone(),
                payload: first
                    .map_or(text.as_str(), |p| str_at(p, "/payload"))
                    .to_owned(),
            },
            Button::Url { text, url } => ButtonView::Url {
                label: text.clone(),
                url: fill(url, parameters(sent))
                    .into_iter()
                    .map(|s| s.text)
                    .collect(),
            },
            Button::PhoneNumber { text } => ButtonView::Phone {
                label: text.clone(),
            },
            Button::CopyCode => ButtonView::CopyCode {
                code: first
                    .map(|p| str_at(p, "/coupon_code"))
                    .unwrap_or_default()
                    .to_owned(),
            },
            Button::Otp { label } => ButtonView::Otp {
                label: (*label).to_owned(),
            },
            Button::Flow { text } => ButtonView::Flow {
                label: text.clone(),
                token: match first.map(|p| str_at(p, "/action/flow_token")) {
                    Some(t) if !t.is_empty() => t.to_owned(),
                    _ => "unused".to_owned(),
                },
            },
            Button::RequestContactInfo => ButtonView::RequestContactInfo,
        };
        out.push(Block::Button(view));
    }
    out
}

/// The message as the customer reads it, if it is a template the registry
/// holds.
pub(crate) fn render(templates: &Templates, message: &Value) -> Option<Vec<Block>> {
    let def = check::find(templates, message)?;
    let components = message
        .pointer("/template/components")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut out = level(
        def.header.as_ref(),
        def.body.as_ref(),
        def.footer.as_deref(),
        &def.buttons,
        components,
    );
    if !def.cards.is_empty() {
        let sent: Vec<&Value> = of_type(components, "carousel")
            .flat_map(|c| {
                c.get("cards")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .collect();
        let cards = def
            .cards
            .iter()
            .enumerate()
            .map(|(i, card)| {
                let parts = sent
                    .get(i)
                    .and_then(|c| c.get("components"))
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                level(
                    Some(&card.header),
                    card.body.as_ref(),
                    None,
                    &card.buttons,
                    parts,
                )
            })
            .collect();
        out.push(Block::Cards(cards));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_text_is_filled_by_position_or_by_name() {
        let positional = Text::parse("Kia ora {{1}}, {{2}}").unwrap();
        let shown: String = fill(&positional, &[json!({"type": "text", "text": "Aroha"})])
            .into_iter()
            .map(|s| s.text)
            .collect();
        assert_eq!(
            shown, "Kia ora Aroha, {{2}}",
            "a missing value shows its placeholder"
        );
        let named = Text::parse("{{first_name}} paid {{amount}}").unwrap();
        let given = [
            json!({"type": "currency", "currency": {"fallback_value": "$5"}, "parameter_name": "amount"}),
            json!({"type": "text", "text": "Aroha", "parameter_name": "first_name"}),
        ];
        let shown: String = fill(&named, &given).into_iter().map(|s| s.text).collect();
        assert_eq!(shown, "Aroha paid $5");
    }
}
