//! The wire shape of Meta's inbound message object, as serde reads it (every
//! field optional; the parser then checks what the `type` needs), and the
//! JSON Schema of an MO's `content` drawn from it.

use super::error::CallbackError;
use super::mo::{
    ButtonPress, Context, Identity, InboundContent, InboundLocation, InboundMedia, InboundReaction,
    InboundTemplate, InboundText, Referral, SystemNotice,
};
use super::order::InboundOrder;
use crate::contact::Contact;
use schemars::JsonSchema;
use serde::Deserialize;

/// The wire shape of Meta's inbound message object; also the source of its
/// JSON Schema. The type objects are boxed: a message carries one, and a
/// struct of them all inline would be kilobytes to move on every parse.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "MoContentObject")]
pub(crate) struct ContentWire {
    #[serde(default)]
    pub(crate) from: Option<String>,
    /// The sender's business-scoped user id (Meta, 2026: usernames).
    #[serde(default)]
    pub(crate) from_user_id: Option<String>,
    #[serde(default)]
    pub(crate) from_parent_user_id: Option<String>,
    /// `{"username": "@bob", "name": …}`: who the sender shows as.
    #[serde(default)]
    pub(crate) profile: Option<Box<Profile>>,
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    #[schemars(with = "Option<String>")]
    pub(crate) timestamp: Option<String>,
    #[serde(rename = "type", default)]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) context: Option<Box<Context>>,
    #[serde(default)]
    pub(crate) referral: Option<Box<Referral>>,
    #[serde(default)]
    pub(crate) identity: Option<Box<Identity>>,
    #[serde(default)]
    pub(crate) errors: Option<Vec<CallbackError>>,
    #[serde(default)]
    pub(crate) text: Option<InboundText>,
    #[serde(default)]
    pub(crate) image: Option<Box<InboundMedia>>,
    #[serde(default)]
    pub(crate) audio: Option<Box<InboundMedia>>,
    #[serde(default)]
    pub(crate) video: Option<Box<InboundMedia>>,
    #[serde(default)]
    pub(crate) document: Option<Box<InboundMedia>>,
    #[serde(default)]
    pub(crate) sticker: Option<Box<InboundMedia>>,
    #[serde(default)]
    pub(crate) location: Option<Box<InboundLocation>>,
    #[serde(default)]
    pub(crate) contacts: Option<Vec<Contact>>,
    /// `contact_request/other`: a contacts message the customer sent by
    /// tapping a "request contact info" button (Meta, "Business-scoped user
    /// IDs", 2026).
    #[serde(default)]
    pub(crate) origin: Option<String>,
    #[serde(default)]
    pub(crate) button: Option<Box<ButtonPress>>,
    #[serde(default)]
    pub(crate) interactive: Option<Box<InteractiveWire>>,
    #[serde(default)]
    pub(crate) reaction: Option<Box<InboundReaction>>,
    #[serde(default)]
    pub(crate) system: Option<Box<SystemNotice>>,
    #[serde(default)]
    pub(crate) template: Option<Box<InboundTemplate>>,
    #[serde(default)]
    pub(crate) order: Option<Box<InboundOrder>>,
    // Meta's status object, when one arrives as content.
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) recipient_id: Option<String>,
    #[serde(default)]
    pub(crate) conversation: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) pricing: Option<serde_json::Value>,
}

/// How the sender shows: their username, when Meta gives it (its other
/// fields are kept in the raw content).
#[derive(Deserialize, JsonSchema)]
pub(crate) struct Profile {
    #[serde(default)]
    pub(crate) username: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
pub(crate) struct InteractiveWire {
    #[serde(rename = "type", default)]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) button_reply: Option<ChoiceWire>,
    #[serde(default)]
    pub(crate) list_reply: Option<ChoiceWire>,
    #[serde(default)]
    pub(crate) nfm_reply: Option<FlowWire>,
}

#[derive(Deserialize, JsonSchema)]
pub(crate) struct ChoiceWire {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
pub(crate) struct FlowWire {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) body: Option<String>,
    #[serde(default)]
    pub(crate) response_json: String,
}

/// A Unix timestamp sent as a string (as WhatsApp does) or as a number.
pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Visitor)
}

impl JsonSchema for InboundContent {
    fn schema_name() -> String {
        "InboundContent".to_owned()
    }

    /// The inbound message object, or a string holding it (base64 when `encoding` says so).
    fn json_schema(g: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{InstanceType, Schema, SchemaObject, SubschemaValidation};
        let string = SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            ..Default::default()
        };
        Schema::Object(SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                one_of: Some(vec![g.subschema_for::<ContentWire>(), string.into()]),
                ..Default::default()
            })),
            ..Default::default()
        })
    }
}

/// A coordinate sent as a number (Meta's reference) or as a string (as
/// whatsapp-api-js types it). Text that is no number is not guessed as 0: it
/// fails the parse, naming the field.
pub(crate) fn coordinate<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a number, or a string holding one")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| E::custom("not a number"))
        }
        fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
    }
    d.deserialize_any(Visitor)
}
