//! The receiver under load: callbacks per second at concurrency 64, and the
//! latency of each (p50, p99), for the full receiver (Basic auth, body limit,
//! parse, de-duplication, a handler that does nothing) against a bare axum
//! route that parses the body into `serde_json::Value` and answers 200; and
//! the receiver on a `RedisDedupStore` against a `MemoryDedupStore`. Both
//! sides of a pair run back to back, in turns, in this process.

use super::{Row, Spread};
#[cfg(feature = "redis")]
use modica_wab::callback::RedisDedupStore;
use modica_wab::callback::{Callback, DedupStore, HandlerError, MemoryDedupStore, Receiver};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 64;

/// One MO body with its own id (every delivery is a new event).
fn body(run: &str, i: usize) -> String {
    format!(
        r#"{{"id":"{run}-{i}","source":"+64211234567","Destination":"6491234567","content":{{"from":"64211234567","id":"wamid.{i}","timestamp":"1764460800","type":"text","text":{{"body":"Kia ora, is my order ready?"}}}}}}"#
    )
}

async fn bare() -> SocketAddr {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/cb",
        post(|body: axum::body::Bytes| async move {
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            std::hint::black_box(value);
            axum::http::StatusCode::OK
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn built(store: impl DedupStore) -> Receiver {
    Receiver::builder()
        .url("http://modica:bench@127.0.0.1/cb")
        .handler(|event: Callback| async move {
            std::hint::black_box(event);
            Ok::<(), HandlerError>(())
        })
        .dedup_store(store)
        .build()
        .unwrap()
}

/// The full receiver: its router in its own accept loop (`Receiver::serve`).
async fn receiver(store: impl DedupStore) -> SocketAddr {
    let receiver = built(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    addr
}

/// The receiver's router alone, on plain `axum::serve` (no header, body or
/// write deadlines of the loop, no connection cap): what the accept loop
/// costs is the difference between this and the full receiver.
async fn router_on_axum(store: impl DedupStore) -> SocketAddr {
    let router = built(store).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// Posts `total` callbacks at concurrency 64; the time it took and every latency.
async fn load(addr: SocketAddr, run: &str, total: usize) -> (Duration, Vec<Duration>) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let url = format!("http://{addr}/cb");
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (http, url, next, run) = (http.clone(), url.clone(), next.clone(), run.to_owned());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return latencies;
                }
                let t = Instant::now();
                let answer = http
                    .post(&url)
                    .basic_auth("modica", Some("bench"))
                    .header("content-type", "application/json")
                    .body(body(&run, i))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), 200);
                latencies.push(t.elapsed());
            }
        });
    }
    let mut latencies = Vec::with_capacity(total);
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done.unwrap());
    }
    (started.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// Paired runs of `ours` against `baseline`: throughput and p50/p99 rows,
/// held to the receiver's targets when `targeted`.
async fn compare(
    names: [&'static str; 3],
    ours: SocketAddr,
    baseline: SocketAddr,
    total: usize,
    runs: usize,
    targeted: bool,
) -> Vec<Row> {
    load(ours, "warm-ours", total / 4).await;
    load(baseline, "warm-base", total / 4).await;
    let (mut rates, mut p50s, mut p99s) = (Vec::new(), Vec::new(), Vec::new());
    let mut figures = Vec::new();
    for run in 0..runs {
        let tag = format!("{}-{run}", names[0].len());
        // Alternate which side goes first.
        let (a, b) = if run % 2 == 0 {
            let a = load(ours, &format!("o{tag}"), total).await;
            (a, load(baseline, &format!("b{tag}"), total).await)
        } else {
            let b = load(baseline, &format!("b{tag}"), total).await;
            (load(ours, &format!("o{tag}"), total).await, b)
        };
        let per_sec = |d: Duration| total as f64 / d.as_secs_f64();
        let (mut la, mut lb) = (a.1, b.1);
        la.sort();
        lb.sort();
        let (ra, rb) = (per_sec(a.0), per_sec(b.0));
        let (p50a, p50b) = (percentile(&la, 0.50), percentile(&lb, 0.50));
        let (p99a, p99b) = (percentile(&la, 0.99), percentile(&lb, 0.99));
        eprintln!(
            "{} run {}/{runs}: {ra:.0} vs {rb:.0} callbacks/s ({:.3}); p50 {:.2} vs {:.2} ms; p99 {:.2} vs {:.2} ms ({:.3})",
            names[0],
            run + 1,
            ra / rb,
            p50a.as_secs_f64() * 1e3,
            p50b.as_secs_f64() * 1e3,
            p99a.as_secs_f64() * 1e3,
            p99b.as_secs_f64() * 1e3,
            p99a.as_secs_f64() / p99b.as_secs_f64(),
        );
        rates.push(ra / rb);
        p50s.push(p50a.as_secs_f64() / p50b.as_secs_f64());
        p99s.push(p99a.as_secs_f64() / p99b.as_secs_f64());
        figures.push((ra, rb, p50a, p50b, p99a, p99b));
    }
    // The figures shown are those of the run whose throughput ratio is the median.
    let median_run = {
        let mut order: Vec<usize> = (0..runs).collect();
        order.sort_by(|&x, &y| rates[x].total_cmp(&rates[y]));
        order[runs / 2]
    };
    let (ra, rb, p50a, p50b, p99a, p99b) = figures[median_run];
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    let (rate, p50, p99) = (Spread::of(&rates), Spread::of(&p50s), Spread::of(&p99s));
    vec![
        Row {
            name: names[0],
            ours: format!("{ra:.0} callbacks/s"),
            baseline: format!("{rb:.0} callbacks/s"),
            ratio: rate.median,
            spread: Some(rate),
            target: if targeted { "≥ 0.90" } else { "–" },
            met: !targeted || rate.median >= 0.90,
        },
        Row {
            name: names[1],
            ours: ms(p50a),
            baseline: ms(p50b),
            ratio: p50.median,
            spread: Some(p50),
            target: "–",
            met: true,
        },
        Row {
            name: names[2],
            ours: ms(p99a),
            baseline: ms(p99b),
            ratio: p99.median,
            spread: Some(p99),
            target: if targeted { "≤ 1.50" } else { "–" },
            met: !targeted || p99.median <= 1.5,
        },
    ]
}

/// A throwaway redis-server, if one is installed.
#[cfg(feature = "redis")]
struct Redis(std::process::Child, u16);

#[cfg(feature = "redis")]
impl Redis {
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        use std::process::{Command, Stdio};
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self(child, port))
    }
}

