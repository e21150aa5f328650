//! Every WhatsApp message type: the exact JSON the client posts, and the
//! local checks that stop a bad message before any request leaves.

use modica_wab_test_support as common;

use common::cases::{TO, cases};
use common::*;
use modica_wab::message::*;
use modica_wab::*;
use wiremock::Mock;
use wiremock::matchers::{body_json, method, path};

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

#[test]
fn named_parameters_all_or_none_valid_names_once_each() {
    let send = |parameters: Vec<Parameter>| {
        field_and_reason(Message::template(
            TO,
            Template::new("order_shipped", "en").body(parameters),
        ))
    };
    let (field, reason) = send(vec![
        Parameter::text("A-17").named("order_id"),
        Parameter::text("Aroha"),
    ]);
    assert_eq!(field, "template.components[0].parameters");
    assert!(reason.contains("1 of 2 parameters are named"), "{reason}");
    for bad in ["Order_Id", "order-id", "", "ordér"] {
        let (field, reason) = send(vec![Parameter::text("x").named(bad)]);
        assert_eq!(
            field, "template.components[0].parameters[0].parameter_name",
            "{bad:?}"
        );
        assert!(reason.contains("not a parameter name"), "{reason}");
    }
    let (field, reason) = send(vec![
        Parameter::text("a").named("day"),
        Parameter::text("b").named("day"),
    ]);
    assert_eq!(field, "template.components[0].parameters[1].parameter_name");
    assert!(reason.contains("given twice"), "{reason}");
    // Positional and named components can sit side by side in one template.
    let mixed_components = Template::new("order_shipped", "en")
        .header(Parameter::text("A-17"))
        .body([Parameter::text("Aroha").named("first_name")]);
    assert!(
        Message::template(TO, mixed_components)
            .to_json(Some(SOURCE))
            .is_ok()
    );
}

fn field_and_reason(message: Message) -> (String, String) {
    match message.to_json(Some(SOURCE)) {
        Err(e) => (e.field, e.reason),
        Ok(body) => panic!("accepted: {body}"),
    }
}
