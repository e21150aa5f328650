//! Reading callback bodies: look at the keys first, then deserialize the kind.
//!
//! Every failure is a [`ParseError`] naming the JSON path; nothing here panics,
//! whatever the bytes.

use super::Callback;
use super::dlr::{DeliveryReport, DlrStatus};
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
    let source = fields
        .source
        .ok_or_else(|| ParseError::invalid("source", "missing"))?;
    let base64 = fields
        .encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    Ok(InboundMessage {
        id,
        source,
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

fn not_json(e: serde_json::Error) -> ParseError {
    ParseError::NotJson {
        message: e.to_string(),
    }
}

impl Callback {
    /// Classifies an already-parsed JSON value: `content` → MO, `status` → DLR, else unknown.
    pub fn from_value(value: Value) -> Result<Callback, ParseError> {
        if !value.is_object() {
            return Ok(Callback::Unknown(value));
        }
        let bytes = serde_json::to_vec(&value).map_err(not_json)?;
        match parse(&bytes)? {
            Callback::Unknown(_) => Ok(Callback::Unknown(value)),
            known => Ok(known),
        }
    }
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
) -> Result<MoContent, ParseError> {
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

/// A Unix timestamp sent as a string (as WhatsApp does) or as a number.
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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

fn content_from_wire(wire: ContentWire, raw: RawSource) -> Result<MoContent, ParseError> {
    let kind = wire.kind.clone().unwrap_or_default();
    let missing = |key: &str| {
        ParseError::invalid(
            format!("content.{key}"),
            format!("missing for type `{}`", clipped(&kind)),
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
            raw: raw.value(),
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
            InteractiveReply::FlowReply {
                name: f.name,
                body: f.body,
                response_json: f.response_json,
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

/// Deserializes `bytes` with the JSON path of any error, prefixed by where they sit.
fn typed<T: DeserializeOwned>(bytes: &[u8], prefix: &str) -> Result<T, ParseError> {
    // Fast path without path tracking; on failure, read again to name the path.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner_path = e.path().to_string();
        let inner = e.into_inner();
        if matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        ) {
            return not_json(inner);
        }
        let message = inner.to_string();
        // serde reports a missing field at its parent; name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let path = join(prefix, &inner_path, missing);
        match missing {
            Some(_) => ParseError::invalid(path, "missing"),
            None if inner_path == "." && message.contains("expected") && prefix.is_empty() => {
                ParseError::invalid("$", "expected a JSON object")
            }
            None => ParseError::invalid(path, shape_only(&strip_position(&message))),
        }
    })?;
    de.end().map_err(not_json)?;
    Ok(value)
}

/// `prefix` + serde's path (`.` for the root) + the missing field, as `a.b[0].c`.
fn join(prefix: &str, inner: &str, field: Option<&str>) -> String {
    let mut path = prefix.to_owned();
    if inner != "." {
        if !path.is_empty() && !inner.starts_with('[') {
            path.push('.');
        }
        path.push_str(inner);
    }
    if let Some(f) = field {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(f);
    }
    if path.is_empty() {
        "$".to_owned()
    } else {
        path
    }
}

/// serde's message without the values it quotes: `invalid type: string "+6421…",
/// expected u64` becomes `invalid type: a string, expected u64`. Callback
/// values are customers' content and addresses; errors and logs carry the
/// shape of what was wrong, never the value.
fn shape_only(message: &str) -> String {
    // serde::de::Unexpected as serde displays it: a kind, then the value in
    // backticks (or, for strings, in quotes with escapes).
    const KINDS: [(&str, &str); 6] = [
        ("string \"", "a string"),
        ("boolean `", "a boolean"),
        ("integer `", "an integer"),
        ("floating point `", "a number"),
        ("character `", "a character"),
        ("variant `", "variant"),
    ];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    'scan: while !rest.is_empty() {
        for (prefix, replacement) in KINDS {
            if let Some(after) = rest.strip_prefix(prefix) {
                let close = if prefix.ends_with('"') { '"' } else { '`' };
                out.push_str(replacement);
                rest = skip_quoted(after, close);
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// The text after the closing `close`, skipping backslash escapes.
fn skip_quoted(text: &str, close: char) -> &str {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            c if c == close && !escaped => return &text[i + c.len_utf8()..],
            _ => escaped = false,
        }
    }
    ""
}

/// serde_json appends " at line 1 column 42", which means nothing for a nested document.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
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

impl<'de> Deserialize<'de> for InboundMessage {
    /// Same rules as [`parse_mo`]: both `Destination` spellings, base64 decoded.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        parse_mo(raw.get().as_bytes()).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for MoContent {
    /// Writes the content object as received (after whole-content base64 decoding).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match RawValue::from_string(self.raw.json()) {
            Ok(raw) => raw.serialize(s),
            Err(_) => Value::Null.serialize(s),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_the_shape_and_drop_the_value() {
        for (message, shape) in [
            (
                r#"invalid type: string "+64211234567", expected u64"#,
                "invalid type: a string, expected u64",
            ),
            (
                r#"invalid type: string "a \"quoted\" `tick`", expected a map"#,
                "invalid type: a string, expected a map",
            ),
            (
                "invalid type: integer `42`, expected a string",
                "invalid type: an integer, expected a string",
            ),
            (
                "invalid value: floating point `1.5`, expected i64",
                "invalid value: a number, expected i64",
            ),
            (
                "unknown variant `secret`, expected `a` or `b`",
                "unknown variant, expected `a` or `b`",
            ),
            (
                "invalid type: null, expected a string",
                "invalid type: null, expected a string",
            ),
            (
                "invalid length 3, expected 2",
                "invalid length 3, expected 2",
            ),
        ] {
            assert_eq!(shape_only(message), shape, "{message}");
        }
    }

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
