//! A streamed body held for the attempts of one request. A stream can be
//! read once; an attempt whose connection was refused never read a byte of
//! it, so the next attempt can have it. Each attempt gets a body that takes
//! the stream out of the holder on its first poll; once taken, it is gone,
//! and the request cannot be sent again.

use bytes::Bytes;
use futures_core::Stream;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// A stream of body bytes (an upload read as it goes).
pub(crate) type ByteStream =
    Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync>>;

/// The stream, until an attempt starts to read it.
#[derive(Clone)]
pub(crate) struct HeldStream(Arc<Mutex<Option<ByteStream>>>);

impl HeldStream {
    pub(crate) fn new(stream: ByteStream) -> Self {
        Self(Arc::new(Mutex::new(Some(stream))))
    }

    /// A body for one attempt: it takes the stream when first polled.
    pub(crate) fn body(&self) -> reqwest::Body {
        reqwest::Body::wrap_stream(Taking {
            held: self.clone(),
            stream: None,
        })
    }

    /// Whether no attempt has started to read the stream.
    pub(crate) fn intact(&self) -> bool {
        self.lock().is_some()
    }

    fn take(&self) -> Option<ByteStream> {
        self.lock().take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ByteStream>> {
        // Taking is one step: a poisoned lock still holds a consistent value.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One attempt's body.
struct Taking {
    held: HeldStream,
    stream: Option<ByteStream>,
}

impl Stream for Taking {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.stream.is_none() {
            match self.held.take() {
                Some(stream) => self.stream = Some(stream),
                // Never reached: an attempt goes again only with the stream
                // still held. Kept total: the attempt fails, nothing panics.
                None => {
                    return Poll::Ready(Some(Err(std::io::Error::other(
                        "the upload's stream was already read by an earlier attempt",
                    ))));
                }
            }
        }
        match &mut self.stream {
            Some(stream) => stream.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;

    fn held(chunks: &'static [&'static [u8]]) -> HeldStream {
        let stream = futures_util::stream::iter(
            chunks
                .iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))),
        );
        HeldStream::new(Box::pin(stream))
    }

    async fn read(body: reqwest::Body) -> Result<Vec<u8>, String> {
        let mut stream = http_body_util::BodyDataStream::new(body);
        let mut all = Vec::new();
        while let Some(chunk) = stream.next().await {
            // The whole chain: reqwest names the body, the source the cause.
            let chunk = chunk.map_err(|e| {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    text = format!("{text}: {s}");
                    source = s.source();
                }
                text
            })?;
            all.extend_from_slice(&chunk);
        }
        Ok(all)
    }

    #[tokio::test]
    async fn a_body_never_read_hands_the_stream_to_the_next_attempt() {
        let stream = held(&[b"ab", b"cd"]);
        let first = stream.body();
        drop(first); // refused: never polled
        assert!(stream.intact());
        let second = stream.body();
        assert_eq!(read(second).await.unwrap(), b"abcd");
        assert!(!stream.intact(), "read once, gone");
    }

    #[tokio::test]
    async fn once_read_the_stream_is_never_sent_twice() {
        let stream = held(&[b"ab"]);
        let (first, second) = (stream.body(), stream.body());
        assert_eq!(read(first).await.unwrap(), b"ab");
        let err = read(second).await.unwrap_err();
        assert!(err.contains("already read"), "{err}");
    }
}
