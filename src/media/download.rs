//! A media file being downloaded: a stream of chunks and its type, never
//! buffered whole unless asked.

use crate::error::{Error, TransportError};
use bytes::Bytes;
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A media file being downloaded: a stream of chunks plus its type.
///
/// Nothing is buffered beyond the chunk in hand; use [`Self::save`] to write
/// it to disk, or poll it as a [`Stream`].
pub struct MediaDownload {
    content_type: Option<String>,
    content_length: Option<u64>,
    stream: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
}

impl std::fmt::Debug for MediaDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaDownload")
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl MediaDownload {
    pub(crate) fn new(
        content_type: Option<String>,
        content_length: Option<u64>,
        stream: impl Stream<Item = reqwest::Result<Bytes>> + Send + 'static,
    ) -> Self {
        let stream = stream.map_err(|e| Error::Transport(TransportError::from_reqwest(e)));
        Self {
            content_type,
            content_length,
            stream: Box::pin(stream),
        }
    }

    /// The MIME type the server gave (`Content-Type`).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The size, when the server gave it.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Writes the file to `path` chunk by chunk; returns the bytes written.
    pub async fn save(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let path = path.as_ref();
        let file = tokio::fs::File::create(path)
            .await
            .map_err(|e| Error::io(path, e))?;
        self.copy(file, path).await
    }

    /// Writes the file to `writer` chunk by chunk; returns the bytes written.
    /// A failed write is [`Error::Io`] naming `<writer>`.
    pub async fn write_to<W: tokio::io::AsyncWrite + Unpin>(self, writer: W) -> Result<u64, Error> {
        self.copy(writer, Path::new("<writer>")).await
    }

    async fn copy<W: tokio::io::AsyncWrite + Unpin>(
        mut self,
        mut writer: W,
        target: &Path,
    ) -> Result<u64, Error> {
        use tokio::io::AsyncWriteExt;
        let mut written = 0u64;
        let io = |e: std::io::Error| Error::io(target, e);
        while let Some(chunk) = self.stream.next().await {
            let chunk = chunk?;
            writer.write_all(&chunk).await.map_err(io)?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(io)?;
        Ok(written)
    }

    /// Collects the whole file in memory (for small files only).
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let mut all = Vec::with_capacity(self.content_length.unwrap_or(0).min(16 << 20) as usize);
        while let Some(chunk) = self.stream.next().await {
            all.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(all))
    }
}

impl Stream for MediaDownload {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}
