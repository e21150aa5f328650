//! Every operation of the client, sent to a local gateway that answers each with
//! its fixture; the requests are recorded for the conformance checks (ours and Prism's).

use super::cases::cases;
use super::{client, respond, server};
use modica_wab::{Broadcast, Content, MediaUpload};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A server answering every operation with its fixture.
pub async fn gateway() -> MockServer {
    let server = server().await;
    let routes: [(&str, &str, ResponseTemplate); 8] = [
        ("POST", "/messages", respond(202, "PostMessages.202.json")),
        (
            "POST",
            "/messages/broadcast",
            respond(202, "PostMessagesBroadcast.202.json"),
        ),
        ("GET", "/messages", respond(200, "GetMessages.200.json")),
        ("POST", "/media", respond(200, "PostMedia.200.json")),
        (
            "GET",
            "/media",
            ResponseTemplate::new(200).set_body_raw(b"\x89PNG".to_vec(), "image/png"),
        ),
        ("POST", "/source", respond(201, "PostSource.201.json")),
        ("GET", "/source", respond(200, "GetSource.200.json")),
        ("GET", "/status", respond(200, "GetStatus.200.json")),
    ];
    for (m, p, response) in routes {
        Mock::given(method(m))
            .and(path(p))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    server
}

/// One recorded case: its name, the message type it sends (if any), its requests.
pub struct Case {
    pub name: String,
    pub message_type: Option<String>,
    pub requests: Vec<Request>,
}

/// Calls every facade operation (every message case included) and records what was sent.
pub async fn record_every_operation() -> Vec<Case> {
    let server = gateway().await;
    let client = client(&server);
    let mut out = Vec::new();
    let mut seen = 0;
    let mut record = async |name: &str, message_type: Option<String>| {
        let requests = server.received_requests().await.unwrap_or_default();
        let new = requests[seen..].to_vec();
        seen = requests.len();
        out.push(Case {
            name: name.to_owned(),
            message_type,
            requests: new,
        });
    };
    for (name, message, expected) in cases() {
        client
            .send(&message)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        record(name, expected["type"].as_str().map(String::from)).await;
    }
    let broadcast = Broadcast::new(["+64211234567", "+64211234568"], Content::text("Open at 9"))
        .source("6421000002");
    client.broadcast(&broadcast).await.unwrap();
    record("broadcast", Some("text".into())).await;
    client
        .message("6f1c2e7a-7d2b-4c1e-9f00-000000000001")
        .await
        .unwrap();
    record("message", None).await;
    let upload = MediaUpload::bytes("parcel.png", "image/png", &b"\x89PNG"[..]);
    client.upload_media(upload).await.unwrap();
    record("upload_media", None).await;
    client
        .download_media("abc123")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    record("download_media", None).await;
    client
        .register_source("6421000001", "123456")
        .await
        .unwrap();
    record("register_source", None).await;
    client.sources().await.unwrap();
    record("sources", None).await;
    client.status().await.unwrap();
    record("status", None).await;
    out
}
