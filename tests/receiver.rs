//! The callback receiver over real HTTP on 127.0.0.1: auth, limits, de-duplication
//! under concurrency, and redelivery after a failing handler.
#![cfg(feature = "receiver")]

use modica_wab_test_support::report;

use modica_wab::callback::{Callback, HandlerError, Receiver, ReceiverError};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Seen = Arc<Mutex<HashMap<String, usize>>>;

/// A readable key per event (the receiver's own keys are digests).
fn key_of(event: &Callback) -> String {
    match event {
        Callback::Mo(mo) => format!("mo:{}", mo.id),
        Callback::Dlr(dlr) => format!("dlr:{}:{}", dlr.id, dlr.status),
        Callback::Malformed { raw, .. } => format!("malformed:{raw}"),
        other => format!("unknown:{}", serde_json::to_string(other).unwrap()),
    }
}

async fn serve(receiver: Receiver) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        receiver.serve(listener, std::future::pending()).await;
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

/// `count` MOs (ids `{prefix}-0`, …) posted at once with the right
/// credentials (each on a connection of its own, as far as the pool goes);
/// whether every one was answered 200.
async fn all_handled_at_once(addr: SocketAddr, prefix: &str, count: usize) -> bool {
    let http = reqwest::Client::new();
    let answers = futures_util::future::join_all((0..count).map(|i| {
        post(
            &http,
            format!("http://{addr}/cb"),
            Some(("u", "p")),
            mo(&format!("{prefix}-{i}")),
        )
    }))
    .await;
    answers.iter().all(|a| a.status() == 200)
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
    // So does a known shape with a malformed field, with its typed error.
    let malformed = r#"{"id":"m","source":"+64","content":{"type":"image","image":{"id":5}}}"#;
    let response = post(&http, url.clone(), Some(("u", "p")), malformed.into()).await;
    assert_eq!(response.status(), 200);

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen.keys().filter(|k| k.starts_with("unknown:")).count(), 1);
    assert_eq!(
        seen.keys().filter(|k| k.starts_with("malformed:")).count(),
        1
    );
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
async fn a_slow_handler_gets_503_but_runs_on_and_is_not_run_twice() {
    let calls = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let (c, r) = (calls.clone(), release.clone());
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/mo")
        .handler_timeout(Duration::from_millis(50))
        .handler(move |_event: Callback| {
            let (c, r) = (c.clone(), r.clone());
            async move {
                // Runs until the test lets it end: past the timeout, surely.
                let _ = r.acquire().await;
                c.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/mo");
    let deliver = || post(&http, url.clone(), Some(("u", "p")), mo("slow"));
    // The wait ends, the handler does not: a redelivery meanwhile is deferred.
    assert_eq!(deliver().await.status(), 503);
    assert_eq!(deliver().await.status(), 503);
    release.add_permits(1);
    for _ in 0..3000 {
        if calls.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Once it finished, the event is done (its claim is settled just after
    // the handler returns: a redelivery in between is still deferred).
    let mut answer = deliver().await.status();
    for _ in 0..3000 {
        if answer != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        answer = deliver().await.status();
    }
    assert_eq!(answer, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
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

/// A caller may close its sending side once its request is out (a
/// half-close) and wait for the answer: it gets it, even when the handler
/// is still running as the close arrives.
#[tokio::test]
async fn a_caller_that_closes_its_sending_side_still_gets_its_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (started, mut handling) = tokio::sync::mpsc::unbounded_channel::<()>();
    let finish = Arc::new(tokio::sync::Notify::new());
    let release = finish.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .handler(move |_event: Callback| {
            let (started, release) = (started.clone(), release.clone());
            async move {
                let _ = started.send(());
                release.notified().await;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let mut caller = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = mo("half-close");
    caller
        .write_all(format!("POST /cb HTTP/1.1\r\nhost: x\r\nauthorization: Basic dTpw\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes())
        .await
        .unwrap();
    // The handler runs; only then does the caller close its side, and the
    // handler finishes after the close has reached the receiver.
    handling.recv().await.unwrap();
    caller.shutdown().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    finish.notify_one();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), caller.read_to_end(&mut answer)).await;
    assert!(matches!(read, Ok(Ok(_))), "{read:?}");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
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

/// A receiver served with `Receiver::serve`, stopped when `stop` is notified;
/// the returned task ends when `serve` returns.
async fn serve_until(
    receiver: Receiver,
    stop: Arc<tokio::sync::Notify>,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        receiver
            .serve(listener, async move { stop.notified().await })
            .await;
    });
    (addr, task)
}

#[tokio::test]
async fn a_handler_that_panics_before_its_future_exists_does_not_lock_the_event_out() {
    struct PanicsFirst(AtomicUsize);
    impl modica_wab::callback::CallbackHandler for PanicsFirst {
        fn handle(
            &self,
            _event: Callback,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), HandlerError>> + Send + '_>,
        > {
            if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("bug in the synchronous part of the handler");
            }
            Box::pin(async { Ok(()) })
        }
    }
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .handler(PanicsFirst(AtomicUsize::new(0)))
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/cb");
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(
                post(&http, url.clone(), Some(("u", "p")), mo("sync-panic"))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        out
    };
    // Before the fix: 500, then 503 "being handled" forever.
    assert_eq!(statuses, [500, 200, 200]);
}

#[tokio::test]
async fn events_of_unexpected_shape_are_deduplicated_and_reach_the_handler_typed() {
    type Handled = Arc<Mutex<Vec<(String, Option<String>)>>>;
    let seen: Handled = Arc::default();
    let s = seen.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .handler(move |event: Callback| {
            let s = s.clone();
            async move {
                let path = match &event {
                    Callback::Malformed { error, .. } => error.path().map(str::to_owned),
                    _ => None,
                };
                s.lock().unwrap().push((key_of(&event), path));
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/cb");
    let bodies = [
        (
            r#"{"source":"+64211234567","content":{"type":"text","text":{"body":"no id"}}}"#,
            "id",
        ),
        (
            r#"{"id":42,"source":"+64211234567","content":{"type":"text","text":{"body":"number"}}}"#,
            "id",
        ),
        (
            r#"{"id":"n1","source":"+64211234567","content":{"type":"text","text":{"body":null}}}"#,
            "content.text.body",
        ),
        (
            r#"{"id":"b1","source":"+64211234567","encoding":"base64","content":"@@not base64@@"}"#,
            "content",
        ),
        (
            r#"{"id":"i1","source":"+64211234567","content":{"type":"image"}}"#,
            "content.image",
        ),
    ];
    for (body, _) in &bodies {
        for _ in 0..3 {
            let response = post(&http, url.clone(), Some(("u", "p")), (*body).to_owned()).await;
            assert_eq!(response.status(), 200, "{body}");
        }
    }
    // A numeric id keys its event: a redelivery that differs elsewhere is
    // still the same event.
    let redelivered = r#"{"id":42,"source":"+64211234567","content":{"type":"text","text":{"body":"number"}},"attempt":2}"#;
    let response = post(&http, url.clone(), Some(("u", "p")), redelivered.to_owned()).await;
    assert_eq!(response.status(), 200);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), bodies.len(), "each handled once: {seen:?}");
    for ((_, path), (body, expected)) in seen.iter().zip(&bodies) {
        assert_eq!(path.as_deref(), Some(*expected), "{body}");
    }
}

#[test]
fn a_callback_url_without_credentials_is_refused_unless_asked_for() {
    let handler = |_e: Callback| async { Ok::<(), HandlerError>(()) };
    for open in [
        "https://example.com/hook",
        "https://:@example.com/hook",
        "https://hooks@example.com/hook",
        "https://hooks:1234/abcd@example.com/wab/mo",
    ] {
        let err = Receiver::builder()
            .url(open)
            .handler(handler)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, ReceiverError::InvalidUrl { .. }),
            "{open}: {err}"
        );
        assert!(!err.to_string().contains("1234/abcd"), "{err}");
    }
    let allowed = Receiver::builder()
        .url("https://example.com/hook")
        .allow_unauthenticated()
        .handler(handler)
        .build();
    assert!(allowed.is_ok());
    // Errors never show a secret, wherever it sits in the URL.
    for (url, secret) in [
        ("https://u:hunter2@x/cb?x=1", "hunter2"),
        ("https://x/cb?token=t0ps3cret", "t0ps3cret"),
        ("https://t0ps3cret@x/cb", "t0ps3cret"),
        ("https://u:p@x/cb#t0ps3cret", "t0ps3cret"),
    ] {
        let err = Receiver::builder()
            .url(url)
            .handler(handler)
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains(secret), "{err}");
    }
}

#[tokio::test]
async fn an_id_over_the_limit_is_refused_and_never_stored() {
    let (addr, seen) = counting(&["http://u:p@localhost/cb"]).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/cb");
    let long = "x".repeat(modica_wab::callback::DEFAULT_MAX_ID_LEN + 1);
    let response = post(&http, url.clone(), Some(("u", "p")), mo(&long)).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("limit"));
    let response = post(&http, url, Some(("u", "p")), dlr(&long, "sent")).await;
    assert_eq!(response.status(), 400);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_the_connection_count_is_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .header_timeout(Duration::from_millis(300))
        .body_timeout(Duration::from_millis(300))
        .max_connections(8)
        .handler(|_e: Callback| async { Ok::<(), HandlerError>(()) })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, _task) = serve_until(receiver, stop.clone()).await;
    // 50 clients that send one byte of a request head and nothing more.
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"P").await.unwrap();
        slow.push(s);
    }
    // Each is closed once its head is late (those past the cap wait their turn).
    let mut closed = 0;
    for mut s in slow {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await;
        if matches!(read, Ok(Ok(0)) | Ok(Err(_))) {
            closed += 1;
        }
    }
    assert_eq!(closed, 50, "every slow connection was closed");
    // A body sent too slowly gets 408.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /cb HTTP/1.1\r\nhost: x\r\nauthorization: Basic dTpw\r\ncontent-length: 100\r\n\r\n{")
        .await
        .unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // And a well-behaved client is still served.
    let ok = post(
        &reqwest::Client::new(),
        format!("http://{addr}/cb"),
        Some(("u", "p")),
        mo("fine"),
    )
    .await;
    assert_eq!(ok.status(), 200);
}

/// The head deadline counts again from the end of each response: a kept-alive
/// connection that answers once and then sends half a head (or nothing) is
/// closed, as the first head of a connection would be.
#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_its_next_head_is_late() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .header_timeout(Duration::from_millis(300))
        .handler(|_e: Callback| async { Ok::<(), HandlerError>(()) })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, _task) = serve_until(receiver, stop.clone()).await;
    for next in [&b"P"[..], b""] {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let body = mo(&format!("kept-{}", next.len()));
        s.write_all(format!("POST /cb HTTP/1.1\r\nhost: x\r\nauthorization: Basic dTpw\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes())
            .await
            .unwrap();
        let mut answer = vec![0u8; 4096];
        let n = s.read(&mut answer).await.unwrap();
        assert!(
            answer[..n].starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&answer[..n])
        );
        s.write_all(next).await.unwrap();
        // Closed by the deadline (300 ms) plus a generous allowance.
        let read = tokio::time::timeout(Duration::from_secs(10), s.read(&mut answer)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "the connection stayed open after {next:?}: {read:?}"
        );
    }
}

