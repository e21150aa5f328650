//! State shared on a real Redis (feature `redis`): the de-duplication store
//! and the pacing limiter, across receivers and senders in one process, over
//! TLS with auth, and through a Redis restart. The soaks with processes that
//! crash are in `cli/tests/replicas.rs`.

use modica_wab_test_support as common;
use modica_wab_test_support::report;

use common::redis::RedisServer;
use modica_wab::callback::{
    Callback, Claim, ClaimToken, DedupKey, DedupStore, HandlerError, Receiver, RedisDedupStore,
};
use modica_wab::redis::RedisConfig;
use modica_wab::{Client, Message, Pacing, RetryPolicy};
use modica_wab_sandbox::Sandbox;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LEASE: Duration = Duration::from_secs(30);

fn store(redis: &RedisServer) -> RedisDedupStore {
    RedisDedupStore::new(&RedisConfig::new(&redis.url()).unwrap()).unwrap()
}

/// A new claim's fencing token (failing on any other answer).
fn new(claim: Claim) -> u64 {
    match claim {
        Claim::New { fence } => fence,
        other => panic!("expected New, got {other:?}"),
    }
}

#[tokio::test]
async fn claims_are_atomic_owned_leased_and_remembered() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = store(&redis).retention(Duration::from_secs(60)).unwrap();
    let key = DedupKey::mo("m1");
    let (a, b) = (ClaimToken::new(), ClaimToken::new());
    let first = new(store.claim(&key, a, LEASE).await.unwrap());
    assert_eq!(store.claim(&key, b, LEASE).await.unwrap(), Claim::InFlight);
    // Only the owner renews, completes or releases.
    assert!(!store.renew(&key, b, LEASE).await.unwrap());
    assert!(!store.complete(&key, b).await.unwrap());
    store.release(&key, b).await.unwrap();
    assert_eq!(store.claim(&key, b, LEASE).await.unwrap(), Claim::InFlight);
    assert!(store.renew(&key, a, LEASE).await.unwrap());
    store.release(&key, a).await.unwrap();
    let second = new(store.claim(&key, b, LEASE).await.unwrap());
    assert!(
        second > first,
        "every claim is fenced above the ones before"
    );
    assert!(store.complete(&key, b).await.unwrap());
    assert_eq!(store.claim(&key, a, LEASE).await.unwrap(), Claim::Done);
    // Done is kept for the retention; keys are the prefix and a digest.
    let ttl: i64 = redis
        .cli(&["PTTL", &format!("modica-wab:dedup:{key}")])
        .trim()
        .parse()
        .unwrap();
    assert!(ttl > 50_000 && ttl <= 60_000, "{ttl}");
    // A claim whose owner died comes free after its lease.
    let crashed = DedupKey::dlr("d1", "sent");
    let dead = new(store
        .claim(&crashed, a, Duration::from_millis(100))
        .await
        .unwrap());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let live = new(store.claim(&crashed, b, LEASE).await.unwrap());
    assert!(
        live > dead,
        "the expired claim's fence is below its successor's"
    );
    assert!(
        !store.complete(&crashed, a).await.unwrap(),
        "the dead owner lost it"
    );
    // Prefixes keep fleets apart.
    let other = store.clone().prefix("other:");
    new(other.claim(&key, a, LEASE).await.unwrap());
    // A retention that would turn de-duplication off is refused, not shortened.
    for short in [
        Duration::ZERO,
        Duration::from_millis(1),
        Duration::from_secs(59),
    ] {
        let err = store.clone().retention(short).unwrap_err();
        assert!(err.to_string().contains("minimum"), "{err}");
    }
}

#[tokio::test]
async fn concurrent_claims_of_one_key_give_exactly_one_owner() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = Arc::new(store(&redis));
    let key = DedupKey::mo("race");
    let claims = (0..200).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.claim(&key, ClaimToken::new(), LEASE).await.unwrap() })
    });
    let claims = futures_util::future::join_all(claims).await;
    let new = claims
        .iter()
        .filter(|c| matches!(c, Ok(Claim::New { .. })))
        .count();
    assert_eq!(new, 1);
}

