//! Builds one message of every WhatsApp type and prints the request body the
//! client would post. With `MODICA_USERNAME`, `MODICA_PASSWORD`,
//! `MODICA_SOURCE` and `MODICA_TO` set, it sends the text message for real.
//!
//! `cargo run --example quickstart`

use modica_wab::*;

fn messages(to: &str) -> Vec<Message> {
    vec![
        Message::text(to, "Kia ora! Your order has shipped."),
        Message::template(
            to,
            Template::new("order_update", "en").body([Parameter::text("Aroha")]),
        ),
        Message::image(to, Media::link("https://cdn.example.com/parcel.jpg"))
            .caption("Your parcel"),
        Message::video(to, Media::id("1122334455")),
        Message::audio(to, Media::id("5566778899")),
        Message::document(to, Media::link("https://cdn.example.com/invoice.pdf"))
            .filename("invoice.pdf"),
        Message::sticker(to, Media::id("9988776655")),
        Message::location(to, Location::new(-36.8485, 174.7633).name("Sky Tower")),
        Message::contacts(
            to,
            [Contact::new("Aroha Smith")
                .first_name("Aroha")
                .phone("+6495551234", Some("WORK"))],
        ),
        Message::interactive(
            to,
            Interactive::buttons(
                "Deliver tomorrow?",
                [ReplyButton::new("yes", "Yes"), ReplyButton::new("no", "No")],
            ),
        ),
        Message::reaction(to, "wamid.HBgL", "👍"),
    ]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let to = std::env::var("MODICA_TO").unwrap_or_else(|_| "+64211234567".into());
    let source = std::env::var("MODICA_SOURCE").unwrap_or_else(|_| "6421000001".into());
    for m in messages(&to) {
        println!(
            "{:<12} {}",
            m.content().type_name(),
            m.to_json(Some(&source))?
        );
    }
    match Client::from_env() {
        Ok(client) if std::env::var("MODICA_TO").is_ok() => {
            let accepted = client.send(&messages(&to)[0]).await?;
            println!("sent for real: id {} ({})", accepted.id, accepted.status);
        }
        _ => println!(
            "\n(offline: set MODICA_USERNAME, MODICA_PASSWORD, MODICA_SOURCE and MODICA_TO to send for real)"
        ),
    }
    Ok(())
}
