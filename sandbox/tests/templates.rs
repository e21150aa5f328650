//! A template registry in the sandbox: template messages answered as
//! WhatsApp answers them, drawn with their text filled in, and registry
//! files with mistakes refused, naming the template and the field.

use modica_wab::message::{Card, Media, Parameter, Template};
use modica_wab::{Client, ErrorClass, ErrorCode, Message};
use modica_wab_sandbox::Sandbox;
use modica_wab_sandbox::templates::{Category, Status, TemplateFileError, Templates};
use std::time::Duration;

const TO: &str = "+64211234567";
const REGISTRY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/registry.yaml");

async fn sandbox() -> (Sandbox, Client) {
    let sandbox = Sandbox::builder()
        .templates(Templates::from_file(REGISTRY).unwrap())
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .build()
        .unwrap();
    (sandbox, client)
}

fn order_update() -> Template {
    Template::new("order_update", "en")
        .header(Parameter::text("A-17"))
        .body([Parameter::text("Aroha"), Parameter::text("on its way")])
        .url_button(1, "A-17")
}

#[tokio::test]
async fn template_messages_are_answered_as_whatsapp_does() {
    let (sandbox, client) = sandbox().await;
    let refused = async |t: Template| {
        let err = client.send(&Message::template(TO, t)).await.unwrap_err();
        (err.code().map(|c| c.code()), err.to_string())
    };
    let sent = sandbox.sent().len();
    let cases: Vec<(Template, i64, &str)> = vec![
        (
            Template::new("no_such", "en"),
            132001,
            "no template \"no_such\"",
        ),
        (
            Template::new("order_update", "de"),
            132001,
            "has no \"de\" translation",
        ),
        (
            Template::new("order_update", "en")
                .header(Parameter::text("A-17"))
                .body([Parameter::text("Aroha")])
                .url_button(1, "A-17"),
            132000,
            "the body has 2 placeholder(s); 1 parameter(s) were sent",
        ),
        (
            Template::new("order_update", "en")
                .body([Parameter::text("Aroha"), Parameter::text("late")])
                .url_button(1, "A-17"),
            132000,
            "the header has 1 placeholder(s); 0",
        ),
        (
            Template::new("order_update", "en")
                .header(Parameter::text("A-17"))
                .body([Parameter::text("Aroha"), Parameter::text("late")]),
            132000,
            "button 1 (url) needs the end of its URL",
        ),
        (
            Template::new("order_update", "en")
                .header(Parameter::text("A-17"))
                .body([Parameter::text("Aroha"), Parameter::text("late")])
                .quick_reply_button(1, "x"),
            132012,
            "button 1 is a url button; a quick_reply parameter was sent",
        ),
        (
            Template::new("order_update", "en")
                .header(Parameter::text("A-17"))
                .body([Parameter::text("Aroha"), Parameter::text("x".repeat(1024))])
                .url_button(1, "A-17"),
            132005,
            "the limit is 1024",
        ),
        (
            Template::new("invoice_ready", "en").header(Parameter::text("inv.pdf")),
            132012,
            "the header is a document; a text parameter was sent",
        ),
        (
            Template::new("order_shipped", "en").body([
                Parameter::text("Aroha").named("first_name"),
                Parameter::text("A-17").named("order"),
            ]),
            132000,
            "[\"order_id\"] got no parameter by that name",
        ),
        (
            Template::new("order_shipped", "en")
                .body([Parameter::text("Aroha"), Parameter::text("A-17")]),
            132012,
            "placeholders are named; parameters were sent by position",
        ),
        (
            Template::new("order_update", "mi").body([
                Parameter::text("Aroha").named("first"),
                Parameter::text("A-17").named("second"),
            ]),
            132012,
            "placeholders are numbered; parameters were sent by name",
        ),
        (Template::new("spring_promo", "en"), 132015, "is paused"),
        (Template::new("old_promo", "en"), 132016, "is disabled"),
        (
            Template::new("winter_sale", "en")
                .body([Parameter::text("Aroha")])
                .carousel([
                    Card::image(Media::id("1"))
                        .body([Parameter::text("Aloe")])
                        .quick_reply_button(0, "a"),
                    Card::image(Media::id("2"))
                        .body([Parameter::text("Fern")])
                        .quick_reply_button(0, "f"),
                    Card::image(Media::id("3"))
                        .body([Parameter::text("Kauri")])
                        .quick_reply_button(0, "k"),
                ]),
            132000,
            "the template's carousel has 2 cards; 3 were sent",
        ),
        (
            Template::new("winter_sale", "en")
                .body([Parameter::text("Aroha")])
                .carousel([
                    Card::image(Media::id("1")).body([Parameter::text("x".repeat(161))]),
                    Card::image(Media::id("2")).body([Parameter::text("Fern")]),
                ]),
            132005,
            "card 0: the body filled in is 161 characters; the limit is 160",
        ),
        (
            Template::new("stay_in_touch", "en").url_button(0, "x"),
            132000,
            "button 0 (request_contact_info) takes no parameter",
        ),
    ];
    for (template, code, says) in cases {
        let name = template.name.clone();
        let (got, text) = refused(template).await;
        assert_eq!(got, Some(code), "{name}: {text}");
        assert!(text.contains(says), "{name}: {text} lacks {says:?}");
    }
    assert_eq!(sandbox.sent().len(), sent, "nothing refused was accepted");
    let paused = client
        .send(&Message::template(TO, Template::new("spring_promo", "en")))
        .await
        .unwrap_err();
    assert_eq!(paused.code(), Some(ErrorCode::TemplatePaused));
    assert_eq!(
        paused.class(),
        ErrorClass::StopAndAct,
        "a paused template is not retried"
    );

    // What matches is accepted.
    for template in [
        order_update(),
        Template::new("order_update", "mi")
            .body([Parameter::text("Aroha"), Parameter::text("A-17")]),
        Template::new("order_shipped", "en").body([
            Parameter::text("A-17").named("order_id"),
            Parameter::text("Aroha").named("first_name"),
        ]),
        Template::new("invoice_ready", "en").header(Parameter::document(Media::id("9"))),
        Template::authentication("verify_code", "en", "482913"),
        Template::new("winter_sale", "en")
            .body([Parameter::text("Aroha")])
            .carousel([
                Card::image(Media::id("1"))
                    .body([Parameter::text("Aloe")])
                    .quick_reply_button(0, "a"),
                Card::image(Media::id("2"))
                    .body([Parameter::text("Fern")])
                    .quick_reply_button(0, "f"),
            ]),
        Template::new("stay_in_touch", "en"),
        Template::new("book_a_visit", "en"),
    ] {
        let name = template.name.clone();
        client
            .send(&Message::template(TO, template))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // The registry says it is an authentication template: 131062 to a BSUID
    // (the client refuses what it built with `Template::authentication`;
    // this one is built by hand).
    let bob = sandbox.username_customer("@bob");
    let by_hand = Template::new("verify_code", "en")
        .body([Parameter::text("482913")])
        .url_button(0, "482913");
    let err = client
        .send(&Message::template(&bob, by_hand))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::BsuidNotSupported), "{err}");
}