#[tokio::test]
async fn no_more_connections_are_served_than_the_cap() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .header_timeout(Duration::from_secs(30))
        .max_connections(2)
        .handler(|_e: Callback| async { Ok::<(), HandlerError>(()) })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, _task) = serve_until(receiver, stop.clone()).await;
    // Two connections hold both slots with half a request head each.
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /cb HTTP/1.1\r\nho").await.unwrap();
        holders.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A third, complete request waits: the kernel queues the connection,
    // the receiver does not take it.
    let body = r#"{"id":"capped","status":"sent"}"#;
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    third
        .write_all(format!("POST /cb HTTP/1.1\r\nhost: x\r\nauthorization: Basic dTpw\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    let early = tokio::time::timeout(
        Duration::from_millis(800),
        third.read_to_string(&mut answer),
    )
    .await;
    assert!(
        early.is_err() && answer.is_empty(),
        "answered past the cap: {answer}"
    );
    // One slot frees: the third is served.
    drop(holders.pop());
    tokio::time::timeout(Duration::from_secs(5), third.read_to_string(&mut answer))
        .await
        .expect("served once a slot freed")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn shutdown_ends_within_its_bound_and_releases_what_it_cuts() {
    use tokio::io::AsyncWriteExt;
    let store = Arc::new(modica_wab::callback::MemoryDedupStore::new(100));
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .shutdown_timeout(Duration::from_millis(300))
        .handler_timeout(Duration::from_millis(50))
        .dedup_store(store.clone())
        .handler(move |_e: Callback| {
            let c = c.clone();
            async move {
                // The first delivery hangs; it is cut at shutdown.
                if c.fetch_add(1, Ordering::SeqCst) == 0 {
                    std::future::pending::<()>().await;
                }
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, task) = serve_until(receiver, stop.clone()).await;
    // A half-sent head, and a handler that never returns.
    let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
    half.write_all(b"POST /cb HTTP/1.1\r\nhost").await.unwrap();
    let http = reqwest::Client::new();
    let first = post(
        &http,
        format!("http://{addr}/cb"),
        Some(("u", "p")),
        mo("cut"),
    )
    .await;
    assert_eq!(first.status(), 503, "still being handled");
    let started = std::time::Instant::now();
    stop.notify_one();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("serve returned within its bound")
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The cut handler's claim was released: another receiver on the same
    // store handles the redelivery.
    let c = calls.clone();
    let next = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .dedup_store(store)
        .handler(move |_e: Callback| {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(next).await;
    let again = post(
        &http,
        format!("http://{addr}/cb"),
        Some(("u", "p")),
        mo("cut"),
    )
    .await;
    assert_eq!(again.status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn stopping_one_serve_leaves_another_serve_of_the_same_receiver_alone() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .shutdown_timeout(Duration::from_millis(100))
        .handler(move |_e: Callback| {
            let c = c.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(400)).await;
                c.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let (stop_a, stop_b) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(tokio::sync::Notify::new()),
    );
    let (_a, task_a) = serve_until(receiver.clone(), stop_a.clone()).await;
    let (b, _task_b) = serve_until(receiver, stop_b).await;
    let http = reqwest::Client::new();
    let on_b = {
        let http = http.clone();
        tokio::spawn(async move {
            post(
                &http,
                format!("http://{b}/cb"),
                Some(("u", "p")),
                mo("on-b"),
            )
            .await
            .status()
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop_a.notify_one();
    task_a.await.unwrap();
    // Before the fix, A's shutdown cancelled B's handler (503), and every
    // later handler on B too.
    assert_eq!(on_b.await.unwrap(), 200);
    let later = post(
        &http,
        format!("http://{b}/cb"),
        Some(("u", "p")),
        mo("later-b"),
    )
    .await;
    assert_eq!(later.status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn different_unknown_events_that_share_an_id_are_both_handled() {
    let (addr, seen) = counting(&["http://u:p@localhost/cb"]).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/cb");
    for body in [
        r#"{"id":"m1","event":"read"}"#,
        r#"{"id":"m1","event":"deleted"}"#,
        r#"{"id":"m2","status":{"name":"sent"}}"#,
        r#"{"id":"m2","status":{"name":"received"}}"#,
        // A redelivery of the first, keys in another order: the same event.
        r#"{"event":"read","id":"m1"}"#,
    ] {
        assert_eq!(
            post(&http, url.clone(), Some(("u", "p")), body.into())
                .await
                .status(),
            200,
            "{body}"
        );
    }
    assert_eq!(seen.lock().unwrap().len(), 4, "{:?}", seen.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_its_answers_does_not_hold_a_connection() {
    use tokio::io::AsyncWriteExt;
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .header_timeout(Duration::from_millis(300))
        .max_connections(1)
        .handler(|_e: Callback| async { Ok::<(), HandlerError>(()) })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, _task) = serve_until(receiver, stop).await;
    // The only slot: pipelined requests, answers never read, a tiny receive buffer.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(1024).unwrap();
    let mut hog = socket.connect(addr).await.unwrap();
    let flood = tokio::spawn(async move {
        let request = b"POST /cb HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n";
        for _ in 0..200_000 {
            if hog.write_all(request).await.is_err() {
                break;
            }
        }
        hog
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Before the fix the slot stayed taken for as long as the hog stayed.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let answer = http
        .post(format!("http://{addr}/cb"))
        .basic_auth("u", Some("p"))
        .body(mo("after-hog"))
        .send()
        .await
        .expect("served once the stalled writer is cut off");
    assert_eq!(answer.status(), 200);
    flood.abort();
}

#[tokio::test]
async fn a_lease_too_short_to_be_renewed_is_raised() {
    let calls = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(tokio::sync::Notify::new());
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let (c, s, r) = (calls.clone(), started.clone(), release.clone());
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .claim_lease(Duration::ZERO)
        .handler(move |_e: Callback| {
            let (c, s, r) = (c.clone(), s.clone(), r.clone());
            async move {
                s.notify_one();
                let _ = r.acquire().await;
                c.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/cb");
    // The first delivery's handler runs (however long the machine takes to
    // start it) while the second comes: a zero lease, raised, still holds it.
    let first = tokio::spawn({
        let (http, url) = (http.clone(), url.clone());
        async move {
            post(&http, url, Some(("u", "p")), mo("twice"))
                .await
                .status()
        }
    });
    started.notified().await;
    let second = post(&http, url.clone(), Some(("u", "p")), mo("twice")).await;
    release.add_permits(1);
    assert_eq!(
        (first.await.unwrap().as_u16(), second.status().as_u16()),
        (200, 503)
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_within_its_grace_even_with_a_handler_that_blocks_its_thread() {
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .shutdown_timeout(Duration::from_millis(300))
        .handler_timeout(Duration::from_millis(50))
        .handler(|_e: Callback| async {
            std::thread::sleep(Duration::from_secs(3));
            Ok::<(), HandlerError>(())
        })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, task) = serve_until(receiver, stop.clone()).await;
    let answer = post(
        &reqwest::Client::new(),
        format!("http://{addr}/cb"),
        Some(("u", "p")),
        mo("blocks"),
    )
    .await;
    assert_eq!(answer.status(), 503);
    let started = std::time::Instant::now();
    stop.notify_one();
    task.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

/// Defect: the de-duplication key ignored the URL (and account) an event
/// came in on, so one account's MO id made another account's real MO with
/// the same id a "duplicate", never handled.
#[tokio::test]
async fn two_accounts_sharing_an_id_are_two_events() {
    let (addr, seen) = counting(&[
        "http://retail:pw-a@127.0.0.1/a",
        "http://support:pw-b@127.0.0.1/b",
    ])
    .await;
    let http = reqwest::Client::new();
    let first = post(
        &http,
        format!("http://{addr}/a"),
        Some(("retail", "pw-a")),
        mo("X"),
    )
    .await;
    assert_eq!(first.status(), 200);
    let second = post(
        &http,
        format!("http://{addr}/b"),
        Some(("support", "pw-b")),
        mo("X"),
    )
    .await;
    assert_eq!(second.status(), 200);
    let body = second.text().await.unwrap();
    assert!(
        body.contains("\"handled\""),
        "support's event was handled, not a duplicate: {body}"
    );
    // Each account's redelivery is still a duplicate of its own event.
    for (path, user, pass) in [("a", "retail", "pw-a"), ("b", "support", "pw-b")] {
        let again = post(
            &http,
            format!("http://{addr}/{path}"),
            Some((user, pass)),
            mo("X"),
        )
        .await;
        assert!(again.text().await.unwrap().contains("duplicate"), "{user}");
    }
    assert_eq!(
        seen.lock().unwrap().get("mo:X"),
        Some(&2),
        "once per account"
    );
}

/// Defect: a handler that records the service window panicked on an MO whose
/// timestamp is past the clock's range, so every redelivery failed again: a
/// poison event never handled. Now it is handled once, then a duplicate.
#[tokio::test]
async fn an_mo_with_a_timestamp_past_the_clocks_range_is_handled_not_poison() {
    let window = modica_wab::window::ServiceWindow::in_memory();
    let handled = window.clone();
    let receiver = Receiver::builder()
        .url("http://hooks:pw@127.0.0.1/mo")
        .handler(move |event: Callback| {
            let window = handled.clone();
            async move {
                if let Callback::Mo(mo) = &event {
                    window.record(mo).await?;
                }
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let body = r#"{"id":"poison","source":"+64211234567","Destination":"6491234567","content":{"type":"text","timestamp":"18446744073709551615","text":{"body":"hi"}}}"#;
    let http = reqwest::Client::new();
    for expected in ["\"handled\"", "duplicate"] {
        let response = post(
            &http,
            format!("http://{addr}/mo"),
            Some(("hooks", "pw")),
            body.into(),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains(expected));
    }
    assert!(window.is_open("6491234567", "+64211234567").await.unwrap());
}

/// Outside review: `Duration::MAX` (a natural "no limit") overflowed the
/// head deadline and panicked every connection's task; a connection cap
/// above the semaphore's maximum panicked the loop.
#[tokio::test]
async fn limits_too_large_for_the_clock_mean_no_limit_not_a_panic() {
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .header_timeout(Duration::MAX)
        .body_timeout(Duration::MAX)
        .handler_timeout(Duration::MAX)
        .max_connections(usize::MAX)
        .handler(|_e: Callback| async { Ok::<(), HandlerError>(()) })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, _task) = serve_until(receiver, stop.clone()).await;
    let answer = post(
        &reqwest::Client::new(),
        format!("http://{addr}/cb"),
        Some(("u", "p")),
        mo("unbounded"),
    )
    .await;
    assert_eq!(answer.status(), 200);
}

/// `serve` runs handlers on tasks kept between callbacks (runners). More
/// handlers at once than runners are kept idle: each event is handled
/// once, and the receiver goes on handling after the burst.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_slow_handlers_is_each_handled_once_and_the_receiver_goes_on() {
    const BURST: usize = 300; // above the 256 runners kept idle
    let seen: Seen = Arc::default();
    let started = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (counts, begun, open) = (seen.clone(), started.clone(), gate.clone());
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .handler_timeout(Duration::from_secs(600))
        .handler(move |event: Callback| {
            let (counts, begun, open) = (counts.clone(), begun.clone(), open.clone());
            async move {
                begun.fetch_add(1, Ordering::SeqCst);
                // Every handler of the burst waits until all have begun.
                let _pass = open.acquire().await.unwrap();
                *counts.lock().unwrap().entry(key_of(&event)).or_default() += 1;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let addr = serve(receiver).await;
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/cb");
    let posts: Vec<_> = (0..BURST)
        .map(|i| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                post(&http, url, Some(("u", "p")), mo(&format!("burst-{i}")))
                    .await
                    .status()
            })
        })
        .collect();
    while started.load(Ordering::SeqCst) < BURST {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    gate.add_permits(usize::MAX >> 4);
    for answer in posts {
        assert_eq!(answer.await.unwrap(), 200);
    }
    for i in 0..50 {
        let answer = post(
            &http,
            url.clone(),
            Some(("u", "p")),
            mo(&format!("after-{i}")),
        )
        .await;
        assert_eq!(answer.status(), 200);
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), BURST + 50);
    assert!(seen.values().all(|&n| n == 1), "each handled once");
}

/// Runners waiting for work do not hold up a shutdown: with nothing in
/// flight, `serve` returns at once, not at the end of its grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_runners_do_not_hold_up_a_shutdown() {
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .shutdown_timeout(Duration::from_secs(60))
        .handler(|_e: Callback| async { Ok::<(), HandlerError>(()) })
        .build()
        .unwrap();
    let stop = Arc::new(tokio::sync::Notify::new());
    let (addr, task) = serve_until(receiver, stop.clone()).await;
    // Several at once, so that several runners are left waiting; the
    // client goes with its connections, so none waits for the shutdown.
    assert!(all_handled_at_once(addr, "idle", 16).await);
    stop.notify_one();
    // The grace is 60 s; waiting for idle runners would take 48 of them.
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("serve returned long before the end of its grace")
        .unwrap();
}

/// A router kept across runtimes (one per test, say): each handler runs in
/// a task on its own request's runtime, and the second runtime gets its
/// callbacks handled after the first is gone.
#[test]
fn a_router_outlives_the_runtime_it_first_served_on() {
    let seen: Seen = Arc::default();
    let counts = seen.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .handler(move |event: Callback| {
            let counts = counts.clone();
            async move {
                *counts.lock().unwrap().entry(key_of(&event)).or_default() += 1;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let router = receiver.router();
    for round in 0..2 {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let router = router.clone();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, router).await });
            let prefix = format!("round-{round}");
            assert!(all_handled_at_once(addr, &prefix, 8).await, "{prefix}");
        });
        drop(runtime);
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 16);
    assert!(seen.values().all(|&n| n == 1));
}

/// A serve dropped without its shutdown (its task aborted) leaves no
/// runner behind: idle runners end with it, and release the handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_serve_leaves_no_runner_behind() {
    let marker = Arc::new(());
    let held = marker.clone();
    let receiver = Receiver::builder()
        .url("http://u:p@localhost/cb")
        .handler(move |_e: Callback| {
            let _held = &held;
            async { Ok::<(), HandlerError>(()) }
        })
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = tokio::spawn(async move {
        receiver.serve(listener, std::future::pending()).await;
    });
    assert!(all_handled_at_once(addr, "dropped", 8).await);
    serving.abort();
    let _ = serving.await;
    // The handler is held by the receiver and by each runner; all are gone
    // once the runners have seen their channels close.
    let gone = tokio::time::timeout(Duration::from_secs(20), async {
        while Arc::strong_count(&marker) > 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        gone.is_ok(),
        "{} holders of the handler left",
        Arc::strong_count(&marker) - 1
    );
}
