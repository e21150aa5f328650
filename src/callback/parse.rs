//! Reading callback bodies: look at the keys first, then deserialize the kind.
//!
//! Every failure is a [`ParseError`] naming the JSON path; nothing here panics,
//! whatever the bytes.

use super::Callback;
use super::dlr::{DeliveryReport, DlrStatus};
use super::error::{CallbackError, ParseError};
use super::mo::{InboundContent, InboundKind, InboundMessage, InteractiveReply, RawSource};
use super::status::{STATUS_TYPES, StatusNotice};
use super::typed::{not_json, typed};
use super::wire::{ContentWire, InteractiveWire};
use base64::Engine as _;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::Arc;

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
    if !is_object(body) {
        // An array, a number…: kept whole, if it is JSON at all.
        return Ok(Callback::Unknown(json(body)?));
    }
    // One pass reading the fields of both kinds; the keys present tell which.
    if let Ok(mut envelope) = serde_json::from_slice::<Envelope>(body) {
        if let Some(content) = envelope.content.take() {
            return mo_from_parts(envelope.mo_fields(), content, body)
                .map(|mo| Callback::Mo(Box::new(mo)));
        }
        if let Some(status) = envelope.status {
            let id = envelope
                .id
                .ok_or_else(|| ParseError::invalid("id", "missing"))?;
            return Ok(Callback::Dlr(DeliveryReport {
                id,
                status,
                reference: envelope.reference,
                errors: envelope.errors.unwrap_or_default(),
            }));
        }
        return Ok(Callback::Unknown(json(body)?));
    }
    // Something did not fit: look at the keys only, then read the one kind
    // strictly, so the error names the right path.
    #[derive(Deserialize)]
    struct Probe {
        content: Option<IgnoredAny>,
        status: Option<IgnoredAny>,
    }
    match serde_json::from_slice::<Probe>(body) {
        Ok(Probe {
            content: Some(_), ..
        }) => parse_mo(body).map(|mo| Callback::Mo(Box::new(mo))),
        Ok(Probe {
            status: Some(_), ..
        }) => parse_dlr(body).map(Callback::Dlr),
        Ok(_) => Ok(Callback::Unknown(json(body)?)),
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            Ok(Callback::Unknown(json(body)?))
        }
        Err(e) => Err(not_json(e)),
    }
}

/// Reads a callback body the way the receiver does: like [`parse`], but a
/// known shape with a bad field is kept as [`Callback::Malformed`] (the typed
/// error and the body) rather than returned as an error. Fails only on a body
/// that is not JSON.
///
/// ```
/// use modica_wab::callback::{parse_lenient, Callback};
/// let event = parse_lenient(br#"{"id":7,"source":"+64211234567","content":{"type":"text"}}"#)?;
/// match event {
///     Callback::Malformed { error, .. } => assert_eq!(error.path(), Some("id")),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), modica_wab::callback::ParseError>(())
/// ```
pub fn parse_lenient(body: &[u8]) -> Result<Callback, ParseError> {
    match parse(body) {
        Ok(event) => Ok(event),
        Err(error @ ParseError::Invalid { .. }) => Ok(Callback::Malformed {
            error,
            raw: json(body)?,
        }),
        Err(not_json) => Err(not_json),
    }
}

/// Reads an MO (inbound message) callback body.
pub fn parse_mo(body: &[u8]) -> Result<InboundMessage, ParseError> {
    require_object(body)?;
    let mut envelope: MoEnvelope = typed(body, "")?;
    let content = envelope
        .content
        .take()
        .ok_or_else(|| ParseError::invalid("content", "missing"))?;
    mo_from_parts(envelope.mo_fields(), content, body)
}

fn mo_from_parts(
    fields: MoFields,
    content: ContentField,
    body: &[u8],
) -> Result<InboundMessage, ParseError> {
    let id = fields
        .id
        .ok_or_else(|| ParseError::invalid("id", "missing"))?;
    // A username user the business has not talked to lately may come with
    // no `source` at all: the content says who they are, if anything does.
    let source = fields.source;
    let base64 = fields
        .encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    Ok(InboundMessage {
        id,
        source,
        username: fields.username,
        destination: fields.destination,
        encoding: fields.encoding,
        content: content_from_field(content, base64, body)?,
    })
}

