//! An upload's progress, watched: reqwest's read timeout is a fixed deadline
//! to the answer's head (it would end a long upload however well it goes),
//! so uploads run without it and fail instead when no piece went out for the
//! read timeout, or no answer came after the body's end within the read
//! timeout plus the time the data still buffered on the way may take to
//! drain (the kernel's buffers hold megabytes; at [`DRAIN_RATE`], at most
//! [`BUFFERED`] of it).

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
    let length = request
        .headers()
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let progress = Arc::new(Progress::new());
    if let Some(body) = request.body_mut().take() {
        let length = length.or(body.as_bytes().map(|b| b.len() as u64));
        // Re-wrapped as a stream, the body would go chunked: keep its length.
        if let Some(len) = body.as_bytes().map(<[u8]>::len) {
            request
                .headers_mut()
                .entry(reqwest::header::CONTENT_LENGTH)
                .or_insert_with(|| reqwest::header::HeaderValue::from(len));
        }
        let watched = Watched {
            inner: http_body_util::BodyDataStream::new(body),
            rest: None,
            length,
            progress: progress.clone(),
        };
        *request.body_mut() = Some(reqwest::Body::wrap_stream(watched));
    }
    let watchdog = async {
        loop {
            let quiet = progress.quiet();
            let allowed = if progress.ended() {
                limit.saturating_add(drain_time(progress.sent()))
            } else {
                limit
            };
            if quiet >= allowed {
                return Failure::Stalled(allowed);
            }
            tokio::time::sleep(allowed - quiet).await;
        }
    };
    tokio::select! {
        response = client.execute(request) => response.map_err(Failure::Http),
        stalled = watchdog => Err(stalled),
    }
}

/// The slowest link an upload is expected to drain at once sent.
const DRAIN_RATE: u64 = 64 * 1024;
/// The most data that can sit in buffers between the client and the server.
const BUFFERED: u64 = 8 << 20;

/// Time for what is still buffered to reach the server.
fn drain_time(sent: u64) -> Duration {
    Duration::from_secs_f64(sent.min(BUFFERED) as f64 / DRAIN_RATE as f64)
}

/// When the body last made progress (a piece went out, or it ended), how
/// much went out, and whether it ended.
struct Progress {
    since: tokio::time::Instant,
    last_ms: AtomicU64,
    sent: AtomicU64,
    ended: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new() -> Self {
        Self {
            since: tokio::time::Instant::now(),
            last_ms: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            ended: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    fn ended(&self) -> bool {
        self.ended.load(Ordering::Relaxed)
    }

    /// Time since the last progress.
    fn quiet(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.since.elapsed().saturating_sub(last)
    }
}

/// Pieces a body goes out in: the socket takes one while the next waits, so
/// progress is seen at least every piece (an in-memory body is one chunk).
const PIECE: usize = 64 * 1024;

/// A body stream that records its progress, in pieces of at most [`PIECE`].
struct Watched<S> {
    inner: S,
    /// What is left of a chunk larger than a piece.
    rest: Option<Bytes>,
    /// The body's length, when known (hyper stops asking once it has it all).
    length: Option<u64>,
    progress: Arc<Progress>,
}

/// The first piece of `chunk`, and what is left.
fn split(mut chunk: Bytes) -> (Bytes, Option<Bytes>) {
    if chunk.len() <= PIECE {
        return (chunk, None);
    }
    let rest = chunk.split_off(PIECE);
    (chunk, Some(rest))
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
        use std::task::Poll;
        let polled = match self.rest.take() {
            Some(rest) => Poll::Ready(Some(Ok(rest))),
            None => std::pin::Pin::new(&mut self.inner).poll_next(cx),
        };
        if polled.is_ready() {
            // The connection took the piece before and asks for the next (or
            // the body ended: the watchdog then waits for the answer).
            self.progress.touch();
        }
        match polled {
            Poll::Ready(Some(Ok(chunk))) => {
                let (piece, rest) = split(chunk);
                self.rest = rest;
                let sent = self
                    .progress
                    .sent
                    .fetch_add(piece.len() as u64, Ordering::Relaxed)
                    + piece.len() as u64;
                if self.length.is_some_and(|n| sent >= n) {
                    self.progress.ended.store(true, Ordering::Relaxed);
                }
                Poll::Ready(Some(Ok(piece)))
            }
            Poll::Ready(None) => {
                self.progress.ended.store(true, Ordering::Relaxed);
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffered_data_gets_time_to_drain_up_to_a_bound() {
        assert_eq!(drain_time(0), Duration::ZERO);
        assert_eq!(drain_time(64 * 1024), Duration::from_secs(1));
        assert_eq!(drain_time(u64::MAX), Duration::from_secs(128));
    }

    #[test]
    fn a_large_chunk_goes_out_in_pieces_without_copies() {
        let chunk = Bytes::from(vec![7u8; PIECE * 2 + 10]);
        let (first, rest) = split(chunk.clone());
        assert_eq!(first.len(), PIECE);
        assert_eq!(first.as_ptr(), chunk.as_ptr(), "a view, not a copy");
        let (second, rest) = split(rest.unwrap());
        let (third, rest) = split(rest.unwrap());
        assert_eq!((second.len(), third.len(), rest), (PIECE, 10, None));
    }
}
