//! Inbound (MO) message types: Modica's envelope around Meta's inbound message object.

use super::error::CallbackError;
use super::order::InboundOrder;
use super::status::StatusNotice;
use crate::contact::Contact;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::Arc;

/// An inbound WhatsApp message (MO callback).
///
/// ```
/// use modica_wab::callback::{parse_mo, InboundKind};
/// let mo = parse_mo(br#"{"id":"m1","source":"+64211234567","Destination":"6491234567",
///     "content":{"type":"text","text":{"body":"Kia ora"}}}"#)?;
/// assert_eq!(mo.destination.as_deref(), Some("6491234567"));
/// assert!(matches!(&mo.content.kind, InboundKind::Text(t) if t.body == "Kia ora"));
/// # Ok::<(), modica_wab::callback::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct InboundMessage {
    /// Modica's id of the message.
    pub id: String,
    /// Who sent it, as Modica names them: the customer's number, their
    /// business-scoped user id (a username user who has not written lately),
    /// or nothing. [`InboundMessage::customer`] reads every field that names
    /// them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The username the customer shows (`@bob`), when Modica gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The business number it was sent to. Documented as `Destination`;
    /// Modica's SMS callbacks spell it `destination`: both are accepted.
    #[serde(
        rename = "Destination",
        alias = "destination",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination: Option<String>,
    /// `base64` when the content arrived base64-encoded. The parser decodes it, so
    /// this is informational and not written back out.
    #[serde(default, skip_serializing)]
    pub encoding: Option<String>,
    /// The WhatsApp message.
    pub content: InboundContent,
}

impl InboundMessage {
    /// Who wrote: every identifier this message shows of the customer
    /// (`source`, and in the content `from`, `from_user_id`,
    /// `from_parent_user_id`, `profile.username`, as Meta names them), as one
    /// [`Customer`](crate::customer::Customer); `None` when it names nobody
    /// (or nothing that is a phone number or a BSUID). When a phone and a
    /// BSUID show together they are the same customer.
    ///
    /// ```
    /// use modica_wab::callback::parse_mo;
    /// let mo = parse_mo(br#"{"id":"m1","source":"NZ.1349","content":{"type":"text",
    ///     "from":"64211234567","from_user_id":"NZ.1349","profile":{"username":"@bob"},"text":{"body":"hi"}}}"#)?;
    /// let customer = mo.customer().unwrap();
    /// assert_eq!(customer.phone.as_deref(), Some("+64211234567"));
    /// assert_eq!(customer.bsuid.as_ref().map(|b| b.as_str()), Some("NZ.1349"));
    /// assert_eq!(customer.username.as_deref(), Some("@bob"));
    /// # Ok::<(), modica_wab::callback::ParseError>(())
    /// ```
    pub fn customer(&self) -> Option<crate::customer::Customer> {
        use crate::customer::{Bsuid, Customer, looks_like_bsuid};
        // A number as gateways write it: with or without its `+`, spaces,
        // dashes or brackets.
        let as_phone = |text: &str| {
            if !text
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                return None;
            }
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            Customer::phone(&format!("+{digits}")).ok()
        };
        let source = self.source.as_deref().filter(|s| !s.is_empty());
        let phone = source
            .filter(|s| !looks_like_bsuid(s))
            .and_then(as_phone)
            .or_else(|| self.content.from.as_deref().and_then(as_phone))
            .or_else(|| {
                let shared = self.shared_own_contact()?;
                shared
                    .phones
                    .iter()
                    .find_map(|p| p.wa_id.as_deref().and_then(as_phone))
                    .or_else(|| shared.phones.iter().find_map(|p| as_phone(&p.phone)))
            });
        let ids = [
            source.filter(|s| looks_like_bsuid(s)),
            self.content.from_user_id.as_deref(),
            self.content.from_parent_user_id.as_deref(),
        ];
        let mut customer = phone;
        for id in ids
            .into_iter()
            .flatten()
            .filter_map(|id| Bsuid::parse(id).ok())
        {
            customer = Some(match customer {
                Some(known) => known.with_bsuid(id),
                None => Customer::bsuid(id),
            });
        }
        let username = self
            .username
            .clone()
            .or_else(|| self.content.username.clone());
        match (customer, username) {
            (Some(customer), Some(name)) => Some(customer.with_username(name)),
            (customer, _) => customer,
        }
    }

    /// The customer's own card, when they shared it by tapping a "request
    /// contact info" button (a contacts message whose `origin` is
    /// `contact_request/…`; Meta, "Business-scoped user IDs"): its phone
    /// is theirs, so [`customer`](Self::customer) links it to their BSUID.
    pub fn shared_own_contact(&self) -> Option<&Contact> {
        let requested = self
            .content
            .origin
            .as_deref()
            .is_some_and(|o| o.starts_with("contact_request"));
        match &self.content.kind {
            InboundKind::Contacts(cards) if requested => cards.first(),
            _ => None,
        }
    }

    /// What to send a reply to: the customer's phone number when known,
    /// else their BSUID (see [`crate::customer::Customer::recipient`]); empty
    /// when the message names nobody.
    pub fn reply_recipient(&self) -> String {
        self.customer()
            .map(|c| c.recipient().to_owned())
            .unwrap_or_default()
    }

    /// The media item (image, audio, video, document or sticker), if the message carries one.
    pub fn media(&self) -> Option<&InboundMedia> {
        match &self.content.kind {
            InboundKind::Image(m)
            | InboundKind::Audio(m)
            | InboundKind::Video(m)
            | InboundKind::Document(m)
            | InboundKind::Sticker(m) => Some(m),
            _ => None,
        }
    }
}