#[tokio::test]
async fn wrong_credentials_and_tls_with_a_private_ca() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let wrong = RedisConfig::new(&format!("redis://:nope@127.0.0.1:{}/", redis.port)).unwrap();
    let err = RedisDedupStore::new(&wrong)
        .unwrap()
        .claim(&DedupKey::mo("x"), ClaimToken::new(), LEASE)
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("nope"), "{err}");

    // rediss:// against a server whose certificate a CA of ours signed.
    let dir = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let (cert, key, ca_file) = (
        write("server.pem", server_cert.pem()),
        write("server.key", server_key.serialize_pem()),
        write("ca.pem", ca.pem()),
    );
    let Some(tls) = RedisServer::start_with(vec![
        "--tls-port".into(),
        "{port}".into(),
        "--tls-cert-file".into(),
        cert,
        "--tls-key-file".into(),
        key,
        "--tls-ca-cert-file".into(),
        ca_file,
        "--tls-auth-clients".into(),
        "no".into(),
    ]) else {
        return;
    };
    let url = format!(
        "rediss://:{}@localhost:{}/",
        tls.password.as_deref().unwrap(),
        tls.port
    );
    let config = RedisConfig::new(&url)
        .unwrap()
        .root_certificate(ca.pem().into_bytes())
        .unwrap();
    let store = RedisDedupStore::new(&config).unwrap();
    new(store
        .claim(&DedupKey::mo("tls"), ClaimToken::new(), LEASE)
        .await
        .unwrap());
    // Without the CA, the server's certificate is not trusted.
    let untrusted = RedisDedupStore::new(&RedisConfig::new(&url).unwrap()).unwrap();
    assert!(
        untrusted
            .claim(&DedupKey::mo("tls2"), ClaimToken::new(), LEASE)
            .await
            .is_err()
    );
}

type Handled = Arc<Mutex<HashMap<String, usize>>>;

