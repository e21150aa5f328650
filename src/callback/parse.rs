//! Reading callback bodies: look at the keys first, then deserialize the kind.
//!
//! Every failure is a [`ParseError`] naming the JSON path; nothing here panics,
//! whatever the bytes.

use super::Callback;
use super::dlr::DeliveryReport;
use super::error::{CallbackError, ParseError};
use super::mo::{
    ButtonPress, Context, Identity, InboundLocation, InboundMedia, InboundMessage, InboundReaction,
    InboundTemplate, InboundText, InteractiveReply, MoContent, MoMessage, Referral, SystemNotice,
};
use crate::contact::Contact;
use base64::Engine as _;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Reads a callback body and tells an MO from a DLR.
///
/// A JSON body of neither shape is returned as [`Callback::Unknown`], never dropped.
///
/// ```
/// use modica_wab::callback::{parse, Callback};
/// let event = parse(br#"{"id":"6f1c","status":"received","reference":"r1"}"#)?;
/// assert!(matches!(event, Callback::Dlr(ref d) if d.reference.as_deref() == Some("r1")));
/// # Ok::<(), modica_wab::callback::ParseError>(())
/// ```
pub fn parse(body: &[u8]) -> Result<Callback, ParseError> {
    Callback::from_value(json(body)?)
}

/// Reads an MO (inbound message) callback body.
pub fn parse_mo(body: &[u8]) -> Result<InboundMessage, ParseError> {
    mo_from_value(json(body)?)
}

/// Reads a DLR (delivery report) callback body.
pub fn parse_dlr(body: &[u8]) -> Result<DeliveryReport, ParseError> {
    dlr_from_value(json(body)?)
}

fn json(body: &[u8]) -> Result<Value, ParseError> {
    serde_json::from_slice(body).map_err(|e| ParseError::NotJson {
        message: e.to_string(),
    })
}

impl Callback {
    /// Classifies an already-parsed JSON value: `content` → MO, `status` → DLR, else unknown.
    pub fn from_value(value: Value) -> Result<Callback, ParseError> {
        let Some(obj) = value.as_object() else {
            return Ok(Callback::Unknown(value));
        };
        if obj.contains_key("content") {
            mo_from_value(value).map(|mo| Callback::Mo(Box::new(mo)))
        } else if obj.contains_key("status") {
            dlr_from_value(value).map(Callback::Dlr)
        } else {
            Ok(Callback::Unknown(value))
        }
    }
}

pub(super) fn mo_from_value(value: Value) -> Result<InboundMessage, ParseError> {
    let Value::Object(mut obj) = value else {
        return Err(ParseError::invalid("$", "expected a JSON object"));
    };
    let id = required_string(&obj, "id")?;
    let source = required_string(&obj, "source")?;
    let destination = match optional_string(&obj, "Destination")? {
        Some(d) => Some(d),
        None => optional_string(&obj, "destination")?,
    };
    let encoding = optional_string(&obj, "encoding")?;
    let base64 = encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    let content = obj
        .remove("content")
        .ok_or_else(|| ParseError::invalid("content", "missing"))?;
    let content = content_object(content, base64)?;
    Ok(InboundMessage {
        id,
        source,
        destination,
        encoding,
        content: content_from_object(content)?,
    })
}

pub(super) fn dlr_from_value(value: Value) -> Result<DeliveryReport, ParseError> {
    let Some(obj) = value.as_object() else {
        return Err(ParseError::invalid("$", "expected a JSON object"));
    };
    required_string(obj, "id")?;
    required_string(obj, "status")?;
    typed(value, "")
}

/// The content as an object, decoding the base64 forms: the whole content as a
/// base64 string, or a base64 `text.body`. A JSON document sent as a string is accepted too.
fn content_object(content: Value, base64: bool) -> Result<Map<String, Value>, ParseError> {
    match content {
        Value::Object(mut obj) => {
            if base64
                && let Some(Value::String(body)) =
                    obj.get_mut("text").and_then(|t| t.get_mut("body"))
            {
                let bytes = decode_base64(body, "content.text.body")?;
                *body = String::from_utf8(bytes).map_err(|_| {
                    ParseError::invalid("content.text.body", "decoded base64 is not UTF-8")
                })?;
            }
            Ok(obj)
        }
        Value::String(text) => {
            let bytes = if base64 {
                decode_base64(&text, "content")?
            } else {
                text.into_bytes()
            };
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(obj)) => Ok(obj),
                _ => Err(ParseError::invalid(
                    "content",
                    "expected an object (or a string holding one)",
                )),
            }
        }
        other => Err(ParseError::invalid(
            "content",
            format!("expected an object, found {}", kind_of(&other)),
        )),
    }
}

fn decode_base64(text: &str, path: &str) -> Result<Vec<u8>, ParseError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| ParseError::invalid(path, format!("not valid base64: {e}")))
}

/// The wire shape of Meta's inbound message object; also the source of its JSON Schema.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "MoContentObject")]
struct ContentWire {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    #[schemars(with = "Option<String>")]
    timestamp: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    context: Option<Context>,
    #[serde(default)]
    referral: Option<Referral>,
    #[serde(default)]
    identity: Option<Identity>,
    #[serde(default)]
    errors: Option<Vec<CallbackError>>,
    #[serde(default)]
    text: Option<InboundText>,
    #[serde(default)]
    image: Option<InboundMedia>,
    #[serde(default)]
    audio: Option<InboundMedia>,
    #[serde(default)]
    video: Option<InboundMedia>,
    #[serde(default)]
    document: Option<InboundMedia>,
    #[serde(default)]
    sticker: Option<InboundMedia>,
    #[serde(default)]
    location: Option<InboundLocation>,
    #[serde(default)]
    contacts: Option<Vec<Contact>>,
    #[serde(default)]
    button: Option<ButtonPress>,
    #[serde(default)]
    interactive: Option<InteractiveWire>,
    #[serde(default)]
    reaction: Option<InboundReaction>,
    #[serde(default)]
    system: Option<SystemNotice>,
    #[serde(default)]
    template: Option<InboundTemplate>,
}

