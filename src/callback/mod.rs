//! Callbacks Modica POSTs to you: inbound messages (MO) and delivery reports (DLR).
//!
//! [`parse`] tells the two apart; [`parse_mo`] and [`parse_dlr`] read one kind.
//! Shapes this crate does not know are kept as raw JSON ([`Callback::Unknown`],
//! [`InboundKind::Unknown`]), so nothing Modica sends is lost. With the `receiver`
//! feature, `Receiver` serves them over HTTP with auth and de-duplication.
//!
//! ```
//! use modica_wab::callback::{parse, Callback, InboundKind};
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
mod key;
mod mo;
mod order;
mod parse;
#[cfg(feature = "receiver")]
mod receiver;
mod status;
mod typed;
mod wire;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use dedup::RedisDedupStore;
#[cfg(feature = "receiver")]
#[cfg_attr(docsrs, doc(cfg(feature = "receiver")))]
pub use dedup::{Claim, ClaimToken, DedupStore, MemoryDedupStore};
pub use dlr::{DeliveryReport, DlrStatus};
pub use error::{CallbackError, ErrorData, ParseError};
pub use key::DedupKey;
pub use mo::{
    ButtonPress, Context, Identity, InboundContent, InboundKind, InboundLocation, InboundMedia,
    InboundMessage, InboundReaction, InboundTemplate, InboundText, InteractiveReply, Referral,
    ReferredProduct, SystemNotice,
};
pub use order::{InboundOrder, OrderItem};
pub use parse::{parse, parse_dlr, parse_lenient, parse_mo};
#[cfg(feature = "receiver")]
#[cfg_attr(docsrs, doc(cfg(feature = "receiver")))]
pub use receiver::{
    CallbackContext, CallbackHandler, ContextHandler, DEFAULT_BODY_LIMIT, DEFAULT_MAX_ID_LEN,
    HandlerError, MIN_CLAIM_LEASE, Receiver, ReceiverBuilder, ReceiverError,
};
pub use status::StatusNotice;

/// Base64 as senders write it: standard alphabet, padding optional.
pub(crate) use crate::credentials::BASE64;

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
    /// An MO or DLR with a field of the wrong shape (an `id` that is a number,
    /// a `text.body` that is null, bad base64…): the typed error, and the body
    /// as received. Only [`parse_lenient`] (and so the receiver) gives these;
    /// [`parse`] returns the error instead.
    Malformed {
        /// What is wrong, with its JSON path.
        error: ParseError,
        /// The body as received.
        raw: serde_json::Value,
    },
}

impl Callback {
    /// The key redeliveries of this event share: an MO by its id, a DLR by its
    /// id and status (a malformed one too, when its `id` is a string or an
    /// integer and its `status` a string); any other body by the body itself.
    /// Every event has one.
    pub fn dedup_key(&self) -> DedupKey {
        match self {
            Callback::Mo(mo) => DedupKey::mo(&mo.id),
            Callback::Dlr(dlr) => DedupKey::dlr(&dlr.id, dlr.status.as_str()),
            Callback::Unknown(raw) | Callback::Malformed { raw, .. } => DedupKey::of_value(raw),
        }
    }

    /// The length in bytes of the envelope's `id` (0 when there is none).
    #[cfg(feature = "receiver")]
    pub(crate) fn id_len(&self) -> usize {
        match self {
            Callback::Mo(mo) => mo.id.len(),
            Callback::Dlr(dlr) => dlr.id.len(),
            Callback::Unknown(raw) | Callback::Malformed { raw, .. } => match raw.get("id") {
                Some(serde_json::Value::String(s)) => s.len(),
                Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    v.to_string().len()
                }
                _ => 0,
            },
        }
    }
}

impl serde::Serialize for Callback {
    /// Writes the event as JSON, the shape Modica sends (MO content base64-decoded).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Callback::Mo(mo) => mo.serialize(s),
            Callback::Dlr(dlr) => dlr.serialize(s),
            Callback::Unknown(v) | Callback::Malformed { raw: v, .. } => v.serialize(s),
        }
    }
}
