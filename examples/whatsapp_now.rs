//! WhatsApp as it is now, against the sandbox: a customer known only by
//! username, authentication and carousel templates, a flow and a location
//! request answered by the customer, a template registry catching a
//! mistake before production, an honest fallback, and a file uploaded once
//! for many customers.
//!
//! `cargo run --example whatsapp_now`

use modica_wab::callback::{Callback, HandlerError, InboundKind, InteractiveReply, Receiver};
use modica_wab::media::{MediaCache, MediaFile};
use modica_wab::message::{Card, Flow, Interactive, Parameter, Template};
use modica_wab::{Client, FallbackPolicy, Media, Message};
use modica_wab_sandbox::templates::Templates;
use modica_wab_sandbox::{Fault, Sandbox};
use std::time::Duration;

const REGISTRY: &str = r#"
templates:
  - name: verify_code
    language: en
    category: authentication
    buttons: [ { otp: copy_code } ]
  - name: winter_sale
    language: en
    category: marketing
    body: "Hi {{1}}, picked for you:"
    cards:
      - { header: image, body: "{{1}}", buttons: [ { quick_reply: More } ] }
      - { header: image, body: "{{1}}", buttons: [ { quick_reply: More } ] }
  - name: parcel_update
    language: en
    category: utility
    body: "Your parcel {{1}}."
"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A receiver that prints what customers send.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://hooks:s3cret@{}/wab", listener.local_addr()?);
    let receiver = Receiver::builder()
        .url(&url)
        .handler(|event: Callback| async move {
            if let Callback::Mo(mo) = event {
                let who = mo.customer().map(|c| c.to_string()).unwrap_or_default();
                match &mo.content.kind {
                    InboundKind::Interactive(
                        reply @ InteractiveReply::FlowReply { flow_token, .. },
                    ) => {
                        println!(
                            "  {who} completed flow {flow_token:?}: {:?}",
                            reply.flow_response()
                        );
                    }
                    InboundKind::Location(place) => println!(
                        "  {who} shared ({}, {}) in answer to {:?}",
                        place.latitude,
                        place.longitude,
                        mo.content.replies_to()
                    ),
                    InboundKind::Text(text) => println!("  {who} wrote {:?}", text.body),
                    other => println!("  {who} sent {other:?}"),
                }
            }
            Ok::<(), HandlerError>(())
        })
        .build()?;
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });

    let sandbox = Sandbox::builder()
        .mo_url(&url)
        .templates(Templates::from_yaml(REGISTRY)?)
        .start()
        .await?;
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .fallback_policy(FallbackPolicy::AlsoWhenRefused)
        .media_cache(MediaCache::in_memory(Duration::from_secs(7 * 24 * 3600)))
        .build()?;
    let phone = "+64211234567";

    println!("1. A customer known by username only");
    let bob = sandbox.username_customer("@bob");
    sandbox.inject_text(&bob, "Kia ora, it's Bob");
    sandbox.settle(Duration::from_secs(10)).await;
    client.send(&Message::text(&bob, "Kia ora Bob!")).await?;
    let otp = Template::authentication("verify_code", "en", "482913");
    let refused = client.send(&Message::template(&bob, otp.clone())).await;
    println!(
        "  a one-time code to {bob}: {}",
        refused.err().map(|e| e.to_string()).unwrap_or_default()
    );
    client.send(&Message::template(phone, otp)).await?;
    println!("  the same code to {phone}: accepted");

    println!("2. Newer messages, answered by the customer");
    let sale = Template::new("winter_sale", "en")
        .body([Parameter::text("Aroha")])
        .carousel([
            Card::image(Media::link("https://cdn.example.com/aloe.jpg"))
                .body([Parameter::text("Aloe")])
                .quick_reply_button(0, "more-aloe"),
            Card::image(Media::link("https://cdn.example.com/fern.jpg"))
                .body([Parameter::text("Fern")])
                .quick_reply_button(0, "more-fern"),
        ]);
    client.send(&Message::template(phone, sale)).await?;
    let flow = Interactive::flow(
        "Book your next visit",
        Flow::id("1234567890", "Book now").token("visit-42"),
    );
    let sent = client.send(&Message::interactive(phone, flow)).await?;
    sandbox.complete_flow(phone, &sent.id, serde_json::json!({"day": "Tuesday"}))?;
    let ask = client
        .send(&Message::interactive(
            phone,
            Interactive::location_request("Where should we pick you up?"),
        ))
        .await?;
    sandbox.share_location(phone, &ask.id, -36.8485, 174.7633)?;
    client
        .send(&Message::voice_note(
            phone,
            Media::link("https://cdn.example.com/hello.ogg"),
        ))
        .await?;
    sandbox.settle(Duration::from_secs(10)).await;

    println!("3. A template mistake caught before production");
    let missing = Template::new("parcel_update", "en");
    let err = client
        .send(&Message::template(phone, missing))
        .await
        .unwrap_err();
    println!("  {err}");

    println!("4. What went out: the message, or its fallback");
    sandbox.fail_next_send_to(phone, Fault::WhatsAppError(131047));
    let update = Message::text(phone, "Your parcel left the depot.").or_template(
        Template::new("parcel_update", "en").body([Parameter::text("left the depot")]),
    );
    let accepted = client.send(&update).await?;
    println!(
        "  sent as {:?} ({:?})",
        accepted.sent_as, accepted.fallback_reason
    );

    println!("5. One file, three customers, one upload");
    let menu = MediaFile::bytes("menu.pdf", "application/pdf", &b"%PDF-1.7 this week"[..]);
    for to in ["+64211110001", "+64211110002", "+64211110003"] {
        client
            .send_media(&menu, |media| {
                Message::document(to, media).caption("This week's menu")
            })
            .await?;
    }
    println!("  uploads: {}", sandbox.uploads());
    Ok(())
}