#[tokio::test]
async fn the_chat_view_shows_a_template_as_the_customer_reads_it() {
    let (sandbox, client) = sandbox().await;
    for template in [
        order_update(),
        Template::new("stay_in_touch", "en"),
        Template::new("book_a_visit", "en"),
    ] {
        client.send(&Message::template(TO, template)).await.unwrap();
    }
    let conversation = format!(
        "{}c/{}/{}",
        sandbox.chat_url().unwrap(),
        sandbox.business_number(),
        TO.trim_start_matches('+')
    );
    let page = reqwest::get(&conversation)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for shown in [
        r#"<p class="header">Order <span class="param" title="{{1}}">A-17</span></p>"#,
        r#"Kia ora <span class="param" title="{{1}}">Aroha</span>, your order is <span class="param" title="{{2}}">on its way</span>."#,
        r#"<p class="footer">Reply STOP to opt out</p>"#,
        r#"data-choice="Track it">Track it</button>"#,
        r#"href="https://example.com/o/A-17""#,
        r#"data-choice="request_contact_info">Share contact info</button>"#,
        r#"data-choice="unused">Book now</button>"#,
    ] {
        assert!(page.contains(shown), "the page shows {shown}");
    }
    // The customer shares their contact from the page.
    let asked = sandbox
        .sent()
        .iter()
        .find(|m| m.body["template"]["name"] == "stay_in_touch")
        .unwrap()
        .id
        .clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .post(format!("{conversation}/tap"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "kind=contact&id=request_contact_info&context={asked}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    assert!(sandbox.settle(Duration::from_secs(10)).await);
    let page = reqwest::get(&conversation)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("shared their contact, as asked"), "{page}");
}

#[test]
fn a_registry_with_a_mistake_names_the_template_and_the_field() {
    let registry = Templates::from_file(REGISTRY).unwrap();
    assert_eq!(registry.len(), 10);
    let verify = registry.get("verify_code", "en").unwrap();
    assert_eq!(
        (verify.category(), verify.status()),
        (Category::Authentication, Status::Approved)
    );
    let one = |body: &str| {
        format!("templates:\n  - {{ name: t, language: en, category: utility, {body} }}\n")
    };
    for (yaml, template, field, says) in [
        (
            one(r#"body: "{{order_id}} and {{order_id}}""#),
            "t (en)",
            "body",
            "named twice",
        ),
        (
            one(r#"body: "{{1}} {{3}}""#),
            "t (en)",
            "body",
            "{{3}} stands where {{2}} should",
        ),
        (
            one(r#"header: { text: "{{1}}" }, body: "{{name}}""#),
            "t (en)",
            "body",
            "all numbered or all named",
        ),
        (
            one(r#"body: "hi", buttons: [ { otp: copy_code } ]"#),
            "t (en)",
            "buttons",
            "for authentication templates",
        ),
        (
            one(r#"body: "hi", footer: "{{1}}""#),
            "t (en)",
            "footer",
            "no placeholders",
        ),
        (
            one(
                r#"body: "hi", buttons: [ { url: { text: Go, url: "https://x.example/{{1}}/y" } } ]"#,
            ),
            "t (en)",
            "buttons[0].url",
            "at its end",
        ),
        (
            one(
                r#"body: "hi", buttons: [ { quick_reply: "this label is far too long to show" } ]"#,
            ),
            "t (en)",
            "buttons[0].text",
            "limit is 25",
        ),
        (one(r#"body: """#), "t (en)", "body", "is empty"),
        (
            one(r#"name: "Bad Name", body: "hi""#).replacen("name: t, ", "", 1),
            "Bad Name (en)",
            "name",
            "lower-case",
        ),
    ] {
        match Templates::from_yaml(&yaml) {
            Err(TemplateFileError::Invalid {
                template: t,
                field: f,
                reason,
            }) => {
                assert_eq!(
                    (t.as_str(), f.as_str()),
                    (template, field),
                    "{yaml}: {reason}"
                );
                assert!(reason.contains(says), "{yaml}: {reason}");
            }
            other => panic!("{yaml}: {other:?}"),
        }
    }
    let cards = |n: usize| {
        let card = "{ header: image, body: hi }, ".repeat(n);
        format!(
            "templates:\n  - {{ name: s, language: en, category: marketing, body: hi, cards: [ {card} ] }}\n"
        )
    };
    assert!(Templates::from_yaml(&cards(10)).is_ok());
    let err = Templates::from_yaml(&cards(11)).unwrap_err();
    assert!(err.to_string().contains("2 to 10 cards, got 11"), "{err}");
    let twice = format!(
        "{}{}",
        one("body: hi"),
        one("body: again").replacen("templates:\n", "", 1)
    );
    assert!(
        matches!(Templates::from_yaml(&twice), Err(TemplateFileError::Duplicate(t)) if t == "t (en)")
    );
    let typo = one("bodyy: hi");
    let err = Templates::from_yaml(&typo).unwrap_err();
    assert!(
        matches!(&err, TemplateFileError::Syntax(s) if s.contains("bodyy")),
        "{err}"
    );
    assert!(matches!(
        Templates::from_file("/nonexistent/templates.yaml"),
        Err(TemplateFileError::Read { .. })
    ));
    // JSON, by its extension.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("t.json");
    std::fs::write(
        &json,
        r#"{"templates":[{"name":"t","language":"en","category":"utility","body":"Hi {{1}}"}]}"#,
    )
    .unwrap();
    assert_eq!(Templates::from_file(&json).unwrap().len(), 1);
}