/// A receiver on Redis counting what it handled.
async fn replica(redis: &RedisServer, handled: Handled) -> SocketAddr {
    let receiver = Receiver::builder()
        .url("http://modica:shared@127.0.0.1/cb")
        .dedup_store(store(redis))
        .handler(move |event: Callback| {
            let handled = handled.clone();
            async move {
                let key = match &event {
                    Callback::Mo(mo) => mo.id.clone(),
                    Callback::Dlr(dlr) => format!("{}:{}", dlr.id, dlr.status),
                    other => format!("{other:?}"),
                };
                *handled.lock().unwrap().entry(key).or_default() += 1;
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    addr
}

#[tokio::test]
async fn a_redelivery_to_another_replica_is_not_handled_again() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let handled: Handled = Arc::default();
    let (a, b) = (
        replica(&redis, handled.clone()).await,
        replica(&redis, handled.clone()).await,
    );
    let sandbox = Sandbox::builder()
        .mo_url(format!("http://modica:shared@{a}/cb"))
        .mo_url(format!("http://modica:shared@{b}/cb"))
        .duplicate_callbacks(1.0, 0.0, 7)
        .start()
        .await
        .unwrap();
    for i in 0..50 {
        sandbox.inject_text("+64211234567", &format!("hello {i}"));
    }
    assert!(sandbox.settle(Duration::from_secs(20)).await);
    // Every event went to both replicas (a redelivery after each success).
    let deliveries = sandbox.deliveries();
    assert_eq!(deliveries.len(), 100);
    assert!(deliveries.iter().all(|d| d.delivered));
    let handled = handled.lock().unwrap();
    assert_eq!(handled.len(), 50);
    assert!(handled.values().all(|&n| n == 1), "{handled:?}");
}

#[tokio::test]
async fn while_redis_is_down_callbacks_get_503_and_none_is_lost_after() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let handled: Handled = Arc::default();
    let addr = replica(&redis, handled.clone()).await;
    let sandbox = Sandbox::builder()
        .mo_url(format!("http://modica:shared@{addr}/cb"))
        .callback_retries(12, Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(sandbox.inject_text("+64211234567", &format!("before {i}")));
    }
    redis.stop();
    let down = std::time::SystemTime::now();
    for i in 0..20 {
        ids.push(sandbox.inject_text("+64211234567", &format!("during {i}")));
    }
    // The outage lasts until deliveries were answered in it (however long
    // this machine takes to make them), not for a fixed time.
    let answered_during = || {
        sandbox
            .deliveries()
            .iter()
            .flat_map(|d| d.tries.iter())
            .filter(|t| t.started >= down && t.status != 0)
            .count()
    };
    for _ in 0..3000 {
        if answered_during() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let up = std::time::SystemTime::now();
    redis.restart();
    for i in 0..20 {
        ids.push(sandbox.inject_text("+64211234567", &format!("after {i}")));
    }
    assert!(sandbox.settle(Duration::from_secs(120)).await);
    let deliveries = sandbox.deliveries();
    // Every try made wholly within the outage was answered 503, none 200.
    let during: Vec<u16> = deliveries
        .iter()
        .flat_map(|d| d.tries.iter())
        .filter(|t| t.started >= down && t.ended <= up)
        .map(|t| t.status)
        .collect();
    assert!(
        !during.is_empty(),
        "deliveries were tried during the outage"
    );
    assert!(
        during.iter().all(|&s| s == 503),
        "answers during the outage: {during:?}"
    );
    let refused = during.len();
    let handled = handled.lock().unwrap();
    for id in &ids {
        assert!(handled.contains_key(id), "{id} lost");
    }
    assert!(handled.values().all(|&n| n == 1), "{handled:?}");
    report!(
        "redis outage: {} events, {refused} deliveries answered 503 during it, all handled after",
        ids.len()
    );
}

/// `n` clients of `sandbox` (as `n` sender workers would be), each pacing
/// with `pacing`, none retrying.
fn paced_clients(sandbox: &Sandbox, n: usize, pacing: Pacing) -> Vec<Client> {
    (0..n)
        .map(|_| {
            Client::builder()
                .credentials(sandbox.username(), sandbox.password())
                .base_url(sandbox.base_url())
                .default_source(sandbox.business_number())
                .pacing(pacing.clone())
                .retry(RetryPolicy::disabled())
                .build()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn pacing_on_redis_is_shared_by_every_client() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::builder().start().await.unwrap();
    let config = RedisConfig::new(&redis.url()).unwrap();
    // Four clients (as four workers would be) at 40 msg/s each, on one limit.
    let clients = paced_clients(&sandbox, 4, Pacing::new().per_source(40).on_redis(&config));
    let started = Instant::now();
    let sends = clients.iter().enumerate().map(|(w, client)| async move {
        for i in 0..20 {
            let to = format!("+642110{w}{i:04}");
            client.send(&Message::text(to, "paced")).await.unwrap();
        }
    });
    futures_util::future::join_all(sends).await;
    let took = started.elapsed();
    // 80 sends at 40/s together: about 2 s (not 0.5 s, as four own limits would
    // give; a little less for the two slots of slack).
    assert!(took >= Duration::from_millis(1800), "{took:?}");
    // While Redis is down, pacing goes on in the process.
    drop(redis);
    clients[0]
        .send(&Message::text("+64211239999", "still paced"))
        .await
        .unwrap();
}

/// Settled: an interval near `Duration::MAX` made the Redis script answer a
/// wait past i64, so every call fell back to pacing in its own process (and
/// a second worker sent at once). Now any interval is kept on Redis.
#[tokio::test]
async fn an_interval_of_any_length_is_shared_on_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::builder().start().await.unwrap();
    let config = RedisConfig::new(&redis.url()).unwrap();
    let pacing = Pacing::new()
        .per_recipient_interval(Duration::MAX)
        .on_redis(&config);
    let clients = paced_clients(&sandbox, 2, pacing);
    clients[0]
        .send(&Message::text("+64211230001", "first"))
        .await
        .unwrap();
    // The other worker knows of it only through Redis: not before a century.
    let err = clients[1]
        .send(&Message::text("+64211230001", "again"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, modica_wab::Error::PacedPastDeadline { .. }),
        "{err}"
    );
    // Another recipient is not held.
    clients[1]
        .send(&Message::text("+64211230002", "other"))
        .await
        .unwrap();
}

#[tokio::test]
async fn pacing_per_recipient_on_redis_spaces_every_client_s_messages_to_one_person() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::builder().start().await.unwrap();
    let config = RedisConfig::new(&redis.url()).unwrap();
    let interval = Duration::from_millis(100);
    let pacing = Pacing::new()
        .per_recipient_interval(interval)
        .on_redis(&config);
    let clients = paced_clients(&sandbox, 4, pacing);
    // Four clients, three messages each, all to one person at once.
    let to = "+64211230001";
    let sends = clients.iter().map(|client| async move {
        for _ in 0..3 {
            client.send(&Message::text(to, "spaced")).await.unwrap();
        }
    });
    futures_util::future::join_all(sends).await;
    let mut times: Vec<_> = sandbox
        .sent()
        .iter()
        .filter(|m| m.to == to)
        .map(|m| m.accepted_at)
        .collect();
    times.sort();
    assert_eq!(times.len(), 12);
    // The limiter spaces the sends; the sandbox sees them after a request
    // each, so allow it a little jitter.
    let gaps: Vec<Duration> = times
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).unwrap_or_default())
        .collect();
    // Unshared, four clients would land four at a time: nine gaps near 0.
    let close = gaps.iter().filter(|g| **g < interval / 2).count();
    assert!(close <= 3, "gaps {gaps:?}");
    let span = times[11].duration_since(times[0]).unwrap();
    assert!(span >= interval * 10, "12 messages in {span:?}");
    // The key is the recipient's digest, never the number.
    let keys = redis.cli(&["--scan", "--pattern", "modica-wab:pace:*"]);
    assert!(keys.contains("modica-wab:pace:to:"), "{keys}");
    assert!(!keys.contains("64211230001"), "{keys}");
}

