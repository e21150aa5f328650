//! The registry file as people write it (YAML, or JSON), and its checks:
//! every mistake names the template and the field.
//!
//! ```yaml
//! templates:
//!   - name: order_update
//!     language: en
//!     category: utility
//!     header: { text: "Order {{1}}" }
//!     body: "Kia ora {{1}}, your order is {{2}}."
//!     buttons:
//!       - quick_reply: Track it
//!       - url: { text: Details, url: "https://example.com/o/{{1}}" }
//! ```

use super::placeholders::Text;
use super::{Button, Card, Category, Header, Status, TemplateDef, TemplateFileError};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileDoc {
    pub(super) templates: Vec<TemplateSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TemplateSpec {
    name: String,
    language: String,
    category: Category,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    header: Option<HeaderSpec>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    footer: Option<String>,
    #[serde(default)]
    buttons: Vec<ButtonSpec>,
    #[serde(default)]
    cards: Vec<CardSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum HeaderSpec {
    Text(String),
    Image,
    Video,
    Document,
    Location,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ButtonSpec {
    QuickReply(String),
    Url {
        text: String,
        url: String,
    },
    PhoneNumber {
        text: String,
        phone_number: String,
    },
    CopyCode,
    Otp(OtpSpec),
    Flow {
        text: String,
        #[serde(default)]
        flow_id: Option<String>,
        #[serde(default)]
        flow_name: Option<String>,
    },
    RequestContactInfo,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum OtpSpec {
    CopyCode,
    OneTap,
    ZeroTap,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CardSpec {
    header: HeaderSpec,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    buttons: Vec<ButtonSpec>,
}

/// WhatsApp's limits on a template as created (Meta, "Template
/// components"): header text 60, body 1024, footer 60, button label 25,
/// at most 10 buttons; a carousel card's body 160, 2 to 10 cards of two
/// buttons at most ("Media card carousel templates").
const HEADER_TEXT: usize = 60;
const BODY_TEXT: usize = 1024;
const FOOTER_TEXT: usize = 60;
const BUTTON_LABEL: usize = 25;
const MAX_BUTTONS: usize = 10;
pub(super) const CARD_BODY: usize = 160;

struct At<'a> {
    template: &'a str,
}

impl At<'_> {
    fn err(&self, field: impl Into<String>, reason: impl Into<String>) -> TemplateFileError {
        TemplateFileError::Invalid {
            template: self.template.to_owned(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    fn text(&self, field: &str, value: &str, max: usize) -> Result<Text, TemplateFileError> {
        if value.trim().is_empty() {
            return Err(self.err(field, "is empty"));
        }
        let n = value.chars().count();
        if n > max {
            return Err(self.err(field, format!("is {n} characters long; the limit is {max}")));
        }
        Text::parse(value).map_err(|reason| self.err(field, reason))
    }
}

impl TemplateSpec {
    pub(super) fn into_def(self) -> Result<TemplateDef, TemplateFileError> {
        let label = format!("{} ({})", self.name, self.language);
        let at = At { template: &label };
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 512
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(at.err("name", "lower-case letters, digits and `_`, 1 to 512"));
        }
        let language_ok = (2..=15).contains(&self.language.len())
            && self
                .language
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'_');
        if !language_ok {
            return Err(at.err("language", "a language code like en or en_US"));
        }
        let header = self.header.map(|h| header(&at, "header", h)).transpose()?;
        let authentication = self.category == Category::Authentication;
        let body = match (self.body, authentication) {
            (Some(text), false) => Some(at.text("body", &text, BODY_TEXT)?),
            // WhatsApp writes an authentication template's body itself.
            (Some(_), true) => {
                return Err(at.err(
                    "body",
                    "an authentication template's body is WhatsApp's own (\"{{1}} is your verification code.\"): leave it out",
                ));
            }
            (None, true) => {
                Some(Text::parse("{{1}} is your verification code.").unwrap_or_default())
            }
            (None, false) if self.cards.is_empty() => {
                return Err(at.err("body", "a template needs a body"));
            }
            (None, false) => None,
        };
        let footer = self
            .footer
            .map(|f| {
                let text = at.text("footer", &f, FOOTER_TEXT)?;
                if text.len() > 0 {
                    return Err(at.err("footer", "a footer takes no placeholders"));
                }
                Ok(f)
            })
            .transpose()?;
        let buttons = buttons(&at, "buttons", self.buttons, MAX_BUTTONS)?;
        let otp = buttons
            .iter()
            .filter(|b| matches!(b, Button::Otp { .. }))
            .count();
        match (authentication, otp) {
            (true, 1) if matches!(buttons.first(), Some(Button::Otp { .. })) => {}
            (true, _) => {
                return Err(at.err(
                    "buttons",
                    "an authentication template has one `otp` button, the first",
                ));
            }
            (false, 0) => {}
            (false, _) => {
                return Err(at.err("buttons", "`otp` buttons are for authentication templates"));
            }
        }
        let cards = self
            .cards
            .into_iter()
            .enumerate()
            .map(|(i, c)| card(&at, i, c))
            .collect::<Result<Vec<_>, _>>()?;
        if !cards.is_empty() {
            if !(2..=10).contains(&cards.len()) {
                return Err(at.err(
                    "cards",
                    format!("a carousel holds 2 to 10 cards, got {}", cards.len()),
                ));
            }
            if self.category != Category::Marketing {
                return Err(at.err("cards", "carousels are marketing templates"));
            }
            if header.is_some() || !buttons.is_empty() {
                return Err(at.err(
                    "cards",
                    "a carousel template's header and buttons are on its cards",
                ));
            }
            let shape = |c: &Card| {
                (
                    std::mem::discriminant(&c.header),
                    c.body.is_some(),
                    c.buttons.iter().map(Button::kind).collect::<Vec<_>>(),
                )
            };
            if let Some(i) = cards.iter().position(|c| shape(c) != shape(&cards[0])) {
                return Err(at.err(
                    format!("cards[{i}]"),
                    "every card has the same parts as the first",
                ));
            }
        }
        let all: Vec<&Text> = header
            .iter()
            .filter_map(Header::text)
            .chain(body.iter())
            .collect();
        if let Some(first) = all.iter().find(|t| t.len() > 0)
            && all.iter().any(|t| t.len() > 0 && t.named != first.named)
        {
            return Err(at.err(
                "body",
                "a template's placeholders are all numbered or all named (header and body alike)",
            ));
        }
        Ok(TemplateDef {
            name: self.name,
            language: self.language,
            category: self.category,
            status: self.status,
            header,
            body,
            footer,
            buttons,
            cards,
        })
    }
}

fn header(at: &At<'_>, field: &str, spec: HeaderSpec) -> Result<Header, TemplateFileError> {
    Ok(match spec {
        HeaderSpec::Text(text) => {
            let parsed = at.text(&format!("{field}.text"), &text, HEADER_TEXT)?;
            if parsed.len() > 1 {
                return Err(at.err(
                    format!("{field}.text"),
                    "a header holds one placeholder at most",
                ));
            }
            Header::Text(parsed)
        }
        HeaderSpec::Image => Header::Media("image"),
        HeaderSpec::Video => Header::Media("video"),
        HeaderSpec::Document => Header::Media("document"),
        HeaderSpec::Location => Header::Location,
    })
}

fn buttons(
    at: &At<'_>,
    field: &str,
    specs: Vec<ButtonSpec>,
    max: usize,
) -> Result<Vec<Button>, TemplateFileError> {
    if specs.len() > max {
        return Err(at.err(
            field,
            format!("holds at most {max} buttons, got {}", specs.len()),
        ));
    }
    let label = |i: usize, text: &str| -> Result<String, TemplateFileError> {
        let t = at.text(&format!("{field}[{i}].text"), text, BUTTON_LABEL)?;
        if t.len() > 0 {
            return Err(at.err(
                format!("{field}[{i}].text"),
                "a button's label takes no placeholders",
            ));
        }
        Ok(text.to_owned())
    };
    specs
        .into_iter()
        .enumerate()
        .map(|(i, spec)| {
            Ok(match spec {
                ButtonSpec::QuickReply(text) => Button::QuickReply {
                    text: label(i, &text)?,
                },
                ButtonSpec::Url { text, url } => {
                    let parsed = at.text(&format!("{field}[{i}].url"), &url, 2000)?;
                    let suffix = parsed.len() == 1
                        && matches!(
                            parsed.pieces.last(),
                            Some(super::placeholders::Piece::Slot(_))
                        );
                    if parsed.len() > 1 || (parsed.len() == 1 && !suffix) {
                        return Err(at.err(
                            format!("{field}[{i}].url"),
                            "a URL holds one placeholder at most, at its end",
                        ));
                    }
                    Button::Url {
                        text: label(i, &text)?,
                        url: parsed,
                    }
                }
                ButtonSpec::PhoneNumber { text, phone_number } => {
                    if phone_number.chars().count() > 20 {
                        return Err(at.err(
                            format!("{field}[{i}].phone_number"),
                            "holds at most 20 characters",
                        ));
                    }
                    Button::PhoneNumber {
                        text: label(i, &text)?,
                    }
                }
                ButtonSpec::CopyCode => Button::CopyCode,
                ButtonSpec::Otp(kind) => Button::Otp {
                    label: match kind {
                        OtpSpec::CopyCode => "Copy code",
                        OtpSpec::OneTap | OtpSpec::ZeroTap => "Autofill",
                    },
                },
                ButtonSpec::Flow {
                    text,
                    flow_id,
                    flow_name,
                } => {
                    if flow_id.is_some() && flow_name.is_some() {
                        return Err(at.err(
                            format!("{field}[{i}]"),
                            "a flow button names its flow by flow_id or flow_name, not both",
                        ));
                    }
                    Button::Flow {
                        text: label(i, &text)?,
                    }
                }
                ButtonSpec::RequestContactInfo => Button::RequestContactInfo,
            })
        })
        .collect()
}

fn card(at: &At<'_>, i: usize, spec: CardSpec) -> Result<Card, TemplateFileError> {
    let field = format!("cards[{i}]");
    let header = header(at, &format!("{field}.header"), spec.header)?;
    if !matches!(header, Header::Media("image" | "video")) {
        return Err(at.err(
            format!("{field}.header"),
            "a card's header is an image or a video",
        ));
    }
    let body = spec
        .body
        .map(|b| at.text(&format!("{field}.body"), &b, CARD_BODY))
        .transpose()?;
    let buttons = buttons(at, &format!("{field}.buttons"), spec.buttons, 2)?;
    Ok(Card {
        header,
        body,
        buttons,
    })
}
