//! The callback receiver over real HTTP on 127.0.0.1: auth, limits, de-duplication
//! under concurrency, and redelivery after a failing handler.
#![cfg(feature = "receiver")]

#[macro_use]
mod common;

use modica_wab::callback::{
    Callback, Claim, DedupStore, HandlerError, MemoryDedupStore, Receiver, ReceiverError,
};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Seen = Arc<Mutex<HashMap<String, usize>>>;

fn key_of(event: &Callback) -> String {
    match event {
        Callback::Unknown(v) => format!("unknown:{v}"),
        other => other.dedup_key().unwrap_or_default(),
    }
}

async fn serve(receiver: Receiver) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, receiver.router()).await.unwrap();
    });
    addr
}

/// A receiver whose handler counts each event it is given.
async fn counting(urls: &[&str]) -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let counts = seen.clone();
    let mut builder = Receiver::builder();
    for url in urls {
        builder = builder.url(*url);
    }
    let receiver = builder
        .handler(move |event: Callback| {
            let counts = counts.clone();
            async move {
                *counts.lock().unwrap().entry(key_of(&event)).or_default() += 1;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    (serve(receiver).await, seen)
}

fn mo(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","source":"+64211234567","Destination":"6491234567","content":{{"type":"text","text":{{"body":"hi"}}}}}}"#
    )
}

fn dlr(id: &str, status: &str) -> String {
    format!(r#"{{"id":"{id}","status":"{status}","reference":"r-{id}"}}"#)
}

async fn post(
    http: &reqwest::Client,
    url: String,
    auth: Option<(&str, &str)>,
    body: String,
) -> reqwest::Response {
    let mut request = http.post(url).body(body);
    if let Some((user, pass)) = auth {
        request = request.basic_auth(user, Some(pass));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn credentials_good_wrong_missing_and_percent_encoded() {
    let (addr, seen) = counting(&["https://hooks:p%40ss%3Aw0rd@example.com/wab/callbacks"]).await;
    let url = format!("http://{addr}/wab/callbacks");
    let http = reqwest::Client::new();

    let good = post(&http, url.clone(), Some(("hooks", "p@ss:w0rd")), mo("m1")).await;
    assert_eq!(good.status(), 200);

    let undecoded = post(
        &http,
        url.clone(),
        Some(("hooks", "p%40ss%3Aw0rd")),
        mo("m2"),
    )
    .await;
    assert_eq!(undecoded.status(), 401);
    let wrong_user = post(&http, url.clone(), Some(("hook", "p@ss:w0rd")), mo("m3")).await;
    assert_eq!(wrong_user.status(), 401);
    let wrong_pass = post(&http, url.clone(), Some(("hooks", "p@ss:w0rD")), mo("m4")).await;
    assert_eq!(wrong_pass.status(), 401);
    let missing = post(&http, url.clone(), None, mo("m5")).await;
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().contains_key("www-authenticate"));
    let bearer = http
        .post(&url)
        .header("authorization", "Bearer aG9va3M6cEBzczp3MHJk")
        .body(mo("m6"))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen.get("mo:m1"), Some(&1));
}

#[tokio::test]
async fn separate_mo_and_dlr_urls_each_with_their_credentials() {
    let (addr, seen) = counting(&[
        "https://mo-user:one@example.com/mo",
        "https://dlr-user:two@example.com/dlr",
    ])
    .await;
    let http = reqwest::Client::new();
    let cases = [
        ("/mo", ("mo-user", "one"), mo("a"), 200),
        ("/dlr", ("dlr-user", "two"), dlr("a", "sent"), 200),
        ("/dlr", ("mo-user", "one"), dlr("b", "sent"), 401),
        ("/elsewhere", ("mo-user", "one"), mo("c"), 404),
    ];
    for (path, credentials, body, expected) in cases {
        let response = post(
            &http,
            format!("http://{addr}{path}"),
            Some(credentials),
            body,
        )
        .await;
        assert_eq!(response.status(), expected, "{path} as {credentials:?}");
    }
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn method_size_and_body_checks() {
    let seen: Seen = Arc::default();
    let counts = seen.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .body_limit(1024)
        .handler(move |event: Callback| {
            let counts = counts.clone();
            async move {
                *counts.lock().unwrap().entry(key_of(&event)).or_default() += 1;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let url = format!("http://{addr}/cb");
    let http = reqwest::Client::new();

    let get = http
        .get(&url)
        .basic_auth("u", Some("p"))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    let put = http
        .put(&url)
        .basic_auth("u", Some("p"))
        .body(mo("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);

    let big = format!(
        r#"{{"id":"big","status":"sent","reference":"{}"}}"#,
        "x".repeat(2000)
    );
    assert_eq!(
        post(&http, url.clone(), Some(("u", "p")), big.clone())
            .await
            .status(),
        413
    );
    // Without a Content-Length (chunked), the limit still holds.
    let stream = futures_util::stream::iter(
        big.into_bytes()
            .chunks(100)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let chunked = http
        .post(&url)
        .basic_auth("u", Some("p"))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), 413);

    let not_json = post(
        &http,
        url.clone(),
        Some(("u", "p")),
        "id=1&status=sent".into(),
    )
    .await;
    assert_eq!(not_json.status(), 400);
    assert!(not_json.text().await.unwrap().contains("not JSON"));

    // JSON of an unknown shape still reaches the handler.
    let odd = post(
        &http,
        url.clone(),
        Some(("u", "p")),
        r#"{"event":"new-thing"}"#.into(),
    )
    .await;
    assert_eq!(odd.status(), 200);
    // So does a known shape with a malformed field, as raw JSON.
    let malformed = r#"{"id":"m","source":"+64","content":{"type":"image","image":{"id":5}}}"#;
    let response = post(&http, url.clone(), Some(("u", "p")), malformed.into()).await;
    assert_eq!(response.status(), 200);

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.keys().all(|k| k.starts_with("unknown:")));
}

#[tokio::test]
async fn a_thousand_concurrent_posts_with_duplicates_are_each_handled_once() {
    let seen: Seen = Arc::default();
    let counts = seen.clone();
    let receiver = Receiver::builder()
        .url("http://modica:secret@localhost/callbacks")
        .handler(move |event: Callback| {
            let counts = counts.clone();
            async move {
                // Long enough for redeliveries to overlap the first delivery.
                tokio::time::sleep(Duration::from_millis(5)).await;
                *counts.lock().unwrap().entry(key_of(&event)).or_default() += 1;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let url = format!("http://{addr}/callbacks");

    let mut bodies: Vec<(String, String)> = (0..900)
        .map(|i| match i % 3 {
            0 => (format!("mo:m{i}"), mo(&format!("m{i}"))),
            1 => (format!("dlr:d{i}:sent"), dlr(&format!("d{i}"), "sent")),
            _ => (
                format!("dlr:d{}:received", i - 1),
                dlr(&format!("d{}", i - 1), "received"),
            ),
        })
        .collect();
    let duplicates: Vec<_> = bodies.iter().step_by(9).cloned().collect();
    bodies.extend(duplicates);
    assert_eq!(bodies.len(), 1000);
    // Interleave duplicates with the originals.
    {
        use rand::{SeedableRng, seq::SliceRandom};
        bodies.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
    }

    let http = reqwest::Client::new();
    let redeliveries = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|(_, body)| {
            let (http, url, redeliveries) = (http.clone(), url.clone(), redeliveries.clone());
            tokio::spawn(async move {
                // Like a provider: deliver until a 2xx.
                for _ in 0..50 {
                    let response =
                        post(&http, url.clone(), Some(("modica", "secret")), body.clone()).await;
                    if response.status().is_success() {
                        return true;
                    }
                    assert_eq!(
                        response.status(),
                        503,
                        "only in-flight duplicates are deferred"
                    );
                    redeliveries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                false
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap(), "a delivery never succeeded");
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 900, "every unique event handled");
    assert!(seen.values().all(|&n| n == 1), "each exactly once");
    report!(
        "1000 posts, 900 unique: all handled once; {} deferred deliveries",
        redeliveries.load(Ordering::Relaxed)
    );
}

#[tokio::test]
async fn a_failing_handler_gets_5xx_and_the_redelivery_is_handled() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let handled: Seen = Arc::default();
    let (a, h) = (attempts.clone(), handled.clone());
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/dlr")
        .handler(move |event: Callback| {
            let (a, h) = (a.clone(), h.clone());
            async move {
                match a.fetch_add(1, Ordering::SeqCst) {
                    0 => Err::<(), HandlerError>("database down".into()),
                    1 => panic!("handler bug"),
                    _ => {
                        *h.lock().unwrap().entry(key_of(&event)).or_default() += 1;
                        Ok(())
                    }
                }
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let url = format!("http://{addr}/dlr");
    let http = reqwest::Client::new();
    let body = dlr("f1", "rejected");

    // Error, then panic: 500 each time; then handled; then, being done, a further
    // redelivery is acknowledged without calling the handler.
    for expected in [500, 500, 200, 200] {
        let response = post(&http, url.clone(), Some(("u", "p")), body.clone()).await;
        assert_eq!(response.status(), expected);
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert_eq!(handled.lock().unwrap().get("dlr:f1:rejected"), Some(&1));
}

#[tokio::test]
async fn a_slow_handler_times_out_with_503_and_is_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/mo")
        .handler_timeout(Duration::from_millis(50))
        .handler(move |_event: Callback| {
            let c = c.clone();
            async move {
                if c.fetch_add(1, Ordering::SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/mo");
    assert_eq!(
        post(&http, url.clone(), Some(("u", "p")), mo("slow"))
            .await
            .status(),
        503
    );
    assert_eq!(
        post(&http, url.clone(), Some(("u", "p")), mo("slow"))
            .await
            .status(),
        200
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn memory_store_is_bounded_and_forgets_released_keys() {
    let store = MemoryDedupStore::new(2);
    assert_eq!(store.claim("a").await.unwrap(), Claim::New);
    assert_eq!(store.claim("a").await.unwrap(), Claim::InFlight);
    store.release("a").await.unwrap();
    assert_eq!(store.claim("a").await.unwrap(), Claim::New);
    store.complete("a").await.unwrap();
    assert_eq!(store.claim("a").await.unwrap(), Claim::Done);
    for key in ["b", "c"] {
        assert_eq!(store.claim(key).await.unwrap(), Claim::New);
        store.complete(key).await.unwrap();
    }
    assert_eq!(store.len(), 2);
    // "a" was the oldest and has been forgotten.
    assert_eq!(store.claim("a").await.unwrap(), Claim::New);
    assert_eq!(store.claim("c").await.unwrap(), Claim::Done);
}

#[test]
fn configuration_errors_are_typed() {
    let handler = |_e: Callback| async { Ok::<(), HandlerError>(()) };
    let err = Receiver::builder().handler(handler).build().unwrap_err();
    assert_eq!(err, ReceiverError::NoUrl);
    let err = Receiver::builder().url("http://x/cb").build().unwrap_err();
    assert_eq!(err, ReceiverError::NoHandler);
    let err = Receiver::builder()
        .url("not a url")
        .handler(handler)
        .build()
        .unwrap_err();
    assert!(matches!(err, ReceiverError::InvalidUrl { .. }), "{err}");
    let err = Receiver::builder()
        .url("https://u:hunter2@[::1/cb")
        .handler(handler)
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    // Routes axum would misread, tokens it would not check, and open/closed mixes.
    for bad in [
        &["http://u:p@x/wab/:mo"][..],
        &["http://u:p@x/wab/*rest"],
        &["https://x/hook?token=abc"],
        &["https://u:p@x/hook#frag"],
        &["http://u:p@x/cb", "http://x/cb"],
    ] {
        let mut builder = Receiver::builder().handler(handler);
        for url in bad {
            builder = builder.url(*url);
        }
        let err = builder.build().unwrap_err();
        assert!(
            matches!(err, ReceiverError::InvalidUrl { .. }),
            "{bad:?}: {err}"
        );
    }
}

#[tokio::test]
async fn a_handler_outlives_a_caller_that_hangs_up() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let receiver = Receiver::builder()
        .url("http://u:pp@localhost/cb")
        .handler(move |_event: Callback| {
            let c = c.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                c.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let url = format!("http://{addr}/cb");
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let gone = impatient
        .post(&url)
        // Unpadded base64 of `u:pp` is accepted too.
        .header("authorization", "Basic dTpwcA")
        .body(mo("hangup"))
        .send()
        .await;
    assert!(gone.is_err(), "the caller gave up first");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the handler finished anyway"
    );
    let again = post(
        &reqwest::Client::new(),
        url,
        Some(("u", "pp")),
        mo("hangup"),
    )
    .await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "and the redelivery is not run twice"
    );
}