#[tokio::test]
async fn the_service_window_is_shared_and_never_moves_back() {
    use modica_wab::window::{RedisWindowStore, ServiceWindow, WINDOW};
    use std::time::SystemTime;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let config = RedisConfig::new(&redis.url()).unwrap();
    // A receiver's window and a sender's, in two "processes" sharing Redis.
    let receiving = ServiceWindow::new(RedisWindowStore::new(&config).unwrap());
    let sending = ServiceWindow::new(RedisWindowStore::new(&config).unwrap());
    let now = SystemTime::now();
    let recent = now - Duration::from_secs(3600);
    receiving
        .record_at("6491234567", "+64211234567", recent)
        .await
        .unwrap();
    // An older message arriving late does not move the window back.
    receiving
        .record_at(
            "6491234567",
            "+64211234567",
            now - Duration::from_secs(20 * 3600),
        )
        .await
        .unwrap();
    assert!(sending.is_open("6491234567", "64211234567").await.unwrap());
    let closes = sending
        .closes_at("6491234567", "64211234567")
        .await
        .unwrap()
        .unwrap();
    let expected = recent + WINDOW;
    let skew = closes
        .duration_since(expected)
        .unwrap_or_else(|e| e.duration());
    assert!(skew < Duration::from_secs(1), "{closes:?} vs {expected:?}");
    // Redis forgets a window when it closes: the key expires with it.
    let ttl: i64 = redis
        .cli(&["TTL", "modica-wab:window:6491234567:64211234567"])
        .trim()
        .parse()
        .unwrap();
    assert!((23 * 3600 - 5..=23 * 3600 + 5).contains(&ttl), "{ttl}");
    // A customer whose last message is a day old: closed for both.
    receiving
        .record_at(
            "6491234567",
            "+64219999999",
            now - Duration::from_secs(25 * 3600),
        )
        .await
        .unwrap();
    assert!(!sending.is_open("6491234567", "+64219999999").await.unwrap());
}

