//! An upload's progress, watched: reqwest's read timeout is a fixed deadline
//! to the answer's head (it would end a long upload however well it goes),
//! so uploads run without it and fail instead when no chunk went out for the
//! read timeout, or no answer came within it of the body's end.

use super::answer::Failure;
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sends `request` (an upload) on `client`, failing with `Stalled` when it
/// goes `limit` without progress.
pub(crate) async fn send(
    client: &reqwest::Client,
    mut request: reqwest::Request,
    limit: Duration,
) -> Result<reqwest::Response, Failure> {
    let progress = Arc::new(Progress::new());
    if let Some(body) = request.body_mut().take() {
        let watched = Watched {
            inner: http_body_util::BodyDataStream::new(body),
            progress: progress.clone(),
        };
        *request.body_mut() = Some(reqwest::Body::wrap_stream(watched));
    }
    let watchdog = async {
        loop {
            let quiet = progress.quiet();
            if quiet >= limit {
                return Failure::Stalled(limit);
            }
            tokio::time::sleep(limit - quiet).await;
        }
    };
    tokio::select! {
        response = client.execute(request) => response.map_err(Failure::Http),
        stalled = watchdog => Err(stalled),
    }
}

/// When the body last made progress (a chunk went out, or it ended).
struct Progress {
    since: tokio::time::Instant,
    last_ms: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Self {
            since: tokio::time::Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Time since the last progress.
    fn quiet(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.since.elapsed().saturating_sub(last)
    }
}

/// A body stream that records its progress.
struct Watched<S> {
    inner: S,
    progress: Arc<Progress>,
}

impl<S> futures_core::Stream for Watched<S>
where
    S: futures_core::Stream<Item = Result<Bytes, reqwest::Error>> + Unpin,
{
    type Item = Result<Bytes, reqwest::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_next(cx);
        if polled.is_ready() {
            // A chunk, or the end (the watchdog then waits for the answer).
            self.progress.touch();
        }
        polled
    }
}