/// Reads a DLR (delivery report) callback body.
pub fn parse_dlr(body: &[u8]) -> Result<DeliveryReport, ParseError> {
    require_object(body)?;
    typed(body, "")
}

/// Whether the JSON text starts an object (serde would also read a struct from an array).
fn is_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn require_object(body: &[u8]) -> Result<(), ParseError> {
    if is_object(body) {
        return Ok(());
    }
    json(body)?;
    Err(ParseError::invalid("$", "expected a JSON object"))
}

fn json(body: &[u8]) -> Result<Value, ParseError> {
    serde_json::from_slice(body).map_err(not_json)
}

/// Declares an envelope struct: Modica's MO fields, plus any others given.
/// (`#[serde(flatten)]` would buffer the whole body first; this keeps one pass.)
macro_rules! envelope {
    ($(#[$doc:meta])* $name:ident { $($extra:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Deserialize)]
        struct $name {
            #[serde(default)]
            id: Option<String>,
            #[serde(default)]
            source: Option<String>,
            #[serde(default)]
            username: Option<String>,
            #[serde(rename = "Destination", default)]
            destination_documented: Option<String>,
            #[serde(default)]
            destination: Option<String>,
            #[serde(default)]
            encoding: Option<String>,
            #[serde(default)]
            content: Option<ContentField>,
            $(#[serde(default)] $extra: $ty,)*
        }

        impl $name {
            fn mo_fields(&mut self) -> MoFields {
                MoFields {
                    id: self.id.take(),
                    source: self.source.take(),
                    username: self.username.take(),
                    destination: self.destination_documented.take().or(self.destination.take()),
                    encoding: self.encoding.take(),
                }
            }
        }
    };
}

envelope!(
    /// Modica's MO envelope.
    MoEnvelope {}
);

envelope!(
    /// MO and DLR fields together, for classifying and reading in one pass.
    Envelope {
        status: Option<DlrStatus>,
        reference: Option<String>,
        errors: Option<Vec<CallbackError>>,
    }
);

struct MoFields {
    id: Option<String>,
    source: Option<String>,
    username: Option<String>,
    destination: Option<String>,
    encoding: Option<String>,
}

/// The `content` value, read in the same pass as the envelope: the object
/// typed at once, or the string that holds it.
enum ContentField {
    Object(Box<ContentWire>),
    Text(String),
}

impl<'de> Deserialize<'de> for ContentField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ContentField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an inbound message object, or a string holding one")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ContentField, A::Error> {
                let de = serde::de::value::MapAccessDeserializer::new(map);
                ContentWire::deserialize(de).map(|w| ContentField::Object(Box::new(w)))
            }
            fn visit_str<E>(self, v: &str) -> Result<ContentField, E> {
                Ok(ContentField::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<ContentField, E> {
                Ok(ContentField::Text(v))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The content, decoding the base64 forms: the whole content as a base64
/// string, or a base64 `text.body`. A JSON document sent as a string is accepted too.
fn content_from_field(
    field: ContentField,
    base64: bool,
    body: &[u8],
) -> Result<InboundContent, ParseError> {
    let (mut wire, raw, body_encoded) = match field {
        ContentField::Object(wire) => {
            let raw = RawSource::Envelope(Arc::from(body));
            (*wire, raw, base64)
        }
        ContentField::Text(text) => {
            let bytes = if base64 {
                decode_base64(&text, "content")?
            } else {
                text.into_bytes()
            };
            let not_object =
                || ParseError::invalid("content", "expected an object (or a string holding one)");
            if !is_object(&bytes) {
                return Err(not_object());
            }
            let wire: ContentWire = typed(&bytes, "content").map_err(|e| match e {
                ParseError::NotJson { message } => ParseError::invalid("content", message),
                other => other,
            })?;
            let text = String::from_utf8(bytes).map_err(|_| not_object())?;
            // Decoded already: its text.body is plain.
            (wire, RawSource::Content(Arc::from(text)), false)
        }
    };
    let mut raw = raw;
    if body_encoded && let Some(text) = wire.text.as_mut() {
        let bytes = decode_base64(&text.body, "content.text.body")?;
        text.body = String::from_utf8(bytes)
            .map_err(|_| ParseError::invalid("content.text.body", "decoded base64 is not UTF-8"))?;
        // Keep the raw content consistent with the decoded text (it is what gets written out).
        let mut content = raw.value();
        if let Some(text_object) = content.get_mut("text").and_then(Value::as_object_mut) {
            text_object.insert("body".into(), Value::String(text.body.clone()));
        }
        raw = RawSource::Content(Arc::from(content.to_string()));
    }
    content_from_wire(wire, raw)
}

fn decode_base64(text: &str, path: &str) -> Result<Vec<u8>, ParseError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    // The decoder's message quotes the offending byte: name only the place.
    super::BASE64.decode(compact.as_bytes()).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(offset, _)
            | base64::DecodeError::InvalidLastSymbol(offset, _) => format!(" at offset {offset}"),
            _ => String::new(),
        };
        ParseError::invalid(path, format!("not valid base64{at}"))
    })
}

