//! Every WhatsApp message type: the exact JSON the client posts, and the
//! local checks that stop a bad message before any request leaves.

mod common;

use common::*;
use modica_wab::*;
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{body_json, method, path};

const TO: &str = "+64211234567";

fn cases() -> Vec<(&'static str, Message, serde_json::Value)> {
    let base = |ty: &str, object: serde_json::Value| {
        let mut v = json!({"to": TO, "type": ty, "source": SOURCE});
        v[ty] = object;
        v
    };
    vec![
        (
            "text",
            Message::text(TO, "Kia ora").preview_url(true),
            base("text", json!({"body": "Kia ora", "preview_url": true})),
        ),
        (
            "template",
            Message::template(
                TO,
                Template::new("order_update", "en_US")
                    .header(Parameter::image(Media::link(
                        "https://cdn.example.com/h.jpg",
                    )))
                    .body([
                        Parameter::text("Aroha"),
                        Parameter::currency("$12.50", "NZD", 12_500),
                        Parameter::date_time("Tuesday 1 December"),
                    ])
                    .quick_reply_button(0, "track-42")
                    .url_button(1, "42"),
            ),
            base(
                "template",
                json!({
                    "name": "order_update", "language": {"code": "en_US"},
                    "components": [
                        {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/h.jpg"}}]},
                        {"type": "body", "parameters": [
                            {"type": "text", "text": "Aroha"},
                            {"type": "currency", "currency": {"fallback_value": "$12.50", "code": "NZD", "amount_1000": 12500}},
                            {"type": "date_time", "date_time": {"fallback_value": "Tuesday 1 December"}}
                        ]},
                        {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "track-42"}]},
                        {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "42"}]}
                    ]
                }),
            ),
        ),
        (
            "template header document/video",
            Message::template(
                TO,
                Template::new("invoice", "en").component(Component::header([Parameter::document(
                    Media::id("998877").filename("inv.pdf"),
                )])),
            ),
            base(
                "template",
                json!({"name": "invoice", "language": {"code": "en"}, "components": [
                    {"type": "header", "parameters": [{"type": "document", "document": {"id": "998877", "filename": "inv.pdf"}}]}
                ]}),
            ),
        ),
        (
            "template video header",
            Message::template(
                TO,
                Template::new("promo", "mi").header(Parameter::video(Media::link(
                    "https://cdn.example.com/v.mp4",
                ))),
            ),
            base(
                "template",
                json!({"name": "promo", "language": {"code": "mi"}, "components": [
                    {"type": "header", "parameters": [{"type": "video", "video": {"link": "https://cdn.example.com/v.mp4"}}]}
                ]}),
            ),
        ),
        (
            "image",
            Message::image(TO, Media::link("https://cdn.example.com/a.jpg")).caption("Your parcel"),
            base(
                "image",
                json!({"link": "https://cdn.example.com/a.jpg", "caption": "Your parcel"}),
            ),
        ),
        (
            "video",
            Message::video(TO, Media::id("112233")).caption("Unboxing"),
            base("video", json!({"id": "112233", "caption": "Unboxing"})),
        ),
        (
            "audio",
            Message::audio(TO, Media::id("445566")),
            base("audio", json!({"id": "445566"})),
        ),
        (
            "document",
            Message::document(TO, Media::link("https://cdn.example.com/i.pdf"))
                .filename("invoice.pdf")
                .caption("Invoice"),
            base(
                "document",
                json!({"link": "https://cdn.example.com/i.pdf", "filename": "invoice.pdf", "caption": "Invoice"}),
            ),
        ),
        (
            "sticker by id",
            Message::sticker(TO, Media::id("778899")),
            base("sticker", json!({"id": "778899"})),
        ),
        (
            "sticker by link",
            Message::sticker(TO, Media::link("https://cdn.example.com/s.webp")),
            base("sticker", json!({"link": "https://cdn.example.com/s.webp"})),
        ),
        (
            "location",
            Message::location(
                TO,
                Location::new(-36.8485, 174.7633)
                    .name("Sky Tower")
                    .address("Victoria St W, Auckland"),
            ),
            base(
                "location",
                json!({"latitude": -36.8485, "longitude": 174.7633, "name": "Sky Tower", "address": "Victoria St W, Auckland"}),
            ),
        ),
        (
            "contacts",
            Message::contacts(
                TO,
                [Contact::new("Aroha Smith")
                    .first_name("Aroha")
                    .last_name("Smith")
                    .phone("+6495551234", Some("WORK"))
                    .whatsapp("+64211112222", "64211112222")
                    .email("aroha@example.com", Some("WORK"))
                    .url("https://example.com", None)
                    .birthday("1990-05-31")
                    .org(Org::new().company("Acme"))
                    .address(Address::new().city("Auckland").country_code("NZ"))],
            ),
            base(
                "contacts",
                json!([{
                    "name": {"formatted_name": "Aroha Smith", "first_name": "Aroha", "last_name": "Smith"},
                    "birthday": "1990-05-31",
                    "phones": [{"phone": "+6495551234", "type": "WORK"}, {"phone": "+64211112222", "wa_id": "64211112222"}],
                    "emails": [{"email": "aroha@example.com", "type": "WORK"}],
                    "urls": [{"url": "https://example.com"}],
                    "addresses": [{"city": "Auckland", "country_code": "NZ"}],
                    "org": {"company": "Acme"}
                }]),
            ),
        ),
        (
            "interactive buttons",
            Message::interactive(
                TO,
                Interactive::buttons(
                    "Deliver tomorrow?",
                    [ReplyButton::new("yes", "Yes"), ReplyButton::new("no", "No")],
                )
                .header(Header::text("Delivery"))
                .footer("Reply any time"),
            ),
            base(
                "interactive",
                json!({
                    "type": "button",
                    "header": {"type": "text", "text": "Delivery"},
                    "body": {"text": "Deliver tomorrow?"},
                    "footer": {"text": "Reply any time"},
                    "action": {"buttons": [
                        {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                        {"type": "reply", "reply": {"id": "no", "title": "No"}}
                    ]}
                }),
            ),
        ),
        (
            "interactive list",
            Message::interactive(
                TO,
                Interactive::list(
                    "Pick a slot",
                    "Slots",
                    [Section::new(
                        "Tomorrow",
                        [
                            Row::new("am", "Morning").description("8-12"),
                            Row::new("pm", "Afternoon"),
                        ],
                    )],
                ),
            ),
            base(
                "interactive",
                json!({
                    "type": "list",
                    "body": {"text": "Pick a slot"},
                    "action": {"button": "Slots", "sections": [{"title": "Tomorrow", "rows": [
                        {"id": "am", "title": "Morning", "description": "8-12"},
                        {"id": "pm", "title": "Afternoon"}
                    ]}]}
                }),
            ),
        ),
        (
            "interactive cta_url",
            Message::interactive(
                TO,
                Interactive::cta_url("Track your parcel", "Track", "https://example.com/t/42")
                    .header(Header::Image {
                        image: Media::link("https://cdn.example.com/p.jpg"),
                    }),
            ),
            base(
                "interactive",
                json!({
                    "type": "cta_url",
                    "header": {"type": "image", "image": {"link": "https://cdn.example.com/p.jpg"}},
                    "body": {"text": "Track your parcel"},
                    "action": {"name": "cta_url", "parameters": {"display_text": "Track", "url": "https://example.com/t/42"}}
                }),
            ),
        ),
        (
            "reaction",
            Message::reaction(TO, "wamid.HBgL", "👍"),
            base(
                "reaction",
                json!({"message_id": "wamid.HBgL", "emoji": "👍"}),
            ),
        ),
        (
            "reply context",
            Message::text(TO, "Yes, tomorrow").reply_to("wamid.ABC"),
            {
                let mut v = base("text", json!({"body": "Yes, tomorrow"}));
                v["context"] = json!({"message_id": "wamid.ABC"});
                v
            },
        ),
    ]
}

