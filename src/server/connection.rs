//! One connection's life: served until it ends, is killed by a handler
//! ([`ConnectionKill`]), is told to finish by the server's shutdown, or
//! sends its next request head too late.

use super::head_deadline::HeadClock;
use futures_util::task::AtomicWaker;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Weak};
use std::task::Poll;
use std::time::Duration;

tokio::task_local! {
    /// The connection whose requests are being served in this task.
    pub(super) static CONNECTION: ConnectionKill;
}

/// A handle on the connection a request came on: lets a handler close it
/// without answering (the sandbox's dropped-connection fault). Reached with
/// [`ConnectionKill::current`] from a handler served by
/// [`serve`](super::serve): a task local of the connection's task, so a
/// request pays nothing for it. (Until 2026-12 it was put in every request's
/// extensions, where it is no longer; a layer that moves the handler to
/// another task, such as `tower::buffer`, hides it.)
#[derive(Clone, Debug)]
pub struct ConnectionKill(pub(super) Arc<Signal>);

impl ConnectionKill {
    /// The connection being served by the calling task: `Some` inside a
    /// handler that [`serve`](super::serve) runs (not in a task the handler spawned).
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
pub(super) struct Signal {
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

/// Serves one connection until it ends, is killed, sends its next head
/// later than `header_timeout` after the previous response ended (or the
/// connection opened), or, after a shutdown signal, has finished what is in
/// flight. Dropping the connection closes the socket.
pub(super) async fn run<C, E>(
    connection: C,
    signal: Arc<Signal>,
    clock: Arc<HeadClock>,
    header_timeout: Duration,
) where
    C: Future<Output = Result<(), E>> + GracefulShutdown,
{
    tokio::pin!(connection);
    // One timer for the connection's life, moved forward as responses end.
    let late = tokio::time::sleep_until(after(clock.opened(), header_timeout));
    tokio::pin!(late);
    let mut armed_for = clock.waiting_since();
    let mut shutting_down = false;
    std::future::poll_fn(|cx| {
        signal.waker.register(cx.waker());
        match signal.state.load(Ordering::Acquire) {
            KILLED => return Poll::Ready(()),
            GRACEFUL if !shutting_down => {
                // Idle connections close now; one in flight gets its answer
                // (with `connection: close`) first.
                shutting_down = true;
                connection.as_mut().start_graceful_shutdown();
            }
            _ => {}
        }
        if connection.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        // While a request is in flight its head is in: no deadline.
        let Some(since) = clock.waiting_since() else {
            return Poll::Pending;
        };
        if armed_for != Some(since) {
            armed_for = Some(since);
            late.as_mut().reset(after(since, header_timeout));
        }
        // The head is late: close (as hyper's own header timeout does).
        late.as_mut().poll(cx)
    })
    .await;
}

/// `timeout` after `start`; one too long for the clock (`Duration::MAX` for
/// "no limit", say) is as good as never, not a panic.
fn after(start: tokio::time::Instant, timeout: Duration) -> tokio::time::Instant {
    start
        .checked_add(timeout)
        .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// hyper's connection types, told to finish what is in flight and close.
pub(super) trait GracefulShutdown {
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
pub(super) struct Open(Vec<Weak<Signal>>);

impl Open {
    pub(super) fn add(&mut self, signal: &Arc<Signal>) {
        // Forget closed connections once they are half the list, so the list
        // stays within twice the connections open.
        if self.0.len() >= 64 && self.0.len() == self.0.capacity() {
            self.0.retain(|s| s.strong_count() > 0);
        }
        self.0.push(Arc::downgrade(signal));
    }

    pub(super) fn shut_down(&self) {
        for signal in self.0.iter().filter_map(Weak::upgrade) {
            signal.raise(GRACEFUL);
        }
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