/// A type name from the wire, cut short: error messages name it, and it is
/// the sender's text.
fn clipped(kind: &str) -> String {
    let cut: String = kind.chars().take(32).collect();
    if cut.len() < kind.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn content_from_wire(mut wire: ContentWire, raw: RawSource) -> Result<InboundContent, ParseError> {
    let kind = wire.kind.take().unwrap_or_default();
    let errors = wire.errors.take().unwrap_or_default();
    let (from, id, timestamp) = (wire.from.take(), wire.id.take(), wire.timestamp.take());
    let (from_user_id, from_parent_user_id) =
        (wire.from_user_id.take(), wire.from_parent_user_id.take());
    let username = wire.profile.take().and_then(|p| p.username);
    let origin = wire.origin.take();
    let (context, referral, identity) = (
        unbox(wire.context.take()),
        unbox(wire.referral.take()),
        unbox(wire.identity.take()),
    );
    let message = if object_missing(&wire, &kind) && !errors.is_empty() {
        // What Meta sends for content it cannot deliver: the type, no object,
        // and errors saying why. Not malformed: unsupported.
        InboundKind::Unsupported { kind }
    } else if is_status(&wire, &kind) {
        InboundKind::Status(StatusNotice {
            status: wire.status.take().unwrap_or(kind),
            recipient_id: wire.recipient_id.take(),
            conversation: wire.conversation.take(),
            pricing: wire.pricing.take(),
        })
    } else {
        typed_message(wire, kind, &raw)?
    };
    Ok(InboundContent {
        from,
        from_user_id,
        from_parent_user_id,
        username,
        id,
        timestamp,
        context,
        referral,
        identity,
        origin,
        errors,
        kind: message,
        raw,
    })
}

fn unbox<T>(object: Option<Box<T>>) -> Option<T> {
    object.map(|b| *b)
}

/// Whether `kind` is a message type this crate knows whose object is absent.
fn object_missing(wire: &ContentWire, kind: &str) -> bool {
    match kind {
        "text" => wire.text.is_none(),
        "image" => wire.image.is_none(),
        "audio" => wire.audio.is_none(),
        "video" => wire.video.is_none(),
        "document" => wire.document.is_none(),
        "sticker" => wire.sticker.is_none(),
        "location" => wire.location.is_none(),
        "contacts" => wire.contacts.is_none(),
        "button" => wire.button.is_none(),
        "interactive" => wire.interactive.is_none(),
        "reaction" => wire.reaction.is_none(),
        "system" => wire.system.is_none(),
        "template" => wire.template.is_none(),
        "order" => wire.order.is_none(),
        "unsupported" | "unknown" => true,
        _ => false,
    }
}

/// Status-shaped content: a status `type`, or a `status` field and no type.
fn is_status(wire: &ContentWire, kind: &str) -> bool {
    STATUS_TYPES.contains(&kind) || (kind.is_empty() && wire.status.is_some())
}

/// The type-specific part of a message of a known (or unknown) type.
fn typed_message(
    wire: ContentWire,
    kind: String,
    raw: &RawSource,
) -> Result<InboundKind, ParseError> {
    let missing = |key: &str| {
        ParseError::invalid(
            format!("content.{key}"),
            format!("missing for type `{}`", clipped(&kind)),
        )
    };
    Ok(match kind.as_str() {
        "text" => InboundKind::Text(wire.text.ok_or_else(|| missing("text"))?),
        "image" => InboundKind::Image(unbox(wire.image).ok_or_else(|| missing("image"))?),
        "audio" => InboundKind::Audio(unbox(wire.audio).ok_or_else(|| missing("audio"))?),
        "video" => InboundKind::Video(unbox(wire.video).ok_or_else(|| missing("video"))?),
        "document" => {
            InboundKind::Document(unbox(wire.document).ok_or_else(|| missing("document"))?)
        }
        "sticker" => InboundKind::Sticker(unbox(wire.sticker).ok_or_else(|| missing("sticker"))?),
        "location" => {
            InboundKind::Location(unbox(wire.location).ok_or_else(|| missing("location"))?)
        }
        "contacts" => InboundKind::Contacts(wire.contacts.ok_or_else(|| missing("contacts"))?),
        "button" => InboundKind::Button(unbox(wire.button).ok_or_else(|| missing("button"))?),
        "interactive" => {
            let wire_reply = unbox(wire.interactive).ok_or_else(|| missing("interactive"))?;
            InboundKind::Interactive(interactive(wire_reply, raw)?)
        }
        "reaction" => {
            InboundKind::Reaction(unbox(wire.reaction).ok_or_else(|| missing("reaction"))?)
        }
        "system" => InboundKind::System(unbox(wire.system).ok_or_else(|| missing("system"))?),
        "template" => {
            InboundKind::Template(unbox(wire.template).ok_or_else(|| missing("template"))?)
        }
        "order" => InboundKind::Order(unbox(wire.order).ok_or_else(|| missing("order"))?),
        "unsupported" | "unknown" => InboundKind::Unsupported { kind },
        _ => InboundKind::Unknown {
            kind,
            raw: raw.value(),
        },
    })
}

fn interactive(wire: InteractiveWire, raw: &RawSource) -> Result<InteractiveReply, ParseError> {
    let kind = wire.kind.unwrap_or_default();
    let missing = |key: &str| {
        ParseError::invalid(
            format!("content.interactive.{key}"),
            format!("missing for interactive type `{}`", clipped(&kind)),
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
            let flow_token = serde_json::from_str::<Value>(&f.response_json)
                .ok()
                .and_then(|v| v.get("flow_token")?.as_str().map(String::from));
            InteractiveReply::FlowReply {
                name: f.name,
                body: f.body,
                response_json: f.response_json,
                flow_token,
            }
        }
        _ => InteractiveReply::Unknown {
            kind: kind.clone(),
            raw: raw
                .value()
                .get_mut("interactive")
                .map(Value::take)
                .unwrap_or(Value::Null),
        },
    })
}

impl<'de> Deserialize<'de> for InboundMessage {
    /// Same rules as [`parse_mo`]: both `Destination` spellings, base64 decoded.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        parse_mo(raw.get().as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_never_quote_callback_values() {
        let secret = "Flat 4, 12 Queen St";
        let bodies = [
            format!(
                r#"{{"id":"m","source":"+64","content":{{"type":"location","location":{{"latitude":"{secret}"}}}}}}"#
            ),
            format!(
                r#"{{"id":"m","source":"+64","content":{{"type":"text","text":{{"body":["{secret}"]}}}}}}"#
            ),
            format!(r#"{{"id":"m","source":"+64","encoding":"base64","content":"{secret}"}}"#),
            format!(r#"{{"id":"d","status":"sent","errors":[{{"code":"{secret}"}}]}}"#),
        ];
        for body in bodies {
            let err = parse(body.as_bytes()).expect_err(&body);
            assert!(!err.to_string().contains("Queen"), "{err}");
        }
    }
}
