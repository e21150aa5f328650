//! A file to send to many customers: read once for its SHA-256 (the media
//! cache's key), and again for each upload it needs.

use super::MediaUpload;
use super::upload::guess_content_type;
use crate::error::Error;
use bytes::Bytes;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncReadExt as _;

/// A file to send to many customers by media id (see
/// [`Client::send_media`](crate::Client::send_media)): bytes in memory, or a
/// file on disk read again for each upload (never held in memory whole).
///
/// ```
/// use modica_wab::media::MediaFile;
/// let menu = MediaFile::bytes("menu.pdf", "application/pdf", &b"%PDF-1.7"[..]);
/// assert_eq!(menu.sha256_hex().len(), 64);
/// ```
#[derive(Debug, Clone)]
pub struct MediaFile {
    filename: String,
    content_type: String,
    origin: Origin,
    sha256: [u8; 32],
    len: u64,
    source: Option<String>,
}

#[derive(Debug, Clone)]
enum Origin {
    Bytes(Bytes),
    Path(PathBuf),
}

impl MediaFile {
    /// Bytes in memory.
    pub fn bytes(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Self {
        let data = data.into();
        Self {
            filename: filename.into(),
            content_type: content_type.into(),
            sha256: Sha256::digest(&data).into(),
            len: data.len() as u64,
            origin: Origin::Bytes(data),
            source: None,
        }
    }

    /// A file on disk, read now for its SHA-256 and again for each upload.
    /// The content type is guessed from the extension. Changing the file
    /// meanwhile fails the upload rather than caching another file's id.
    pub async fn path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let (sha256, len) = digest(path).await?;
        let filename = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            content_type: guess_content_type(&filename).to_owned(),
            filename,
            origin: Origin::Path(path.to_owned()),
            sha256,
            len,
            source: None,
        })
    }

    /// Sets the MIME type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Uploads for this business number instead of the client's default.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The SHA-256 of the content, in lower-case hex.
    pub fn sha256_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(crate) fn source_number(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// An upload of the content, for `source`.
    pub(crate) async fn upload(&self, source: &str) -> Result<MediaUpload, Error> {
        let upload = match &self.origin {
            Origin::Bytes(data) => {
                MediaUpload::bytes(&self.filename, &self.content_type, data.clone())
            }
            Origin::Path(path) => {
                // What is uploaded must be what was hashed: a cache key
                // naming other content would send the wrong file for a month.
                let (sha256, len) = digest(path).await?;
                if (sha256, len) != (self.sha256, self.len) {
                    return Err(Error::io(
                        path,
                        std::io::Error::other("the file changed since it was read for its SHA-256"),
                    ));
                }
                MediaUpload::file(path)
                    .await?
                    .content_type(self.content_type.clone())
            }
        };
        Ok(upload.source(source))
    }
}

/// The SHA-256 and length of a file, read in 64 KiB pieces.
async fn digest(path: &Path) -> Result<([u8; 32], u64), Error> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = file
            .read(&mut buffer)
            .await
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        len += n as u64;
    }
    Ok((hasher.finalize().into(), len))
}