/// The `content` of an MO: Meta's inbound message object, typed.
///
/// Fields shared by every message type are here; the type-specific part is
/// [`InboundKind`]. The JSON text as received (after whole-content base64
/// decoding) is kept: see [`InboundContent::raw_json`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InboundContent {
    /// WhatsApp id of the sender (their phone number's digits; absent for a
    /// username user the business has not talked to lately).
    pub from: Option<String>,
    /// The sender's business-scoped user id (Meta's `from_user_id`).
    pub from_user_id: Option<String>,
    /// The sender's parent business-scoped user id (`from_parent_user_id`).
    pub from_parent_user_id: Option<String>,
    /// The username the sender shows (`profile.username`), when present.
    pub username: Option<String>,
    /// WhatsApp message id (`wamid…`).
    pub id: Option<String>,
    /// Unix seconds, as a string (as WhatsApp sends it).
    pub timestamp: Option<String>,
    /// The message this one replies to.
    pub context: Option<Context>,
    /// How the customer reached the business (ad click-through, …).
    pub referral: Option<Referral>,
    /// Identity-change information about the sender.
    pub identity: Option<Identity>,
    /// Why a contacts message came: `contact_request/other` when the
    /// customer tapped a "request contact info" button (see
    /// [`InboundMessage::shared_own_contact`]).
    pub origin: Option<String>,
    /// Errors WhatsApp attached (e.g. for unsupported messages).
    pub errors: Vec<CallbackError>,
    /// The kind of message, with its type-specific part.
    pub kind: InboundKind,
    /// Where the content's JSON text is (read only when asked for: building a
    /// `Value` on every callback would cost more than the typed parse).
    pub(crate) raw: RawSource,
}

impl InboundContent {
    /// The id of the message this one answers or quotes (`context.id`): a
    /// location shared in answer to a location request, a tap on a button,
    /// a flow's reply.
    pub fn replies_to(&self) -> Option<&str> {
        self.context.as_ref()?.id.as_deref()
    }

    /// The content object as received, as JSON text.
    pub fn raw_json(&self) -> String {
        self.raw.json()
    }

    /// The content object as received, parsed.
    pub fn raw(&self) -> serde_json::Value {
        self.raw.value()
    }
}

impl PartialEq for InboundContent {
    fn eq(&self, other: &Self) -> bool {
        self.from == other.from
            && self.from_user_id == other.from_user_id
            && self.from_parent_user_id == other.from_parent_user_id
            && self.username == other.username
            && self.id == other.id
            && self.timestamp == other.timestamp
            && self.context == other.context
            && self.referral == other.referral
            && self.identity == other.identity
            && self.origin == other.origin
            && self.errors == other.errors
            && self.kind == other.kind
            && self.raw.json() == other.raw.json()
    }
}

