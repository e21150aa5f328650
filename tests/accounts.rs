//! Several Modica accounts from one process: clients for several credential
//! sets on one connection pool, and one receiver telling their callbacks
//! apart. Over real sockets on 127.0.0.1.
#![cfg(feature = "receiver")]

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use modica_wab::callback::{Callback, CallbackContext, HandlerError, Receiver};
use modica_wab::{Client, Message};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// A gateway that answers every send with a 202 and notes, per request, the
/// client's address (one per connection) and the credentials it carried.
async fn gateway() -> (String, Arc<Mutex<Vec<(SocketAddr, String)>>>) {
    let seen: Arc<Mutex<Vec<(SocketAddr, String)>>> = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/messages",
        axum::routing::post(
            move |ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: HeaderMap| {
                let s = s.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    s.lock().unwrap().push((peer, auth));
                    (
                        axum::http::StatusCode::ACCEPTED,
                        [("content-type", "application/json")],
                        r#"[{"id":"6f1c2e7a-7d2b-4c1e-9f00-000000000001","status":"accepted","reference":""}]"#,
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn two_accounts_share_one_connection_and_keep_their_own_credentials() {
    let (base, seen) = gateway().await;
    let retail = Client::builder()
        .credentials("retail-app", "s3cret")
        .base_url(&base)
        .default_source("6421000001")
        .build()
        .unwrap();
    let support = retail
        .account("support-app", "an0ther", Some("6421000002"))
        .unwrap();
    assert_eq!(support.username(), "support-app");
    assert_eq!(retail.username(), "retail-app");
    for i in 0..6 {
        let client = if i % 2 == 0 { &retail } else { &support };
        client
            .send(&Message::text("+64211234567", "Kia ora"))
            .await
            .unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let connections: BTreeSet<SocketAddr> = seen.iter().map(|(peer, _)| *peer).collect();
    assert_eq!(connections.len(), 1, "one pooled connection: {seen:?}");
    let credentials: Vec<&str> = seen.iter().map(|(_, auth)| auth.as_str()).collect();
    let basic = |user: &str, pass: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    };
    let (r, s) = (
        basic("retail-app", "s3cret"),
        basic("support-app", "an0ther"),
    );
    assert_eq!(credentials, [&r, &s, &r, &s, &r, &s]);
    // Each account sends from its own number.
    let body = Message::text("+64211234567", "x")
        .to_json(support.default_source())
        .unwrap();
    assert_eq!(body["source"], "6421000002");
    // Bad credentials for the second account are refused as for the first.
    assert!(retail.account("bad:user", "x", None).is_err());
    assert!(retail.account("ok", "x", Some("not a number")).is_err());
}

#[tokio::test]
async fn one_receiver_tells_the_accounts_callbacks_apart() {
    let seen: Arc<Mutex<Vec<(String, CallbackContext)>>> = Arc::default();
    let s = seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let receiver = Receiver::builder()
        // Two accounts on one path, a third on its own.
        .url(format!("http://retail:s3cret@{addr}/wab"))
        .url(format!("http://support:an0ther@{addr}/wab"))
        .url(format!("http://billing:th1rd@{addr}/billing"))
        .handler_with_context(move |event: Callback, context: CallbackContext| {
            let s = s.clone();
            async move {
                let Callback::Dlr(dlr) = event else {
                    return Err::<(), HandlerError>("not a DLR".into());
                };
                s.lock().unwrap().push((dlr.id, context));
                Ok(())
            }
        })
        .build()
        .unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    let http = reqwest::Client::new();
    for (user, pass, path, id) in [
        ("retail", "s3cret", "wab", "d1"),
        ("support", "an0ther", "wab", "d2"),
        ("billing", "th1rd", "billing", "d3"),
        // Credentials of another path's account: refused.
        ("billing", "th1rd", "wab", "d4"),
        ("retail", "wrong", "wab", "d5"),
    ] {
        let status = http
            .post(format!("http://{addr}/{path}"))
            .basic_auth(user, Some(pass))
            .body(format!(r#"{{"id":"{id}","status":"sent"}}"#))
            .send()
            .await
            .unwrap()
            .status();
        let expected = if matches!(id, "d4" | "d5") { 401 } else { 200 };
        assert_eq!(status, expected, "{user} on /{path}");
    }
    let seen = seen.lock().unwrap().clone();
    let told: Vec<(&str, Option<&str>, String)> = seen
        .iter()
        .map(|(id, c)| (id.as_str(), c.username(), c.url().to_owned()))
        .collect();
    assert_eq!(
        told,
        [
            ("d1", Some("retail"), format!("http://{addr}/wab")),
            ("d2", Some("support"), format!("http://{addr}/wab")),
            ("d3", Some("billing"), format!("http://{addr}/billing")),
        ]
    );
}
