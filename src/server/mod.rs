//! The accept loop the receiver serves with (feature `receiver`): HTTP/1 on
//! hyper, with a header read timeout (which also closes idle keep-alive
//! connections), a write timeout (a client that stops reading its answers),
//! a cap on open connections, and a shutdown that ends within a bound. Public
//! so that other servers of the family (the sandbox, `modica-wab-sandbox`)
//! and your own axum routes get the same bounds.
//!
//! Each bound costs a request next to nothing, so that the hardened loop
//! serves about as fast as `axum::serve` (`benches/compare` measures both):
//! the connection cap is a semaphore permit taken once per connection; the
//! head deadline is one timer per connection, moved forward (an atomic
//! store in tokio's timer) when a response ends (`head_deadline.rs`); the
//! write deadline arms a timer only while a write is blocked
//! (`write_deadline.rs`); shutdown and [`ConnectionKill`] reach a connection
//! through one lock-free signal (`connection.rs`). As in `axum::serve`, the
//! router's handlers are made into routes once, and each connection gets a
//! router of its own, so a request touches no count shared by others.
//! And hyper is not asked to look for a client's hang-up while a request
//! is handled (`half_close`): that look reads into hyper's buffer while the
//! request's head and body still hold part of it, an 8 KiB allocation per
//! request (about 5 % of the receiver's callbacks per second); a client
//! that hangs up is found when its answer is written (a streamed answer: at
//! a later write).
//!
//! `axum::serve` sets none of these: a client that sends one byte would hold
//! its connection forever, and a shutdown would wait for it.
//!
//! ```no_run
//! use modica_wab::server::{serve, Limits};
//! # async fn f() -> std::io::Result<()> {
//! let router = axum::Router::new();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, router, Limits::default(), std::future::pending(), |_| async {}).await;
//! # Ok(()) }
//! ```

mod connection;
mod head_deadline;
mod write_deadline;

pub use connection::ConnectionKill;

use axum::Router;
use axum::body::Body;
use connection::{Open, Signal};
use futures_util::TryFutureExt as _;
use head_deadline::{Ending, HeadClock};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::ServiceExt as _;
use write_deadline::WriteDeadline;

/// The limits of one server.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Limits {
    /// Time to receive a request's head, from the connection's start or the
    /// end of its previous response (so also the keep-alive idle time). The
    /// response ends when hyper has taken its last byte; a handler that
    /// answers before reading the whole request body leaves the rest of
    /// that body to this deadline too (the receiver always reads first).
    /// `Duration::MAX` means no limit.
    pub header_timeout: Duration,
    /// Longest a write may wait for the client to read (hyper has none: a
    /// client that never reads would hold its connection for good).
    pub write_timeout: Duration,
    /// Connections open at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// After the shutdown signal: time for requests in flight to finish
    /// before every connection is closed.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    /// 10 s for a request head, 10 s for a write, 1,024 connections, 30 s of
    /// shutdown grace.
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// Sets the time to receive a request's head (and the keep-alive idle time).
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Sets the longest a write may wait for the client to read.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Sets how many connections are served at once.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Sets the time requests in flight get to finish after shutdown.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting, lets requests in flight finish for `limits.shutdown_grace`, and
/// closes every connection. `drain` runs after the listener closed and before
/// the connections are closed (the receiver waits for its handlers there);
/// it shares the grace period.
///
/// A client that hangs up while its request is handled is noticed when its
/// answer is written (a streamed answer: at a later write), not before: a
/// hang-up never cancels a handler, and the connection keeps its place under
/// `max_connections` until then, as it would had the client stayed. A
/// handler that should stop when its caller leaves needs a deadline of its
/// own. A client that closes only its sending side still gets its answer.
pub async fn serve<D>(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
    drain: impl FnOnce(Duration) -> D,
) where
    D: Future<Output = ()>,
{
    // No timer for hyper: its header read timeout allocates and registers
    // a timer per request; the head deadline here is one per connection.
    // (`None` said outright: hyper would otherwise warn, on every
    // connection, that its 30 s default has no timer.)
    let mut http = hyper::server::conn::http1::Builder::new();
    http.header_read_timeout(None);
    // From the end of a request's body until its answer is written, hyper
    // otherwise reads ahead to see whether the client hung up, before the
    // handler has even run; the head and body still hold part of its read
    // buffer then, so every request got a fresh 8 KiB buffer (`axum::serve`
    // pays it too). Without that read, the next read comes once they are
    // gone and reuses the buffer. A client that hangs up is found when its
    // answer is written instead, and one that closes only its sending side
    // still gets its answer.
    http.half_close(true);
    // The router's handlers made into routes once, not at every request
    // (axum does it for a router with its state, and `()` is ours).
    let router = router.with_state::<()>(());
    let permits = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let mut open = Open::default();
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        // Wait for a free slot before accepting, so extra clients queue in the
        // kernel rather than in memory.
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
        };
        let stream = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors, say: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let signal = Arc::new(Signal::default());
        open.add(&signal);
        let clock = Arc::new(HeadClock::new());
        // A copy of its own per connection (as `axum::serve` makes): the
        // clone each request makes then touches this connection's count,
        // not one that every connection shares.
        let router = router.clone().with_state::<()>(());
        let requests = clock.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            requests.request_started();
            let ending = requests.clone();
            router
                .clone()
                .oneshot(request.map(Body::new))
                .map_ok(move |response| response.map(|body| Ending::new(body, ending)))
        });
        let stream = WriteDeadline::new(stream, limits.write_timeout);
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let kill = ConnectionKill(signal.clone());
        let header_timeout = limits.header_timeout;
        connections.spawn(connection::CONNECTION.scope(kill, async move {
            let _permit = permit;
            connection::run(connection, signal, clock, header_timeout).await;
        }));
    }
    drop(listener);
    open.shut_down();
    let started = tokio::time::Instant::now();
    drain(limits.shutdown_grace).await;
    let left = limits.shutdown_grace.saturating_sub(started.elapsed());
    let finish = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(left, finish).await.is_err() {
        // Slow clients and hung handlers: close their connections.
        connections.shutdown().await;
    }
}
