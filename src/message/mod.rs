//! What goes out: messages and their parts, and broadcasts, each checked
//! against the API's rules before anything is sent (the checks are in
//! `validate.rs` at the crate root) and serialized once (serde derive,
//! straight to bytes). Knows nothing of the transport. Contact cards live in
//! `contact.rs` at the root: they come in too, in MOs. Media files up and
//! down are in [`crate::media`].
//!
//! ```
//! use modica_wab::message::{Interactive, Parameter, ReplyButton, Template};
//! use modica_wab::Message;
//! let order = Template::new("order_update", "en").body([Parameter::text("Aroha")]);
//! let ask = Interactive::buttons("Deliver tomorrow?", [ReplyButton::new("yes", "Yes")]);
//! let messages = [Message::template("+64211234567", order), Message::interactive("+64211234567", ask)];
//! # let _ = messages;
//! ```

mod broadcast;
mod choices;
mod content;
mod interactive;
mod media;
mod reply;
mod single;
mod template;

pub use crate::contact::{Address, Contact, Email, Name, Org, Phone, Url};
pub use broadcast::{Broadcast, MAX_RECIPIENTS};
pub use choices::Choices;
pub use content::{Content, Location, Reaction, Text};
pub use interactive::{
    Flow, Header, Interactive, MAX_FLOW_CTA, MAX_PRODUCT_LIST_ITEMS, ProductItem, ProductSection,
    ReplyButton, Row, Section,
};
pub use media::Media;
pub use single::Message;
pub use template::{
    ButtonKind, CAROUSEL_CARDS, Card, Component, ComponentKind, FlowAction, Language,
    MAX_CARD_BUTTONS, MAX_OTP_LEN, Parameter, Template,
};

pub(crate) use crate::validate::{media_key, source, text};
pub(crate) use single::Encoded;
