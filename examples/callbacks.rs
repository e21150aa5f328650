//! Receiving Modica's callbacks: a `Receiver` serving the URL you configure
//! at Modica (credentials included), one handler for inbound messages (MO)
//! and delivery reports (DLR), each event handled once however often it is
//! delivered. The sandbox plays Modica: it sends DLRs for a message, and
//! delivers a customer's messages, some of them twice.
//!
//! `cargo run --example callbacks`

use modica_wab::callback::{Callback, CallbackContext, HandlerError, InboundKind, Receiver};
use modica_wab::{Client, Message};
use modica_wab_sandbox::Sandbox;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    // The URL as configured at Modica: the receiver serves its path and
    // checks its credentials (percent-encoded in the URL).
    let url = format!(
        "http://hooks:s3cr%40t@{}/wab/callbacks",
        listener.local_addr()?
    );
    let handled = Arc::new(AtomicUsize::new(0));
    let count = handled.clone();
    let receiver = Receiver::builder()
        .url(&url)
        .handler_with_context(move |event: Callback, context: CallbackContext| {
            let count = count.clone();
            async move {
                match &event {
                    Callback::Mo(mo) => match &mo.content.kind {
                        InboundKind::Text(text) => {
                            println!("MO  from {}: {:?}", mo.reply_recipient(), text.body)
                        }
                        other => println!("MO  from {}: {other:?}", mo.reply_recipient()),
                    },
                    Callback::Dlr(dlr) => println!("DLR {} is {}", dlr.id, dlr.status),
                    // Shapes this crate does not know are kept, never dropped.
                    other => println!("??? {other:?}"),
                }
                let _ = context.username(); // which account it came in on
                count.fetch_add(1, Ordering::SeqCst);
                // An Err (or a panic) answers 5xx: Modica delivers it again.
                Ok::<(), HandlerError>(())
            }
        })
        .build()?;
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });

    // Modica, played by the sandbox: every callback delivered again afterwards.
    let sandbox = Sandbox::builder()
        .mo_url(&url)
        .dlr_url(&url)
        .duplicate_callbacks(1.0, 0.0, 7)
        .start()
        .await?;
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .build()?;
    client
        .send(&Message::text("+64211234567", "Your order is ready"))
        .await?;
    sandbox.inject_text("+64211234567", "On my way!");
    sandbox.settle(Duration::from_secs(10)).await;
    let deliveries: usize = sandbox.deliveries().iter().map(|d| d.attempts.len()).sum();
    println!(
        "{deliveries} deliveries, {} events handled: each once",
        handled.load(Ordering::SeqCst)
    );
    Ok(())
}
