//! Media upload (hand-written multipart; progenitor cannot generate it) and
//! streamed download.

use crate::error::{Error, TransportError};
use bytes::Bytes;
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync>>;

/// A file to upload with [`crate::Client::upload_media`].
///
/// ```no_run
/// # async fn f(client: modica_wab::Client) -> Result<(), modica_wab::Error> {
/// use modica_wab::{MediaUpload, Media, Message};
/// let upload = MediaUpload::file("parcel.jpg").await?;
/// let media = client.upload_media(upload).await?;
/// client.send(&Message::image("+64211234567", Media::id(media.id))).await?;
/// # Ok(()) }
/// ```
pub struct MediaUpload {
    filename: String,
    content_type: String,
    body: UploadBody,
    source: Option<String>,
}

enum UploadBody {
    /// In memory: can be sent again if a retry is safe.
    Bytes(Bytes),
    /// Streamed: sent once, never buffered.
    Stream {
        stream: ByteStream,
        len: Option<u64>,
    },
}

impl std::fmt::Debug for MediaUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = match &self.body {
            UploadBody::Bytes(b) => Some(b.len() as u64),
            UploadBody::Stream { len, .. } => *len,
        };
        f.debug_struct("MediaUpload")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &size)
            .finish()
    }
}

impl MediaUpload {
    /// Bytes already in memory.
    pub fn bytes(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Self {
        Self {
            filename: filename.into(),
            content_type: content_type.into(),
            body: UploadBody::Bytes(data.into()),
            source: None,
        }
    }

    /// A file on disk, streamed (never read into memory whole). The content
    /// type is guessed from the extension; override it with [`Self::content_type`].
    pub async fn file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let io_err = |e: std::io::Error| Error::invalid("file", format!("{}: {e}", path.display()));
        let file = tokio::fs::File::open(path).await.map_err(io_err)?;
        let len = file.metadata().await.map_err(io_err)?.len();
        let filename = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let content_type = guess_content_type(&filename).to_owned();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
        Ok(Self {
            filename,
            content_type,
            body: UploadBody::Stream {
                stream: Box::pin(stream),
                len: Some(len),
            },
            source: None,
        })
    }

    /// Calls `progress` with the number of bytes handed to the connection so
    /// far, as the upload goes (once, for bytes already in memory).
    ///
    /// ```
    /// use modica_wab::MediaUpload;
    /// let up = MediaUpload::bytes("a.png", "image/png", &b"PNG"[..])
    ///     .on_progress(|sent| eprintln!("{sent} bytes sent"));
    /// # let _ = up;
    /// ```
    pub fn on_progress(mut self, progress: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.body = match self.body {
            UploadBody::Bytes(b) => {
                progress(b.len() as u64);
                UploadBody::Bytes(b)
            }
            UploadBody::Stream { stream, len } => {
                let mut sent = 0u64;
                let counted = stream.inspect_ok(move |chunk| {
                    sent += chunk.len() as u64;
                    progress(sent);
                });
                UploadBody::Stream {
                    stream: Box::pin(counted),
                    len,
                }
            }
        };
        self
    }

    /// Any stream of bytes; `len` (if known) lets the request carry a length.
    pub fn stream<S>(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        stream: S,
        len: Option<u64>,
    ) -> Self
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync + 'static,
    {
        Self {
            filename: filename.into(),
            content_type: content_type.into(),
            body: UploadBody::Stream {
                stream: Box::pin(stream),
                len,
            },
            source: None,
        }
    }

    /// Sets the MIME type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Uploads for this source number instead of the client's default.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub(crate) fn source_or<'a>(&'a self, default: Option<&'a str>) -> Option<&'a str> {
        self.source.as_deref().or(default)
    }

    /// The multipart body: the content type (with boundary) and the body.
    pub(crate) fn into_multipart(self) -> Result<(String, reqwest::Body), Error> {
        crate::validate::text("filename", &self.filename, 255)?;
        if self.content_type.parse::<http::HeaderValue>().is_err()
            || !self.content_type.contains('/')
        {
            return Err(Error::invalid(
                "content_type",
                format!("{:?} is not a MIME type", self.content_type),
            ));
        }
        let boundary = format!("modica-wab-{}", uuid::Uuid::new_v4().simple());
        let filename: String = self
            .filename
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| if c == '"' { '\'' } else { c })
            .collect();
        let head = Bytes::from(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {}\r\n\r\n",
            self.content_type
        ));
        let tail = Bytes::from(format!("\r\n--{boundary}--\r\n"));
        let body = match self.body {
            UploadBody::Bytes(data) => {
                let mut all = Vec::with_capacity(head.len() + data.len() + tail.len());
                all.extend_from_slice(&head);
                all.extend_from_slice(&data);
                all.extend_from_slice(&tail);
                reqwest::Body::from(all)
            }
            UploadBody::Stream { stream: data, .. } => {
                let parts = stream::iter([Ok(head)])
                    .chain(data)
                    .chain(stream::iter([Ok(tail)]));
                reqwest::Body::wrap_stream(parts)
            }
        };
        Ok((format!("multipart/form-data; boundary={boundary}"), body))
    }
}

fn guess_content_type(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "3gp" => "video/3gpp",
        "mp3" => "audio/mpeg",
        "ogg" | "opus" => "audio/ogg",
        "aac" => "audio/aac",
        "amr" => "audio/amr",
        "m4a" => "audio/mp4",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

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
            .map_err(|e| Error::invalid("path", format!("{}: {e}", path.display())))?;
        self.write_to(file).await
    }

    /// Writes the file to `writer` chunk by chunk; returns the bytes written.
    pub async fn write_to<W: tokio::io::AsyncWrite + Unpin>(
        mut self,
        mut writer: W,
    ) -> Result<u64, Error> {
        use tokio::io::AsyncWriteExt;
        let mut written = 0u64;
        let io = |e: std::io::Error| {
            Error::Transport(TransportError::other(format!("writing the download: {e}")))
        };
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
