//! A small conversation bot: it answers each customer's message with a menu,
//! reads the tap back, keeps the 24-hour service window (a free-form message
//! outside it goes as its template instead), and follows each message's
//! delivery state from the DLRs. The sandbox plays Modica and the customer.
//!
//! `cargo run --example conversation`

use modica_wab::callback::{Callback, HandlerError, Receiver};
use modica_wab::delivery::DeliveryTracker;
use modica_wab::message::{Choices, Parameter, Template};
use modica_wab::window::ServiceWindow;
use modica_wab::{Client, Content, Message};
use modica_wab_sandbox::Sandbox;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
enum Slot {
    Morning,
    Afternoon,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://hooks:s3cret@{}/wab", listener.local_addr()?);
    let sandbox = Sandbox::builder()
        .mo_url(&url)
        .dlr_url(&url)
        .start()
        .await?;
    let window = ServiceWindow::in_memory();
    let tracker = DeliveryTracker::in_memory();
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .service_window(window.clone())
        .build()?;
    let slots = Choices::new("slot")
        .choice("am", "Morning", Slot::Morning)
        .choice("pm", "Afternoon", Slot::Afternoon);

    let (bot, w, t, s) = (
        client.clone(),
        window.clone(),
        tracker.clone(),
        slots.clone(),
    );
    let receiver = Receiver::builder()
        .url(&url)
        .handler(move |event: Callback| {
            let (bot, window, tracker, slots) = (bot.clone(), w.clone(), t.clone(), s.clone());
            async move {
                match event {
                    Callback::Mo(mo) => {
                        window.record(&mo).await?;
                        let reply = match slots.picked(&mo) {
                            Some(slot) => {
                                println!("customer picked {slot:?}");
                                Content::text(format!("Booked: {slot:?}. See you then!"))
                            }
                            None => {
                                println!("customer wrote; the bot offers a menu");
                                Content::Interactive(slots.buttons("When shall we deliver?"))
                            }
                        };
                        let accepted = bot.reply(&mo, reply).await?;
                        tracker.record_send(&accepted).await?;
                    }
                    Callback::Dlr(dlr) => {
                        let update = tracker.record_report(&dlr).await?;
                        println!("delivery {} is {:?}", dlr.id, update.delivery.state);
                    }
                    _ => {}
                }
                Ok::<(), HandlerError>(())
            }
        })
        .build()?;
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });

    // The customer writes; the bot answers with a menu; the customer taps.
    sandbox.inject_text("+64211234567", "Hi, when can you deliver?");
    sandbox.settle(Duration::from_secs(10)).await;
    let menu = sandbox
        .sent()
        .last()
        .map(|m| m.id.clone())
        .unwrap_or_default();
    sandbox.inject_mo(
        "+64211234567",
        serde_json::json!({"type": "interactive", "context": {"id": menu},
            "interactive": {"type": "button_reply", "button_reply": {"id": "slot:am", "title": "Morning"}}}),
    );
    sandbox.settle(Duration::from_secs(10)).await;

    // Another customer never wrote: the window is closed, the template goes.
    let update = Message::text("+64219999999", "Your parcel left the depot.").or_template(
        Template::new("parcel_update", "en").body([Parameter::text("left the depot")]),
    );
    let accepted = client.send(&update).await?;
    println!(
        "to a customer who never wrote: sent as {:?} ({:?})",
        accepted.sent_as, accepted.fallback_reason
    );
    Ok(())
}
