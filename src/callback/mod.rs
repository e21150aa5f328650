//! Callbacks Modica POSTs to you: inbound messages (MO) and delivery reports (DLR).
//!
//! [`parse`] tells the two apart; [`parse_mo`] and [`parse_dlr`] read one kind.
//! Shapes this crate does not know are kept as raw JSON ([`Callback::Unknown`],
//! [`MoMessage::Unknown`]), so nothing Modica sends is lost. With the `receiver`
//! feature, [`Receiver`] serves them over HTTP with auth and de-duplication.
//!
//! ```
//! use modica_wab::callback::{parse, Callback, MoMessage};
//! let body = br#"{"id":"m1","source":"+64211234567","destination":"6491234567",
//!     "content":{"type":"image","image":{"id":"4490709327","mime_type":"image/jpeg"}}}"#;
//! match parse(body)? {
//!     Callback::Mo(mo) => assert_eq!(mo.media().map(|m| m.id.as_str()), Some("4490709327")),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), modica_wab::callback::ParseError>(())
//! ```

#[cfg(feature = "receiver")]
mod dedup;
mod dlr;
mod error;
mod mo;
mod parse;
#[cfg(feature = "receiver")]
mod receiver;

#[cfg(feature = "receiver")]
pub use dedup::{Claim, DedupStore, MemoryDedupStore, StoreFuture};
pub use dlr::{DeliveryReport, DlrStatus};
pub use error::{CallbackError, ErrorData, ParseError};
pub use mo::{
    ButtonPress, Context, Identity, InboundLocation, InboundMedia, InboundMessage, InboundReaction,
    InboundTemplate, InboundText, InteractiveReply, MoContent, MoMessage, Referral,
    ReferredProduct, SystemNotice,
};
pub use parse::{parse, parse_dlr, parse_mo};
#[cfg(feature = "receiver")]
pub use receiver::{
    CallbackHandler, DEFAULT_BODY_LIMIT, HandlerError, Receiver, ReceiverBuilder, ReceiverError,
};

/// Base64 as senders write it: standard alphabet, padding optional.
pub(crate) const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// One callback body, classified.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Callback {
    /// An inbound message (boxed: it is much larger than a DLR).
    Mo(Box<InboundMessage>),
    /// A delivery report.
    Dlr(DeliveryReport),
    /// JSON of a shape this crate does not recognise, kept as received.
    Unknown(serde_json::Value),
}

impl Callback {
    /// The key redeliveries of this event share: MO by id, DLR by id and status.
    /// `None` for unknown shapes, which cannot be de-duplicated.
    pub fn dedup_key(&self) -> Option<String> {
        match self {
            Callback::Mo(mo) => Some(format!("mo:{}", mo.id)),
            Callback::Dlr(dlr) => Some(format!("dlr:{}:{}", dlr.id, dlr.status)),
            Callback::Unknown(_) => None,
        }
    }
}

impl serde::Serialize for Callback {
    /// Writes the event as JSON, the shape Modica sends (MO content base64-decoded).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Callback::Mo(mo) => mo.serialize(s),
            Callback::Dlr(dlr) => dlr.serialize(s),
            Callback::Unknown(v) => v.serialize(s),
        }
    }
}