/// The type-specific part of an inbound message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InboundKind {
    /// `text`.
    Text(InboundText),
    /// `image`.
    Image(InboundMedia),
    /// `audio` (voice notes have `voice: true`).
    Audio(InboundMedia),
    /// `video`.
    Video(InboundMedia),
    /// `document`.
    Document(InboundMedia),
    /// `sticker`.
    Sticker(InboundMedia),
    /// `location`.
    Location(InboundLocation),
    /// `contacts`.
    Contacts(Vec<Contact>),
    /// `button`: a quick-reply button of a template was tapped.
    Button(ButtonPress),
    /// `interactive`: a reply to an interactive message.
    Interactive(InteractiveReply),
    /// `reaction`.
    Reaction(InboundReaction),
    /// `system`: the customer changed number or identity.
    System(SystemNotice),
    /// `template`.
    Template(InboundTemplate),
    /// `order`: a cart sent from the business's catalog.
    Order(InboundOrder),
    /// A status notice (`sent`, `delivered`, `read`, `failed`…) that came as
    /// MO content rather than as a DLR.
    Status(StatusNotice),
    /// Content WhatsApp could not deliver: type `unsupported` or `unknown`, or
    /// a known type whose object is missing while `errors` says why. The
    /// errors are in [`InboundContent::errors`].
    Unsupported {
        /// The `type` as sent (`unsupported`, `unknown`, `image`…).
        kind: String,
    },
    /// A type this crate does not know yet, kept with its raw JSON.
    Unknown {
        /// The `type` value (empty when absent).
        kind: String,
        /// The whole content object.
        raw: serde_json::Value,
    },
}

/// `text` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct InboundText {
    /// The text.
    #[serde(default)]
    pub body: String,
}

/// Media content (image, audio, video, document, sticker). Fetch the bytes with
/// [`Client::download_inbound_media`](crate::Client::download_inbound_media).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct InboundMedia {
    /// Media id for `GET /media`.
    #[serde(default)]
    pub id: String,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// SHA-256 of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Caption (image, video, document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// File name (document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Voice note (audio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<bool>,
    /// Animated sticker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animated: Option<bool>,
}

/// `location` content: a place the customer shared, on their own or in
/// answer to a location request (then [`InboundContent::replies_to`] names
/// the request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct InboundLocation {
    /// Latitude (a number, or a string holding one).
    #[serde(default, deserialize_with = "super::wire::coordinate")]
    pub latitude: f64,
    /// Longitude (a number, or a string holding one).
    #[serde(default, deserialize_with = "super::wire::coordinate")]
    pub longitude: f64,
    /// Place name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// URL of the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `button` content: the customer tapped a template's quick-reply button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct ButtonPress {
    /// The button's label.
    #[serde(default)]
    pub text: String,
    /// The payload set when the template was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
}

/// `interactive` content: a reply to an interactive message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InteractiveReply {
    /// A reply button was tapped.
    ButtonReply {
        /// The button id you set.
        id: String,
        /// Its title.
        title: String,
    },
    /// A list row was chosen.
    ListReply {
        /// The row id you set.
        id: String,
        /// Its title.
        title: String,
        /// Its description.
        description: Option<String>,
    },
    /// A WhatsApp Flow was completed (`nfm_reply`; Meta, "Receiving a Flow
    /// response"). The answers are in `response_json`, kept as sent;
    /// [`InteractiveReply::flow_response`] parses them.
    FlowReply {
        /// `flow` (or `address_message`).
        name: Option<String>,
        /// Display text.
        body: Option<String>,
        /// The flow's response, a JSON document as a string.
        response_json: String,
        /// The token the flow was sent with (read from `response_json`): it
        /// tells which flow message this answers, as the reply names no flow.
        flow_token: Option<String>,
    },
    /// An interactive type this crate does not know yet.
    Unknown {
        /// The `interactive.type` value.
        kind: String,
        /// The whole `interactive` object.
        raw: serde_json::Value,
    },
}

