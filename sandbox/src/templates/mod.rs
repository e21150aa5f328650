//! A registry of message templates, as WhatsApp keeps them for a business:
//! declared in a file (`wab sandbox --templates FILE`,
//! [`SandboxBuilder::templates`](crate::SandboxBuilder::templates)), it
//! lets the sandbox answer a template message as WhatsApp does — 132001 for
//! an unknown name or language, 132000 when the parameters do not match the
//! placeholders, 132012 for a parameter of the wrong kind, 132015 and 132016
//! for a paused or disabled template, 132005 when the filled text is too long
//! — and draw it in the chat view with its text filled in. Without a
//! registry the sandbox accepts any template.
//!
//! The file is YAML (or JSON, which YAML reads too):
//!
//! ```
//! use modica_wab_sandbox::templates::Templates;
//! let templates = Templates::from_yaml(r#"
//! templates:
//!   - name: order_update
//!     language: en
//!     category: utility
//!     header: { text: "Order {{1}}" }
//!     body: "Kia ora {{1}}, your order is {{2}}."
//!     footer: Reply STOP to opt out
//!     buttons:
//!       - quick_reply: Track it
//!       - url: { text: Details, url: "https://example.com/o/{{1}}" }
//!   - name: order_shipped
//!     language: en
//!     category: utility
//!     body: "{{first_name}}, order {{order_id}} has shipped."
//!     status: paused
//!   - name: verify_code
//!     language: en
//!     category: authentication
//!     buttons: [ { otp: copy_code } ]
//!   - name: winter_sale
//!     language: en
//!     category: marketing
//!     body: "Hi {{1}}, picked for you:"
//!     cards:
//!       - { header: image, body: "{{1}}", buttons: [ { quick_reply: More } ] }
//!       - { header: image, body: "{{1}}", buttons: [ { quick_reply: More } ] }
//!   - name: stay_in_touch
//!     language: en
//!     category: utility
//!     body: Can we keep your number on file?
//!     buttons: [ request_contact_info ]
//! "#)?;
//! let message = serde_json::json!({"type": "template", "template": {"name": "order_update",
//!     "language": {"code": "en"}, "components": [{"type": "body", "parameters": [{"type": "text", "text": "Aroha"}]}]}});
//! let refusal = templates.check(&message).unwrap_err();
//! assert_eq!(refusal.code, 132000);
//! assert!(refusal.detail.contains("header"), "{}", refusal.detail);
//! # Ok::<(), modica_wab_sandbox::templates::TemplateFileError>(())
//! ```

mod check;
mod file;
mod placeholders;
mod render;

use placeholders::Text;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

pub(crate) use render::{Block, ButtonView, Segment};

/// The templates a business has, by name and language.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    defs: Vec<TemplateDef>,
    by_key: HashMap<(String, String), usize>,
}

/// One template as declared: what WhatsApp would hold for it.
#[derive(Debug, Clone)]
pub struct TemplateDef {
    name: String,
    language: String,
    category: Category,
    status: Status,
    header: Option<Header>,
    body: Option<Text>,
    footer: Option<String>,
    buttons: Vec<Button>,
    cards: Vec<Card>,
}

impl TemplateDef {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its language code.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// Its category.
    pub fn category(&self) -> Category {
        self.category
    }

    /// Its status.
    pub fn status(&self) -> Status {
        self.status
    }
}

/// A template's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// A one-time code: WhatsApp writes the body; one `otp` button.
    #[serde(alias = "AUTHENTICATION")]
    Authentication,
    /// Offers and news (carousels are marketing templates).
    #[serde(alias = "MARKETING")]
    Marketing,
    /// Updates about something the customer asked for.
    #[serde(alias = "UTILITY")]
    Utility,
}

/// Where a template stands with WhatsApp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Sendable.
    #[default]
    #[serde(alias = "APPROVED")]
    Approved,
    /// Paused for low quality: 132015.
    #[serde(alias = "PAUSED")]
    Paused,
    /// Disabled for good: 132016.
    #[serde(alias = "DISABLED")]
    Disabled,
    /// Not approved yet: 132001, as for a template that does not exist.
    #[serde(alias = "PENDING")]
    Pending,
    /// Refused by WhatsApp: 132001.
    #[serde(alias = "REJECTED")]
    Rejected,
}