#[tokio::test]
async fn every_message_type_posts_its_exact_json() {
    let server = server().await;
    let client = client(&server);
    let cases = cases();
    for (name, message, expected) in &cases {
        Mock::given(method("POST"))
            .and(path("/messages"))
            .and(body_json(expected))
            .respond_with(respond(202, "PostMessages.202.json"))
            .expect(1)
            .named(*name)
            .mount(&server)
            .await;
        client
            .send(message)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let types: std::collections::BTreeSet<&str> = cases
        .iter()
        .map(|(_, m, _)| m.content().type_name())
        .collect();
    assert_eq!(types.len(), 11, "every message type is covered: {types:?}");
}

#[test]
fn message_to_json_is_the_same_body_without_a_server() {
    for (name, message, expected) in cases() {
        assert_eq!(message.to_json(Some(SOURCE)).unwrap(), expected, "{name}");
    }
}

fn field_of(message: Message) -> String {
    match message.to_json(Some(SOURCE)) {
        Err(e) => e.field,
        Ok(v) => panic!("accepted an invalid message: {v}"),
    }
}

#[test]
fn invalid_messages_name_the_field() {
    let long = "x".repeat(4097);
    let cases: Vec<(Message, &str)> = vec![
        (Message::text("64211234567", "hi"), "to"),
        (Message::text("+0211234567", "hi"), "to"),
        (Message::text("+64 21 123", "hi"), "to"),
        (Message::text(TO, ""), "text.body"),
        (Message::text(TO, "   "), "text.body"),
        (Message::text(TO, long.clone()), "text.body"),
        (Message::text(TO, "hi").source("0123"), "source"),
        (
            Message::text(TO, "hi").reference("r".repeat(256)),
            "reference",
        ),
        (Message::text(TO, "hi").caption("no"), "text.caption"),
        (
            Message::audio(TO, Media::id("1")).caption("no"),
            "audio.caption",
        ),
        (
            Message::sticker(TO, Media::link("https://x.example/s.webp").caption("no")),
            "sticker.caption",
        ),
        (
            Message::image(TO, Media::link("ftp://x.example/a.jpg")),
            "image.link",
        ),
        (
            Message::image(TO, {
                let mut both = Media::id("1");
                both.link = Some("https://x.example/a".into());
                both
            }),
            "image",
        ),
        (
            Message::image(TO, Media::id("1").filename("a.jpg")),
            "image.filename",
        ),
        (
            Message::location(TO, Location::new(91.0, 0.0)),
            "location.latitude",
        ),
        (
            Message::location(TO, Location::new(0.0, f64::NAN)),
            "location.longitude",
        ),
        (Message::contacts(TO, []), "contacts"),
        (
            Message::contacts(TO, [Contact::new("Only Formatted")]),
            "contacts[0].name",
        ),
        (
            Message::contacts(
                TO,
                [Contact::new("A B").first_name("A").birthday("31/05/1990")],
            ),
            "contacts[0].birthday",
        ),
        (
            Message::interactive(
                TO,
                Interactive::buttons(
                    "Pick",
                    (0..4).map(|i| ReplyButton::new(format!("b{i}"), format!("B{i}"))),
                ),
            ),
            "interactive.action.buttons",
        ),
        (
            Message::interactive(
                TO,
                Interactive::buttons(
                    "Pick",
                    [ReplyButton::new("a", "This title is far too long")],
                ),
            ),
            "interactive.action.buttons[0].reply.title",
        ),
        (
            Message::interactive(
                TO,
                Interactive::buttons(
                    "Pick",
                    [ReplyButton::new("a", "A"), ReplyButton::new("a", "B")],
                ),
            ),
            "interactive.action.buttons[1].reply.id",
        ),
        (
            Message::interactive(
                TO,
                Interactive::list(
                    "Pick",
                    "Open",
                    [Section::new(
                        "S",
                        (0..11).map(|i| Row::new(format!("r{i}"), "Row")),
                    )],
                ),
            ),
            "interactive.action.sections",
        ),
        (
            Message::interactive(
                TO,
                Interactive::list(
                    "Pick",
                    "Open",
                    [
                        Section::untitled([Row::new("a", "A")]),
                        Section::new("T", [Row::new("b", "B")]),
                    ],
                ),
            ),
            "interactive.action.sections[0].title",
        ),
        (
            Message::interactive(
                TO,
                Interactive::list("Pick", "Open", [Section::untitled([Row::new("a", "A")])])
                    .header(Header::Image {
                        image: Media::id("1"),
                    }),
            ),
            "interactive.header",
        ),
        (
            Message::interactive(TO, Interactive::cta_url("Go", "Open", "not a url")),
            "interactive.action.parameters.url",
        ),
        (Message::reaction(TO, "", "👍"), "reaction.message_id"),
        (Message::text(TO, "hi").reply_to(""), "context.message_id"),
        (
            Message::template(TO, Template::new("Order Update", "en")),
            "template.name",
        ),
        (
            Message::template(TO, Template::new("t", "")),
            "template.language.code",
        ),
        (
            Message::template(
                TO,
                Template::new("t", "en").body([Parameter::image(Media::id("1"))]),
            ),
            "template.components[0].parameters[0]",
        ),
        (
            Message::template(
                TO,
                Template::new("t", "en").body([Parameter::text("a"), Parameter::payload("p")]),
            ),
            "template.components[0].parameters[1]",
        ),
        (
            Message::template(
                TO,
                Template::new("t", "en").component(Component::button(
                    ButtonKind::QuickReply,
                    0,
                    [Parameter::text("x")],
                )),
            ),
            "template.components[0].parameters[0]",
        ),
        (
            Message::template(
                TO,
                Template::new("t", "en").component(Component::button(
                    ButtonKind::Url,
                    10,
                    [Parameter::text("x")],
                )),
            ),
            "template.components[0].index",
        ),
        (
            Message::template(
                TO,
                Template::new("t", "en").component(Component::header([
                    Parameter::text("a"),
                    Parameter::text("b"),
                ])),
            ),
            "template.components[0].parameters",
        ),
        (
            Message::template(
                TO,
                Template::new("t", "en").body([Parameter::currency("$1", "nzd", 1000)]),
            ),
            "template.components[0].parameters[0].currency.code",
        ),
        (
            Message::template(TO, Template::new("t", "en").body([]).body([])),
            "template.components[1]",
        ),
    ];
    for (message, field) in cases {
        assert_eq!(field_of(message), field);
    }
}

#[test]
fn a_message_without_any_source_is_rejected() {
    let err = Message::text(TO, "hi").to_json(None).unwrap_err();
    assert_eq!(err.field, "source");
    assert!(err.reason.contains("default_source"));
}

#[test]
fn broadcast_checks_every_recipient() {
    let dup = Broadcast::new([TO, TO], Content::text("x"))
        .to_json(Some(SOURCE))
        .unwrap_err();
    assert_eq!(dup.field, "destination[1]");
    let bad = Broadcast::new([TO, "12"], Content::text("x"))
        .to_json(Some(SOURCE))
        .unwrap_err();
    assert_eq!(bad.field, "destination[1]");
    let none = Broadcast::new(Vec::<String>::new(), Content::text("x"))
        .to_json(Some(SOURCE))
        .unwrap_err();
    assert_eq!(none.field, "destination");
    let many: Vec<String> = (0..=MAX_RECIPIENTS)
        .map(|i| format!("+6421{i:07}"))
        .collect();
    assert_eq!(
        Broadcast::new(many, Content::text("x"))
            .to_json(Some(SOURCE))
            .unwrap_err()
            .field,
        "destination"
    );
}

#[tokio::test]
async fn invalid_messages_never_reach_the_server() {
    // The catch-all mock fails this test if any request arrives.
    let server = server().await;
    let client = client(&server);
    let err = client
        .send(&Message::text("021 123 4567", "hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(v) if v.field == "to"),
        "{err}"
    );
    assert!(err.to_string().contains("`to`"));
    let err = client
        .broadcast(&Broadcast::new([TO], Content::text("")))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest(v) if v.field == "text.body"));
    let err = client
        .upload_media(MediaUpload::bytes("a.png", "not a mime", &b"x"[..]))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest(v) if v.field == "content_type"));
}