#[tokio::test]
async fn delivery_state_on_redis_survives_racing_writers() {
    use modica_wab::callback::parse_dlr;
    use modica_wab::delivery::{DeliveryState, DeliveryTracker, RedisDeliveryStore};
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let config = RedisConfig::new(&redis.url()).unwrap();
    let trackers: Vec<DeliveryTracker> = (0..4)
        .map(|_| DeliveryTracker::new(RedisDeliveryStore::new(&config).unwrap()))
        .collect();
    // 50 messages; for each, its reports (duplicated, in every order) written
    // by four trackers at once.
    let mut tasks = tokio::task::JoinSet::new();
    for m in 0..50 {
        for (i, tracker) in trackers.iter().enumerate() {
            let tracker = tracker.clone();
            tasks.spawn(async move {
                let order: &[&str] = match (m + i) % 4 {
                    0 => &["sent", "received"],
                    1 => &["received", "sent"],
                    2 => &["received", "received", "sent"],
                    _ => &["sent", "sent", "received"],
                };
                for status in order {
                    let body = format!(
                        r#"{{"id":"m-{m}","status":"{status}","reference":"batch-{}"}}"#,
                        m % 5
                    );
                    tracker
                        .record_report(&parse_dlr(body.as_bytes()).unwrap())
                        .await
                        .unwrap();
                }
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    for m in 0..50 {
        let d = trackers[0].get(&format!("m-{m}")).await.unwrap().unwrap();
        assert_eq!(d.state, DeliveryState::Received, "m-{m}");
        assert!(d.time_of(DeliveryState::Sent).is_some());
        assert!(!d.send_recorded, "only reports so far");
    }
    assert_eq!(trackers[1].by_reference("batch-3").await.unwrap().len(), 10);
    report!("redis delivery store: 50 messages, 4 trackers racing, every state forward and final");
}

/// Counts, on the thread it is the default of, the warnings whose message
/// holds a given text.
struct CountWarnings {
    text: &'static str,
    seen: Arc<std::sync::atomic::AtomicUsize>,
}

impl tracing::Subscriber for CountWarnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        if *event.metadata().level() == tracing::Level::WARN && message.0.contains(self.text) {
            self.seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// One thread runs the test and every task it spawns, so the subscriber set
// for this thread sees the receiver's logs, and no other test's.
#[tokio::test(flavor = "current_thread")]
async fn a_store_outage_answers_503_and_is_logged_once_per_burst() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let _default = tracing::subscriber::set_default(CountWarnings {
        text: "de-duplication store failed",
        seen: seen.clone(),
    });
    let handled: Handled = Arc::default();
    let addr = replica(&redis, handled.clone()).await;
    redis.stop();
    // A burst: 30 callbacks at once, as Modica's queue would send them.
    let http = reqwest::Client::new();
    let started = Instant::now();
    let posts = (0..30).map(|i| {
        let http = http.clone();
        async move {
            http.post(format!("http://{addr}/cb"))
                .basic_auth("modica", Some("shared"))
                .body(format!(r#"{{"id":"outage-{i}","status":"sent"}}"#))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(posts).await;
    let took = started.elapsed();
    assert!(statuses.iter().all(|&s| s == 503), "{statuses:?}");
    // One line per 10 s of failures at most.
    assert!(took < Duration::from_secs(10), "the burst took {took:?}");
    assert!(handled.lock().unwrap().is_empty());
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "30 failures in one burst, logged once"
    );
}

/// What a handler saw of its claim.
#[derive(Debug, Clone)]
struct Observed {
    replica: &'static str,
    fence: u64,
    held_at_start: bool,
    held_at_end: bool,
    confirmed_at_end: Option<bool>,
}

/// Defect: Redis stalled longer than the claim lease, a redelivery to a
/// second replica ran the handler again while the first still ran, and
/// neither could know. Now each handler sees a fencing token that grows with
/// every claim, and the stale one learns that its claim is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_stall_past_the_lease_is_visible_to_the_stale_handler() {
    use modica_wab::callback::CallbackContext;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let lease = modica_wab::callback::MIN_CLAIM_LEASE; // 2 s
    let observed: Arc<Mutex<Vec<Observed>>> = Arc::default();
    let go = Arc::new(tokio::sync::Notify::new());
    let replica = |name: &'static str| {
        let (observed, go) = (observed.clone(), go.clone());
        Receiver::builder()
            .url("http://hooks:pw@127.0.0.1/wab")
            .dedup_store(store(&redis))
            .claim_lease(lease)
            .handler_timeout(Duration::from_millis(300))
            .handler_with_context(move |_event: Callback, context: CallbackContext| {
                let (observed, go) = (observed.clone(), go.clone());
                async move {
                    let fence = context.fencing_token().expect("a claimed delivery");
                    let held_at_start = context.claim_held();
                    go.notified().await;
                    let confirmed_at_end = context.confirm_claim().await.ok();
                    observed.lock().unwrap().push(Observed {
                        replica: name,
                        fence,
                        held_at_start,
                        held_at_end: context.claim_held(),
                        confirmed_at_end,
                    });
                    Ok::<(), HandlerError>(())
                }
            })
            .build()
            .unwrap()
    };
    let serve = |receiver: Receiver| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
        addr
    };
    let (first, second) = (
        serve(replica("first")).await,
        serve(replica("second")).await,
    );
    let http = reqwest::Client::new();
    let body = r#"{"id":"stalled","source":"+64211234567","Destination":"6491234567","content":{"type":"text","text":{"body":"hi"}}}"#;
    let deliver = |addr: SocketAddr| {
        http.post(format!("http://{addr}/wab"))
            .basic_auth("hooks", Some("pw"))
            .body(body)
            .send()
    };
    // The first replica claims it; its handler runs on past the timeout.
    assert_eq!(deliver(first).await.unwrap().status(), 503);
    // Redis stalls for longer than the lease: the claim expires meanwhile.
    redis.pause();
    tokio::time::sleep(lease + Duration::from_millis(700)).await;
    redis.resume();
    // A redelivery to the second replica claims it again.
    assert_eq!(deliver(second).await.unwrap().status(), 503);
    // Both handlers go on and report what they saw.
    let wait = Instant::now();
    while observed.lock().unwrap().len() < 2 {
        go.notify_waiters();
        assert!(
            wait.elapsed() < Duration::from_secs(30),
            "handlers did not end"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = observed.lock().unwrap().clone();
    let of = |name| seen.iter().find(|o| o.replica == name).unwrap().clone();
    let (stale, fresh) = (of("first"), of("second"));
    assert!(stale.held_at_start && fresh.held_at_start, "{seen:?}");
    assert!(
        fresh.fence > stale.fence,
        "the new owner's fence is higher: {seen:?}"
    );
    assert!(
        !stale.held_at_end,
        "the stale handler sees its claim gone: {seen:?}"
    );
    assert_eq!(stale.confirmed_at_end, Some(false), "{seen:?}");
    assert!(
        fresh.held_at_end && fresh.confirmed_at_end == Some(true),
        "{seen:?}"
    );
    // The owner's success is what counts: a redelivery is a duplicate.
    let again = deliver(first).await.unwrap();
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("duplicate"));
}

#[tokio::test]
async fn media_ids_on_redis_are_shared_by_replicas_and_expire() {
    use modica_wab::media::{MediaCache, MediaFile, MediaIdStore, RedisMediaIdStore};
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let config = RedisConfig::new(&redis.url()).unwrap();
    let sandbox = Sandbox::builder().start().await.unwrap();
    let ttl = Duration::from_secs(3600);
    // Two replicas, each with its own connection to the shared store.
    let replicas: Vec<Client> = (0..2)
        .map(|_| {
            Client::builder()
                .credentials(sandbox.username(), sandbox.password())
                .base_url(sandbox.base_url())
                .default_source(sandbox.business_number())
                .media_cache(MediaCache::new(
                    RedisMediaIdStore::new(&config).unwrap(),
                    ttl,
                ))
                .build()
                .unwrap()
        })
        .collect();
    let file = MediaFile::bytes("menu.pdf", "application/pdf", &b"%PDF-1.7 menu"[..]);
    for (i, replica) in replicas.iter().enumerate() {
        replica
            .send_media(&file, |media| {
                Message::document(format!("+642100000{i}"), media)
            })
            .await
            .unwrap();
    }
    assert_eq!(
        sandbox.uploads(),
        1,
        "the second replica found the first's id"
    );
    let key = format!(
        "modica-wab:media:{}:{}",
        sandbox.business_number(),
        file.sha256_hex()
    );
    let pttl: i64 = redis.cli(&["PTTL", &key]).trim().parse().unwrap();
    assert!(
        (1..=3_600_000).contains(&pttl),
        "expires within the ttl: {pttl}"
    );
    // Forgetting a stale id spares the newer one another replica stored.
    let store = RedisMediaIdStore::new(&config).unwrap();
    store.put("k", "new", ttl).await.unwrap();
    store.forget("k", "stale").await.unwrap();
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some("new"));
    store.forget("k", "new").await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
}
