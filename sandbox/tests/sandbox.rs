//! End to end over real sockets on 127.0.0.1: the client against the sandbox,
//! the sandbox calling back into the receiver.

use modica_wab::RetryPolicy;
use modica_wab::callback::{Callback, DlrStatus, HandlerError, InboundKind, Receiver};
use modica_wab::message::*;
use modica_wab::*;
use modica_wab_conformance::Validator;
use modica_wab_sandbox::{DeliveryKind, Fault, Sandbox};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TO: &str = "+64211234567";

type Events = Arc<Mutex<Vec<Callback>>>;

/// A receiver on 127.0.0.1 collecting events; the first `fail_first` calls fail.
async fn receiver(fail_first: usize) -> (String, Events) {
    let events: Events = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let (e, c) = (events.clone(), calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://hooks:p%40ss@{}/callbacks",
        listener.local_addr().unwrap()
    );
    let receiver = Receiver::builder()
        .url(&url)
        .handler(move |event: Callback| {
            let (e, c) = (e.clone(), c.clone());
            async move {
                if c.fetch_add(1, Ordering::SeqCst) < fail_first {
                    return Err::<(), HandlerError>("not yet".into());
                }
                e.lock().unwrap().push(event);
                Ok(())
            }
        })
        .build()
        .unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    (url, events)
}

async fn sandbox_with_receiver(fail_first: usize) -> (Sandbox, Events) {
    let (url, events) = receiver(fail_first).await;
    let sandbox = Sandbox::builder()
        .mo_url(&url)
        .dlr_url(&url)
        .dlr_delay(Duration::from_millis(5))
        .callback_retries(5, Duration::from_millis(10))
        .start()
        .await
        .unwrap();
    (sandbox, events)
}

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .retry(
            RetryPolicy::standard().backoff(Duration::from_millis(10), Duration::from_millis(200)),
        )
        .build()
        .unwrap()
}

