//! MO and DLR callback parsing: one fixture per message type and status, error
//! paths, schema agreement with the spec, and a no-panic fuzz pass.

use modica_wab_test_support::report;
#[path = "../src/spec/walk.rs"]
#[allow(dead_code)]
mod walk;

use modica_wab::ErrorCode;
use modica_wab::callback::{
    Callback, DeliveryReport, DlrStatus, InboundKind, InboundMessage, InteractiveReply, ParseError,
    parse, parse_dlr, parse_lenient, parse_mo,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/callbacks")
        .join(kind)
}

fn fixture(kind: &str, name: &str) -> Vec<u8> {
    let path = fixture_dir(kind).join(format!("{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mo(name: &str) -> InboundMessage {
    parse_mo(&fixture("mo", name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn dlr(name: &str) -> DeliveryReport {
    parse_dlr(&fixture("dlr", name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for kind in ["mo", "dlr"] {
        let mut entries: Vec<_> = std::fs::read_dir(fixture_dir(kind))
            .expect("fixture dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = format!("{kind}/{}", path.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read(&path).expect("fixture")));
        }
    }
    out
}

#[test]
fn every_fixture_is_classified_by_its_folder() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 34, "{} fixtures", fixtures.len());
    for (name, bytes) in fixtures {
        let event = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        match (&event, name.starts_with("mo/")) {
            (Callback::Mo(_), true) | (Callback::Dlr(_), false) => {}
            _ => panic!("{name} classified as {event:?}"),
        }
    }
}

#[test]
fn text_with_both_destination_spellings() {
    let upper = mo("text");
    assert_eq!(upper.id, "mo-text");
    assert_eq!(upper.source.as_deref(), Some("+64211234567"));
    assert_eq!(upper.destination.as_deref(), Some("6491234567"));
    assert_eq!(upper.content.from.as_deref(), Some("64211234567"));
    assert_eq!(upper.content.timestamp.as_deref(), Some("1764460800"));
    let InboundKind::Text(text) = &upper.content.kind else {
        panic!("{:?}", upper.content.kind)
    };
    assert_eq!(text.body, "Kia ora, is my order ready?");

    let lower = mo("text_lowercase_destination");
    assert_eq!(lower.destination.as_deref(), Some("6491234567"));
    // Written back with the documented spelling.
    let json = serde_json::to_value(&lower).unwrap();
    assert_eq!(json["Destination"], "6491234567");
    assert!(json.get("destination").is_none());
}

#[test]
fn media_types() {
    let cases = [
        ("image", "1043245123456789", "image/jpeg"),
        ("audio", "2043245123456789", "audio/ogg; codecs=opus"),
        ("video", "3043245123456789", "video/mp4"),
        ("document", "4043245123456789", "application/pdf"),
        ("sticker", "5043245123456789", "image/webp"),
    ];
    for (name, id, mime) in cases {
        let m = mo(name);
        let media = m.media().unwrap_or_else(|| panic!("{name} has no media"));
        assert_eq!(media.id, id, "{name}");
        assert_eq!(media.mime_type.as_deref(), Some(mime), "{name}");
        assert!(media.sha256.is_some(), "{name}");
        let kind_matches = matches!(
            (name, &m.content.kind),
            ("image", InboundKind::Image(_))
                | ("audio", InboundKind::Audio(_))
                | ("video", InboundKind::Video(_))
                | ("document", InboundKind::Document(_))
                | ("sticker", InboundKind::Sticker(_))
        );
        assert!(kind_matches, "{name}: {:?}", m.content.kind);
    }
    assert_eq!(
        mo("image").media().unwrap().caption.as_deref(),
        Some("The parcel")
    );
    assert_eq!(
        mo("document").media().unwrap().filename.as_deref(),
        Some("invoice-17.pdf")
    );
    assert_eq!(mo("audio").media().unwrap().voice, Some(true));
    assert_eq!(mo("sticker").media().unwrap().animated, Some(false));
    assert!(mo("text").media().is_none());
}

#[test]
fn location_contacts_button_reaction() {
    let InboundKind::Location(loc) = mo("location").content.kind else {
        panic!()
    };
    assert_eq!((loc.latitude, loc.longitude), (-36.8485, 174.7633));
    assert_eq!(loc.name.as_deref(), Some("Sky Tower"));

    let InboundKind::Contacts(cards) = mo("contacts").content.kind else {
        panic!()
    };
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].name.formatted_name, "Aroha Smith");
    assert_eq!(cards[0].phones[0].wa_id.as_deref(), Some("64215551234"));
    assert_eq!(cards[0].emails[0].email, "aroha@example.co.nz");

    let button = mo("button");
    let InboundKind::Button(press) = &button.content.kind else {
        panic!()
    };
    assert_eq!(press.text, "Track order");
    assert_eq!(press.payload.as_deref(), Some("track-17"));
    assert_eq!(
        button
            .content
            .context
            .as_ref()
            .and_then(|c| c.id.as_deref()),
        Some("wamid.ORIGINAL")
    );

    let InboundKind::Reaction(r) = mo("reaction").content.kind else {
        panic!()
    };
    assert_eq!(r.message_id, "wamid.ORIGINAL");
    assert_eq!(r.emoji.as_deref(), Some("👍"));
}

#[test]
fn interactive_replies() {
    let InboundKind::Interactive(reply) = mo("interactive_button_reply").content.kind else {
        panic!()
    };
    assert_eq!(
        reply,
        InteractiveReply::ButtonReply {
            id: "yes".into(),
            title: "Yes please".into()
        }
    );
    let InboundKind::Interactive(reply) = mo("interactive_list_reply").content.kind else {
        panic!()
    };
    assert_eq!(
        reply,
        InteractiveReply::ListReply {
            id: "slot-2".into(),
            title: "Tuesday 10am".into(),
            description: Some("Ponsonby store".into())
        }
    );
    let InboundKind::Interactive(flow) = mo("interactive_flow_reply").content.kind else {
        panic!()
    };
    let InteractiveReply::FlowReply {
        response_json,
        flow_token,
        ..
    } = &flow
    else {
        panic!()
    };
    assert_eq!(
        response_json, r#"{"flow_token":"t1","size":"M"}"#,
        "kept as sent"
    );
    assert_eq!(flow_token.as_deref(), Some("t1"));
    assert_eq!(flow.flow_response().unwrap()["size"], "M");
    // A response that is not JSON is kept, typed as far as it goes.
    let odd = parse_mo(
        br#"{"id":"m","source":"+64211234567","content":{"type":"interactive",
        "interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"not json"}}}}"#,
    )
    .unwrap();
    let InboundKind::Interactive(odd) = odd.content.kind else {
        panic!()
    };
    assert!(
        matches!(&odd, InteractiveReply::FlowReply { flow_token: None, response_json, .. } if response_json == "not json")
    );
    assert_eq!(odd.flow_response(), None);
}

/// A location shared in answer to a location request names the request;
/// coordinates come as numbers or as strings holding them.
#[test]
fn a_location_answers_its_request() {
    let answer = mo("location_answer");
    assert_eq!(answer.content.replies_to(), Some("wamid.LOCATIONREQUEST"));
    let InboundKind::Location(place) = &answer.content.kind else {
        panic!()
    };
    assert_eq!((place.latitude, place.longitude), (-36.8485, 174.7633));
    assert_eq!(
        place.url.as_deref(),
        Some("https://maps.example.com/sky-tower")
    );
    // A coordinate that is no number is a typed error naming the field.
    let err = parse_mo(
        br#"{"id":"m","source":"+64211234567","content":{"type":"location",
        "location":{"latitude":"north","longitude":1}}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("content"), "{err}");
}

/// A username customer shares their own card through a "request contact
/// info" button: the card's number is theirs, linked to their BSUID.
#[test]
fn a_contact_shared_on_request_links_the_phone_to_the_bsuid() {
    let shared = mo("contact_request");
    assert_eq!(
        shared.content.origin.as_deref(),
        Some("contact_request/other")
    );
    let card = shared.shared_own_contact().expect("their own card");
    assert!(
        card.vcard
            .as_deref()
            .is_some_and(|v| v.starts_with("BEGIN:VCARD"))
    );
    let customer = shared.customer().unwrap();
    assert_eq!(customer.phone.as_deref(), Some("+64219876543"));
    assert_eq!(
        customer.bsuid.as_ref().map(|b| b.as_str()),
        Some("NZ.13491208655302741918")
    );
    assert_eq!(shared.reply_recipient(), "+64219876543");
    // A card shared on its own (no contact request) is someone else's.
    let other = mo("contacts");
    assert_eq!(other.shared_own_contact(), None);
    // A card with a vCard is never sent back out as is.
    let err = modica_wab::Message::contacts("+64211234567", [card.clone()])
        .to_json(Some("6421000001"))
        .unwrap_err();
    assert_eq!(err.field, "contacts[0].vcard");
}

#[test]
fn context_referral_system_identity_template() {
    let reply = mo("reply_context");
    let ctx = reply.content.context.expect("context");
    assert_eq!(ctx.id.as_deref(), Some("wamid.ORIGINAL"));
    assert_eq!(
        ctx.referred_product.map(|p| p.product_retailer_id),
        Some("sku-9".into())
    );

    let referral = mo("referral").content.referral.expect("referral");
    assert_eq!(referral.source_type.as_deref(), Some("ad"));
    assert_eq!(referral.ctwa_clid.as_deref(), Some("clid-77"));

    let InboundKind::System(sys) = mo("system_number_change").content.kind else {
        panic!()
    };
    assert_eq!(sys.kind.as_deref(), Some("customer_changed_number"));
    assert_eq!(sys.new_wa_id.as_deref(), Some("64219999999"));

    let identity = mo("identity_change");
    assert!(matches!(identity.content.kind, InboundKind::System(_)));
    assert_eq!(
        identity.content.identity.and_then(|i| i.hash),
        Some("h4sh".into())
    );

    let InboundKind::Template(t) = mo("template").content.kind else {
        panic!()
    };
    assert_eq!(t.name, "order_update");
    assert_eq!(t.components.len(), 1);
}

#[test]
fn errors_map_through_error_code() {
    let unsupported = mo("errors_unsupported");
    assert_eq!(
        unsupported.content.kind,
        InboundKind::Unsupported {
            kind: "unsupported".into()
        }
    );
    let err = &unsupported.content.errors[0];
    assert_eq!(err.code.map(ErrorCode::code), Some(131051));
    assert_eq!(
        err.details(),
        Some("Message type is currently not supported.")
    );
}

#[test]
fn an_order_is_typed() {
    let m = mo("order");
    let InboundKind::Order(order) = &m.content.kind else {
        panic!("{:?}", m.content.kind)
    };
    assert_eq!(order.catalog_id, "1234567890123456");
    assert_eq!(order.text.as_deref(), Some("Pick up Friday please"));
    let items: Vec<_> = order
        .product_items
        .iter()
        .map(|i| (i.product_retailer_id.as_str(), i.quantity, i.item_price))
        .collect();
    // Numbers as numbers or as text: both read.
    assert_eq!(
        items,
        [
            ("kawakawa-tea-100g", 2, 12.5),
            ("manuka-honey-250g", 1, 34.9)
        ]
    );
    let (total, currency) = order.total().unwrap();
    assert!((total - 59.9).abs() < 1e-9 && currency == "NZD", "{total}");
}

#[test]
fn content_without_its_object_but_with_errors_is_unsupported() {
    let m = mo("image_undeliverable");
    assert_eq!(
        m.content.kind,
        InboundKind::Unsupported {
            kind: "image".into()
        }
    );
    assert_eq!(m.content.errors[0].code.map(ErrorCode::code), Some(131052));
    assert!(m.media().is_none());
    // Without errors, a missing object is still malformed, and says where.
    let body = br#"{"id":"m","source":"+64211234567","content":{"type":"image"}}"#;
    let err = parse_mo(body).unwrap_err();
    assert_eq!(err.path(), Some("content.image"), "{err}");
}

#[test]
fn status_shaped_content_is_recognised() {
    for (name, status) in [
        ("status_delivered", "delivered"),
        ("status_sent_untyped", "sent"),
    ] {
        let m = mo(name);
        let InboundKind::Status(notice) = &m.content.kind else {
            panic!("{name}: {:?}", m.content.kind)
        };
        assert_eq!(notice.status, status, "{name}");
        assert_eq!(
            notice.recipient_id.as_deref(),
            Some("64211234567"),
            "{name}"
        );
        assert!(m.content.id.as_deref().unwrap().starts_with("wamid."));
    }
    let delivered = mo("status_delivered");
    let InboundKind::Status(notice) = &delivered.content.kind else {
        unreachable!()
    };
    assert_eq!(notice.pricing.as_ref().unwrap()["category"], "service");
    assert_eq!(
        notice.conversation.as_ref().unwrap()["origin"]["type"],
        "service"
    );
}

#[test]
fn an_unknown_interactive_subtype_keeps_its_json() {
    let m = mo("interactive_unknown_subtype");
    let InboundKind::Interactive(InteractiveReply::Unknown { kind, raw }) = &m.content.kind else {
        panic!("{:?}", m.content.kind)
    };
    assert_eq!(kind, "call_permission_reply");
    assert_eq!(raw["call_permission_reply"]["response"], "accept");
}

#[test]
fn unknown_message_type_keeps_its_json() {
    let m = mo("unknown_type");
    let InboundKind::Unknown { kind, raw } = &m.content.kind else {
        panic!("{:?}", m.content.kind)
    };
    assert_eq!(kind, "hologram");
    assert_eq!(raw["hologram"]["depth"], 3);
    assert_eq!(m.content.raw(), *raw);
}

#[test]
fn base64_content_is_decoded() {
    let whole = mo("base64_content");
    assert_eq!(whole.encoding.as_deref(), Some("base64"));
    let InboundKind::Text(t) = &whole.content.kind else {
        panic!()
    };
    assert_eq!(t.body, "Héllo from base64");
    assert_eq!(whole.content.id.as_deref(), Some("wamid.B64"));

    let body = mo("base64_text_body");
    let InboundKind::Text(t) = &body.content.kind else {
        panic!()
    };
    assert_eq!(t.body, "Kia ora 👋");
}

#[test]
fn every_dlr_status() {
    assert_eq!(dlr("sent").status, DlrStatus::Sent);
    let received = dlr("received");
    assert_eq!(received.status, DlrStatus::Received);
    assert_eq!(received.reference.as_deref(), Some("order-17"));
    assert!(!received.is_failure());

    let rejected = dlr("rejected");
    assert_eq!(rejected.status, DlrStatus::Rejected);
    assert!(rejected.is_failure());
    let code = rejected.errors[0].code.expect("code");
    assert_eq!(code, ErrorCode::ReEngagementRequired);
    assert!(!code.action().is_empty());

    let expired = dlr("expired");
    assert_eq!(expired.status, DlrStatus::Expired);
    assert_eq!(expired.errors[0].code.map(ErrorCode::code), Some(131026));

    assert_eq!(
        dlr("unknown_status").status,
        DlrStatus::Other("read".into())
    );
    assert_eq!(dlr("no_reference").reference, None);
    // Same event, different status: different de-duplication keys.
    let a = parse(&fixture("dlr", "sent")).unwrap().dedup_key();
    let b = parse(&fixture("dlr", "received")).unwrap().dedup_key();
    assert_ne!(a, b);
}

#[test]
fn malformed_input_names_the_path() {
    let cases: [(&[u8], Option<&str>); 10] = [
        (b"not json", None),
        (br#"{"source":"+64","content":{"type":"text","text":{"body":"x"}}}"#, Some("id")),
        (br#"{"id":7,"source":"+64","content":{}}"#, Some("id")),
        (br#"{"id":"a","source":"+64","content":{"type":"image","image":{"id":5}}}"#, Some("content.image.id")),
        (br#"{"id":"a","source":"+64","content":{"type":"text"}}"#, Some("content.text")),
        (br#"{"id":"a","source":"+64","content":{"type":"text","text":{"body":"x"},"errors":[{"code":"abc"}]}}"#, Some("content.errors[0].code")),
        (br#"{"id":"a","source":"+64","encoding":"base64","content":"@@@"}"#, Some("content")),
        (br#"{"id":"a","source":"+64","content":42}"#, Some("content")),
        (br#"{"id":"a","status":["sent"]}"#, Some("status")),
        (br#"{"id":"a","status":"sent","errors":[{"code":1},{"title":9}]}"#, Some("errors[1].title")),
    ];
    for (body, path) in cases {
        let err: ParseError = parse(body).expect_err(&String::from_utf8_lossy(body));
        assert_eq!(err.path(), path, "{err}");
        if let Some(path) = path {
            assert!(err.to_string().contains(&format!("`{path}`")), "{err}");
        }
    }
    assert_eq!(parse_mo(b"[1]").unwrap_err().path(), Some("$"));
    assert_eq!(parse_dlr(b"{}").unwrap_err().path(), Some("id"));
}

#[test]
fn unknown_shapes_are_kept() {
    for body in [&br#"{"hello":"world"}"#[..], b"[1,2]", b"null", b"3"] {
        let event = parse(body).unwrap();
        let Callback::Unknown(v) = &event else {
            panic!("{event:?}")
        };
        assert_eq!(*v, serde_json::from_slice::<Value>(body).unwrap());
        // Kept, and still de-duplicated: by the body when there is no id.
        assert_eq!(event.dedup_key(), parse(body).unwrap().dedup_key());
    }
    assert_ne!(
        parse(b"[1,2]").unwrap().dedup_key(),
        parse(b"[1,3]").unwrap().dedup_key()
    );
}

#[test]
fn inbound_message_deserializes_with_serde_too() {
    let via_serde: InboundMessage =
        serde_json::from_slice(&fixture("mo", "base64_content")).unwrap();
    assert_eq!(via_serde, mo("base64_content"));
}

// ---- schema agreement with the spec -------------------------------------------------

/// `$ref`s followed by the crate's one resolver; schemars also wraps a
/// described `$ref` in a one-element `allOf`, which is unwrapped here.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let mut s = walk::resolve(root, schema);
    while let Some([only]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        s = walk::resolve(root, only);
    }
    assert!(s.get("$ref").is_none(), "unresolved {s}");
    s
}

fn types(schema: &Value) -> Vec<String> {
    let mut out: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    out.retain(|t| t != "null");
    out.sort();
    out
}

fn branches<'a>(schema: &'a Value, root: &'a Value) -> Vec<&'a Value> {
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            return list.iter().map(|b| resolve(b, root)).collect();
        }
    }
    vec![schema]
}

/// Compares what the spec says with what our types say, field by field.
fn agree(ours: &Value, our_root: &Value, spec: &Value, spec_root: &Value, path: &str) -> usize {
    let ours = resolve(ours, our_root);
    let spec = resolve(spec, spec_root);
    let our_branches = branches(ours, our_root);
    let spec_branches = branches(spec, spec_root);
    let branch_types = |bs: &[&Value]| {
        let mut t: Vec<String> = bs.iter().flat_map(|b| types(b)).collect();
        t.sort();
        t
    };
    assert_eq!(
        branch_types(&our_branches),
        branch_types(&spec_branches),
        "{path}: types differ"
    );
    let mut checked = 1;
    for spec_branch in &spec_branches {
        let Some(ours) = our_branches.iter().find(|b| types(b) == types(spec_branch)) else {
            continue;
        };
        if let Some(values) = spec_branch.get("enum") {
            assert_eq!(ours.get("enum"), Some(values), "{path}: enum values differ");
        }
        if let Some(items) = spec_branch.get("items") {
            let our_items = ours
                .get("items")
                .unwrap_or_else(|| panic!("{path}: no items"));
            checked += agree(our_items, our_root, items, spec_root, &format!("{path}[]"));
        }
        if let Some(props) = spec_branch.get("properties").and_then(Value::as_object) {
            let our_props = ours
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or_else(|| panic!("{path}: no properties"));
            let mut spec_names: Vec<_> = props.keys().collect();
            let mut our_names: Vec<_> = our_props.keys().collect();
            spec_names.sort();
            our_names.sort();
            assert_eq!(our_names, spec_names, "{path}: properties differ");
            let required = |s: &Value| {
                let mut r: Vec<String> = s
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                r.sort();
                r
            };
            assert_eq!(
                required(ours),
                required(spec_branch),
                "{path}: required differs"
            );
            for (name, spec_prop) in props {
                checked += agree(
                    &our_props[name],
                    our_root,
                    spec_prop,
                    spec_root,
                    &format!("{path}.{name}"),
                );
            }
        }
    }
    checked
}

#[test]
fn callback_types_agree_with_the_spec_schemas() {
    let spec: Value = serde_json::from_str(modica_wab::spec::SPEC_JSON).unwrap();
    let cases = [
        (
            "MoCallback",
            serde_json::to_value(schemars::schema_for!(InboundMessage)).unwrap(),
        ),
        (
            "DlrCallback",
            serde_json::to_value(schemars::schema_for!(DeliveryReport)).unwrap(),
        ),
    ];
    for (name, ours) in cases {
        let spec_schema = &spec["components"]["schemas"][name];
        assert!(spec_schema.is_object(), "spec has no {name}");
        let fields = agree(&ours, &ours, spec_schema, &spec, name);
        report!("{name}: {fields} schema nodes agree with the spec");
        assert!(fields >= 5, "{name}: only {fields} nodes compared");
    }
}

#[test]
fn schema_comparison_catches_a_drift() {
    // The comparison is not vacuous: a schema with a renamed field fails it.
    let spec: Value = serde_json::from_str(modica_wab::spec::SPEC_JSON).unwrap();
    let mut ours = serde_json::to_value(schemars::schema_for!(DeliveryReport)).unwrap();
    let props = ours["properties"].as_object_mut().unwrap();
    let reference = props.remove("reference").unwrap();
    props.insert("ref".into(), reference);
    let result = std::panic::catch_unwind(|| {
        agree(
            &ours,
            &ours,
            &spec["components"]["schemas"]["DlrCallback"],
            &spec,
            "DlrCallback",
        )
    });
    assert!(result.is_err());
}

// ---- no panic on any input ----------------------------------------------------------

fn mutate_bytes(rng: &mut impl rand::Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..rng.random_range(1..4) {
        if out.is_empty() {
            out.push(rng.random());
            continue;
        }
        let at = rng.random_range(0..out.len());
        match rng.random_range(0..4) {
            0 => out[at] = rng.random(),
            1 => {
                out.remove(at);
            }
            2 => out.insert(
                at,
                *b"{}[]\",:0-e.ntfu\\ "
                    .get(rng.random_range(0..18))
                    .unwrap_or(&b'x'),
            ),
            _ => out.truncate(at),
        }
    }
    out
}

fn random_value(rng: &mut impl rand::Rng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => Value::from(rng.random::<i64>()),
        3 => Value::from(rng.random::<f64>() * 1e6),
        4 => Value::from(
            [
                "",
                "text",
                "base64",
                "@@",
                "sent",
                "button_reply",
                "eyJ0eXBlIjoidGV4dCJ9",
                "\u{1F44D}",
            ][rng.random_range(0..8)],
        ),
        5 => Value::Array(
            (0..rng.random_range(0..3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "type",
                "id",
                "text",
                "body",
                "image",
                "content",
                "status",
                "errors",
                "code",
                "interactive",
            ];
            Value::Object(
                (0..rng.random_range(0..4))
                    .map(|_| {
                        (
                            keys[rng.random_range(0..keys.len())].to_owned(),
                            random_value(rng, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
    }
}

/// Replaces one node anywhere in the tree with a random value.
fn mutate_value(rng: &mut impl rand::Rng, value: &mut Value) {
    let mut node = value;
    loop {
        let children = match node {
            Value::Object(m) if !m.is_empty() => m.len(),
            Value::Array(a) if !a.is_empty() => a.len(),
            _ => 0,
        };
        if children == 0 || rng.random_range(0..3) == 0 {
            *node = random_value(rng, 0);
            return;
        }
        let pick = rng.random_range(0..children);
        node = match node {
            Value::Object(m) => m.values_mut().nth(pick).unwrap(),
            Value::Array(a) => &mut a[pick],
            _ => unreachable!(),
        };
    }
}

#[test]
fn no_input_panics() {
    use rand::{Rng, SeedableRng};
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120_000);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let fixtures = all_fixtures();
    let values: Vec<Value> = fixtures
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    let (mut ok, mut err, mut root) = (0usize, 0usize, 0usize);
    for i in 0..cases {
        let input: Vec<u8> = match i % 3 {
            0 => (0..rng.random_range(0..64)).map(|_| rng.random()).collect(),
            1 => {
                let pick = rng.random_range(0..fixtures.len());
                mutate_bytes(&mut rng, &fixtures[pick].1)
            }
            _ => {
                let pick = rng.random_range(0..values.len());
                let mut v = values[pick].clone();
                for _ in 0..rng.random_range(1..3) {
                    mutate_value(&mut rng, &mut v);
                }
                serde_json::to_vec(&v).unwrap()
            }
        };
        // Only a body that is not JSON is refused outright: any JSON is kept.
        let is_json = serde_json::from_slice::<Value>(&input).is_ok();
        assert!(
            parse_lenient(&input).is_ok() || !is_json,
            "JSON refused: {:?}",
            String::from_utf8_lossy(&input)
        );
        for result in [
            parse(&input).map(|_| ()),
            parse_mo(&input).map(|_| ()),
            parse_dlr(&input).map(|_| ()),
        ] {
            match result {
                Ok(()) => ok += 1,
                // An error says "not JSON" only of what is not JSON, and
                // names its path otherwise.
                Err(e @ ParseError::NotJson { .. }) => {
                    assert!(!is_json, "{e} for JSON input");
                    err += 1;
                }
                Err(e @ ParseError::Invalid { .. }) => {
                    // Named exactly (the path between backticks), with a
                    // reason; the empty path is the body's root.
                    let path = e.path().expect("an Invalid error has a path");
                    let shown = e.to_string();
                    assert!(shown.contains(&format!("`{path}`: ")), "{shown}");
                    assert!(!shown.ends_with(": "), "no reason: {shown}");
                    if path.is_empty() {
                        root += 1;
                    }
                    err += 1;
                }
                Err(other) => panic!("an error of an unknown kind: {other:?}"),
            }
        }
    }
    report!(
        "fuzz: {cases} inputs (seed {seed:#x}), {ok} parsed, {err} rejected with a typed error ({root} at the root, the rest naming a field)"
    );
    assert!(ok > cases / 10, "mutations should still parse often: {ok}");
}

/// Seen by a new user: an MO with no `source` failed to parse. A username
/// user the business has not talked to lately comes with no phone number:
/// the content names them by business-scoped user id, and the username.
#[test]
fn customers_known_by_username_phone_or_both() {
    let bob = mo("username_only");
    assert_eq!(bob.source, None);
    let customer = bob.customer().unwrap();
    assert_eq!(customer.phone, None);
    assert_eq!(
        customer.bsuid.as_ref().map(|b| b.as_str()),
        Some("NZ.13491208655302741918")
    );
    assert_eq!(customer.username.as_deref(), Some("@bob"));
    assert_eq!(bob.reply_recipient(), "NZ.13491208655302741918");
    assert_eq!(customer.to_string(), "NZ.13491208655302741918 (@bob)");

    let both = mo("phone_and_bsuid").customer().unwrap();
    assert_eq!(both.phone.as_deref(), Some("+64211234567"));
    assert!(both.bsuid.is_some() && both.parent_bsuid.as_ref().is_some_and(|p| p.is_parent()));
    assert_eq!(
        both.recipient(),
        "+64211234567",
        "the phone wins, as Meta's `to` does"
    );

    // Named by nobody: parsed all the same, and said so.
    let nobody = parse_mo(br#"{"id":"m","content":{"type":"text","text":{"body":"x"}}}"#).unwrap();
    assert_eq!(nobody.customer(), None);
    assert_eq!(nobody.reply_recipient(), "");
    // A reply to nobody is refused before anything is sent, naming the field.
    let err = modica_wab::Message::reply(&nobody, modica_wab::Content::text("hi"))
        .to_json(Some("6421000001"))
        .unwrap_err();
    assert_eq!(err.field, "to");
}
