//! Fault-injection soak, over real sockets on 127.0.0.1. Bounded for CI;
//! `SOAK_SENDS=100000 SOAK_CALLBACKS=100000 cargo test --all-features --release --test soak`
//! runs it longer.

use modica_wab_test_support::report;

use modica_wab::RetryPolicy;
use modica_wab::callback::{Callback, DlrStatus, HandlerError, Receiver};
use modica_wab::{Client, Error, Message};
use modica_wab_sandbox::{Fault, Sandbox};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

type Seen = Arc<Mutex<HashMap<String, usize>>>;

/// A receiver counting each event by its de-duplication key, plus the last DLR per id.
async fn counting_receiver() -> (String, Seen, Arc<Mutex<HashMap<String, Vec<DlrStatus>>>>) {
    let seen: Seen = Arc::default();
    let dlrs: Arc<Mutex<HashMap<String, Vec<DlrStatus>>>> = Arc::default();
    let (s, d) = (seen.clone(), dlrs.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://modica:soak@{}/callbacks",
        listener.local_addr().unwrap()
    );
    let receiver = Receiver::builder()
        .url(&url)
        .handler(move |event: Callback| {
            let (s, d) = (s.clone(), d.clone());
            async move {
                let key = match &event {
                    Callback::Mo(mo) => format!("mo:{}", mo.id),
                    Callback::Dlr(dlr) => format!("dlr:{}:{}", dlr.id, dlr.status),
                    other => format!("other:{}", serde_json::to_string(other).unwrap_or_default()),
                };
                *s.lock().unwrap().entry(key).or_default() += 1;
                if let Callback::Dlr(dlr) = event {
                    d.lock()
                        .unwrap()
                        .entry(dlr.id)
                        .or_default()
                        .push(dlr.status);
                }
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    (url, seen, dlrs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_under_20_percent_faults_are_never_duplicated_and_always_accounted_for() {
    let total = size("SOAK_SENDS", 10_000);
    let (url, _seen, dlrs) = counting_receiver().await;
    let sandbox = Sandbox::builder()
        .dlr_url(&url)
        .dlr_delay(Duration::from_millis(1))
        .record_limit(total * 3)
        .start()
        .await
        .unwrap();
    let kinds = vec![
        Fault::WhatsAppError(131047),
        Fault::WhatsAppError(130429),
        Fault::TooManyRequests(Duration::ZERO),
        Fault::ServerError(503),
        Fault::Slow(Duration::from_millis(20)),
        Fault::DropConnection,
        Fault::DlrRejected(131026),
        Fault::DlrExpired,
    ];
    sandbox.fail_randomly(0.2, kinds, 42);
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .retry(RetryPolicy::standard().backoff(Duration::from_millis(5), Duration::from_millis(50)))
        .build()
        .unwrap();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let concurrency = 64;
    for w in 0..concurrency {
        let client = client.clone();
        tasks.spawn(async move {
            let mut out = Vec::new();
            for i in (w..total).step_by(concurrency) {
                let reference = format!("soak-{i}");
                let m = Message::text("+64211234567", "soak").reference(reference.clone());
                out.push((reference, client.send(&m).await));
            }
            out
        });
    }
    let mut results = Vec::new();
    while let Some(r) = tasks.join_next().await {
        results.extend(r.unwrap());
    }
    assert_eq!(results.len(), total);
    assert!(
        sandbox.settle(Duration::from_secs(60)).await,
        "callbacks did not finish"
    );

    // The last fault each reference met decides how its send must end.
    let mut last_fault: HashMap<String, Fault> = HashMap::new();
    for (reference, fault) in sandbox.faults_applied() {
        last_fault.insert(reference.unwrap_or_default(), fault);
    }
    let accepted = sandbox.accepted_by_reference();
    let dlrs = dlrs.lock().unwrap().clone();
    let (mut delivered, mut failed) = (0, 0);
    let mut errors: HashMap<String, usize> = HashMap::new();
    for (reference, result) in &results {
        let count = accepted.get(reference).copied().unwrap_or(0);
        assert!(count <= 1, "{reference} accepted {count} times");
        match result {
            Ok(ok) => {
                delivered += 1;
                assert_eq!(count, 1, "{reference}: Ok but not accepted");
                let statuses = dlrs.get(&ok.id).cloned().unwrap_or_default();
                let expected = match last_fault.get(reference) {
                    Some(Fault::DlrRejected(_)) => DlrStatus::Rejected,
                    Some(Fault::DlrExpired) => DlrStatus::Expired,
                    _ => DlrStatus::Received,
                };
                assert_eq!(
                    statuses.last(),
                    Some(&expected),
                    "{reference}: {statuses:?}"
                );
            }
            Err(e) => {
                failed += 1;
                assert_eq!(count, 0, "{reference}: failed but accepted");
                let fault = last_fault.get(reference);
                let explained = match (fault, e) {
                    (Some(Fault::WhatsAppError(code)), Error::Api(api)) => {
                        api.code.map(|c| c.code()) == Some(*code)
                    }
                    (Some(Fault::TooManyRequests(_)), Error::Api(api)) => api.status == 429,
                    (Some(Fault::ServerError(s)), Error::Api(api)) => api.status == *s,
                    (Some(Fault::DropConnection), Error::Transport(_)) => true,
                    _ => false,
                };
                assert!(explained, "{reference}: {e} after {fault:?}");
                *errors.entry(format!("{fault:?}")).or_default() += 1;
            }
        }
    }
    let total_accepted: usize = accepted.values().sum();
    assert_eq!(
        total_accepted, delivered,
        "no message accepted without an Ok"
    );
    report!(
        "soak: {total} sends in {:.1} s: {delivered} delivered, {failed} failed as their fault calls for {errors:?}; {} faults played; 0 duplicates",
        started.elapsed().as_secs_f64(),
        sandbox.faults_applied().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_with_redeliveries_and_malformed_bodies_are_each_handled_once() {
    let total = size("SOAK_CALLBACKS", 10_000);
    let (url, seen, _dlrs) = counting_receiver().await;
    let target = url.replace("modica:soak@", "");

    // 10% redeliveries of earlier events, 5% malformed bodies, the rest unique.
    let mut bodies: Vec<(Option<String>, String)> = Vec::new();
    let mut unique = Vec::new();
    for i in 0..total {
        let body = match i % 20 {
            0 => (None, format!(r#"{{"id":"broken-{i}","status":"#)),
            1 | 2 if !unique.is_empty() => {
                let (key, body): &(String, String) = &unique[(i * 7919) % unique.len()];
                (Some(key.clone()), body.clone())
            }
            _ if i % 2 == 0 => {
                let id = format!("m{i}");
                let body = format!(
                    r#"{{"id":"{id}","source":"+64211234567","Destination":"6421000001","content":{{"type":"text","text":{{"body":"hi {i}"}}}}}}"#
                );
                unique.push((format!("mo:{id}"), body.clone()));
                (Some(format!("mo:{id}")), body)
            }
            _ => {
                let id = format!("d{i}");
                let body = format!(r#"{{"id":"{id}","status":"received","reference":"r{i}"}}"#);
                unique.push((format!("dlr:{id}:received"), body.clone()));
                (Some(format!("dlr:{id}:received")), body)
            }
        };
        bodies.push(body);
    }
    let malformed = bodies.iter().filter(|(k, _)| k.is_none()).count();

    let http = reqwest::Client::new();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for (key, body) in bodies {
        let (http, target, semaphore) = (http.clone(), target.clone(), semaphore.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await.unwrap();
            // Like a provider: deliver until a 2xx (or a 4xx that says never).
            for _ in 0..100 {
                let response = http
                    .post(&target)
                    .basic_auth("modica", Some("soak"))
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                match (key.is_some(), status) {
                    (true, 200) => return,
                    (true, 503) => tokio::time::sleep(Duration::from_millis(5)).await,
                    (false, 400) => return,
                    other => panic!("{key:?}: unexpected {other:?}"),
                }
            }
            panic!("{key:?} never accepted");
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), unique.len(), "every unique event handled");
    assert!(seen.values().all(|&n| n == 1), "each exactly once");
    for (key, _) in &unique {
        assert!(seen.contains_key(key), "{key} lost");
    }
    report!(
        "soak: {total} callbacks in {:.1} s: {} unique handled once, {malformed} malformed answered 400",
        started.elapsed().as_secs_f64(),
        unique.len()
    );
}