fn dlrs(events: &Events) -> Vec<(String, DlrStatus)> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Callback::Dlr(d) => Some((d.id.clone(), d.status.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_send_is_accepted_and_its_dlrs_reach_the_receiver() {
    let (sandbox, events) = sandbox_with_receiver(0).await;
    let client = client(&sandbox);
    let accepted = client
        .send(&Message::text(TO, "Kia ora").reference("order-1"))
        .await
        .unwrap();
    assert_eq!(accepted.reference.as_deref(), Some("order-1"));
    assert!(sandbox.settle(Duration::from_secs(5)).await);
    assert_eq!(
        dlrs(&events),
        vec![
            (accepted.id.clone(), DlrStatus::Sent),
            (accepted.id.clone(), DlrStatus::Received)
        ]
    );
    assert_eq!(sandbox.accepted_count("order-1"), 1);
    let record = client.message(&accepted.id).await.unwrap();
    assert_eq!(record.id, accepted.id);
}

#[tokio::test]
async fn an_injected_mo_reaches_the_handler_and_can_be_looked_up() {
    let (sandbox, events) = sandbox_with_receiver(0).await;
    let id = sandbox.inject_text("+64219876543", "Is my order ready?");
    assert!(sandbox.settle(Duration::from_secs(5)).await);
    let events = events.lock().unwrap().clone();
    let [Callback::Mo(mo)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(mo.id, id);
    assert_eq!(mo.destination.as_deref(), Some(sandbox.business_number()));
    assert!(matches!(&mo.content.kind, InboundKind::Text(t) if t.body == "Is my order ready?"));
    let record = client(&sandbox).message(&id).await.unwrap();
    assert_eq!(record.id, id);
}

#[tokio::test]
async fn a_recipient_scripted_with_131047_gets_the_typed_error() {
    let (sandbox, _events) = sandbox_with_receiver(0).await;
    sandbox.fail_recipient(TO, Fault::WhatsAppError(131047));
    let err = client(&sandbox)
        .send(&Message::text(TO, "late reply"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ReEngagementRequired));
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_retryable());
    assert!(sandbox.sent().is_empty());
}

#[tokio::test]
async fn a_scripted_429_is_retried_and_delivered_once() {
    let (sandbox, events) = sandbox_with_receiver(0).await;
    sandbox.fail_next([Fault::TooManyRequests(Duration::ZERO)]);
    let accepted = client(&sandbox)
        .send(&Message::text(TO, "hello").reference("r-429"))
        .await
        .unwrap();
    assert_eq!(sandbox.accepted_count("r-429"), 1);
    let statuses: Vec<u16> = sandbox.requests().iter().map(|r| r.2).collect();
    assert_eq!(statuses, vec![429, 202]);
    assert!(sandbox.settle(Duration::from_secs(5)).await);
    assert!(dlrs(&events).contains(&(accepted.id, DlrStatus::Received)));
}

#[tokio::test]
async fn ambiguous_failures_are_never_resent() {
    let (sandbox, _events) = sandbox_with_receiver(0).await;
    let client = client(&sandbox);
    sandbox.fail_next([Fault::ServerError(503), Fault::DropConnection]);
    let err = client
        .send(&Message::text(TO, "a").reference("a"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    let err = client
        .send(&Message::text(TO, "b").reference("b"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err}");
    assert_eq!(sandbox.accepted_count("a") + sandbox.accepted_count("b"), 0);
    let statuses: Vec<u16> = sandbox.requests().iter().map(|r| r.2).collect();
    assert_eq!(statuses, vec![503, 0], "one attempt each");
}

#[tokio::test]
async fn the_throughput_limit_answers_130429_and_the_client_retries() {
    let (sandbox, _events) = sandbox_with_receiver(0).await;
    sandbox.limit_throughput(2);
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .retry(
            // No shared budget: this test wants every throttled send to keep trying.
            RetryPolicy::standard()
                .max_attempts(20)
                .budget(None)
                .backoff(Duration::from_millis(100), Duration::from_millis(400)),
        )
        .build()
        .unwrap();
    let sends = (0..4).map(|i| {
        let client = client.clone();
        async move {
            client
                .send(&Message::text(TO, "burst").reference(format!("t{i}")))
                .await
        }
    });
    for result in futures_util::future::join_all(sends).await {
        result.unwrap();
    }
    for i in 0..4 {
        assert_eq!(sandbox.accepted_count(&format!("t{i}")), 1);
    }
    assert!(
        sandbox.requests().iter().any(|r| r.2 == 400),
        "some were throttled"
    );
}

#[tokio::test]
async fn dlr_faults_report_rejected_and_expired_with_codes() {
    let (sandbox, events) = sandbox_with_receiver(0).await;
    sandbox.fail_next([Fault::DlrRejected(131026), Fault::DlrExpired]);
    let client = client(&sandbox);
    let a = client.send(&Message::text(TO, "a")).await.unwrap();
    let b = client.send(&Message::text(TO, "b")).await.unwrap();
    assert!(sandbox.settle(Duration::from_secs(5)).await);
    let events = events.lock().unwrap().clone();
    let last = |id: &str| {
        events
            .iter()
            .filter_map(|e| match e {
                Callback::Dlr(d) if d.id == id => Some(d.clone()),
                _ => None,
            })
            .next_back()
            .unwrap()
    };
    let rejected = last(&a.id);
    assert_eq!(rejected.status, DlrStatus::Rejected);
    assert_eq!(rejected.errors[0].code.map(|c| c.code()), Some(131026));
    assert_eq!(last(&b.id).status, DlrStatus::Expired);
}

#[tokio::test]
async fn callbacks_are_redelivered_until_the_receiver_takes_them() {
    // The handler fails twice: the receiver answers 500, the sandbox tries again.
    let (sandbox, events) = sandbox_with_receiver(2).await;
    sandbox.inject_text("+64219876543", "hello?");
    assert!(sandbox.settle(Duration::from_secs(5)).await);
    let deliveries = sandbox.deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].kind, DeliveryKind::Mo);
    assert_eq!(deliveries[0].attempts, vec![500, 500, 200]);
    assert!(deliveries[0].delivered);
    assert_eq!(events.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn media_round_trip_and_every_operation_answers_within_the_spec() {
    let (sandbox, _events) = sandbox_with_receiver(0).await;
    let client = client(&sandbox);
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let uploaded = client
        .upload_media(MediaUpload::bytes("photo.jpg", "image/jpeg", data.clone()))
        .await
        .unwrap();
    let download = client.download_media(&uploaded.id).await.unwrap();
    assert_eq!(download.content_type(), Some("image/jpeg"));
    assert_eq!(download.bytes().await.unwrap().to_vec(), data);
    client
        .register_source("6421000009", "123456")
        .await
        .unwrap();
    let sources: Vec<String> = client
        .sources()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.source)
        .collect();
    assert_eq!(
        sources,
        [sandbox.business_number(), "6421000009"],
        "its own number first"
    );
    assert_eq!(client.status().await.unwrap().status, "ok");
    let b = Broadcast::new([TO, "+64211234568"], Content::text("Open at 9")).reference("b1");
    assert_eq!(client.broadcast(&b).await.unwrap().len(), 2);
    assert_eq!(sandbox.accepted_count("b1"), 2);

    // Each JSON answer the sandbox gave is one the spec allows.
    let validator = Validator::for_built_spec().unwrap();
    let http = reqwest::Client::new();
    let id = sandbox.sent()[0].id.clone();
    let cases = [
        ("GetMessages", format!("/messages?id={id}")),
        ("GetSource", "/source".to_owned()),
        ("GetStatus", "/status".to_owned()),
        ("GetMessages", "/messages?id=nope".to_owned()),
    ];
    for (op, target) in cases {
        let response = http
            .get(format!("{}{target}", sandbox.base_url()))
            .basic_auth(sandbox.username(), Some(sandbox.password()))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap();
        validator
            .check_response(op, status, Some("application/json"), &body)
            .unwrap_or_else(|v| panic!("{target}: {v}"));
    }
}

#[tokio::test]
async fn requests_that_break_the_spec_or_lack_credentials_are_refused() {
    let (sandbox, _events) = sandbox_with_receiver(0).await;
    let http = reqwest::Client::new();
    let url = format!("{}/messages", sandbox.base_url());
    let bad = http
        .post(&url)
        .basic_auth(sandbox.username(), Some(sandbox.password()))
        .json(&serde_json::json!({"to": "021 555", "type": "text", "source": "6421000001", "text": {"body": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("body.to"),
        "{body}"
    );
    let anonymous = http
        .get(format!("{}/status", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = Client::builder()
        .credentials("sandbox", "wrong")
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    assert_eq!(wrong.status().await.unwrap_err().status(), Some(401));
    assert!(sandbox.sent().is_empty());
}

#[tokio::test]
async fn the_sandbox_follows_the_spec_and_strictness_is_opt_in() {
    let http = reqwest::Client::new();
    // An undeclared field: the spec leaves the object open.
    let body = serde_json::json!({"to": TO, "type": "text", "source": "6421000001", "text": {"body": "x", "extra": 1}, "extra": true});
    for (strict, expected) in [(false, 202), (true, 400)] {
        let sandbox = Sandbox::builder().strict(strict).start().await.unwrap();
        let answer = http
            .post(format!("{}/messages", sandbox.base_url()))
            .basic_auth(sandbox.username(), Some(sandbox.password()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), expected, "strict={strict}");
    }
}

#[tokio::test]
async fn undeclared_methods_get_405_with_allow_and_unknown_paths_404() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{}{path}", sandbox.base_url()))
            .basic_auth(sandbox.username(), Some(sandbox.password()))
            .send()
    };
    let put = call(reqwest::Method::PUT, "/messages").await.unwrap();
    assert_eq!(put.status(), 405);
    assert_eq!(put.headers()["allow"], "GET, POST");
    let delete = call(reqwest::Method::DELETE, "/status").await.unwrap();
    assert_eq!(delete.status(), 405);
    assert_eq!(delete.headers()["allow"], "GET");
    assert_eq!(
        call(reqwest::Method::GET, "/nowhere")
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn the_sandbox_bounds_bodies_and_records_and_keeps_media_on_disk() {
    let sandbox = Sandbox::builder()
        .body_limits(4096, 10_000)
        .record_limit(5)
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    // JSON over the limit: 413, nothing accepted.
    let http = reqwest::Client::new();
    let big = serde_json::json!({"to": TO, "type": "text", "source": "6421000001", "text": {"body": "x".repeat(5000)}});
    let answer = http
        .post(format!("{}/messages", sandbox.base_url()))
        .basic_auth(sandbox.username(), Some(sandbox.password()))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
    // Media over the limit: 413 too; under it, stored and served back.
    let err = client
        .upload_media(MediaUpload::bytes(
            "big.bin",
            "application/octet-stream",
            vec![0u8; 20_000],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(413), "{err}");
    let small = client
        .upload_media(MediaUpload::bytes("a.png", "image/png", vec![7u8; 9_000]))
        .await
        .unwrap();
    let back = client.download_media(&small.id).await.unwrap();
    assert_eq!(back.content_length(), Some(9_000));
    assert_eq!(back.bytes().await.unwrap(), vec![7u8; 9_000]);
    // Records are a ring: the oldest go.
    for i in 0..12 {
        client
            .send(&Message::text(TO, format!("n{i}")))
            .await
            .unwrap();
    }
    assert_eq!(sandbox.sent().len(), 5);
    assert_eq!(sandbox.requests().len(), 5);
    // And its Debug output holds no secret.
    let secret = Sandbox::builder()
        .credentials("sandbox", "hunter2")
        .dlr_url("http://hooks:t0ps3cret@127.0.0.1:9/dlr")
        .start()
        .await
        .unwrap();
    secret.inject_text("+64211234567", "my address is 12 Queen St");
    let shown = format!("{secret:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("t0ps3cret"),
        "{shown}"
    );
    // Nor what customers wrote, nor the chat view's secret path.
    assert!(!shown.contains("Queen St"), "{shown}");
    let chat = secret.chat_url().expect("the chat view is on by default");
    let token = chat.trim_end_matches('/').rsplit('/').next().unwrap();
    assert!(token.len() >= 16 && !shown.contains(token), "{shown}");
}

#[tokio::test]
async fn a_slow_body_gets_408_and_long_targets_are_recorded_short() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sandbox = Sandbox::builder()
        .body_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let mut slow = tokio::net::TcpStream::connect(sandbox.local_addr())
        .await
        .unwrap();
    slow.write_all(b"POST /messages HTTP/1.1\r\nhost: x\r\nauthorization: Basic c2FuZGJveDpzYW5kYm94\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{")
        .await
        .unwrap();
    let mut answer = String::new();
    let read =
        tokio::time::timeout(Duration::from_secs(20), slow.read_to_string(&mut answer)).await;
    assert!(read.is_ok(), "the sandbox held a slow body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // A long target (anyone can send one) is cut in the records.
    let long = format!("{}/status?{}", sandbox.base_url(), "x".repeat(60_000));
    let _ = reqwest::get(long).await;
    let recorded = sandbox.requests();
    assert!(recorded.iter().all(|(_, target, _)| target.len() <= 512));
}

/// Seen by a new user: the chat view listed callbacks oldest first, so new
/// ones scrolled out of view. Newest first now.
#[tokio::test]
async fn the_chat_views_callback_log_shows_the_newest_first() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://hooks:pw@{}/mo", closed.local_addr().unwrap());
    drop(closed);
    let sandbox = Sandbox::builder()
        .mo_url(nowhere)
        .callback_retries(1, Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let first = sandbox.inject_text("+64211234567", "first");
    let second = sandbox.inject_text("+64211234567", "second");
    assert!(
        sandbox.settle(Duration::from_secs(30)).await,
        "deliveries end"
    );
    let log = reqwest::get(format!(
        "{}c/{}/64211234567/log",
        sandbox.chat_url().unwrap(),
        sandbox.business_number()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let (at_first, at_second) = (log.find(&first).unwrap(), log.find(&second).unwrap());
    assert!(at_second < at_first, "newest first: {log}");
}

/// A newer spec's operation the sandbox does not emulate gets the spec's
/// success answer (the smallest body its schema allows, or its example),
/// marked as generated, not a 501.
#[tokio::test]
async fn an_operation_it_does_not_emulate_is_answered_from_the_spec() {
    let mut spec: serde_json::Value = serde_json::from_str(modica_wab::spec::SPEC_JSON).unwrap();
    spec["paths"]["/templates"] = serde_json::json!({
        "get": {
            "operationId": "GetTemplates",
            "responses": {
                "200": {"description": "Templates", "content": {"application/json": {"schema": {
                    "type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["name", "status"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "status": {"type": "string", "enum": ["APPROVED", "PAUSED"]}
                        }
                    }}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}
            }
        }
    });
    let text = spec.to_string();
    let sandbox = Sandbox::builder()
        .spec_json(text.clone())
        .start()
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/templates", sandbox.base_url()))
        .basic_auth(sandbox.username(), Some(sandbox.password()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (name, value) = modica_wab_sandbox::GENERATED;
    assert_eq!(response.headers()[name], value);
    let body = response.bytes().await.unwrap();
    let validator = Validator::from_json(&text, false).unwrap();
    validator
        .check_response("GetTemplates", 200, Some("application/json"), &body)
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!([{"name": "0", "status": "APPROVED"}])
    );
}

/// A customer known by username only: their MOs carry only a
/// business-scoped user id and the username; the client reads them as a
/// customer, replies to the id (Meta's `recipient`), and a one-time code
/// template to them meets WhatsApp's 131062.
#[tokio::test]
async fn a_customer_known_by_username_only_is_read_answered_and_refused_an_otp() {
    let (sandbox, events) = sandbox_with_receiver(0).await;
    let client = client(&sandbox);
    let bob = sandbox.username_customer("@bob");
    sandbox.inject_text(&bob, "hi, it's bob");
    assert!(sandbox.settle(Duration::from_secs(10)).await);
    let mo = events
        .lock()
        .unwrap()
        .iter()
        .find_map(|e| match e {
            Callback::Mo(mo) => Some(mo.clone()),
            _ => None,
        })
        .expect("the MO arrived");
    let customer = mo.customer().expect("a customer");
    assert_eq!(customer.phone, None, "no phone number");
    assert_eq!(
        customer.bsuid.as_ref().map(|b| b.as_str()),
        Some(bob.as_str())
    );
    assert_eq!(customer.username.as_deref(), Some("@bob"));
    // A reply goes to the id, as `recipient`, and is delivered.
    let accepted = client
        .reply(&mo, Content::text("Kia ora Bob"))
        .await
        .unwrap();
    let sent = sandbox.sent();
    let reply = sent.iter().find(|m| m.id == accepted.id).unwrap();
    assert_eq!(reply.to, bob);
    assert_eq!(reply.body["recipient"], bob.as_str());
    assert!(reply.body.get("to").is_none());
    // A one-time code needs a phone number: 131062, with what to do.
    let otp = Message::template(
        &bob,
        Template::new("verify", "en")
            .body([Parameter::text("123456")])
            .url_button(0, "123456"),
    );
    let err = client.send(&otp).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::BsuidNotSupported), "{err}");
    assert!(err.to_string().contains("phone number"), "{err}");
    // The same to a phone number is accepted.
    let to_phone = Message::template(
        TO,
        Template::new("verify", "en")
            .body([Parameter::text("123456")])
            .url_button(0, "123456"),
    );
    client.send(&to_phone).await.unwrap();
    // A BSUID of the wrong shape never leaves the client.
    let err = client
        .send(&Message::text(format!("NZ.{}", "1".repeat(129)), "hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(v) if v.reason.contains("limit is 128")),
        "{err}"
    );
}

/// In the chat view, `@bob` starts a conversation as a customer known by
/// username only: the page names them, and their MO carries only the id.
#[tokio::test]
async fn the_chat_view_plays_a_username_customer() {
    let (sandbox, events) = sandbox_with_receiver(0).await;
    let chat = sandbox.chat_url().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http
        .post(format!("{chat}start"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "business={}&customer=%40bob&text=hello",
            sandbox.business_number()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "{:?}", answer.text().await);
    let page = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(sandbox.settle(Duration::from_secs(10)).await);
    let bob = sandbox.username_customer("@bob");
    assert!(page.ends_with(&bob), "{page}");
    let html = http
        .get(format!("{}{page}", sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("@bob"), "the page names them");
    let events = events.lock().unwrap();
    let Some(Callback::Mo(mo)) = events.first() else {
        panic!("{events:?}")
    };
    assert_eq!(mo.source.as_deref(), Some(bob.as_str()));
    assert_eq!(mo.content.from, None);
}

fn mos(events: &Events) -> Vec<modica_wab::callback::InboundMessage> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Callback::Mo(mo) => Some((**mo).clone()),
            _ => None,
        })
        .collect()
}

/// WhatsApp's newer messages go out, are drawn in the chat view as the
/// customer sees them, and are answered as WhatsApp answers them: a flow's
/// reply, a location for a location request, a contact shared on request.
#[tokio::test]
async fn newer_messages_are_drawn_and_answered_as_on_a_phone() {
    let (sandbox, events) = sandbox_with_receiver(0).await;
    let client = client(&sandbox);
    let send = async |m: Message| client.send(&m).await.unwrap().id;
    let otp = send(Message::template(
        TO,
        Template::authentication("verify", "en", "482913"),
    ))
    .await;
    let sale = send(Message::template(
        TO,
        Template::new("sale", "en").carousel([
            Card::image(Media::link("https://cdn.example.com/a.jpg")).quick_reply_button(0, "aloe"),
            Card::image(Media::link("https://cdn.example.com/f.jpg")).quick_reply_button(0, "fern"),
        ]),
    ))
    .await;
    let flow = send(Message::interactive(
        TO,
        Interactive::flow(
            "Book a visit",
            Flow::id("1234", "Book now").token("visit-42"),
        ),
    ))
    .await;
    let ask = send(Message::interactive(
        TO,
        Interactive::location_request("Where are you?"),
    ))
    .await;
    send(Message::interactive(
        TO,
        Interactive::product_list(
            "Range",
            "Picked for you",
            "cat-1",
            [ProductSection::new("Ferns", ["SKU-7"])],
        ),
    ))
    .await;
    send(Message::interactive(
        TO,
        Interactive::list(
            "Which store?",
            "Stores",
            [Section::new("North", [Row::new("akl", "Auckland")])],
        ),
    ))
    .await;
    send(Message::voice_note(
        TO,
        Media::link("https://cdn.example.com/v.ogg"),
    ))
    .await;

    // As the customer sees them.
    let page = reqwest::get(format!(
        "{}c/{}/{}",
        sandbox.chat_url().unwrap(),
        sandbox.business_number(),
        TO.trim_start_matches('+')
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    for shown in [
        "<b><span class=\"param\" title=\"{{1}}\">482913</span></b> is your verification code",
        "📋 Copy code",
        r#"<div class="carousel"><div class="card">"#,
        r#"data-choice="aloe""#,
        r#"data-choice="visit-42">Book now</button>"#,
        r#"data-choice="send_location""#,
        r#"<p class="section">Ferns</p><p class="product">SKU-7</p>"#,
        r#"<p class="section">North</p>"#,
        r#"data-choice="akl""#,
        "🎤 voice note",
    ] {
        assert!(page.contains(shown), "the page shows {shown}");
    }
    assert_eq!(page.matches(r#"class="card""#).count(), 2);
    let _ = (otp, sale);

    // Answered from a test…
    sandbox
        .complete_flow(TO, &flow, serde_json::json!({"day": "Tuesday"}))
        .unwrap();
    sandbox
        .share_location(TO, &ask, -36.8485, 174.7633)
        .unwrap();
    let bob = sandbox.username_customer("@bob");
    sandbox.share_own_contact(&bob);
    // …and from the chat view's buttons.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let tap = format!(
        "{}c/{}/{}/tap",
        sandbox.chat_url().unwrap(),
        sandbox.business_number(),
        TO.trim_start_matches('+')
    );
    for form in [
        format!("kind=flow&id=forged&context={flow}"),
        format!("kind=location&context={ask}&latitude=-41.29&longitude=174.78"),
    ] {
        let answer = http
            .post(&tap)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303, "{:?}", answer.text().await);
    }
    assert!(sandbox.settle(Duration::from_secs(10)).await);
    let mos = mos(&events);
    let flows: Vec<_> = mos
        .iter()
        .filter_map(|m| match &m.content.kind {
            InboundKind::Interactive(
                r @ modica_wab::callback::InteractiveReply::FlowReply { flow_token, .. },
            ) => Some((
                m.content.replies_to(),
                flow_token.clone(),
                r.flow_response().unwrap(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(flows.len(), 2, "{mos:?}");
    for (quoted, token, _) in &flows {
        assert_eq!(
            (*quoted, token.as_deref()),
            (Some(flow.as_str()), Some("visit-42")),
            "the token is the flow's, not the form's"
        );
    }
    assert!(
        flows
            .iter()
            .any(|(_, _, answers)| answers["day"] == "Tuesday")
    );
    let places: Vec<_> = mos
        .iter()
        .filter_map(|m| match &m.content.kind {
            InboundKind::Location(l) => Some((m.content.replies_to(), l.latitude)),
            _ => None,
        })
        .collect();
    assert_eq!(
        places,
        [(Some(ask.as_str()), -36.8485), (Some(ask.as_str()), -41.29)]
    );
    let shared = mos
        .iter()
        .find(|m| m.shared_own_contact().is_some())
        .expect("a shared contact");
    let customer = shared.customer().unwrap();
    assert_eq!(
        customer.bsuid.as_ref().map(|b| b.as_str()),
        Some(bob.as_str())
    );
    assert!(
        customer
            .phone
            .as_deref()
            .is_some_and(|p| p.starts_with("+6420")),
        "{customer:?}"
    );

    // Answers to what was never sent, or to the wrong kind, are refused.
    use modica_wab_sandbox::AnswerError;
    assert!(matches!(
        sandbox.complete_flow(TO, "nope", serde_json::json!({})),
        Err(AnswerError::UnknownMessage { .. })
    ));
    assert!(matches!(
        sandbox.complete_flow(TO, &ask, serde_json::json!({})),
        Err(AnswerError::NotAnswerable {
            expected: "a flow",
            ..
        })
    ));
    assert!(matches!(
        sandbox.complete_flow(TO, &flow, serde_json::json!([1])),
        Err(AnswerError::AnswersNotAnObject(_))
    ));
    assert!(matches!(
        sandbox.share_location(TO, &ask, 91.0, 0.0),
        Err(AnswerError::NotAPlace(_))
    ));
    assert!(matches!(
        sandbox.share_location("+64219999999", &ask, 0.0, 0.0),
        Err(AnswerError::UnknownMessage { .. })
    ));
}

/// Outside review: a customer key that merely starts like a BSUID (`US.`)
/// reached the conversation list's links unescaped. The list now shows only
/// conversations the view can open, and escapes its links anyway.
#[tokio::test]
async fn a_hostile_customer_never_reaches_the_chat_views_markup() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let hostile = r#"US."><img src=x onerror=alert(1)>"#;
    sandbox.inject_text(hostile, "hi");
    sandbox.inject_text("+64211234567", "hello");
    let chat = sandbox.chat_url().unwrap();
    let list = reqwest::get(format!(
        "{}list",
        chat.trim_end_matches('/').to_owned() + "/"
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(list.contains("64211234567"), "{list}");
    assert!(!list.contains("<img"), "{list}");
    assert!(!list.contains("onerror"), "{list}");
}
