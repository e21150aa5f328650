//! Interactive messages: reply buttons, lists and call-to-action URL buttons.
//!
//! ```
//! use modica_wab::message::{Interactive, Message, ReplyButton};
//! let ask = Interactive::buttons("Deliver tomorrow?", [ReplyButton::new("yes", "Yes"), ReplyButton::new("no", "No")])
//!     .footer("Reply any time");
//! let msg = Message::interactive("+64211234567", ask);
//! # let _ = msg;
//! ```

use super::media::{Media, MediaKind};
use crate::validate::{self, Checked, fail};
use serde::Serialize;

/// An interactive message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Interactive {
    #[serde(rename = "type")]
    kind: InteractiveKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<Header>,
    body: TextObject,
    #[serde(skip_serializing_if = "Option::is_none")]
    footer: Option<TextObject>,
    action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum InteractiveKind {
    Button,
    List,
    CtaUrl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct TextObject {
    text: String,
}

/// The header of an interactive message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Header {
    /// Text, at most 60 characters.
    Text {
        /// The text.
        text: String,
    },
    /// An image.
    Image {
        /// The image.
        image: Media,
    },
    /// A video.
    Video {
        /// The video.
        video: Media,
    },
    /// A document.
    Document {
        /// The document.
        document: Media,
    },
}

impl Header {
    /// A text header.
    pub fn text(text: impl Into<String>) -> Self {
        Header::Text { text: text.into() }
    }

    fn check(&self, list: bool) -> Checked {
        match self {
            Header::Text { text } => validate::text("interactive.header.text", text, 60),
            _ if list => fail(
                "interactive.header",
                "list messages take only a text header",
            ),
            Header::Image { image } => image.check("interactive.header.image", MediaKind::Image),
            Header::Video { video } => video.check("interactive.header.video", MediaKind::Video),
            Header::Document { document } => {
                document.check("interactive.header.document", MediaKind::Document)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum Action {
    Buttons {
        buttons: Vec<ButtonObject>,
    },
    List {
        button: String,
        sections: Vec<Section>,
    },
    CtaUrl {
        name: &'static str,
        parameters: CtaParameters,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ButtonObject {
    #[serde(rename = "type")]
    kind: &'static str,
    reply: ReplyButton,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct CtaParameters {
    display_text: String,
    url: String,
}

/// A reply button: the `id` comes back in the user's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReplyButton {
    /// Returned in the reply, at most 256 characters, unique in the message.
    pub id: String,
    /// Shown on the button, at most 20 characters.
    pub title: String,
}

impl ReplyButton {
    /// A button titled `title` that replies with `id`.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
        }
    }
}

/// A section of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Section {
    /// Title, required when there is more than one section; at most 24 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The rows.
    pub rows: Vec<Row>,
}

impl Section {
    /// A titled section.
    pub fn new(title: impl Into<String>, rows: impl IntoIterator<Item = Row>) -> Self {
        Self {
            title: Some(title.into()),
            rows: rows.into_iter().collect(),
        }
    }

    /// A section without a title (only valid as the single section).
    pub fn untitled(rows: impl IntoIterator<Item = Row>) -> Self {
        Self {
            title: None,
            rows: rows.into_iter().collect(),
        }
    }
}

/// A row of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Row {
    /// Returned in the reply, at most 200 characters, unique in the message.
    pub id: String,
    /// At most 24 characters.
    pub title: String,
    /// At most 72 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Row {
    /// A row titled `title` that replies with `id`.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl Interactive {
    /// Up to three reply buttons under `body`.
    pub fn buttons(
        body: impl Into<String>,
        buttons: impl IntoIterator<Item = ReplyButton>,
    ) -> Self {
        let buttons = buttons
            .into_iter()
            .map(|reply| ButtonObject {
                kind: "reply",
                reply,
            })
            .collect();
        Self::with(InteractiveKind::Button, body, Action::Buttons { buttons })
    }

    /// A list: `button` opens it; up to ten sections and ten rows in all.
    pub fn list(
        body: impl Into<String>,
        button: impl Into<String>,
        sections: impl IntoIterator<Item = Section>,
    ) -> Self {
        let action = Action::List {
            button: button.into(),
            sections: sections.into_iter().collect(),
        };
        Self::with(InteractiveKind::List, body, action)
    }

    /// A button that opens `url`, labelled `display_text`.
    pub fn cta_url(
        body: impl Into<String>,
        display_text: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        let parameters = CtaParameters {
            display_text: display_text.into(),
            url: url.into(),
        };
        Self::with(
            InteractiveKind::CtaUrl,
            body,
            Action::CtaUrl {
                name: "cta_url",
                parameters,
            },
        )
    }

    fn with(kind: InteractiveKind, body: impl Into<String>, action: Action) -> Self {
        Self {
            kind,
            header: None,
            body: TextObject { text: body.into() },
            footer: None,
            action,
        }
    }

    /// Sets the header.
    pub fn header(mut self, header: Header) -> Self {
        self.header = Some(header);
        self
    }

    /// Sets the footer, at most 60 characters.
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(TextObject {
            text: footer.into(),
        });
        self
    }

    pub(crate) fn check(&self) -> Checked {
        validate::text("interactive.body.text", &self.body.text, 1024)?;
        if let Some(footer) = &self.footer {
            validate::text("interactive.footer.text", &footer.text, 60)?;
        }
        if let Some(header) = &self.header {
            header.check(self.kind == InteractiveKind::List)?;
        }
        match &self.action {
            Action::Buttons { buttons } => check_buttons(buttons),
            Action::List { button, sections } => check_list(button, sections),
            Action::CtaUrl { parameters, .. } => {
                validate::text(
                    "interactive.action.parameters.display_text",
                    &parameters.display_text,
                    20,
                )?;
                validate::url("interactive.action.parameters.url", &parameters.url)
            }
        }
    }
}

fn unique<'a>(field: String, seen: &mut Vec<&'a str>, value: &'a str) -> Checked {
    if seen.contains(&value) {
        return fail(field, format!("{value:?} is used twice; it must be unique"));
    }
    seen.push(value);
    Ok(())
}

