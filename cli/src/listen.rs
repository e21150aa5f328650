//! `wab listen`: the receiver as a command, one line per event.

use crate::Failure;
use crate::interrupts::Interrupts;
use crate::output::{EventLine, Out};
use modica_wab::Error;
use modica_wab::callback::{Callback, CallbackContext, HandlerError, Receiver, RedisDedupStore};
use modica_wab::redis::RedisConfig;
use std::time::Duration;

/// How `wab listen` receives.
pub struct ListenOptions<'a> {
    pub allow_unauthenticated: bool,
    pub claim_lease: Option<f64>,
    pub redis: Option<&'a str>,
    pub dedup_prefix: Option<&'a str>,
    pub retention_hours: Option<f64>,
}

pub async fn listen(
    out: Out,
    url: &str,
    bind: &str,
    options: ListenOptions<'_>,
    interrupts: Option<Interrupts>,
) -> Result<(), Failure> {
    // When stdout closes, the event is not acknowledged (Modica will redeliver
    // it) and the command ends.
    let stdout_closed = std::sync::Arc::new(tokio::sync::Notify::new());
    let closed = stdout_closed.clone();
    let mut builder = Receiver::builder().url(url);
    if options.allow_unauthenticated {
        builder = builder.allow_unauthenticated();
    }
    if let Some(seconds) = options.claim_lease {
        let lease = Duration::try_from_secs_f64(seconds)
            .map_err(|e| Failure::Invalid(format!("--claim-lease {seconds}: {e}")))?;
        builder = builder.claim_lease(lease);
    }
    if options.redis.is_none()
        && (options.dedup_prefix.is_some() || options.retention_hours.is_some())
    {
        return Err(Failure::Invalid(
            "--dedup-prefix and --retention set the Redis store: give --redis too".into(),
        ));
    }
    let mut store_line = "memory (the last 100,000 events; not shared)".to_owned();
    if let Some(url) = options.redis {
        let config = RedisConfig::new(url)?;
        let mut store = RedisDedupStore::new(&config)?;
        if let Some(prefix) = options.dedup_prefix {
            store = store.prefix(prefix);
        }
        if let Some(hours) = options.retention_hours {
            let retention = Duration::try_from_secs_f64(hours * 3600.0)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    Failure::Invalid(format!(
                        "--retention {hours}: not a positive number of hours"
                    ))
                })?;
            store = store
                .retention(retention)
                .map_err(|e| Failure::Invalid(format!("--retention {hours}: {e}")))?;
        }
        store_line = format!("{store:?} on {config:?}");
        builder = builder.dedup_store(store);
    }
    let receiver = builder
        .handler_with_context(move |event: Callback, context: CallbackContext| {
            let closed = closed.clone();
            async move {
                out.print(&EventLine::new(event, context)).map_err(|e| {
                    closed.notify_one();
                    HandlerError::from(e)
                })
            }
        })
        .build()
        .map_err(|e| Failure::Api(Error::Config(e.to_string())))?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| Failure::Api(Error::Config(format!("cannot listen on {bind}: {e}"))))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Api(Error::Config(e.to_string())))?;
    // The receiver logged its warnings (plain http) when it was built.
    let paths: Vec<&str> = receiver.paths().collect();
    tracing::info!(
        "listening on http://{addr} (--bind; the host and port of --url are where Modica posts) for {paths:?}; de-duplication: {store_line}; claim lease {:.1} s; Ctrl-C stops it",
        receiver.claim_lease().as_secs_f64()
    );
    // The first Ctrl-C (or a closed stdout) stops accepting and lets the
    // answers in flight finish; a second one exits at once.
    let stop = async move {
        let Some(mut interrupts) = interrupts else {
            return stdout_closed.notified().await;
        };
        tokio::select! {
            _ = interrupts.next() => {
                eprintln!("stopping: finishing the callbacks in flight (Ctrl-C again to exit now)");
                // The same stream: a second Ctrl-C, however soon, is counted.
                tokio::spawn(async move {
                    interrupts.next().await;
                    std::process::exit(130);
                });
            }
            _ = stdout_closed.notified() => {}
        }
    };
    receiver.serve(listener, stop).await;
    Ok(())
}
