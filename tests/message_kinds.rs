//! The message kinds WhatsApp added lately (authentication and carousel
//! templates, flow buttons, flows, location requests, products, voice notes):
//! each of WhatsApp's documented limits refuses a message before anything
//! is sent, naming the field and the rule.

use modica_wab_test_support as common;

use common::SOURCE;
use common::cases::TO;
use modica_wab::message::*;
use serde_json::json;

fn refused(message: Message) -> (String, String) {
    match message.to_json(Some(SOURCE)) {
        Err(e) => (e.field, e.reason),
        Ok(body) => panic!("accepted: {body}"),
    }
}

fn accepted(message: Message) -> serde_json::Value {
    message
        .to_json(Some(SOURCE))
        .unwrap_or_else(|e| panic!("refused: {e}"))
}

fn card(n: usize) -> Card {
    Card::image(Media::id(format!("100{n}"))).quick_reply_button(0, format!("more-{n}"))
}

fn carousel(cards: impl IntoIterator<Item = Card>) -> Message {
    Message::template(TO, Template::new("sale", "en").carousel(cards))
}

#[test]
fn a_carousel_holds_two_to_ten_cards_of_one_shape() {
    for n in CAROUSEL_CARDS {
        let body = accepted(carousel((0..n).map(card)));
        let cards = body["template"]["components"][0]["cards"]
            .as_array()
            .unwrap();
        let indexes: Vec<u64> = cards
            .iter()
            .map(|c| c["card_index"].as_u64().unwrap())
            .collect();
        assert_eq!(
            indexes,
            (0..n as u64).collect::<Vec<_>>(),
            "numbered in order"
        );
    }
    for n in [0, 1, 11, 50] {
        let (field, reason) = refused(carousel((0..n).map(card)));
        assert_eq!(field, "template.components[0].cards");
        assert!(
            reason.contains("2 to 10 cards") && reason.contains(&format!("got {n}")),
            "{reason}"
        );
    }
    // One card with a body the others lack.
    let (field, reason) = refused(carousel([card(0), card(1).body([Parameter::text("x")])]));
    assert_eq!(field, "template.components[0].cards[1]");
    assert!(reason.contains("same parts"), "{reason}");
    // Three buttons on a card.
    let crowded = Card::image(Media::id("1"))
        .quick_reply_button(0, "a")
        .quick_reply_button(1, "b")
        .url_button(2, "c");
    let (field, reason) = refused(carousel([crowded.clone(), crowded]));
    assert_eq!(field, "template.components[0].cards[0].components");
    assert!(reason.contains("at most 2 buttons"), "{reason}");
    // A card's header is an image or a video, nothing else.
    let mut text_header = card(0);
    text_header.components[0] = Component::header([Parameter::text("Aloe")]);
    let (field, reason) = refused(carousel([text_header, card(1)]));
    assert_eq!(field, "template.components[0].cards[0].components");
    assert!(reason.contains("image or a video"), "{reason}");
    // A card index out of order (the field is public).
    let mut shuffled = Component::carousel([card(0), card(1)]);
    shuffled.cards[1].card_index = 7;
    let (field, _) = refused(Message::template(
        TO,
        Template::new("sale", "en").component(shuffled),
    ));
    assert_eq!(field, "template.components[0].cards[1].card_index");
    // Headers and buttons go on the cards, not beside the carousel.
    let (field, reason) = refused(Message::template(
        TO,
        Template::new("sale", "en")
            .header(Parameter::text("Sale"))
            .carousel([card(0), card(1)]),
    ));
    assert_eq!(field, "template.components[0]");
    assert!(reason.contains("on the cards"), "{reason}");
}

#[test]
fn an_authentication_code_is_short_and_goes_to_a_phone_only() {
    let body = accepted(Message::template(
        TO,
        Template::authentication("otp", "en", "123456789012345"),
    ));
    assert_eq!(body["template"]["components"][1]["index"], "0");
    let (field, reason) = refused(Message::template(
        TO,
        Template::authentication("otp", "en", "1234567890123456"),
    ));
    assert_eq!(field, "template.components[0].parameters[0].text");
    assert!(reason.contains("limit is 15"), "{reason}");
    let (_, reason) = refused(Message::template(
        TO,
        Template::authentication("otp", "en", "12 34"),
    ));
    assert!(reason.contains("no spaces"), "{reason}");
    // To a customer known by BSUID: refused here, as WhatsApp would (131062).
    let (field, reason) = refused(Message::template(
        "NZ.13491208655302741918",
        Template::authentication("otp", "en", "482913"),
    ));
    assert_eq!(field, "recipient");
    assert!(reason.contains("131062"), "{reason}");
    // …and as a fallback too.
    let (field, _) = refused(
        Message::text("NZ.13491208655302741918", "Your code")
            .or_template(Template::authentication("otp", "en", "482913")),
    );
    assert_eq!(field, "recipient");
    // Other templates go to a BSUID.
    accepted(Message::template(
        "NZ.13491208655302741918",
        Template::new("hello", "en"),
    ));
}

