//! The accept loop the receiver serves with (feature `receiver`): HTTP/1 on
//! hyper, with a header read timeout (which also closes idle keep-alive
//! connections), a write timeout (a client that stops reading its answers),
//! a cap on open connections, and a shutdown that ends within a bound. Public
//! so that other servers of the family (the sandbox, `modica-wab-sandbox`)
//! and your own axum routes get the same bounds.
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

use axum::Router;
use axum::body::Body;
use futures_util::task::AtomicWaker;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Weak};
use std::task::Poll;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::ServiceExt as _;

/// The limits of one server.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Limits {
    /// Time to receive a request's head, from the connection's start or the
    /// end of its previous response (so also the keep-alive idle time).
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

tokio::task_local! {
    /// The connection whose requests are being served in this task.
    static CONNECTION: ConnectionKill;
}

/// A handle on the connection a request came on: lets a handler close it
/// without answering (the sandbox's dropped-connection fault). Reached with
/// [`ConnectionKill::current`] from a handler served by [`serve`] (a task
/// local of the connection's task, so a request pays nothing for it).
#[derive(Clone, Debug)]
pub struct ConnectionKill(Arc<Signal>);

impl ConnectionKill {
    /// The connection being served by the calling task: `Some` inside a
    /// handler that [`serve`] runs (not in a task the handler spawned).
    ///
    /// ```
    /// # async fn handler() -> &'static str {
    /// if let Some(connection) = modica_wab::server::ConnectionKill::current() {
    ///     connection.kill(); // the client sees the connection close, no answer
    /// }
    /// # "" }
    /// ```
    pub fn current() -> Option<Self> {
        CONNECTION.try_with(Clone::clone).ok()
    }

    /// Closes the connection the request came on, without a response.
    pub fn kill(&self) {
        self.0.raise(KILLED);
    }
}

/// What one connection has been told: nothing yet, finish and close
/// (shutdown), or close now (killed). Polled with the connection, without a
/// lock: one atomic load and one waker registration per wake-up, where a
/// `Notify` and a `CancellationToken` took a mutex each.
#[derive(Debug, Default)]
struct Signal {
    state: AtomicU8,
    waker: AtomicWaker,
}

// 0 (the default): running.
const GRACEFUL: u8 = 1;
const KILLED: u8 = 2;

impl Signal {
    /// Raises the state (never lowers it: a killed connection stays killed).
    fn raise(&self, to: u8) {
        self.state.fetch_max(to, Ordering::AcqRel);
        self.waker.wake();
    }
}

/// Serves one connection until it ends, is killed, or (after a shutdown
/// signal) has finished what is in flight.
async fn run_connection<C, E>(connection: C, signal: Arc<Signal>)
where
    C: Future<Output = Result<(), E>> + GracefulShutdown,
{
    tokio::pin!(connection);
    let mut shutting_down = false;
    std::future::poll_fn(|cx| {
        signal.waker.register(cx.waker());
        match signal.state.load(Ordering::Acquire) {
            KILLED => return Poll::Ready(()), // dropping the connection closes the socket
            GRACEFUL if !shutting_down => {
                // Idle connections close now; one in flight gets its answer
                // (with `connection: close`) first.
                shutting_down = true;
                connection.as_mut().start_graceful_shutdown();
            }
            _ => {}
        }
        connection.as_mut().poll(cx).map(|_| ())
    })
    .await;
}

/// hyper's connection types, told to finish what is in flight and close.
trait GracefulShutdown {
    fn start_graceful_shutdown(self: Pin<&mut Self>);
}

impl<I, S> GracefulShutdown for hyper::server::conn::http1::Connection<I, S>
where
    S: hyper::service::HttpService<hyper::body::Incoming>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn start_graceful_shutdown(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// The connections open now, to be told when the server shuts down.
#[derive(Default)]
struct Open(Vec<Weak<Signal>>);

impl Open {
    fn add(&mut self, signal: &Arc<Signal>) {
        // Forget closed connections once they are half the list, so the list
        // stays within twice the connections open.
        if self.0.len() >= 64 && self.0.len() == self.0.capacity() {
            self.0.retain(|s| s.strong_count() > 0);
        }
        self.0.push(Arc::downgrade(signal));
    }

    fn shut_down(&self) {
        for signal in self.0.iter().filter_map(Weak::upgrade) {
            signal.raise(GRACEFUL);
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting, lets requests in flight finish for `limits.shutdown_grace`, and
/// closes every connection. `drain` runs after the listener closed and before
/// the connections are closed (the receiver waits for its handlers there);
/// it shares the grace period.
pub async fn serve<D>(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
    drain: impl FnOnce(Duration) -> D,
) where
    D: Future<Output = ()>,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
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
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            router.clone().oneshot(request.map(Body::new))
        });
        let stream = WriteDeadline::new(stream, limits.write_timeout);
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let kill = ConnectionKill(signal.clone());
        connections.spawn(CONNECTION.scope(kill, async move {
            let _permit = permit;
            run_connection(connection, signal).await;
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

/// A connection whose writes fail once they have waited `limit` for the
/// client to read.
struct WriteDeadline<T> {
    io: T,
    limit: Duration,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteDeadline<T> {
    fn new(io: T, limit: Duration) -> Self {
        Self {
            io,
            limit,
            stalled: None,
        }
    }

    /// Passes a ready write through; while it is pending, fails it once the
    /// limit is reached.
    fn watch<R>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        polled: std::task::Poll<std::io::Result<R>>,
    ) -> std::task::Poll<std::io::Result<R>> {
        use std::future::Future as _;
        use std::task::Poll;
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteDeadline<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_only_rises_and_wakes_its_connection() {
        let signal = Arc::new(Signal::default());
        let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        struct Count(Arc<std::sync::atomic::AtomicUsize>);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let waker = std::task::Waker::from(Arc::new(Count(woken.clone())));
        signal.waker.register(&waker);
        signal.raise(KILLED);
        signal.raise(GRACEFUL);
        assert_eq!(signal.state.load(Ordering::SeqCst), KILLED, "a kill stays");
        assert_eq!(woken.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_open_list_forgets_closed_connections_and_tells_the_rest() {
        let mut open = Open::default();
        let kept: Vec<_> = (0..10).map(|_| Arc::new(Signal::default())).collect();
        for signal in &kept {
            open.add(signal);
        }
        for _ in 0..1000 {
            open.add(&Arc::new(Signal::default())); // closed at once
        }
        assert!(open.0.len() < 200, "{} remembered", open.0.len());
        open.shut_down();
        assert!(
            kept.iter()
                .all(|s| s.state.load(Ordering::SeqCst) == GRACEFUL)
        );
    }
}
