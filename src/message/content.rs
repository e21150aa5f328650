//! What a message carries: the WhatsApp message types, each checked against
//! the API's rules and written as `"type"` plus the same-named object.

use super::interactive::Interactive;
use super::media::{Media, MediaKind};
use super::template::Template;
use crate::contact::Contact;
use crate::error::ValidationError;
use crate::validate::{self, Checked, fail};
use serde::Serialize;

/// What a message carries: the WhatsApp message types.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Content {
    /// Plain text.
    Text(Text),
    /// An approved template, the only kind allowed outside the 24-hour window.
    Template(Template),
    /// An image, with an optional caption.
    Image(Media),
    /// A video, with an optional caption.
    Video(Media),
    /// An audio file or voice note (no caption).
    Audio(Media),
    /// A document, with optional caption and file name.
    Document(Media),
    /// A sticker (no caption).
    Sticker(Media),
    /// A map pin.
    Location(Location),
    /// One or more contact cards.
    Contacts(Vec<Contact>),
    /// Reply buttons, a list, or a call-to-action URL button.
    Interactive(Interactive),
    /// An emoji reaction to an earlier message.
    Reaction(Reaction),
}

/// A text message body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Text {
    /// The text, 1 to 4096 characters.
    pub body: String,
    /// Whether WhatsApp renders a preview of the first URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<bool>,
}

/// A map pin.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Location {
    /// Degrees, -90 to 90.
    pub latitude: f64,
    /// Degrees, -180 to 180.
    pub longitude: f64,
    /// Name of the place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Address of the place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Location {
    /// A pin at `latitude`, `longitude`.
    pub fn new(latitude: f64, longitude: f64) -> Self {
        Self {
            latitude,
            longitude,
            name: None,
            address: None,
        }
    }

    /// Sets the place's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the place's address.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    fn check(&self) -> Checked {
        if !(self.latitude.is_finite() && (-90.0..=90.0).contains(&self.latitude)) {
            return fail(
                "location.latitude",
                format!("{} is not between -90 and 90", self.latitude),
            );
        }
        if !(self.longitude.is_finite() && (-180.0..=180.0).contains(&self.longitude)) {
            return fail(
                "location.longitude",
                format!("{} is not between -180 and 180", self.longitude),
            );
        }
        Ok(())
    }
}

/// An emoji reaction to a message the user sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Reaction {
    /// The message reacted to.
    pub message_id: String,
    /// The emoji; an empty string removes an earlier reaction.
    pub emoji: String,
}

impl Content {
    /// Text content.
    pub fn text(body: impl Into<String>) -> Self {
        Content::Text(Text {
            body: body.into(),
            preview_url: None,
        })
    }

    /// The wire name of this message type (`"text"`, `"template"`…).
    pub fn type_name(&self) -> &'static str {
        match self {
            Content::Text(_) => "text",
            Content::Template(_) => "template",
            Content::Image(_) => "image",
            Content::Video(_) => "video",
            Content::Audio(_) => "audio",
            Content::Document(_) => "document",
            Content::Sticker(_) => "sticker",
            Content::Location(_) => "location",
            Content::Contacts(_) => "contacts",
            Content::Interactive(_) => "interactive",
            Content::Reaction(_) => "reaction",
        }
    }

    /// Checks every field against the API's rules.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Content::Text(t) => validate::text("text.body", &t.body, 4096),
            Content::Template(t) => t.check(),
            Content::Image(m) => m.check("image", MediaKind::Image),
            Content::Video(m) => m.check("video", MediaKind::Video),
            Content::Audio(m) => m.check("audio", MediaKind::Audio),
            Content::Document(m) => m.check("document", MediaKind::Document),
            Content::Sticker(m) => m.check("sticker", MediaKind::Sticker),
            Content::Location(l) => l.check(),
            Content::Contacts(cs) => {
                if cs.is_empty() {
                    return fail("contacts", "must hold at least one contact");
                }
                cs.iter()
                    .enumerate()
                    .try_for_each(|(i, c)| c.check(&format!("contacts[{i}]")))
            }
            Content::Interactive(i) => i.check(),
            Content::Reaction(r) => validate::text("reaction.message_id", &r.message_id, 255),
        }
    }

    pub(super) fn media_mut(&mut self) -> Option<&mut Media> {
        match self {
            Content::Image(m)
            | Content::Video(m)
            | Content::Audio(m)
            | Content::Document(m)
            | Content::Sticker(m) => Some(m),
            _ => None,
        }
    }
}

impl Serialize for Content {
    /// `"type"` and the same-named object, as the API reads a message.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("type", self.type_name())?;
        match self {
            Content::Text(t) => map.serialize_entry("text", t)?,
            Content::Template(t) => map.serialize_entry("template", t)?,
            Content::Image(m)
            | Content::Video(m)
            | Content::Audio(m)
            | Content::Document(m)
            | Content::Sticker(m) => map.serialize_entry(self.type_name(), m)?,
            Content::Location(l) => map.serialize_entry("location", l)?,
            Content::Contacts(c) => map.serialize_entry("contacts", c)?,
            Content::Interactive(i) => map.serialize_entry("interactive", i)?,
            Content::Reaction(r) => map.serialize_entry("reaction", r)?,
        }
        map.end()
    }
}