#[test]
fn template_buttons_take_the_parameter_of_their_kind() {
    let (field, reason) = refused(Message::template(
        TO,
        Template::new("t", "en").copy_code_button(0, "SIXTEEN-CHARS-XX"),
    ));
    assert_eq!(field, "template.components[0].parameters[0].coupon_code");
    assert!(reason.contains("limit is 15"), "{reason}");
    let (field, reason) = refused(Message::template(
        TO,
        Template::new("t", "en").component(Component::button(
            ButtonKind::Flow,
            0,
            [Parameter::text("x")],
        )),
    ));
    assert_eq!(field, "template.components[0].parameters[0]");
    assert!(
        reason.contains("`text` parameter is not allowed"),
        "{reason}"
    );
    let empty = serde_json::Map::new();
    let (field, _) = refused(Message::template(
        TO,
        Template::new("t", "en").flow_button(0, FlowAction::new().data(empty)),
    ));
    assert_eq!(
        field,
        "template.components[0].parameters[0].action.flow_action_data"
    );
}

fn flow(f: Flow) -> Message {
    Message::interactive(TO, Interactive::flow("Book a visit", f))
}

#[test]
fn a_flow_names_one_flow_behind_a_short_plain_label() {
    accepted(flow(Flow::id("123", "x".repeat(MAX_FLOW_CTA))));
    let (field, reason) = refused(flow(Flow::id("123", "x".repeat(MAX_FLOW_CTA + 1))));
    assert_eq!(field, "interactive.action.parameters.flow_cta");
    assert!(reason.contains("limit is 20"), "{reason}");
    let (field, reason) = refused(flow(Flow::id("123", "Book 📅")));
    assert_eq!(field, "interactive.action.parameters.flow_cta");
    assert!(reason.contains("no emoji"), "{reason}");
    let mut both = Flow::id("123", "Book");
    both.flow_name = Some("booking".into());
    let (field, reason) = refused(flow(both));
    assert_eq!(field, "interactive.action.parameters");
    assert!(
        reason.contains("exactly one of `flow_id` or `flow_name`"),
        "{reason}"
    );
    let data = json!({"clinic": "Ponsonby"}).as_object().unwrap().clone();
    let (field, reason) = refused(flow(Flow::id("123", "Book").data(data.clone())));
    assert_eq!(
        field,
        "interactive.action.parameters.flow_action_payload.screen"
    );
    assert!(reason.contains("Flow::navigate"), "{reason}");
    let (field, _) = refused(flow(
        Flow::id("123", "Book")
            .navigate("START")
            .data(data)
            .data_exchange(),
    ));
    assert_eq!(field, "interactive.action.parameters.flow_action_payload");
    let body = accepted(flow(Flow::id("123", "Book").data_exchange()));
    assert_eq!(
        body["interactive"]["action"]["parameters"]["flow_message_version"],
        "3"
    );
}

#[test]
fn location_requests_and_products_keep_to_their_parts() {
    let (field, _) = refused(Message::interactive(
        TO,
        Interactive::location_request("Where are you?").header(Header::text("Pickup")),
    ));
    assert_eq!(field, "interactive.header");
    let (field, _) = refused(Message::interactive(
        TO,
        Interactive::location_request("Where are you?").footer("Thanks"),
    ));
    assert_eq!(field, "interactive.footer");
    let (field, _) = refused(Message::interactive(
        TO,
        Interactive::location_request("x".repeat(1025)),
    ));
    assert_eq!(field, "interactive.body.text");
    // A product: no header, body optional.
    accepted(Message::interactive(
        TO,
        Interactive::product("cat", "SKU-1"),
    ));
    let (field, _) = refused(Message::interactive(
        TO,
        Interactive::product("cat", "SKU-1").header(Header::text("New")),
    ));
    assert_eq!(field, "interactive.header");
    let (field, _) = refused(Message::interactive(TO, Interactive::product("", "SKU-1")));
    assert_eq!(field, "interactive.action.catalog_id");
    // A product list: at most 30 products in all, titled sections when several.
    let skus = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("SKU-{i}"))
            .collect::<Vec<_>>()
    };
    let list = |sections: Vec<ProductSection>| {
        Message::interactive(
            TO,
            Interactive::product_list("Range", "Picked for you", "cat", sections),
        )
    };
    accepted(list(vec![
        ProductSection::new("A", skus(0, 15)),
        ProductSection::new("B", skus(15, 15)),
    ]));
    let (field, reason) = refused(list(vec![
        ProductSection::new("A", skus(0, 15)),
        ProductSection::new("B", skus(15, 16)),
    ]));
    assert_eq!(field, "interactive.action.sections");
    assert!(
        reason.contains("at most 30 products in all, got 31"),
        "{reason}"
    );
    let (field, _) = refused(list(vec![
        ProductSection::untitled(skus(0, 1)),
        ProductSection::untitled(skus(1, 1)),
    ]));
    assert_eq!(field, "interactive.action.sections[0].title");
    let (field, _) = refused(list(vec![ProductSection::new("A", Vec::<String>::new())]));
    assert_eq!(field, "interactive.action.sections[0].product_items");
    let (field, reason) = refused(Message::interactive(
        TO,
        Interactive::product_list("Range", "Body", "cat", [ProductSection::untitled(["S"])])
            .header(Header::Image {
                image: Media::id("1"),
            }),
    ));
    assert_eq!(field, "interactive.header");
    assert!(reason.contains("only a text header"), "{reason}");
}

#[test]
fn only_audio_is_a_voice_note() {
    let body = accepted(Message::voice_note(
        TO,
        Media::link("https://cdn.example.com/v.ogg"),
    ));
    assert_eq!(body["audio"]["voice"], true);
    let (field, _) = refused(Message::image(TO, Media::id("1").voice_note()));
    assert_eq!(field, "image.voice");
}
