//! Every kind of message, sent to the sandbox (offline): text, templates
//! (positional and named parameters, a media header, buttons), media by
//! link and by upload, location, contact cards, reply buttons, a list, a
//! call-to-action URL, a reaction and a reply.
//!
//! `cargo run --example messages`

use modica_wab::message::{
    Contact, Header, Interactive, Location, Parameter, ReplyButton, Row, Section, Template,
};
use modica_wab::{Client, Media, MediaUpload, Message};
use modica_wab_sandbox::Sandbox;

const CUSTOMER: &str = "+64211234567";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder().start().await?;
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .build()?;

    let uploaded = client
        .upload_media(MediaUpload::bytes(
            "menu.pdf",
            "application/pdf",
            &b"%PDF-1.4"[..],
        ))
        .await?;
    let messages = [
        Message::text(
            CUSTOMER,
            "Kia ora! Your order is on its way: https://example.com/t/17",
        )
        .preview_url(true)
        .reference("order-17"),
        Message::template(
            CUSTOMER,
            Template::new("order_update", "en")
                .body([Parameter::text("Aroha"), Parameter::text("17")]),
        ),
        Message::template(
            CUSTOMER,
            Template::new("order_shipped", "en")
                .header(Parameter::image(Media::link(
                    "https://example.com/parcel.jpg",
                )))
                .body([
                    Parameter::text("A-17").named("order_id"),
                    Parameter::text("Aroha").named("first_name"),
                ])
                .quick_reply_button(0, "track-17")
                .url_button(1, "17"),
        ),
        Message::image(CUSTOMER, Media::link("https://example.com/parcel.jpg"))
            .caption("At the depot"),
        Message::document(CUSTOMER, Media::id(uploaded.id.clone())).filename("menu.pdf"),
        Message::location(
            CUSTOMER,
            Location::new(-36.8485, 174.7633)
                .name("Depot")
                .address("1 Queen St, Auckland"),
        ),
        Message::contacts(
            CUSTOMER,
            [Contact::new("Aroha Ngata")
                .first_name("Aroha")
                .last_name("Ngata")
                .phone("+6491234567", Some("WORK"))],
        ),
        Message::interactive(
            CUSTOMER,
            Interactive::buttons(
                "Deliver tomorrow?",
                [ReplyButton::new("yes", "Yes"), ReplyButton::new("no", "No")],
            )
            .footer("Reply any time"),
        ),
        Message::interactive(
            CUSTOMER,
            Interactive::list(
                "When suits you?",
                "Pick a slot",
                [Section::new(
                    "Tomorrow",
                    [
                        Row::new("am", "Morning").description("9 to 12"),
                        Row::new("pm", "Afternoon"),
                    ],
                )],
            )
            .header(Header::text("Delivery slots")),
        ),
        Message::interactive(
            CUSTOMER,
            Interactive::cta_url("Track it live", "Track", "https://example.com/t/17"),
        ),
    ];
    let mut first = None;
    for message in &messages {
        let accepted = client.send(message).await?;
        println!("{:<11} {}", message.content().type_name(), accepted.id);
        first.get_or_insert(accepted.id);
    }
    // A reaction to, and a reply quoting, the first message.
    let first = first.unwrap_or_default();
    client
        .send(&Message::reaction(CUSTOMER, &first, "👍"))
        .await?;
    client
        .send(&Message::text(CUSTOMER, "One more thing…").reply_to(&first))
        .await?;
    println!(
        "{} messages, all accepted by the sandbox",
        sandbox.sent().len()
    );
    Ok(())
}