#[derive(Debug, Clone)]
pub(crate) enum Header {
    Text(Text),
    /// `image`, `video` or `document`.
    Media(&'static str),
    Location,
}

impl Header {
    fn text(&self) -> Option<&Text> {
        match self {
            Header::Text(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Button {
    QuickReply { text: String },
    Url { text: String, url: Text },
    PhoneNumber { text: String },
    CopyCode,
    Otp { label: &'static str },
    Flow { text: String },
    RequestContactInfo,
}

impl Button {
    /// The button's kind, as the file names it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Button::QuickReply { .. } => "quick_reply",
            Button::Url { .. } => "url",
            Button::PhoneNumber { .. } => "phone_number",
            Button::CopyCode => "copy_code",
            Button::Otp { .. } => "otp",
            Button::Flow { .. } => "flow",
            Button::RequestContactInfo => "request_contact_info",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Card {
    header: Header,
    body: Option<Text>,
    buttons: Vec<Button>,
}

/// A registry file that could not be read, naming what was wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateFileError {
    /// The file could not be read.
    #[error("cannot read the templates file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not YAML (or JSON) of the registry's shape.
    #[error("the templates file is not a registry: {0}")]
    Syntax(String),
    /// A template breaks one of WhatsApp's rules for templates.
    #[error("template {template}: `{field}` {reason}")]
    Invalid {
        /// Its name and language.
        template: String,
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Two templates share a name and a language.
    #[error("template {0} is declared twice")]
    Duplicate(String),
}

/// What WhatsApp answers a template message the registry refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// WhatsApp's error code (132000, 132001, 132005, 132012, 132015, 132016).
    pub code: i64,
    /// What was wrong, naming the part.
    pub detail: String,
}

impl Refusal {
    fn new(code: i64, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let meaning = modica_wab::ErrorCode::from_code(self.code).meaning();
        write!(f, "(#{}) {meaning}: {}", self.code, self.detail)
    }
}

impl Templates {
    /// No templates: every template message is refused with 132001.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a registry from YAML (JSON is YAML too).
    pub fn from_yaml(text: &str) -> Result<Self, TemplateFileError> {
        // Through a JSON value: YAML writes a header `{ text: … }` as a
        // one-key map, which serde_yaml_ng reads into an enum only as a tag.
        let value: serde_json::Value =
            serde_yaml_ng::from_str(text).map_err(|e| TemplateFileError::Syntax(e.to_string()))?;
        Self::from_value(value)
    }

    fn from_value(value: serde_json::Value) -> Result<Self, TemplateFileError> {
        let doc: file::FileDoc = serde_path_to_error::deserialize(value)
            .map_err(|e| TemplateFileError::Syntax(format!("at {}: {}", e.path(), e.inner())))?;
        Self::from_specs(doc.templates)
    }

    /// Reads a registry file (`.json`, or YAML by any other name).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TemplateFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TemplateFileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        if path.extension().is_some_and(|e| e == "json") {
            let value = serde_json::from_str(&text)
                .map_err(|e| TemplateFileError::Syntax(e.to_string()))?;
            return Self::from_value(value);
        }
        Self::from_yaml(&text)
    }

    fn from_specs(specs: Vec<file::TemplateSpec>) -> Result<Self, TemplateFileError> {
        let mut out = Self::default();
        for spec in specs {
            out.insert(spec.into_def()?)?;
        }
        Ok(out)
    }

    fn insert(&mut self, def: TemplateDef) -> Result<(), TemplateFileError> {
        let key = (def.name.clone(), def.language.clone());
        if self.by_key.contains_key(&key) {
            return Err(TemplateFileError::Duplicate(format!(
                "{} ({})",
                key.0, key.1
            )));
        }
        self.by_key.insert(key, self.defs.len());
        self.defs.push(def);
        Ok(())
    }

    /// How many templates it holds.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// The template `name` in `language`.
    pub fn get(&self, name: &str, language: &str) -> Option<&TemplateDef> {
        self.by_key
            .get(&(name.to_owned(), language.to_owned()))
            .map(|&i| &self.defs[i])
    }

    /// Checks a message body (as `POST /messages` takes it) as WhatsApp
    /// would: `Ok` for anything but a template, and for a template that
    /// exists, is approved and gets the parameters its placeholders and
    /// buttons take.
    pub fn check(&self, message: &serde_json::Value) -> Result<(), Refusal> {
        check::check(self, message)
    }

    /// The message as the customer reads it, if it is one of these templates.
    pub(crate) fn render(&self, message: &serde_json::Value) -> Option<Vec<Block>> {
        render::render(self, message)
    }

    /// Whether the message is an authentication template of this registry.
    pub(crate) fn is_authentication(&self, message: &serde_json::Value) -> Option<bool> {
        let def = check::find(self, message)?;
        Some(def.category == Category::Authentication)
    }
}