impl InteractiveReply {
    /// A flow reply's answers, parsed: `None` for other replies, or when
    /// `response_json` is not a JSON object (it is kept as sent either way).
    ///
    /// ```
    /// use modica_wab::callback::{parse_mo, InboundKind, InteractiveReply};
    /// let mo = parse_mo(br#"{"id":"m1","source":"+64211234567","content":{"type":"interactive",
    ///     "interactive":{"type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent",
    ///     "response_json":"{\"flow_token\":\"visit-42\",\"day\":\"Tuesday\"}"}}}}"#)?;
    /// let InboundKind::Interactive(reply) = &mo.content.kind else { unreachable!() };
    /// assert!(matches!(reply, InteractiveReply::FlowReply { flow_token: Some(t), .. } if t == "visit-42"));
    /// assert_eq!(reply.flow_response().unwrap()["day"], "Tuesday");
    /// # Ok::<(), modica_wab::callback::ParseError>(())
    /// ```
    pub fn flow_response(&self) -> Option<serde_json::Map<String, Value>> {
        match self {
            InteractiveReply::FlowReply { response_json, .. } => {
                serde_json::from_str(response_json).ok()
            }
            _ => None,
        }
    }
}

/// `reaction` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct InboundReaction {
    /// The message reacted to.
    #[serde(default)]
    pub message_id: String,
    /// The emoji; absent when a reaction is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
}

/// `system` content: a change of number or identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct SystemNotice {
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `customer_changed_number`, `customer_identity_changed`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The new WhatsApp id (number change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_wa_id: Option<String>,
    /// The WhatsApp id concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
    /// The identity hash (identity change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The customer concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

/// `template` content: a template message as echoed by the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct InboundTemplate {
    /// Template name.
    #[serde(default)]
    pub name: String,
    /// Language, as `{"code": "en"}` or a bare code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<serde_json::Value>,
    /// Components with their parameters, as sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<serde_json::Value>,
}

/// `context`: what this message replies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct Context {
    /// The sender of the original message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The id of the original message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<bool>,
    /// Forwarded many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequently_forwarded: Option<bool>,
    /// A catalogue product the customer asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_product: Option<ReferredProduct>,
}

/// A product referred to in a `context`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct ReferredProduct {
    /// Catalogue id.
    #[serde(default)]
    pub catalog_id: String,
    /// Product id.
    #[serde(default)]
    pub product_retailer_id: String,
}

/// `referral`: the ad or post that led the customer here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct Referral {
    /// URL of the ad or post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// Id of the ad or post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// `ad` or `post`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    /// Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    /// Body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `image` or `video`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Video URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// Thumbnail URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    /// Click-to-WhatsApp click id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctwa_clid: Option<String>,
}

/// `identity`: the customer's identity (security code) changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct Identity {
    /// Whether the change was acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<bool>,
    /// When the identity was created (Unix seconds as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_timestamp: Option<serde_json::Value>,
    /// The identity hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// Where the content's JSON text is: inside the envelope as received, or the
/// whole of a decoded string. Extracted only when asked for, so the typed parse
/// reads the body once.
#[derive(Debug, Clone)]
pub(crate) enum RawSource {
    /// The whole callback body (UTF-8 checked only when the text is asked for).
    Envelope(Arc<[u8]>),
    Content(Arc<str>),
}

impl RawSource {
    pub(crate) fn json(&self) -> String {
        match self {
            RawSource::Content(text) => text.to_string(),
            RawSource::Envelope(body) => {
                #[derive(Deserialize)]
                struct Only<'a> {
                    #[serde(borrow)]
                    content: &'a RawValue,
                }
                serde_json::from_slice::<Only<'_>>(body)
                    .map(|o| o.content.get().to_owned())
                    .unwrap_or_default()
            }
        }
    }

    pub(crate) fn value(&self) -> Value {
        serde_json::from_str(&self.json()).unwrap_or(Value::Null)
    }
}

impl serde::Serialize for InboundContent {
    /// Writes the content object as received (after whole-content base64 decoding).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match RawValue::from_string(self.raw.json()) {
            Ok(raw) => raw.serialize(s),
            Err(_) => Value::Null.serialize(s),
        }
    }
}
