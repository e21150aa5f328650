//! Conformance in your own tests: record what your code sends (here, to a
//! small recording server on 127.0.0.1, as wiremock would in a test) and
//! judge each request by Modica's spec with `modica-wab-conformance`. A
//! request the spec refuses names the field and the rule it breaks.
//!
//! `cargo run --example conformance`

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use modica_wab::{Client, Message};
use modica_wab_conformance::{RecordedRequest, Validator};
use std::sync::{Arc, Mutex};

type Recorded = Arc<Mutex<Vec<RecordedRequest>>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A gateway that records each request and accepts it.
    let recorded: Recorded = Arc::default();
    let keep = recorded.clone();
    let gateway = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                let mut request = RecordedRequest::new(method.as_str(), uri.to_string());
                for (name, value) in &headers {
                    request = request.header(name.as_str(), value.to_str().unwrap_or_default());
                }
                keep.lock()
                    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
                    .push(request.body(body.to_vec()));
                Ok::<_, StatusCode>((
                    StatusCode::ACCEPTED,
                    r#"[{"id":"m-1","status":"accepted"}]"#,
                ))
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, gateway).await });

    // Your code, sending as it does in production.
    let client = Client::builder()
        .credentials("acme-app", "s3cret")
        .base_url(base)
        .default_source("6421000001")
        .build()?;
    client
        .send(&Message::text("+64211234567", "Kia ora").reference("r-1"))
        .await?;

    // The spec's verdict on each request.
    let validator = Validator::for_built_spec()?;
    for request in recorded.lock().map_err(|_| "poisoned")?.iter() {
        let operation = validator.check_request(request)?;
        println!("{operation}: conforms to the spec");
    }
    // And what a request the spec refuses looks like.
    let bad = RecordedRequest::new("POST", "/messages")
        .header("authorization", "Basic YTpi")
        .header("content-type", "application/json")
        .body(
            br#"{"to":"021 123","type":"text","source":"6421000001","text":{"body":"hi"}}"#
                .to_vec(),
        );
    if let Err(violations) = validator.check_request(&bad) {
        for v in violations.iter() {
            println!("refused: {} breaks {}: {}", v.location, v.rule, v.message);
        }
    }
    Ok(())
}
