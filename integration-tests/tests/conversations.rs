//! Conversations end to end over real sockets on 127.0.0.1: the sandbox
//! calling back into a receiver whose handler replies, reacts, reads menu
//! choices, keeps the 24-hour window and tracks deliveries.

use modica_wab_test_support::report;

use modica_wab::callback::{
    Callback, CallbackContext, DlrStatus, HandlerError, InboundKind, InboundMessage, Receiver,
};
use modica_wab::delivery::{DeliveryState, DeliveryTracker};
use modica_wab::message::{Choices, Parameter, Template};
use modica_wab::response::{FallbackReason, SentAs};
use modica_wab::window::ServiceWindow;
use modica_wab::*;
use modica_wab_sandbox::{DeliveryKind, Fault, Sandbox};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

const CUSTOMER: &str = "+64211234567";

type Seen = Arc<Mutex<Vec<(Callback, CallbackContext)>>>;

/// A receiver that keeps every event with its context, feeds the window and
/// the tracker, and answers each inbound text with `reply`.
struct Harness {
    sandbox: Sandbox,
    client: Client,
    seen: Seen,
    window: ServiceWindow,
    tracker: DeliveryTracker,
}

async fn harness(sandbox: modica_wab_sandbox::SandboxBuilder, window_on_client: bool) -> Harness {
    let seen: Seen = Arc::default();
    let window = ServiceWindow::in_memory();
    let tracker = DeliveryTracker::in_memory();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://hooks:pw@{}/wab", listener.local_addr().unwrap());
    let (s, w, t) = (seen.clone(), window.clone(), tracker.clone());
    let receiver = Receiver::builder()
        .url(&url)
        .handler_with_context(move |event: Callback, context: CallbackContext| {
            let (s, w, t) = (s.clone(), w.clone(), t.clone());
            async move {
                match &event {
                    Callback::Mo(mo) => {
                        w.record(mo).await?;
                    }
                    Callback::Dlr(dlr) => {
                        t.record_report(dlr).await?;
                    }
                    _ => {}
                }
                s.lock().unwrap().push((event, context));
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    let sandbox = sandbox
        .mo_url(&url)
        .dlr_url(&url)
        .dlr_delay(Duration::from_millis(5))
        .start()
        .await
        .unwrap();
    let mut builder = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number());
    if window_on_client {
        builder = builder.service_window(window.clone());
    }
    let client = builder.build().unwrap();
    Harness {
        sandbox,
        client,
        seen,
        window,
        tracker,
    }
}

impl Harness {
    async fn settle(&self) {
        assert!(self.sandbox.settle(Duration::from_secs(10)).await);
    }

    fn inbound(&self, id: &str) -> InboundMessage {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .find_map(|(e, _)| match e {
                Callback::Mo(mo) if mo.id == id => Some((**mo).clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("MO {id} not received"))
    }

    fn final_dlr(&self, id: &str) -> Option<(DlrStatus, Option<i64>)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(e, _)| match e {
                Callback::Dlr(d) if d.id == id && d.status != DlrStatus::Sent => Some((
                    d.status.clone(),
                    d.errors.first().and_then(|e| e.code).map(|c| c.code()),
                )),
                _ => None,
            })
            .next()
    }
}

#[tokio::test]
async fn a_reply_goes_to_the_sender_from_the_number_written_to_quoting_it() {
    let h = harness(Sandbox::builder().business_number("6491234567"), false).await;
    let mo_id = h.sandbox.inject_text(CUSTOMER, "Is my order ready?");
    h.settle().await;
    let mo = h.inbound(&mo_id);
    let wamid = mo.content.id.clone().unwrap();

    h.client
        .reply(&mo, Content::text("Yes, since 9 am."))
        .await
        .unwrap();
    h.client.react(&mo, "👍").await.unwrap();
    let sent = h.sandbox.sent();
    let (reply, reaction) = (&sent[0].body, &sent[1].body);
    assert_eq!(reply["to"], CUSTOMER);
    assert_eq!(
        reply["source"], "6491234567",
        "from the number the customer wrote to"
    );
    assert_eq!(reply["context"]["message_id"], wamid.as_str());
    assert_eq!(reply["text"]["body"], "Yes, since 9 am.");
    assert_eq!(reaction["type"], "reaction");
    assert_eq!(reaction["reaction"]["message_id"], wamid.as_str());
    assert_eq!(reaction["source"], "6491234567");
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Morning,
    Afternoon,
}

#[tokio::test]
async fn a_tapped_button_or_row_is_matched_to_the_menu_that_was_sent() {
    let h = harness(Sandbox::builder(), false).await;
    let slots = Choices::new("slot")
        .choice("am", "9 am", Slot::Morning)
        .choice("pm", "2 pm", Slot::Afternoon);
    h.client
        .send(&Message::interactive(
            CUSTOMER,
            slots.buttons("When shall we deliver?"),
        ))
        .await
        .unwrap();
    h.client
        .send(&Message::interactive(
            CUSTOMER,
            slots.list("Or pick from the list", "Times"),
        ))
        .await
        .unwrap();
    // The customer taps what was sent (the ids as they went out).
    let sent = h.sandbox.sent();
    let button = &sent[0].body["interactive"]["action"]["buttons"][1]["reply"];
    let row = &sent[1].body["interactive"]["action"]["sections"][0]["rows"][0];
    let tap = h.sandbox.inject_mo(
        CUSTOMER,
        serde_json::json!({"type": "interactive", "interactive": {"type": "button_reply",
            "button_reply": {"id": button["id"], "title": button["title"]}}}),
    );
    let pick = h.sandbox.inject_mo(
        CUSTOMER,
        serde_json::json!({"type": "interactive", "interactive": {"type": "list_reply",
            "list_reply": {"id": row["id"], "title": row["title"]}}}),
    );
    let other = h.sandbox.inject_mo(
        CUSTOMER,
        serde_json::json!({"type": "interactive", "interactive": {"type": "button_reply",
            "button_reply": {"id": "size:pm", "title": "2 pm"}}}),
    );
    h.settle().await;
    assert_eq!(slots.picked(&h.inbound(&tap)), Some(&Slot::Afternoon));
    assert_eq!(slots.picked(&h.inbound(&pick)), Some(&Slot::Morning));
    assert_eq!(
        slots.picked(&h.inbound(&other)),
        None,
        "another menu's button"
    );
}

#[tokio::test]
async fn the_sandbox_rejects_a_free_form_send_after_24_hours_with_131047() {
    let h = harness(Sandbox::builder(), false).await;
    let stale = "+64211110001";
    let fresh = "+64211110002";
    h.sandbox.inject_text_at(
        stale,
        "hello",
        SystemTime::now() - Duration::from_secs(25 * 3600),
    );
    h.sandbox.inject_text(fresh, "hello");
    h.settle().await;
    let late = h
        .client
        .send(&Message::text(stale, "Still there?"))
        .await
        .unwrap();
    let on_time = h.client.send(&Message::text(fresh, "Hi!")).await.unwrap();
    let template = h
        .client
        .send(&Message::template(stale, Template::new("follow_up", "en")))
        .await
        .unwrap();
    h.settle().await;
    assert_eq!(
        h.final_dlr(&late.id),
        Some((DlrStatus::Rejected, Some(131047))),
        "accepted, then rejected in its DLR, as WhatsApp does"
    );
    assert_eq!(h.final_dlr(&on_time.id), Some((DlrStatus::Received, None)));
    assert_eq!(h.final_dlr(&template.id), Some((DlrStatus::Received, None)));
    // The client's window, fed by the same MOs, agrees.
    let business = h.sandbox.business_number().to_owned();
    assert!(!h.window.is_open(&business, stale).await.unwrap());
    assert!(h.window.is_open(&business, fresh).await.unwrap());
}

#[tokio::test]
async fn with_a_window_the_client_refuses_locally_or_sends_the_fallback() {
    let h = harness(Sandbox::builder().require_service_window(true), true).await;
    let stale = "+64211110003";
    let fresh = "+64211110004";
    let stranger = "+64211110005";
    h.sandbox.inject_text_at(
        stale,
        "hi",
        SystemTime::now() - Duration::from_secs(30 * 3600),
    );
    h.sandbox.inject_text(fresh, "hi");
    h.settle().await;

    // Closed: refused here, nothing sent.
    for to in [stale, stranger] {
        let err = h
            .client
            .send(&Message::text(to, "News!"))
            .await
            .unwrap_err();
        let Error::WindowClosed {
            to: who, closed_at, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(who, to);
        assert_eq!(closed_at.is_some(), to == stale, "{err}");
        assert_eq!(err.class(), ErrorClass::Permanent);
    }
    let broadcast = Broadcast::new([fresh, stale], Content::text("News!"));
    assert!(matches!(
        h.client.broadcast(&broadcast).await,
        Err(Error::WindowClosed { .. })
    ));
    assert!(h.sandbox.sent().is_empty(), "nothing went out");

    // With a fallback, the template goes instead, same reference.
    let fallback =
        Template::new("news_digest", "en").body([Parameter::text("News!").named("headline")]);
    let accepted = h
        .client
        .send(
            &Message::text(stale, "News!")
                .reference("digest-1")
                .or_template(fallback),
        )
        .await
        .unwrap();
    assert_eq!(
        (accepted.sent_as, accepted.fallback_reason),
        (SentAs::Fallback, Some(FallbackReason::WindowClosed)),
        "the answer says the template went out"
    );
    // Open: sent as is (the fallback unused).
    let as_is = h
        .client
        .send(&Message::text(fresh, "News!").or_template(Template::new("news_digest", "en")))
        .await
        .unwrap();
    assert_eq!(
        (as_is.sent_as, as_is.fallback_reason),
        (SentAs::Message, None)
    );
    let sent = h.sandbox.sent();
    assert_eq!(sent[0].kind, "template");
    assert_eq!(sent[0].reference.as_deref(), Some("digest-1"));
    assert_eq!(
        sent[0].body["template"]["components"][0]["parameters"][0]["parameter_name"],
        "headline"
    );
    assert_eq!(sent[1].kind, "text");
    h.settle().await;
    assert_eq!(h.final_dlr(&accepted.id), Some((DlrStatus::Received, None)));
    // A broken fallback is found before anything is sent, open window or not.
    let err = h
        .client
        .send(&Message::text(fresh, "x").or_template(Template::new("Bad Name", "en")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(v) if v.field == "fallback.template.name"),
        "{err:?}"
    );
}

#[tokio::test]
async fn delivery_state_moves_forward_only_through_duplicates() {
    let h = harness(Sandbox::builder().duplicate_callbacks(0.5, 0.2, 7), false).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let to = format!("+642111200{i:02}");
        let m = Message::text(&to, "Your parcel is on its way").reference(format!("parcel-{i}"));
        let accepted = h.client.send(&m).await.unwrap();
        // Half the sends are recorded before their DLRs could come, half after.
        if i % 2 == 0 {
            h.tracker.record_send(&accepted).await.unwrap();
        }
        ids.push((accepted, i));
    }
    h.settle().await;
    for (accepted, i) in &ids {
        if i % 2 == 1 {
            h.tracker.record_send(accepted).await.unwrap();
        }
    }
    let deliveries = h
        .sandbox
        .deliveries()
        .iter()
        .filter(|d| d.kind == DeliveryKind::Dlr)
        .count();
    assert!(
        deliveries > 40,
        "{deliveries} DLR deliveries: duplicates were sent"
    );
    // What the receiver let through, replayed late, backwards and twice: no
    // state moves back, none moves at all.
    let reports: Vec<_> = h
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(e, _)| match e {
            Callback::Dlr(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(reports.len(), 40, "each report handled once");
    for report in reports.iter().rev().chain(&reports) {
        let update = h.tracker.record_report(report).await.unwrap();
        assert!(!update.advanced, "{report:?}");
        assert_eq!(update.delivery.state, DeliveryState::Received);
    }
    for (accepted, i) in &ids {
        let d = h.tracker.get(&accepted.id).await.unwrap().unwrap();
        assert_eq!(d.state, DeliveryState::Received, "{i}");
        assert!(d.send_recorded);
        assert!(d.time_of(DeliveryState::Sent) <= d.time_of(DeliveryState::Received));
        assert!(d.time_of(DeliveryState::Accepted).is_some());
        let by_reference = h
            .tracker
            .by_reference(&format!("parcel-{i}"))
            .await
            .unwrap();
        assert_eq!(by_reference.len(), 1);
        assert_eq!(by_reference[0].id, accepted.id);
    }
    report!(
        "delivery: 20 sends, {deliveries} DLR deliveries (duplicates included), every state final and forward"
    );
}

#[tokio::test]
async fn orders_status_notices_and_the_context_reach_the_handler() {
    let h = harness(Sandbox::builder(), false).await;
    let order = h.sandbox.inject_mo(
        CUSTOMER,
        serde_json::json!({"type": "order", "order": {"catalog_id": "cat-1",
            "product_items": [{"product_retailer_id": "tea", "quantity": 3, "item_price": 4.5, "currency": "NZD"}]}}),
    );
    let quiet = "+64211239999";
    let status = h.sandbox.inject_mo(
        quiet,
        serde_json::json!({"type": "delivered", "status": "delivered", "id": "wamid.S", "recipient_id": "64211239999"}),
    );
    let before = SystemTime::now();
    h.settle().await;
    let InboundKind::Order(o) = h.inbound(&order).content.kind else {
        panic!()
    };
    assert_eq!(o.total(), Some((13.5, "NZD")));
    let InboundKind::Status(s) = h.inbound(&status).content.kind else {
        panic!()
    };
    assert_eq!(s.status, "delivered");
    // An order is the customer writing; a status notice is not.
    let business = h.sandbox.business_number().to_owned();
    assert!(h.window.is_open(&business, CUSTOMER).await.unwrap());
    assert!(!h.window.is_open(&business, quiet).await.unwrap());
    assert_eq!(h.sandbox.last_inbound(quiet), None);
    let seen = h.seen.lock().unwrap();
    let (_, context) = &seen[0];
    assert_eq!(context.username(), Some("hooks"));
    assert!(
        context.url().ends_with("/wab") && !context.url().contains("pw"),
        "{}",
        context.url()
    );
    assert!(context.received_at() <= SystemTime::now());
    assert!(context.received_at() + Duration::from_secs(10) > before);
    assert_eq!(
        h.sandbox
            .deliveries()
            .iter()
            .filter(|d| d.kind == DeliveryKind::Mo)
            .count(),
        2
    );
}

#[tokio::test]
async fn the_sandbox_refuses_what_the_facade_refuses_when_it_comes_another_way() {
    // Mixed named and positional parameters, posted without the facade: the
    // spec allows each parameter, WhatsApp refuses the mix (#100).
    let sandbox = Sandbox::builder().start().await.unwrap();
    let body = serde_json::json!({
        "to": CUSTOMER, "source": sandbox.business_number(), "type": "template",
        "template": {"name": "order_shipped", "language": {"code": "en"}, "components": [
            {"type": "body", "parameters": [
                {"type": "text", "text": "A-17", "parameter_name": "order_id"},
                {"type": "text", "text": "Aroha"}
            ]}
        ]}
    });
    let answer = reqwest::Client::new()
        .post(format!("{}/messages", sandbox.base_url()))
        .basic_auth(sandbox.username(), Some(sandbox.password()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let text = answer.text().await.unwrap();
    assert!(
        text.contains("(#100)") && text.contains("name all or none"),
        "{text}"
    );
    // A name that breaks the spec's pattern is refused by the spec itself.
    let mut bad = body.clone();
    bad["template"]["components"][0]["parameters"] = serde_json::json!([
        {"type": "text", "text": "A-17", "parameter_name": "Order-ID"}
    ]);
    let answer = reqwest::Client::new()
        .post(format!("{}/messages", sandbox.base_url()))
        .basic_auth(sandbox.username(), Some(sandbox.password()))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let text = answer.text().await.unwrap();
    assert!(text.contains("parameter_name"), "{text}");
    assert!(sandbox.sent().is_empty());
}

/// WhatsApp's own 131047: answered at once, the fallback follows only when
/// the caller's policy says so, and exactly one of the two is accepted;
/// arriving later in a DLR, it marks the delivery as needing a template.
#[tokio::test]
async fn a_131047_refusal_follows_the_fallback_policy_and_a_late_one_marks_the_delivery() {
    let h = harness(Sandbox::builder(), false).await;
    let with_policy = Client::builder()
        .credentials(h.sandbox.username(), h.sandbox.password())
        .base_url(h.sandbox.base_url())
        .default_source(h.sandbox.business_number())
        .fallback_policy(FallbackPolicy::AlsoWhenRefused)
        .build()
        .unwrap();
    let to = "+64211110006";
    let message = |reference: &str| {
        Message::text(to, "Your parcel is at the depot.")
            .reference(reference)
            .or_template(Template::new("parcel_update", "en"))
    };
    // The default policy: the refusal is the answer, nothing else is sent.
    h.sandbox
        .fail_next_send_to(to, Fault::WhatsAppError(131047));
    let err = h.client.send(&message("p-1")).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ReEngagementRequired));
    assert_eq!(h.sandbox.accepted_count("p-1"), 0);
    // The policy: the template goes instead, once, and the answer says so.
    h.sandbox
        .fail_next_send_to(to, Fault::WhatsAppError(131047));
    let accepted = with_policy.send(&message("p-2")).await.unwrap();
    assert_eq!(
        (accepted.sent_as, accepted.fallback_reason),
        (SentAs::Fallback, Some(FallbackReason::RefusedOutsideWindow))
    );
    assert_eq!(
        h.sandbox.accepted_count("p-2"),
        1,
        "one of the two went out"
    );
    let sent = h.sandbox.sent();
    let p2: Vec<&str> = sent
        .iter()
        .filter(|m| m.reference.as_deref() == Some("p-2"))
        .map(|m| m.kind.as_str())
        .collect();
    assert_eq!(p2, ["template"]);
    // Any other failure is not a reason to send the template: a dropped
    // connection may have carried the message.
    h.sandbox.fail_next_send_to(to, Fault::DropConnection);
    let err = with_policy.send(&message("p-3")).await.unwrap_err();
    assert_ne!(err.code(), Some(ErrorCode::ReEngagementRequired), "{err}");
    assert!(
        h.sandbox
            .sent()
            .iter()
            .all(|m| m.reference.as_deref() != Some("p-3") || m.kind != "template"),
        "no fallback after an ambiguous failure"
    );
    // Sent without trouble: the message itself.
    let plain = with_policy.send(&message("p-4")).await.unwrap();
    assert_eq!(plain.sent_as, SentAs::Message);

    // 131047 later, in the DLR: the tracker says a template is needed.
    h.sandbox.fail_next_send_to(to, Fault::DlrRejected(131047));
    let late = h.client.send(&message("p-5")).await.unwrap();
    h.tracker.record_send(&late).await.unwrap();
    h.settle().await;
    let delivery = h.tracker.get(&late.id).await.unwrap().unwrap();
    assert_eq!(delivery.state, DeliveryState::Rejected);
    assert!(delivery.needs_template(), "{delivery:?}");
    assert_eq!(delivery.reference.as_deref(), Some("p-5"));
    let by_reference = h.tracker.by_reference("p-5").await.unwrap();
    assert!(by_reference.iter().all(|d| d.needs_template()));
    let fine = h.tracker.get(&plain.id).await.unwrap();
    assert!(fine.is_none_or(|d| !d.needs_template()));
}
