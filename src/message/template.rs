//! Template messages: a pre-approved template with its parameters.
//!
//! Parameters fill the template's placeholders in order (`{{1}}`, `{{2}}`…),
//! or by name when the template names them (`{{order_id}}`):
//!
//! ```
//! use modica_wab::message::{Message, Parameter, Template};
//! let positional = Template::new("order_update", "en")
//!     .body([Parameter::text("Aroha"), Parameter::currency("$12.50", "NZD", 12_500)])
//!     .quick_reply_button(0, "track-42");
//! let named = Template::new("order_shipped", "en")
//!     .body([
//!         Parameter::text("Aroha").named("first_name"),
//!         Parameter::text("A-1017").named("order_id"),
//!     ]);
//! let msg = Message::template("+64211234567", named);
//! # let _ = (msg, positional);
//! ```

use super::media::{Media, MediaKind};
use crate::validate::{self, Checked, fail};
use serde::Serialize;

/// A template by name and language, with the parameters of its components.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Template {
    /// The template's name as approved (lower case, digits, underscores).
    pub name: String,
    /// The template's language.
    pub language: Language,
    /// Parameters for the header, body and buttons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// A template language (`en`, `en_US`, `mi`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Language {
    /// The language code.
    pub code: String,
}

/// The parameters of one part of a template.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Component {
    /// Which part.
    #[serde(rename = "type")]
    pub kind: ComponentKind,
    /// For buttons: which kind of button.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<ButtonKind>,
    /// For buttons: the button's position, `"0"` to `"9"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// The values, in placeholder order.
    pub parameters: Vec<Parameter>,
}

/// The parts of a template that take parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ComponentKind {
    /// The header (one parameter: text or media).
    Header,
    /// The body (text, currency and date-time parameters).
    Body,
    /// A button.
    Button,
}

/// The kinds of template button that take a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ButtonKind {
    /// A quick-reply button: its parameter is a `payload` returned when tapped.
    QuickReply,
    /// A URL button: its parameter is `text` appended to the template's URL.
    Url,
}

/// One template parameter value, positional or named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    /// The placeholder's name, for templates with named parameters.
    #[serde(rename = "parameter_name", skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(flatten)]
    value: ParameterValue,
}

