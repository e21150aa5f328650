//! What the API answers, as facade types.

use serde::{Deserialize, Deserializer, Serialize};

/// An optional string where the gateway writes `""` for none.
fn no_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text.filter(|t| !t.is_empty()))
}

/// A message the gateway accepted for delivery, and which of it went out:
/// the message itself, or its fallback template
/// ([`Message::or_template`](crate::Message::or_template)), which is billed
/// as a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Accepted {
    /// The message id (a UUID); delivery reports carry it.
    pub id: String,
    /// `accepted`.
    pub status: String,
    /// Your reference, echoed; `None` when none was given (the gateway
    /// echoes `""`).
    #[serde(default, deserialize_with = "no_empty")]
    pub reference: Option<String>,
    /// What went out: the message, or its fallback template.
    #[serde(default, skip_deserializing)]
    pub sent_as: SentAs,
    /// Why the fallback went out, when it did.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<FallbackReason>,
}

/// Which of a message went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SentAs {
    /// The message as built.
    #[default]
    Message,
    /// Its fallback template.
    Fallback,
}

/// Why a message went out as its fallback template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FallbackReason {
    /// The client's [service window](crate::ClientBuilder::service_window)
    /// was closed: the message itself was never sent.
    WindowClosed,
    /// WhatsApp refused the message with 131047 (more than 24 hours since
    /// the customer last wrote), and the client's
    /// [`FallbackPolicy`](crate::FallbackPolicy) sends the template then.
    /// The message was refused, not accepted: one of the two went out.
    RefusedOutsideWindow,
}

impl Accepted {
    pub(crate) fn into_fallback(mut self, reason: FallbackReason) -> Self {
        self.sent_as = SentAs::Fallback;
        self.fallback_reason = Some(reason);
        self
    }
}

/// One recipient of a broadcast, accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BroadcastAccepted {
    /// The recipient.
    pub destination: String,
    /// The message id for this recipient.
    pub id: String,
    /// `accepted`.
    pub status: String,
    /// Your reference, echoed; `None` when none was given (the gateway
    /// echoes `""`).
    #[serde(default, deserialize_with = "no_empty")]
    pub reference: Option<String>,
}

/// A message looked up by id: sent (MT) or received (MO).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageRecord {
    /// The message id.
    pub id: String,
    /// The sender.
    #[serde(default)]
    pub source: Option<String>,
    /// The recipient.
    #[serde(default)]
    pub destination: Option<String>,
    /// `mt` (sent by the business) or `mo` (received).
    #[serde(default)]
    pub direction: Option<String>,
    /// The message type.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Your reference; `None` when none was given.
    #[serde(default, deserialize_with = "no_empty")]
    pub reference: Option<String>,
    /// The delivery status.
    #[serde(default)]
    pub status: Option<String>,
    /// The message content as the gateway stores it.
    #[serde(default)]
    pub content: Option<serde_json::Value>,
    /// When the message was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it last changed (RFC 3339).
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A media file uploaded to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadedMedia {
    /// Use it in [`crate::Media::id`].
    pub id: String,
}

/// A sending source (business phone number) of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Source {
    /// The number.
    pub source: String,
    /// Its display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its registration status.
    #[serde(default)]
    pub status: Option<String>,
}

/// The gateway's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServiceStatus {
    /// The status.
    pub status: String,
    /// The gateway's version.
    #[serde(default)]
    pub version: Option<String>,
}
