//! A media file to upload, and the multipart body it becomes (written by
//! hand: progenitor cannot generate a multipart operation).

use crate::error::Error;
use bytes::Bytes;
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use std::path::Path;

pub(crate) use crate::transport::ByteStream;

/// A failure to read what is being uploaded (the file, or the caller's
/// stream). It reaches the pipeline inside the HTTP client's error; marked
/// so, it becomes [`Error::Io`] rather than a network failure.
#[derive(Debug)]
pub(crate) struct SourceReadError {
    /// The file's path, or the upload's file name for a stream.
    pub(crate) origin: String,
    pub(crate) error: std::io::Error,
}

impl std::fmt::Display for SourceReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.error)
    }
}

impl std::error::Error for SourceReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl SourceReadError {
    /// The marked error, in the `io::Error` a body stream must yield.
    fn wrap(origin: &str, error: std::io::Error) -> std::io::Error {
        let kind = error.kind();
        let origin = origin.to_owned();
        std::io::Error::new(kind, SourceReadError { origin, error })
    }

    /// The read failure somewhere in `error`'s chain of sources, if any.
    pub(crate) fn find<'a>(
        error: &'a (dyn std::error::Error + 'static),
    ) -> Option<&'a SourceReadError> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<SourceReadError>() {
                return Some(found);
            }
            // An io::Error's source() skips the error it wraps: look inside.
            if let Some(found) = e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<SourceReadError>())
            {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

/// A multipart body: its content type (with the boundary) and its bytes.
pub(crate) struct Multipart {
    pub(crate) content_type: String,
    pub(crate) body: MultipartBody,
}

/// In memory (can be sent again if a retry is safe), or streamed (once),
/// with its length when the file's is known.
pub(crate) enum MultipartBody {
    Bytes(Bytes),
    Stream {
        stream: ByteStream,
        len: Option<u64>,
    },
}

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
    /// Streamed, never buffered: sent again only if no attempt read from it.
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
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::io(path, e))?;
        let len = file.metadata().await.map_err(|e| Error::io(path, e))?.len();
        let filename = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let content_type = guess_content_type(&filename).to_owned();
        let origin = path.display().to_string();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024)
            .map_err(move |e| SourceReadError::wrap(&origin, e));
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
        let filename = filename.into();
        let origin = filename.clone();
        let stream = stream.map_err(move |e| SourceReadError::wrap(&origin, e));
        Self {
            filename,
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

    /// The multipart body, checked.
    pub(crate) fn into_multipart(self) -> Result<Multipart, Error> {
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
                MultipartBody::Bytes(Bytes::from(all))
            }
            UploadBody::Stream { stream: data, len } => {
                let len = len.map(|n| head.len() as u64 + n + tail.len() as u64);
                let parts = stream::iter([Ok(head)])
                    .chain(data)
                    .chain(stream::iter([Ok(tail)]));
                MultipartBody::Stream {
                    stream: Box::pin(parts),
                    len,
                }
            }
        };
        Ok(Multipart {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            body,
        })
    }
}

pub(crate) fn guess_content_type(filename: &str) -> &'static str {
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