/// Longest parameter name accepted (Meta's names are short identifiers).
const MAX_PARAMETER_NAME: usize = 512;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ParameterValue {
    Text { text: String },
    Currency { currency: Currency },
    DateTime { date_time: DateTime },
    Image { image: Media },
    Document { document: Media },
    Video { video: Media },
    Payload { payload: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Currency {
    fallback_value: String,
    code: String,
    amount_1000: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct DateTime {
    fallback_value: String,
}

impl Parameter {
    fn of(value: ParameterValue) -> Self {
        Self { name: None, value }
    }

    /// The same value for the placeholder `name` (`{{name}}`), for templates
    /// created with named parameters. Within one component, name every
    /// parameter or none; names hold lower-case letters, digits and `_`.
    ///
    /// ```
    /// use modica_wab::message::Parameter;
    /// let p = Parameter::text("A-1017").named("order_id");
    /// assert_eq!(p.name(), Some("order_id"));
    /// assert_eq!(
    ///     serde_json::to_value(&p).unwrap(),
    ///     serde_json::json!({"type": "text", "text": "A-1017", "parameter_name": "order_id"})
    /// );
    /// ```
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The placeholder name, when the parameter is named.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A text value.
    pub fn text(text: impl Into<String>) -> Self {
        Self::of(ParameterValue::Text { text: text.into() })
    }

    /// A money amount: `fallback` as shown, ISO 4217 `code`, amount × 1000.
    pub fn currency(
        fallback: impl Into<String>,
        code: impl Into<String>,
        amount_1000: i64,
    ) -> Self {
        Self::of(ParameterValue::Currency {
            currency: Currency {
                fallback_value: fallback.into(),
                code: code.into(),
                amount_1000,
            },
        })
    }

    /// A date and time, shown as `fallback`.
    pub fn date_time(fallback: impl Into<String>) -> Self {
        Self::of(ParameterValue::DateTime {
            date_time: DateTime {
                fallback_value: fallback.into(),
            },
        })
    }

    /// An image (header).
    pub fn image(media: Media) -> Self {
        Self::of(ParameterValue::Image { image: media })
    }

    /// A document (header).
    pub fn document(media: Media) -> Self {
        Self::of(ParameterValue::Document { document: media })
    }

    /// A video (header).
    pub fn video(media: Media) -> Self {
        Self::of(ParameterValue::Video { video: media })
    }

    /// A quick-reply button's payload.
    pub fn payload(payload: impl Into<String>) -> Self {
        Self::of(ParameterValue::Payload {
            payload: payload.into(),
        })
    }

    fn type_name(&self) -> &'static str {
        match &self.value {
            ParameterValue::Text { .. } => "text",
            ParameterValue::Currency { .. } => "currency",
            ParameterValue::DateTime { .. } => "date_time",
            ParameterValue::Image { .. } => "image",
            ParameterValue::Document { .. } => "document",
            ParameterValue::Video { .. } => "video",
            ParameterValue::Payload { .. } => "payload",
        }
    }

    fn check(&self, field: &str) -> Checked {
        if let Some(name) = &self.name {
            let ok = !name.is_empty()
                && name.len() <= MAX_PARAMETER_NAME
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return fail(
                    format!("{field}.parameter_name"),
                    format!(
                        "{name:?} is not a parameter name: lower-case letters, digits and `_`, 1 to {MAX_PARAMETER_NAME}"
                    ),
                );
            }
        }
        match &self.value {
            ParameterValue::Text { text } | ParameterValue::Payload { payload: text } => {
                validate::text(&format!("{field}.{}", self.type_name()), text, 32_768)
            }
            ParameterValue::Currency { currency } => {
                validate::text(
                    &format!("{field}.currency.fallback_value"),
                    &currency.fallback_value,
                    1024,
                )?;
                let code = &currency.code;
                if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                    return fail(
                        format!("{field}.currency.code"),
                        format!("{code:?} is not an ISO 4217 code like NZD"),
                    );
                }
                Ok(())
            }
            ParameterValue::DateTime { date_time } => validate::text(
                &format!("{field}.date_time.fallback_value"),
                &date_time.fallback_value,
                1024,
            ),
            ParameterValue::Image { image } => {
                image.check(&format!("{field}.image"), MediaKind::Image)
            }
            ParameterValue::Document { document } => {
                document.check(&format!("{field}.document"), MediaKind::Document)
            }
            ParameterValue::Video { video } => {
                video.check(&format!("{field}.video"), MediaKind::Video)
            }
        }
    }
}

impl Component {
    /// Header parameters (one text or media value).
    pub fn header(parameters: impl IntoIterator<Item = Parameter>) -> Self {
        Self {
            kind: ComponentKind::Header,
            sub_type: None,
            index: None,
            parameters: parameters.into_iter().collect(),
        }
    }

    /// Body parameters, in placeholder order.
    pub fn body(parameters: impl IntoIterator<Item = Parameter>) -> Self {
        Self {
            kind: ComponentKind::Body,
            sub_type: None,
            index: None,
            parameters: parameters.into_iter().collect(),
        }
    }

    /// The parameter of the button at `index` (0-based).
    pub fn button(
        kind: ButtonKind,
        index: u8,
        parameters: impl IntoIterator<Item = Parameter>,
    ) -> Self {
        Self {
            kind: ComponentKind::Button,
            sub_type: Some(kind),
            index: Some(index.to_string()),
            parameters: parameters.into_iter().collect(),
        }
    }

