//! One message to one recipient: its content (the WhatsApp message types),
//! its checks, and the request body it becomes.
//!
//! ```
//! use modica_wab::{Message, Media};
//! let hello = Message::text("+64211234567", "Kia ora!").reference("order-42");
//! let photo = Message::image("+64211234567", Media::link("https://example.com/a.jpg")).caption("Your parcel");
//! # let _ = (hello, photo);
//! ```

use super::contact::Contact;
use super::interactive::Interactive;
use super::media::{Media, MediaKind};
use super::template::Template;
use super::validate::{self, Checked, fail};
use crate::error::ValidationError;
use serde::Serialize;

/// One message to one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    to: String,
    source: Option<String>,
    reference: Option<String>,
    reply_to: Option<String>,
    content: Content,
    /// A builder call that does not fit the content (a caption on a text),
    /// reported by validation rather than silently dropped.
    misuse: Option<ValidationError>,
}

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

    fn media_mut(&mut self) -> Option<&mut Media> {
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

/// A request body, checked and serialized, and whom it goes from and to
/// (the transport paces by them).
#[derive(Debug)]
pub(crate) struct Encoded {
    pub(crate) body: Vec<u8>,
    pub(crate) source: String,
    pub(crate) recipients: Vec<String>,
}

/// The `POST /messages` body.
#[derive(Serialize)]
struct MessageBody<'a> {
    to: &'a str,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<ContextRef<'a>>,
    #[serde(flatten)]
    content: &'a Content,
}

/// The message a reply quotes.
#[derive(Serialize)]
struct ContextRef<'a> {
    message_id: &'a str,
}

impl Message {
    /// A message of any content to `to` (E.164, e.g. `+64211234567`).
    pub fn new(to: impl Into<String>, content: Content) -> Self {
        Self {
            to: to.into(),
            source: None,
            reference: None,
            reply_to: None,
            content,
            misuse: None,
        }
    }

    /// A text message.
    pub fn text(to: impl Into<String>, body: impl Into<String>) -> Self {
        Self::new(to, Content::text(body))
    }

    /// A template message.
    pub fn template(to: impl Into<String>, template: Template) -> Self {
        Self::new(to, Content::Template(template))
    }

    /// An image message.
    pub fn image(to: impl Into<String>, media: Media) -> Self {
        Self::new(to, Content::Image(media))
    }

    /// A video message.
    pub fn video(to: impl Into<String>, media: Media) -> Self {
        Self::new(to, Content::Video(media))
    }

    /// An audio message.
    pub fn audio(to: impl Into<String>, media: Media) -> Self {
        Self::new(to, Content::Audio(media))
    }

    /// A document message.
    pub fn document(to: impl Into<String>, media: Media) -> Self {
        Self::new(to, Content::Document(media))
    }

    /// A sticker message (by media id or link).
    pub fn sticker(to: impl Into<String>, media: Media) -> Self {
        Self::new(to, Content::Sticker(media))
    }

    /// A location message.
    pub fn location(to: impl Into<String>, location: Location) -> Self {
        Self::new(to, Content::Location(location))
    }

    /// A contacts message.
    pub fn contacts(to: impl Into<String>, contacts: impl IntoIterator<Item = Contact>) -> Self {
        Self::new(to, Content::Contacts(contacts.into_iter().collect()))
    }

    /// An interactive message (buttons, list, call-to-action URL).
    pub fn interactive(to: impl Into<String>, interactive: Interactive) -> Self {
        Self::new(to, Content::Interactive(interactive))
    }

    /// A reaction to `message_id`; an empty `emoji` removes the reaction.
    pub fn reaction(
        to: impl Into<String>,
        message_id: impl Into<String>,
        emoji: impl Into<String>,
    ) -> Self {
        Self::new(
            to,
            Content::Reaction(Reaction {
                message_id: message_id.into(),
                emoji: emoji.into(),
            }),
        )
    }

    /// Sends from this source number instead of the client's default.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// A reference of yours, echoed in the response and in delivery reports.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Sends this message as a reply quoting `message_id`.
    pub fn reply_to(mut self, message_id: impl Into<String>) -> Self {
        self.reply_to = Some(message_id.into());
        self
    }

    /// Sets the caption of an image, video or document message
    /// (rejected at validation for other types).
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        let caption = caption.into();
        match self.content.media_mut() {
            Some(m) => m.caption = Some(caption),
            None => self.misused("caption"),
        }
        self
    }

    /// Sets the file name of a document message.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        match self.content.media_mut() {
            Some(m) => m.filename = Some(filename.into()),
            None => self.misused("filename"),
        }
        self
    }

    /// Whether WhatsApp previews the first URL of a text message.
    pub fn preview_url(mut self, preview: bool) -> Self {
        match &mut self.content {
            Content::Text(t) => t.preview_url = Some(preview),
            _ => self.misused("preview_url"),
        }
        self
    }

    fn misused(&mut self, what: &str) {
        let kind = self.content.type_name();
        self.misuse.get_or_insert_with(|| {
            ValidationError::new(
                format!("{kind}.{what}"),
                format!("{kind} messages take no {what}"),
            )
        });
    }

    /// The recipient.
    pub fn to(&self) -> &str {
        &self.to
    }

    /// The content.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// The request body, checked: what [`crate::Client::send`] posts.
    pub fn to_json(
        &self,
        default_source: Option<&str>,
    ) -> Result<serde_json::Value, ValidationError> {
        let encoded = self.encode(default_source)?;
        serde_json::from_slice(&encoded.body)
            .map_err(|e| ValidationError::new("body", e.to_string()))
    }

    /// Checks the message and serializes its body, once.
    pub(crate) fn encode(&self, default_source: Option<&str>) -> Result<Encoded, ValidationError> {
        if let Some(misuse) = &self.misuse {
            return Err(misuse.clone());
        }
        validate::e164("to", &self.to)?;
        let source = source_and_reference(
            self.source.as_deref().or(default_source),
            self.reference.as_deref(),
        )?;
        if let Some(id) = &self.reply_to {
            validate::text("context.message_id", id, 255)?;
        }
        self.content.validate()?;
        let body = MessageBody {
            to: &self.to,
            source,
            reference: self.reference.as_deref(),
            context: self
                .reply_to
                .as_deref()
                .map(|message_id| ContextRef { message_id }),
            content: &self.content,
        };
        Ok(Encoded {
            body: serde_json::to_vec(&body)
                .map_err(|e| ValidationError::new("body", e.to_string()))?,
            source: source.to_owned(),
            recipients: vec![self.to.clone()],
        })
    }
}

/// The sending source (checked) and the reference (checked), shared by
/// single sends and broadcasts.
pub(crate) fn source_and_reference<'a>(
    source: Option<&'a str>,
    reference: Option<&str>,
) -> Result<&'a str, ValidationError> {
    let Some(source) = source else {
        return Err(ValidationError::new(
            "source",
            "no source number: set it on the message or with ClientBuilder::default_source",
        ));
    };
    validate::source("source", source)?;
    if let Some(reference) = reference {
        validate::max_len("reference", reference, 255)?;
    }
    Ok(source)
}
