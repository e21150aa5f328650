//! Delivery reports (DLR callbacks).

use super::error::CallbackError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A delivery report: what happened to a message you sent.
///
/// ```
/// use modica_wab::callback::{parse_dlr, DlrStatus};
/// use modica_wab::ErrorCode;
/// let dlr = parse_dlr(br#"{"id":"6f1c","status":"rejected","reference":"order-17",
///     "errors":[{"code":131047,"title":"Re-engagement message"}]}"#)?;
/// assert_eq!(dlr.status, DlrStatus::Rejected);
/// assert_eq!(dlr.errors[0].code, Some(ErrorCode::ReEngagementRequired));
/// # Ok::<(), modica_wab::callback::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The id returned when the message was accepted.
    pub id: String,
    /// What happened.
    pub status: DlrStatus,
    /// Your `reference`, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<CallbackError>,
}

impl DeliveryReport {
    /// Whether the message failed for good (`rejected` or `expired`).
    pub fn is_failure(&self) -> bool {
        matches!(self.status, DlrStatus::Rejected | DlrStatus::Expired)
    }
}

/// A DLR status. Values this crate does not know are kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DlrStatus {
    /// Sent by the carrier transport.
    Sent,
    /// Received by the handset.
    Received,
    /// Rejected by the carrier.
    Rejected,
    /// Could not be delivered in time.
    Expired,
    /// Any other value, as sent.
    Other(String),
}

impl DlrStatus {
    /// The documented values.
    pub const KNOWN: [DlrStatus; 4] = [
        DlrStatus::Sent,
        DlrStatus::Received,
        DlrStatus::Rejected,
        DlrStatus::Expired,
    ];

    /// The status as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            DlrStatus::Sent => "sent",
            DlrStatus::Received => "received",
            DlrStatus::Rejected => "rejected",
            DlrStatus::Expired => "expired",
            DlrStatus::Other(s) => s,
        }
    }

    /// Reads a wire value; unknown values become [`DlrStatus::Other`].
    pub fn from_wire(s: &str) -> Self {
        match s {
            "sent" => DlrStatus::Sent,
            "received" => DlrStatus::Received,
            "rejected" => DlrStatus::Rejected,
            "expired" => DlrStatus::Expired,
            other => DlrStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for DlrStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DlrStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DlrStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(DlrStatus::from_wire(&s))
    }
}

impl JsonSchema for DlrStatus {
    fn schema_name() -> String {
        "DlrStatus".to_owned()
    }

    /// The documented values; the parser also keeps any other string.
    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            enum_values: Some(
                DlrStatus::KNOWN
                    .iter()
                    .map(|s| serde_json::Value::from(s.as_str()))
                    .collect(),
            ),
            ..Default::default()
        }
        .into()
    }
}
