//! Receives Modica's MO and DLR callbacks, prints each as one JSON line, and
//! exposes the crate's metrics for Prometheus to scrape.
//!
//! ```text
//! MODICA_CALLBACK_URL='https://hooks:s3cr%40t@example.com/wab/callbacks' \
//! BIND=0.0.0.0:8080 METRICS_BIND=0.0.0.0:9090 \
//! cargo run --example receiver --features prometheus
//! ```
//!
//! Configure the same URL as both the MO and DLR callback URL in Modica's
//! portal (behind your TLS terminator). Try it locally:
//!
//! ```text
//! curl -u modica:change-me http://127.0.0.1:8080/wab/callbacks \
//!   -d '{"id":"1","status":"received","reference":"r1"}'
//! curl http://127.0.0.1:9090/metrics    # modica_wab_callbacks_total{kind="dlr",outcome="handled",status="received"} 1
//! ```

use metrics_exporter_prometheus::PrometheusBuilder;
use modica_wab::callback::{Callback, CallbackContext, HandlerError, Receiver};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("MODICA_CALLBACK_URL")
        .unwrap_or_else(|_| "http://modica:change-me@127.0.0.1:8080/wab/callbacks".into());
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let metrics_bind = std::env::var("METRICS_BIND").unwrap_or_else(|_| "127.0.0.1:9090".into());

    // The exporter is the application's choice; the crate only records.
    let prometheus = PrometheusBuilder::new().install_recorder()?;
    let metrics = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let prometheus = prometheus.clone();
            async move { prometheus.render() }
        }),
    );
    let metrics_listener = tokio::net::TcpListener::bind(&metrics_bind).await?;
    eprintln!(
        "metrics on http://{}/metrics",
        metrics_listener.local_addr()?
    );
    tokio::spawn(async move { axum::serve(metrics_listener, metrics).await });

    let receiver = Receiver::builder()
        .url(&url)
        .handler_with_context(|event: Callback, context: CallbackContext| async move {
            let kind = match &event {
                Callback::Mo(_) => "mo",
                Callback::Dlr(_) => "dlr",
                Callback::Malformed { .. } => "malformed",
                _ => "unknown",
            };
            let line =
                serde_json::json!({ "kind": kind, "account": context.username(), "event": event });
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
