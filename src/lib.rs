#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
#[cfg(feature = "receiver")]
mod burst_log;
pub mod callback;
mod client;
#[cfg(feature = "conformance")]
pub mod conformance;
mod contact;
pub mod delivery;
pub mod error;
#[cfg(any(feature = "receiver", feature = "sandbox"))]
mod http_server;
mod outbound;
pub mod raw;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod spec;
pub mod store;
mod telemetry;
mod transport;
mod unix_time;
mod validate;
pub mod window;

pub use client::{Client, ClientBuilder};
pub use error::{Error, ErrorClass, ErrorCode};
pub use outbound::{Broadcast, Content, Media, MediaUpload, Message};
pub use transport::{Pacing, RetryPolicy};

/// Everything a message is made of: contents, templates, interactive parts,
/// contacts, and broadcasts.
///
/// ```
/// use modica_wab::message::{Interactive, Parameter, ReplyButton, Template};
/// use modica_wab::Message;
/// let order = Template::new("order_update", "en").body([Parameter::text("Aroha")]);
/// let ask = Interactive::buttons("Deliver tomorrow?", [ReplyButton::new("yes", "Yes")]);
/// let messages = [Message::template("+64211234567", order), Message::interactive("+64211234567", ask)];
/// # let _ = messages;
/// ```
pub mod message {
    pub use crate::outbound::{
        Address, Broadcast, ButtonKind, Choices, Component, ComponentKind, Contact, Content, Email,
        Header, Interactive, Language, Location, MAX_RECIPIENTS, Media, Message, Name, Org,
        Parameter, Phone, Reaction, ReplyButton, Row, Section, Template, Text, Url,
    };
}

/// Media files up and down: [`media::MediaUpload`] streams a file
/// to the gateway, [`media::MediaDownload`] streams one back.
pub mod media {
    pub use crate::client::MediaDownload;
    pub use crate::outbound::MediaUpload;
}

/// What the API answers, as the facade's types.
pub mod response {
    pub use crate::client::response::{
        Accepted, BroadcastAccepted, MessageRecord, ServiceStatus, Source, UploadedMedia,
    };
}

/// The client's clock and sleep, for retries and pacing: replace them with a
/// virtual clock to test or simulate without waiting.
pub mod clock {
    pub use crate::transport::{Sleeper, TokioSleeper};
}
