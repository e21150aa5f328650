//! One message to one recipient: its content (see `content.rs`), who it goes
//! from and to, its reference, quote and fallback, and the body it becomes.
//!
//! ```
//! use modica_wab::{Message, Media};
//! let hello = Message::text("+64211234567", "Kia ora!").reference("order-42");
//! let photo = Message::image("+64211234567", Media::link("https://example.com/a.jpg")).caption("Your parcel");
//! # let _ = (hello, photo);
//! ```

use super::content::{Content, Location, Reaction};
use super::interactive::Interactive;
use super::media::Media;
use super::template::Template;
use crate::contact::Contact;
use crate::customer::Addressed;
use crate::error::ValidationError;
use crate::validate;
use serde::Serialize;

/// One message to one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    to: String,
    source: Option<String>,
    reference: Option<String>,
    reply_to: Option<String>,
    content: Content,
    /// What to send instead when the customer's service window is closed.
    fallback: Option<Box<Template>>,
    /// A builder call that does not fit the content (a caption on a text),
    /// reported by validation rather than silently dropped.
    misuse: Option<ValidationError>,
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
    /// A phone number (Meta's `to`)…
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a str>,
    /// …or a business-scoped user id (Meta's `recipient`).
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
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
    /// A message of any content to `to`: a phone number (E.164, e.g.
    /// `+64211234567`) or a business-scoped user id (`US.13491208655302741918`,
    /// see [`crate::customer`]), told apart by their formats.
    pub fn new(to: impl Into<String>, content: Content) -> Self {
        Self {
            to: to.into(),
            source: None,
            reference: None,
            reply_to: None,
            content,
            fallback: None,
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

    /// A voice note: audio (an OGG file with the OPUS codec) played as if
    /// recorded in the chat. See [`Media::voice`](crate::Media#structfield.voice).
    pub fn voice_note(to: impl Into<String>, media: Media) -> Self {
        Self::new(to, Content::Audio(media.voice_note()))
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

    /// The template to send instead when the customer's 24-hour service
    /// window is closed (with [`ClientBuilder::service_window`](crate::ClientBuilder::service_window)):
    /// same recipient, source and reference, no quote.
    ///
    /// ```
    /// use modica_wab::message::{Parameter, Template};
    /// use modica_wab::Message;
    /// let update = Message::text("+64211234567", "Your parcel left the depot.")
    ///     .or_template(Template::new("parcel_update", "en").body([Parameter::text("left the depot")]));
    /// assert!(update.fallback().is_some());
    /// ```
    pub fn or_template(mut self, template: Template) -> Self {
        self.fallback = Some(Box::new(template));
        self
    }

    /// The fallback template as a message of its own, if one was given.
    pub fn fallback(&self) -> Option<Message> {
        let template = self.fallback.as_deref()?.clone();
        Some(Message {
            to: self.to.clone(),
            source: self.source.clone(),
            reference: self.reference.clone(),
            reply_to: None,
            content: Content::Template(template),
            fallback: None,
            misuse: None,
        })
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

    /// The source number set on it, if any (else the client's default).
    pub fn source_number(&self) -> Option<&str> {
        self.source.as_deref()
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
        let addressed = crate::customer::recipient("to", &self.to)?;
        let source = source_and_reference(
            self.source.as_deref().or(default_source),
            self.reference.as_deref(),
        )?;
        if let Some(id) = &self.reply_to {
            validate::text("context.message_id", id, 255)?;
        }
        self.content.validate()?;
        if let Some(template) = &self.fallback {
            // Checked now, so a closed window does not reveal a broken fallback.
            template
                .check()
                .map_err(|e| ValidationError::new(format!("fallback.{}", e.field), e.reason))?;
        }
        if addressed == Addressed::Bsuid {
            let authentication =
                |c: &Content| matches!(c, Content::Template(t) if t.is_authentication());
            if authentication(&self.content)
                || self
                    .fallback
                    .as_deref()
                    .is_some_and(Template::is_authentication)
            {
                return Err(ValidationError::new(
                    "recipient",
                    format!(
                        "{:?} is a business-scoped user id; an authentication template goes only to a phone number (WhatsApp answers 131062)",
                        self.to
                    ),
                ));
            }
        }
        let (to, recipient) = match addressed {
            Addressed::Phone => (Some(self.to.as_str()), None),
            Addressed::Bsuid => (None, Some(self.to.as_str())),
        };
        let body = MessageBody {
            to,
            recipient,
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
