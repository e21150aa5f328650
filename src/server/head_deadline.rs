//! The head deadline: a connection must send each request head within the
//! header timeout, counted from the connection's start or from the end of
//! its previous response (so it is also the keep-alive idle time). This is
//! hyper's `header_read_timeout`, kept with one timer per connection: hyper's
//! allocates and registers a timer for every request, while here a response
//! that ends only moves the connection's timer forward, which tokio does
//! with one atomic compare-and-swap.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use tokio::time::Instant;

/// Whether a connection is waiting for a request head, and since when.
#[derive(Debug)]
pub(super) struct HeadClock {
    opened: Instant,
    /// Microseconds from `opened` to when the connection went idle, or
    /// [`IN_FLIGHT`] while a request is being served.
    idle_since: AtomicU64,
}

/// A request is being served: its head is in.
const IN_FLIGHT: u64 = u64::MAX;

impl HeadClock {
    /// A connection opened now, waiting for its first head.
    pub(super) fn new() -> Self {
        Self {
            opened: Instant::now(),
            idle_since: AtomicU64::new(0),
        }
    }

    pub(super) fn opened(&self) -> Instant {
        self.opened
    }

    /// A head came in (hyper calls the service once it has read one).
    pub(super) fn request_started(&self) {
        self.idle_since.store(IN_FLIGHT, Ordering::Release);
    }

    /// The response ended (hyper drops its body once written, or abandoned).
    pub(super) fn response_ended(&self) {
        let micros = u64::try_from(self.opened.elapsed().as_micros()).unwrap_or(IN_FLIGHT - 1);
        self.idle_since
            .store(micros.min(IN_FLIGHT - 1), Ordering::Release);
    }

    /// Since when the connection has waited for a head; `None` while a
    /// request is in flight.
    pub(super) fn waiting_since(&self) -> Option<Instant> {
        match self.idle_since.load(Ordering::Acquire) {
            IN_FLIGHT => None,
            micros => Some(self.opened + std::time::Duration::from_micros(micros)),
        }
    }
}

/// A response body that tells the connection's clock when the response
/// ended: when hyper drops it, after its last byte was written (or when the
/// response was abandoned).
pub(super) struct Ending<B> {
    body: B,
    clock: Arc<HeadClock>,
}

impl<B> Ending<B> {
    pub(super) fn new(body: B, clock: Arc<HeadClock>) -> Self {
        Self { body, clock }
    }
}

impl<B> Drop for Ending<B> {
    fn drop(&mut self) {
        self.clock.response_ended();
    }
}

impl<B: hyper::body::Body + Unpin> hyper::body::Body for Ending<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn the_wait_for_a_head_starts_at_the_open_and_at_each_response_end() {
        let clock = Arc::new(HeadClock::new());
        assert_eq!(clock.waiting_since(), Some(clock.opened()));
        clock.request_started();
        assert_eq!(clock.waiting_since(), None, "no deadline while serving");
        tokio::time::advance(Duration::from_secs(3)).await;
        drop(Ending::new(axum::body::Body::empty(), clock.clone()));
        assert_eq!(
            clock.waiting_since(),
            Some(clock.opened() + Duration::from_secs(3))
        );
    }
}