#[derive(Deserialize, JsonSchema)]
struct InteractiveWire {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    button_reply: Option<ChoiceWire>,
    #[serde(default)]
    list_reply: Option<ChoiceWire>,
    #[serde(default)]
    nfm_reply: Option<FlowWire>,
}

#[derive(Deserialize, JsonSchema)]
struct ChoiceWire {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
struct FlowWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    response_json: String,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a string or number, found {}",
                kind_of(&other)
            )));
        }
    })
}

fn content_from_object(obj: Map<String, Value>) -> Result<MoContent, ParseError> {
    let raw = Value::Object(obj);
    let wire: ContentWire = typed(raw.clone(), "content")?;
    let kind = wire.kind.clone().unwrap_or_default();
    let missing = |key: &str| {
        ParseError::invalid(
            format!("content.{key}"),
            format!("missing for type `{kind}`"),
        )
    };
    let message = match kind.as_str() {
        "text" => MoMessage::Text(wire.text.ok_or_else(|| missing("text"))?),
        "image" => MoMessage::Image(wire.image.ok_or_else(|| missing("image"))?),
        "audio" => MoMessage::Audio(wire.audio.ok_or_else(|| missing("audio"))?),
        "video" => MoMessage::Video(wire.video.ok_or_else(|| missing("video"))?),
        "document" => MoMessage::Document(wire.document.ok_or_else(|| missing("document"))?),
        "sticker" => MoMessage::Sticker(wire.sticker.ok_or_else(|| missing("sticker"))?),
        "location" => MoMessage::Location(wire.location.ok_or_else(|| missing("location"))?),
        "contacts" => MoMessage::Contacts(wire.contacts.ok_or_else(|| missing("contacts"))?),
        "button" => MoMessage::Button(wire.button.ok_or_else(|| missing("button"))?),
        "interactive" => {
            let wire_reply = wire.interactive.ok_or_else(|| missing("interactive"))?;
            MoMessage::Interactive(interactive(wire_reply, &raw)?)
        }
        "reaction" => MoMessage::Reaction(wire.reaction.ok_or_else(|| missing("reaction"))?),
        "system" => MoMessage::System(wire.system.ok_or_else(|| missing("system"))?),
        "template" => MoMessage::Template(wire.template.ok_or_else(|| missing("template"))?),
        "unsupported" | "unknown" => MoMessage::Unsupported,
        _ => MoMessage::Unknown {
            kind: kind.clone(),
            raw: raw.clone(),
        },
    };
    Ok(MoContent {
        from: wire.from,
        id: wire.id,
        timestamp: wire.timestamp,
        context: wire.context,
        referral: wire.referral,
        identity: wire.identity,
        errors: wire.errors.unwrap_or_default(),
        message,
        raw,
    })
}

fn interactive(wire: InteractiveWire, raw: &Value) -> Result<InteractiveReply, ParseError> {
    let kind = wire.kind.unwrap_or_default();
    let missing = |key: &str| {
        ParseError::invalid(
            format!("content.interactive.{key}"),
            format!("missing for interactive type `{kind}`"),
        )
    };
    Ok(match kind.as_str() {
        "button_reply" => {
            let c = wire.button_reply.ok_or_else(|| missing("button_reply"))?;
            InteractiveReply::ButtonReply {
                id: c.id,
                title: c.title,
            }
        }
        "list_reply" => {
            let c = wire.list_reply.ok_or_else(|| missing("list_reply"))?;
            InteractiveReply::ListReply {
                id: c.id,
                title: c.title,
                description: c.description,
            }
        }
        "nfm_reply" => {
            let f = wire.nfm_reply.ok_or_else(|| missing("nfm_reply"))?;
            InteractiveReply::FlowReply {
                name: f.name,
                body: f.body,
                response_json: f.response_json,
            }
        }
        _ => InteractiveReply::Unknown {
            kind: kind.clone(),
            raw: raw.get("interactive").cloned().unwrap_or(Value::Null),
        },
    })
}

/// Deserializes with the JSON path of any error, prefixed by where `value` sits.
fn typed<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix, inner.as_str()) {
            ("", ".") => "$".to_owned(),
            (p, ".") => p.to_owned(),
            ("", i) => i.to_owned(),
            (p, i) if i.starts_with('[') => format!("{p}{i}"),
            (p, i) => format!("{p}.{i}"),
        };
        ParseError::invalid(path, e.into_inner().to_string())
    })
}

fn required_string(obj: &Map<String, Value>, key: &str) -> Result<String, ParseError> {
    optional_string(obj, key)?.ok_or_else(|| ParseError::invalid(key, "missing"))
}

fn optional_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, ParseError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ParseError::invalid(
            key,
            format!("expected a string, found {}", kind_of(other)),
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'de> Deserialize<'de> for InboundMessage {
    /// Same rules as [`parse_mo`]: both `Destination` spellings, base64 decoded.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        mo_from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for MoContent {
    /// Writes the content object as received (decoded).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

impl JsonSchema for MoContent {
    fn schema_name() -> String {
        "MoContent".to_owned()
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