    fn check(&self, field: &str) -> Checked {
        let allowed: &[&str] = match (self.kind, self.sub_type) {
            (ComponentKind::Header, _) => &[
                "text",
                "currency",
                "date_time",
                "image",
                "document",
                "video",
            ],
            (ComponentKind::Body, _) => &["text", "currency", "date_time"],
            (ComponentKind::Button, Some(ButtonKind::QuickReply)) => &["payload"],
            (ComponentKind::Button, Some(ButtonKind::Url)) => &["text"],
            (ComponentKind::Button, None) => {
                return fail(format!("{field}.sub_type"), "a button needs a sub_type");
            }
        };
        if self.kind == ComponentKind::Button {
            let index_ok = self
                .index
                .as_deref()
                .and_then(|i| i.parse::<u8>().ok())
                .is_some_and(|i| i <= 9);
            if !index_ok {
                return fail(
                    format!("{field}.index"),
                    "a button needs an index from 0 to 9",
                );
            }
        }
        if self.kind != ComponentKind::Body && self.parameters.len() != 1 {
            return fail(
                format!("{field}.parameters"),
                format!("takes exactly one parameter, got {}", self.parameters.len()),
            );
        }
        let named = self.parameters.iter().filter(|p| p.name.is_some()).count();
        if named != 0 && named != self.parameters.len() {
            return fail(
                format!("{field}.parameters"),
                format!(
                    "{named} of {} parameters are named: within one component, name all of them or none",
                    self.parameters.len()
                ),
            );
        }
        for (i, p) in self.parameters.iter().enumerate() {
            let pf = format!("{field}.parameters[{i}]");
            if let Some(name) = &p.name
                && self.parameters[..i]
                    .iter()
                    .any(|q| q.name.as_ref() == Some(name))
            {
                return fail(
                    format!("{pf}.parameter_name"),
                    format!("{name:?} is given twice in this component"),
                );
            }
            if !allowed.contains(&p.type_name()) {
                return fail(
                    pf,
                    format!(
                        "a `{}` parameter is not allowed here; use one of {allowed:?}",
                        p.type_name()
                    ),
                );
            }
            p.check(&pf)?;
        }
        Ok(())
    }
}

impl Template {
    /// The template `name` in language `language` (e.g. `en_US`).
    pub fn new(name: impl Into<String>, language: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            language: Language {
                code: language.into(),
            },
            components: Vec::new(),
        }
    }

    /// Sets the header parameter (text or media).
    pub fn header(self, parameter: Parameter) -> Self {
        self.component(Component::header([parameter]))
    }

    /// Sets the body parameters: in placeholder order, or each
    /// [`named`](Parameter::named) for a template with named parameters.
    pub fn body(self, parameters: impl IntoIterator<Item = Parameter>) -> Self {
        self.component(Component::body(parameters))
    }

    /// Sets the payload of the quick-reply button at `index`.
    pub fn quick_reply_button(self, index: u8, payload: impl Into<String>) -> Self {
        self.component(Component::button(
            ButtonKind::QuickReply,
            index,
            [Parameter::payload(payload)],
        ))
    }

    /// Sets the URL suffix of the URL button at `index`.
    pub fn url_button(self, index: u8, suffix: impl Into<String>) -> Self {
        self.component(Component::button(
            ButtonKind::Url,
            index,
            [Parameter::text(suffix)],
        ))
    }

    /// Adds a component as is.
    pub fn component(mut self, component: Component) -> Self {
        self.components.push(component);
        self
    }

    pub(crate) fn check(&self) -> Checked {
        validate::text("template.name", &self.name, 512)?;
        if !self
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return fail(
                "template.name",
                format!(
                    "{:?} may hold only lower-case letters, digits and `_`",
                    self.name
                ),
            );
        }
        let code = &self.language.code;
        let code_ok = (2..=15).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_');
        if !code_ok {
            return fail(
                "template.language.code",
                format!("{code:?} is not a language code like en or en_US"),
            );
        }
        let mut seen = Vec::new();
        for (i, c) in self.components.iter().enumerate() {
            let field = format!("template.components[{i}]");
            let key = (c.kind, c.index.clone());
            if seen.contains(&key) {
                return fail(field, "this component is given twice");
            }
            seen.push(key);
            c.check(&field)?;
        }
        Ok(())
    }
}
