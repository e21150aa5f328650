//! What goes out: messages and their parts, broadcasts and uploads, each
//! checked against the API's rules before anything is sent (the checks are in
//! `validate.rs` at the crate root), and serialized once (serde derive,
//! straight to bytes). Knows nothing of the transport. Contact cards live in
//! `contact.rs` at the root: they come in too, in MOs.

mod broadcast;
mod choices;
mod content;
mod interactive;
mod media;
mod message;
mod reply;
mod template;
mod upload;

pub use crate::contact::{Address, Contact, Email, Name, Org, Phone, Url};
pub use broadcast::{Broadcast, MAX_RECIPIENTS};
pub use choices::Choices;
pub use content::{Content, Location, Reaction, Text};
pub use interactive::{Header, Interactive, ReplyButton, Row, Section};
pub use media::Media;
pub use message::Message;
pub use template::{ButtonKind, Component, ComponentKind, Language, Parameter, Template};
pub use upload::MediaUpload;

pub(crate) use crate::validate::{media_key, source, text};
pub(crate) use message::Encoded;
pub(crate) use upload::{MultipartBody, SourceReadError};