fn check_buttons(buttons: &[ButtonObject]) -> Checked {
    if buttons.is_empty() || buttons.len() > 3 {
        return fail(
            "interactive.action.buttons",
            format!("needs 1 to 3 buttons, got {}", buttons.len()),
        );
    }
    let (mut ids, mut titles) = (Vec::new(), Vec::new());
    for (i, b) in buttons.iter().enumerate() {
        let field = format!("interactive.action.buttons[{i}].reply");
        validate::text(&format!("{field}.id"), &b.reply.id, 256)?;
        validate::text(&format!("{field}.title"), &b.reply.title, 20)?;
        unique(format!("{field}.id"), &mut ids, &b.reply.id)?;
        unique(format!("{field}.title"), &mut titles, &b.reply.title)?;
    }
    Ok(())
}

fn check_list(button: &str, sections: &[Section]) -> Checked {
    validate::text("interactive.action.button", button, 20)?;
    if sections.is_empty() || sections.len() > 10 {
        return fail(
            "interactive.action.sections",
            format!("needs 1 to 10 sections, got {}", sections.len()),
        );
    }
    let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
    if rows == 0 || rows > 10 {
        return fail(
            "interactive.action.sections",
            format!("needs 1 to 10 rows in all, got {rows}"),
        );
    }
    let mut ids = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let field = format!("interactive.action.sections[{i}]");
        match &s.title {
            Some(t) => validate::text(&format!("{field}.title"), t, 24)?,
            None if sections.len() > 1 => {
                return fail(
                    format!("{field}.title"),
                    "needed when there are several sections",
                );
            }
            None => {}
        }
        if s.rows.is_empty() {
            return fail(format!("{field}.rows"), "a section needs at least one row");
        }
        for (j, r) in s.rows.iter().enumerate() {
            let rf = format!("{field}.rows[{j}]");
            validate::text(&format!("{rf}.id"), &r.id, 200)?;
            validate::text(&format!("{rf}.title"), &r.title, 24)?;
            if let Some(d) = &r.description {
                validate::max_len(&format!("{rf}.description"), d, 72)?;
            }
            unique(format!("{rf}.id"), &mut ids, &r.id)?;
        }
    }
    Ok(())
}
