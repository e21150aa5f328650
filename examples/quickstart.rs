//! The whole loop, offline: a local sandbox of the WAB API and a callback
//! receiver run in this process; the client sends a text, a template and an
//! uploaded image, the DLRs come back, a customer's reply (an injected MO)
//! arrives, and a short transcript is printed.
//!
//! `cargo run --example quickstart`
//!
//! With `MODICA_USERNAME`, `MODICA_PASSWORD`, `MODICA_SOURCE` and `MODICA_TO`
//! set, it sends one text through Modica for real instead.

use modica_wab::callback::{Callback, HandlerError, InboundKind, Receiver};
use modica_wab::message::*;
use modica_wab::*;
use modica_wab_sandbox::Sandbox;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CUSTOMER: &str = "+64211234567";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let (Ok(client), Ok(to)) = (Client::from_env(), std::env::var("MODICA_TO")) {
        let accepted = client
            .send(&Message::text(to, "Kia ora from modica-wab"))
            .await?;
        println!("sent for real: id {} ({})", accepted.id, accepted.status);
        return Ok(());
    }

    // 1. A receiver for Modica's callbacks, as you would mount it in your service.
    let events: Arc<Mutex<Vec<Callback>>> = Arc::default();
    let seen = events.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback_url = format!(
        "http://hooks:s3cr%40t@{}/wab/callbacks",
        listener.local_addr()?
    );
    let receiver = Receiver::builder()
        .url(&callback_url)
        .handler(move |event: Callback| {
            let seen = seen.clone();
            async move {
                seen.lock().map_err(|e| e.to_string())?.push(event);
                Ok::<(), HandlerError>(())
            }
        })
        .build()?;
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });

    // 2. The sandbox, calling back into the receiver with the URL's credentials.
    let sandbox = Sandbox::builder()
        .mo_url(&callback_url)
        .dlr_url(&callback_url)
        .start()
        .await?;
    println!("sandbox  {}  (WAB API emulator)", sandbox.base_url());
    println!("receiver {}", callback_url.replace("s3cr%40t", "***"));
    println!();

    // 3. The client, exactly as against Modica, but pointed at the sandbox.
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .build()?;

    let text = client
        .send(&Message::text(CUSTOMER, "Kia ora! Your order has shipped.").reference("order-17"))
        .await?;
    println!("→ text      {CUSTOMER}  accepted  {}", text.id);

    let template = Template::new("order_update", "en").body([Parameter::text("17")]);
    let template = client
        .send(&Message::template(CUSTOMER, template).reference("order-17-update"))
        .await?;
    println!("→ template  {CUSTOMER}  accepted  {}", template.id);

    let png: &[u8] = b"\x89PNG\r\n\x1a\n quickstart image";
    let uploaded = client
        .upload_media(MediaUpload::bytes("parcel.png", "image/png", png))
        .await?;
    println!(
        "↑ media     parcel.png ({} bytes)  id {}",
        png.len(),
        uploaded.id
    );
    let image = client
        .send(&Message::image(CUSTOMER, Media::id(&uploaded.id)).caption("Your parcel"))
        .await?;
    println!("→ image     {CUSTOMER}  accepted  {}", image.id);

    // 4. The customer answers (the sandbox plays WhatsApp).
    let reply = serde_json::json!({
        "type": "text",
        "text": { "body": "Thanks! Can you leave it at the door?" },
        "context": { "id": text.id },
    });
    sandbox.inject_mo(CUSTOMER, reply);

    if !sandbox.settle(Duration::from_secs(10)).await {
        return Err("callbacks did not arrive within 10 s".into());
    }
    println!();
    let events = events.lock().map_err(|e| e.to_string())?.clone();
    let names = [
        (&text.id, "text"),
        (&template.id, "template"),
        (&image.id, "image"),
    ];
    let mut dlrs = 0;
    let mut replies = 0;
    for event in &events {
        match event {
            Callback::Dlr(dlr) => {
                dlrs += 1;
                let name = names
                    .iter()
                    .find(|(id, _)| **id == dlr.id)
                    .map_or("?", |(_, n)| n);
                println!("← DLR       {name:<9} {}", dlr.status);
            }
            Callback::Mo(mo) => {
                if let InboundKind::Text(t) = &mo.content.kind {
                    replies += 1;
                    println!("← MO        {} says {:?}", mo.reply_recipient(), t.body);
                }
            }
            _ => println!("← other     {event:?}"),
        }
    }
    println!();
    println!(
        "{} sent, {dlrs} delivery reports, {replies} reply: the whole loop ran offline",
        sandbox.sent().len()
    );
    if dlrs != 6 || replies != 1 {
        return Err(format!("expected 6 DLRs and 1 reply, got {dlrs} and {replies}").into());
    }
    Ok(())
}
