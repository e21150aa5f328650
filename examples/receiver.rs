//! Receives Modica's MO and DLR callbacks and prints each as one JSON line.
//!
//! ```text
//! MODICA_CALLBACK_URL='https://hooks:s3cr%40t@example.com/wab/callbacks' \
//! BIND=0.0.0.0:8080 cargo run --example receiver --features receiver
//! ```
//!
//! Configure the same URL as both the MO and DLR callback URL in Modica's
//! portal (behind your TLS terminator). Try it locally:
//!
//! ```text
//! curl -u modica:change-me http://127.0.0.1:8080/wab/callbacks \
//!   -d '{"id":"1","status":"received","reference":"r1"}'
//! ```

use modica_wab::callback::{Callback, HandlerError, Receiver};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("MODICA_CALLBACK_URL")
        .unwrap_or_else(|_| "http://modica:change-me@127.0.0.1:8080/wab/callbacks".into());
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());

    let receiver = Receiver::builder()
        .url(&url)
        .handler(|event: Callback| async move {
            let kind = match &event {
                Callback::Mo(_) => "mo",
                Callback::Dlr(_) => "dlr",
                Callback::Malformed { .. } => "malformed",
                _ => "unknown",
            };
            let line = serde_json::json!({ "kind": kind, "event": event });
            println!("{line}");
            Ok::<(), HandlerError>(())
        })
        .build()?;

    let listener = tokio::net::TcpListener::bind(&bind).await?;
    let paths: Vec<_> = receiver.paths().collect();
    eprintln!(
        "listening on http://{} for {paths:?}",
        listener.local_addr()?
    );
    // Ctrl-C stops accepting; callbacks in flight finish (30 s at most).
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    receiver.serve(listener, ctrl_c).await;
    Ok(())
}
