//! Several replicas and several sender workers on one Redis: two receivers
//! (as behind a load balancer) share a `RedisDedupStore`, so an event
//! delivered to both is handled once; two clients (as two workers) pace one
//! number together on Redis. The sandbox plays Modica, delivering each
//! callback to the replicas in turn and again afterwards.
//!
//! `REDIS_URL=redis://127.0.0.1:6379/ cargo run --example replicas --features redis`
//! (a `redis-server` you run; without REDIS_URL it says so and stops).

use modica_wab::callback::{Callback, HandlerError, Receiver, RedisDedupStore};
use modica_wab::redis::RedisConfig;
use modica_wab::{Client, Message, Pacing};
use modica_wab_sandbox::Sandbox;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("set REDIS_URL to a Redis server (redis://127.0.0.1:6379/) to run this example");
        return Ok(());
    };
    let redis = RedisConfig::new(&url)?;
    // A key prefix of its own, so runs do not see each other's events.
    let prefix = format!("modica-wab-example:{}:", std::process::id());
    let handled = Arc::new(AtomicUsize::new(0));
    let mut urls = Vec::new();
    for replica in ["a", "b"] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://hooks:s3cret@{}/wab", listener.local_addr()?);
        let count = handled.clone();
        let receiver = Receiver::builder()
            .url(&url)
            .dedup_store(RedisDedupStore::new(&redis)?.prefix(prefix.clone()))
            .handler(move |event: Callback| {
                let count = count.clone();
                async move {
                    if let Callback::Dlr(dlr) = &event {
                        println!("replica {replica}: DLR {} {}", dlr.id, dlr.status);
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), HandlerError>(())
                }
            })
            .build()?;
        tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
        urls.push(url);
    }
    let mut builder = Sandbox::builder().duplicate_callbacks(1.0, 0.0, 3);
    for url in &urls {
        builder = builder.dlr_url(url);
    }
    let sandbox = builder.start().await?;

    // Two workers, one number, 5 messages a second between them.
    let pacing = Pacing::new().per_source(5).on_redis(&redis);
    let workers: Vec<Client> = (0..2)
        .map(|_| {
            Client::builder()
                .credentials(sandbox.username(), sandbox.password())
                .base_url(sandbox.base_url())
                .default_source(sandbox.business_number())
                .pacing(pacing.clone())
                .build()
        })
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let sends = workers.iter().enumerate().map(|(w, client)| async move {
        for i in 0..5 {
            client
                .send(&Message::text(format!("+642112300{w}{i}"), "paced"))
                .await?;
        }
        Ok::<(), modica_wab::Error>(())
    });
    for sent in futures_util::future::join_all(sends).await {
        sent?;
    }
    println!(
        "10 sends by 2 workers in {:.1} s (5 a second together)",
        started.elapsed().as_secs_f64()
    );
    sandbox.settle(Duration::from_secs(30)).await;
    let deliveries: usize = sandbox.deliveries().iter().map(|d| d.attempts.len()).sum();
    println!(
        "{deliveries} DLR deliveries to 2 replicas, {} handled: each event once",
        handled.load(Ordering::SeqCst)
    );
    Ok(())
}
