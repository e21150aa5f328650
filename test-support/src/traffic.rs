//! Every operation of the client, sent to a local gateway that answers each with
//! its fixture; the requests are recorded for the conformance checks (ours and Prism's).

use super::cases::cases;
use super::{client, respond, server};
use modica_wab::spec::Route;
use modica_wab::{Broadcast, Content, MediaUpload};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The answer the test gateway gives a route: its fixture, named after the
/// spec's operation and the status the spec declares for success.
pub fn fixture_answer(route: Route) -> ResponseTemplate {
    let id = route
        .operation()
        .expect("the shipped spec has every route")
        .id;
    match route {
        Route::DownloadMedia => {
            ResponseTemplate::new(200).set_body_raw(b"\x89PNG".to_vec(), "image/png")
        }
        Route::SendMessage | Route::SendBroadcast => respond(202, &format!("{id}.202.json")),
        Route::RegisterSource => respond(201, &format!("{id}.201.json")),
        _ => respond(200, &format!("{id}.200.json")),
    }
}

/// A server answering every route with its fixture.
pub async fn gateway() -> MockServer {
    let server = server().await;
    for route in Route::ALL {
        Mock::given(method(route.method()))
            .and(path(route.path()))
            .respond_with(fixture_answer(route))
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
