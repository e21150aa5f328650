//! What goes out: messages and their parts, broadcasts and uploads, each
//! checked against the API's rules before anything is sent, and serialized
//! once (serde derive, straight to bytes). Knows nothing of the transport.

mod broadcast;
mod choices;
mod contact;
mod content;
mod interactive;
mod media;
mod message;
mod reply;
mod template;
mod upload;
mod validate;

pub use broadcast::{Broadcast, MAX_RECIPIENTS};
pub use choices::Choices;
pub use contact::{Address, Contact, Email, Name, Org, Phone, Url};
pub use content::{Content, Location, Reaction, Text};
pub use interactive::{Header, Interactive, ReplyButton, Row, Section};
pub use media::Media;
pub use message::Message;
pub use template::{ButtonKind, Component, ComponentKind, Language, Parameter, Template};
pub use upload::MediaUpload;

pub(crate) use message::Encoded;
pub(crate) use upload::MultipartBody;
pub(crate) use validate::{absolute_http_url, media_key, source, text};