#[cfg(feature = "redis")]
impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn rows(total: usize, runs: usize) -> Vec<Row> {
    let bare = bare().await;
    let memory = receiver(MemoryDedupStore::new(1_000_000)).await;
    let mut rows = compare(
        [
            "receiver: callbacks/s at concurrency 64, full receiver vs bare axum + `Value`",
            "  receiver: p50 latency",
            "  receiver: p99 latency",
        ],
        memory,
        bare,
        total,
        runs,
        true,
    )
    .await;
    let router = router_on_axum(MemoryDedupStore::new(1_000_000)).await;
    rows.extend(
        compare(
            [
                "  the receiver's router on plain `axum::serve` vs bare axum + `Value` (no loop)",
                "    router on axum: p50 latency",
                "    router on axum: p99 latency",
            ],
            router,
            bare,
            total,
            runs,
            false,
        )
        .await,
    );
    #[cfg(not(feature = "redis"))]
    eprintln!("receiver on Redis: skipped, build with --features redis (or --all-features)");
    #[cfg(feature = "redis")]
    match Redis::start() {
        Some(redis) => {
            let url = format!("redis://127.0.0.1:{}/", redis.1);
            let config = modica_wab::redis::RedisConfig::new(&url).unwrap();
            let on_redis = receiver(RedisDedupStore::new(&config).unwrap()).await;
            rows.extend(
                compare(
                    [
                        "receiver on Redis: callbacks/s, `RedisDedupStore` vs `MemoryDedupStore`",
                        "  on Redis: p50 latency",
                        "  on Redis: p99 latency",
                    ],
                    on_redis,
                    memory,
                    total,
                    runs,
                    false,
                )
                .await,
            );
        }
        None => eprintln!("receiver on Redis: skipped, redis-server is not installed"),
    }
    rows
}
