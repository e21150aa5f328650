//! Status-shaped content on the MO URL: Modica's page lists `sent` and
//! `delivered` among the content types, i.e. Meta's status object forwarded
//! as an inbound notification rather than as a DLR.

use schemars::JsonSchema;
use serde::Serialize;

/// The content `type` values that mean a status notice (Meta's status names).
pub(crate) const STATUS_TYPES: [&str; 6] =
    ["sent", "delivered", "read", "failed", "deleted", "status"];

/// A status notice that arrived as MO content (`type` `sent`, `delivered`,
/// `read`, `failed`…, or a content object with a `status` and no message).
///
/// ```
/// use modica_wab::callback::{parse_mo, InboundKind};
/// let mo = parse_mo(br#"{"id":"m1","source":"+64211234567","content":{"type":"delivered",
///     "id":"wamid.X","status":"delivered","recipient_id":"64211234567","timestamp":"1764460800"}}"#)?;
/// let InboundKind::Status(status) = &mo.content.kind else { panic!() };
/// assert_eq!(status.status, "delivered");
/// assert_eq!(mo.content.id.as_deref(), Some("wamid.X"));
/// # Ok::<(), modica_wab::callback::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct StatusNotice {
    /// `sent`, `delivered`, `read`, `failed`… (the `status` field, else the `type`).
    pub status: String,
    /// The customer the message went to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
    /// Meta's conversation object (id, origin, expiry), as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<serde_json::Value>,
    /// Meta's pricing object, as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pricing: Option<serde_json::Value>,
}
