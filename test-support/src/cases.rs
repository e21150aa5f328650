//! One case per message constructor with its optional parts: the message and
//! the exact JSON it must post. Shared by the message and conformance tests.

use super::SOURCE;
use modica_wab::message::*;
use serde_json::json;

pub const TO: &str = "+64211234567";

pub fn cases() -> Vec<(&'static str, Message, serde_json::Value)> {
    let base = |ty: &str, object: serde_json::Value| {
        let mut v = json!({"to": TO, "type": ty, "source": SOURCE});
        v[ty] = object;
        v
    };
    vec![
        (
            "text to a customer known by username (a business-scoped user id)",
            Message::text("US.13491208655302741918", "Kia ora"),
            json!({"recipient": "US.13491208655302741918", "type": "text", "source": SOURCE,
                "text": {"body": "Kia ora"}}),
        ),
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
            "template with named parameters",
            Message::template(
                TO,
                Template::new("order_shipped", "en")
                    .header(Parameter::text("A-1017").named("order_id"))
                    .body([
                        Parameter::text("Aroha").named("first_name"),
                        Parameter::date_time("Friday").named("delivery_day"),
                    ]),
            ),
            base(
                "template",
                json!({"name": "order_shipped", "language": {"code": "en"}, "components": [
                    {"type": "header", "parameters": [{"type": "text", "text": "A-1017", "parameter_name": "order_id"}]},
                    {"type": "body", "parameters": [
                        {"type": "text", "text": "Aroha", "parameter_name": "first_name"},
                        {"type": "date_time", "date_time": {"fallback_value": "Friday"}, "parameter_name": "delivery_day"}
                    ]}
                ]}),
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
            "authentication template (one-time code, copy-code or one-tap button)",
            Message::template(TO, Template::authentication("verify_code", "en", "482913")),
            base(
                "template",
                json!({"name": "verify_code", "language": {"code": "en"}, "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
                    {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]}
                ]}),
            ),
        ),
        (
            "carousel template",
            Message::template(
                TO,
                Template::new("winter_sale", "en")
                    .body([Parameter::text("Aroha")])
                    .carousel([
                        Card::image(Media::id("1558081531584829"))
                            .body([Parameter::text("Aloe")])
                            .quick_reply_button(0, "more-aloes")
                            .url_button(1, "aloe"),
                        Card::image(Media::id("1558081531584830"))
                            .body([Parameter::text("Fern")])
                            .quick_reply_button(0, "more-ferns")
                            .url_button(1, "fern"),
                    ]),
            ),
            base(
                "template",
                json!({"name": "winter_sale", "language": {"code": "en"}, "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": "Aroha"}]},
                    {"type": "carousel", "cards": [
                        {"card_index": 0, "components": [
                            {"type": "header", "parameters": [{"type": "image", "image": {"id": "1558081531584829"}}]},
                            {"type": "body", "parameters": [{"type": "text", "text": "Aloe"}]},
                            {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "more-aloes"}]},
                            {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "aloe"}]}
                        ]},
                        {"card_index": 1, "components": [
                            {"type": "header", "parameters": [{"type": "image", "image": {"id": "1558081531584830"}}]},
                            {"type": "body", "parameters": [{"type": "text", "text": "Fern"}]},
                            {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "more-ferns"}]},
                            {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "fern"}]}
                        ]}
                    ]}
                ]}),
            ),
        ),
        (
            "template with a flow button and a coupon code",
            Message::template(
                TO,
                Template::new("book_a_visit", "en")
                    .flow_button(
                        0,
                        FlowAction::new()
                            .token("visit-42")
                            .data(json!({"clinic": "Ponsonby"}).as_object().unwrap().clone()),
                    )
                    .copy_code_button(1, "KIAORA20"),
            ),
            base(
                "template",
                json!({"name": "book_a_visit", "language": {"code": "en"}, "components": [
                    {"type": "button", "sub_type": "flow", "index": "0", "parameters": [
                        {"type": "action", "action": {"flow_token": "visit-42", "flow_action_data": {"clinic": "Ponsonby"}}}
                    ]},
                    {"type": "button", "sub_type": "copy_code", "index": "1", "parameters": [
                        {"type": "coupon_code", "coupon_code": "KIAORA20"}
                    ]}
                ]}),
            ),
        ),
        (
            "voice note",
            Message::voice_note(TO, Media::id("445567")),
            base("audio", json!({"id": "445567", "voice": true})),
        ),
        (
            "interactive flow",
            Message::interactive(
                TO,
                Interactive::flow(
                    "Book your next visit",
                    Flow::id("1234567890", "Book now")
                        .token("visit-42")
                        .navigate("APPOINTMENT")
                        .data(json!({"clinic": "Ponsonby"}).as_object().unwrap().clone()),
                )
                .header(Header::text("Ponsonby clinic"))
                .footer("Takes a minute"),
            ),
            base(
                "interactive",
                json!({
                    "type": "flow",
                    "header": {"type": "text", "text": "Ponsonby clinic"},
                    "body": {"text": "Book your next visit"},
                    "footer": {"text": "Takes a minute"},
                    "action": {"name": "flow", "parameters": {
                        "flow_message_version": "3",
                        "flow_token": "visit-42",
                        "flow_id": "1234567890",
                        "flow_cta": "Book now",
                        "flow_action": "navigate",
                        "flow_action_payload": {"screen": "APPOINTMENT", "data": {"clinic": "Ponsonby"}}
                    }}
                }),
            ),
        ),
        (
            "interactive flow by name, draft, data exchange",
            Message::interactive(
                TO,
                Interactive::flow(
                    "Check your order",
                    Flow::name("order_status_v2", "Check")
                        .draft()
                        .data_exchange(),
                ),
            ),
            base(
                "interactive",
                json!({
                    "type": "flow",
                    "body": {"text": "Check your order"},
                    "action": {"name": "flow", "parameters": {
                        "flow_message_version": "3",
                        "flow_name": "order_status_v2",
                        "flow_cta": "Check",
                        "mode": "draft",
                        "flow_action": "data_exchange"
                    }}
                }),
            ),
        ),
        (
            "interactive location_request_message",
            Message::interactive(
                TO,
                Interactive::location_request("Where should we pick you up?"),
            ),
            base(
                "interactive",
                json!({
                    "type": "location_request_message",
                    "body": {"text": "Where should we pick you up?"},
                    "action": {"name": "send_location"}
                }),
            ),
        ),
        (
            "interactive product",
            Message::interactive(
                TO,
                Interactive::product("catalog-1", "SKU-1").footer("While stocks last"),
            ),
            base(
                "interactive",
                json!({
                    "type": "product",
                    "footer": {"text": "While stocks last"},
                    "action": {"catalog_id": "catalog-1", "product_retailer_id": "SKU-1"}
                }),
            ),
        ),
        (
            "interactive product_list",
            Message::interactive(
                TO,
                Interactive::product_list(
                    "Winter range",
                    "Picked for you",
                    "catalog-1",
                    [
                        ProductSection::new("Ferns", ["SKU-1", "SKU-2"]),
                        ProductSection::new("Aloes", ["SKU-3"]),
                    ],
                ),
            ),
            base(
                "interactive",
                json!({
                    "type": "product_list",
                    "header": {"type": "text", "text": "Winter range"},
                    "body": {"text": "Picked for you"},
                    "action": {"catalog_id": "catalog-1", "sections": [
                        {"title": "Ferns", "product_items": [{"product_retailer_id": "SKU-1"}, {"product_retailer_id": "SKU-2"}]},
                        {"title": "Aloes", "product_items": [{"product_retailer_id": "SKU-3"}]}
                    ]}
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
