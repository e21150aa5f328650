//! The parsing floor: plain serde-derived structs of the same MO and DLR
//! shapes, which is what a hand-written parser would cost. No checks beyond
//! what serde does, no error mapping, no dedupe key: the cheapest honest way
//! to turn these bodies into typed values.

use base64::Engine as _;
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Envelope<'a> {
    id: String,
    // Absent for a username-only customer (a BSUID in the content only).
    #[serde(default)]
    source: Option<String>,
    #[serde(rename = "Destination", alias = "destination", default)]
    destination: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(borrow)]
    content: &'a serde_json::value::RawValue,
}

/// An MO with its content read: the object, or the string holding it.
#[allow(dead_code)]
pub struct Mo {
    envelope_id: String,
    content: Content,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Content {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
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
    errors: Vec<ErrorObject>,
    #[serde(default)]
    text: Option<Text>,
    #[serde(default)]
    image: Option<Media>,
    #[serde(default)]
    audio: Option<Media>,
    #[serde(default)]
    video: Option<Media>,
    #[serde(default)]
    document: Option<Media>,
    #[serde(default)]
    sticker: Option<Media>,
    #[serde(default)]
    location: Option<Location>,
    #[serde(default)]
    contacts: Vec<ContactCard>,
    #[serde(default)]
    button: Option<Button>,
    #[serde(default)]
    interactive: Option<Interactive>,
    #[serde(default)]
    reaction: Option<Reaction>,
    #[serde(default)]
    system: Option<System>,
    #[serde(default)]
    template: Option<Template>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Context {
    from: Option<String>,
    id: Option<String>,
    forwarded: Option<bool>,
    frequently_forwarded: Option<bool>,
    referred_product: Option<ReferredProduct>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ReferredProduct {
    catalog_id: String,
    product_retailer_id: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Referral {
    source_url: Option<String>,
    source_id: Option<String>,
    source_type: Option<String>,
    headline: Option<String>,
    body: Option<String>,
    media_type: Option<String>,
    image_url: Option<String>,
    video_url: Option<String>,
    thumbnail_url: Option<String>,
    ctwa_clid: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Identity {
    acknowledged: Option<bool>,
    created_timestamp: Option<String>,
    hash: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ErrorObject {
    code: Option<u32>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ErrorData {
    details: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Text {
    body: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Media {
    id: String,
    mime_type: Option<String>,
    sha256: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
    voice: Option<bool>,
    animated: Option<bool>,
}

/// Meta sends coordinates as numbers; some gateways as strings.
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Coordinate {
    Number(f64),
    Text(String),
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Location {
    latitude: Coordinate,
    longitude: Coordinate,
    name: Option<String>,
    address: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ContactCard {
    name: ContactName,
    birthday: Option<String>,
    #[serde(default)]
    phones: Vec<Labelled>,
    #[serde(default)]
    emails: Vec<Labelled>,
    #[serde(default)]
    urls: Vec<Labelled>,
    #[serde(default)]
    addresses: Vec<serde_json::Map<String, serde_json::Value>>,
    org: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ContactName {
    formatted_name: String,
    first_name: Option<String>,
    last_name: Option<String>,
    middle_name: Option<String>,
}

/// A phone, email or URL with its label.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Labelled {
    phone: Option<String>,
    email: Option<String>,
    url: Option<String>,
    wa_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Button {
    text: String,
    payload: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Interactive {
    #[serde(rename = "type")]
    kind: String,
    button_reply: Option<Choice>,
    list_reply: Option<Choice>,
    nfm_reply: Option<Flow>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Choice {
    id: String,
    title: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Flow {
    name: Option<String>,
    body: Option<String>,
    response_json: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Reaction {
    message_id: String,
    emoji: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct System {
    body: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    new_wa_id: Option<String>,
    wa_id: Option<String>,
    identity: Option<String>,
    customer: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Template {
    name: String,
    language: Option<serde_json::Value>,
    #[serde(default)]
    components: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct Dlr {
    id: String,
    status: String,
    reference: Option<String>,
    #[serde(default)]
    errors: Vec<ErrorObject>,
}

/// An MO as a hand-written parser would read it: the envelope, then the
/// content, decoded from base64 (or read from a string) when it is one.
pub fn mo(body: &[u8]) -> Mo {
    let envelope: Envelope<'_> = serde_json::from_slice(body).unwrap();
    mo_content(envelope.id, envelope.encoding.as_deref(), envelope.content)
}

/// The content of an MO read, given its envelope's parts.
fn mo_content(
    envelope_id: String,
    encoding: Option<&str>,
    content: &serde_json::value::RawValue,
) -> Mo {
    let raw = content.get();
    let base64 = encoding == Some("base64");
    let mut content: Content = if raw.starts_with('{') {
        serde_json::from_str(raw).unwrap()
    } else {
        let text: String = serde_json::from_str(raw).unwrap();
        let bytes = if base64 {
            base64::engine::general_purpose::STANDARD
                .decode(&text)
                .unwrap()
        } else {
            text.into_bytes()
        };
        serde_json::from_slice(&bytes).unwrap()
    };
    if raw.starts_with('{') && base64 {
        // Base64 over an object: the text body is what is encoded.
        if let Some(text) = &mut content.text {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&text.body)
                .unwrap();
            text.body = String::from_utf8(bytes).unwrap();
        }
    }
    Mo {
        envelope_id,
        content,
    }
}

/// A DLR as a hand-written parser would read it.
pub fn dlr(body: &[u8]) -> Dlr {
    serde_json::from_slice(body).unwrap()
}

/// An MO or a DLR, told apart in the same single pass a hand-written
/// receiver with one URL for both would make: one struct holding the fields
/// of both, the kind told by whether `content` (else `status`) is there.
// Unboxed, like what `mo` and `dlr` return: the floor adds no allocation.
#[allow(dead_code, clippy::large_enum_variant)]
pub enum Either {
    /// An inbound message.
    Mo(Mo),
    /// A delivery report.
    Dlr(Dlr),
}

/// Reads a body of either kind in one pass.
pub fn either(body: &[u8]) -> Either {
    #[derive(Deserialize)]
    struct Union<'a> {
        id: String,
        #[serde(default)]
        status: Option<String>,
        #[serde(default)]
        reference: Option<String>,
        #[serde(default)]
        errors: Vec<ErrorObject>,
        #[serde(default)]
        #[allow(dead_code)]
        source: Option<String>,
        #[serde(rename = "Destination", alias = "destination", default)]
        #[allow(dead_code)]
        destination: Option<String>,
        #[serde(default)]
        encoding: Option<String>,
        #[serde(borrow, default)]
        content: Option<&'a serde_json::value::RawValue>,
    }
    let union: Union<'_> = serde_json::from_slice(body).unwrap();
    // `content` first, as the crate's `parse` decides.
    match (union.content, union.status) {
        (Some(content), _) => Either::Mo(mo_content(union.id, union.encoding.as_deref(), content)),
        (None, Some(status)) => Either::Dlr(Dlr {
            id: union.id,
            status,
            reference: union.reference,
            errors: union.errors,
        }),
        (None, None) => panic!("a fixture that is neither an MO nor a DLR"),
    }
}
