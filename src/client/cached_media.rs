//! Upload once, send many: a file's media id from the client's media cache,
//! uploaded when the cache does not know it, and uploaded again, once, when
//! the gateway no longer knows a remembered id.

use super::Client;
use crate::error::{Acceptance, Error, ErrorCode};
use crate::media::{MediaCache, MediaFile};
use crate::message::{Media, Message};
use crate::response::Accepted;

/// A file's media id, and whether it was uploaded for this call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaId {
    /// Use it in [`Media::id`].
    pub id: String,
    /// Uploaded now (`false`: remembered by the media cache).
    pub uploaded: bool,
}

/// Whether a send was refused because the gateway no longer knows media
/// `id`: a definite refusal (nothing accepted) with 131053 (media could not
/// be fetched), or an invalid-parameter answer that names the id.
fn media_unknown(error: &Error, id: &str) -> bool {
    if error.acceptance() != Acceptance::NotAccepted {
        return false;
    }
    match error.code() {
        Some(ErrorCode::MediaUploadError) => true,
        Some(ErrorCode::InvalidParameter | ErrorCode::ParameterValueInvalid) => {
            error.to_string().contains(id)
        }
        _ => false,
    }
}

impl Client {
    /// The business number a file is uploaded for.
    fn media_source<'a>(&'a self, file: &'a MediaFile) -> Result<&'a str, Error> {
        let source = file
            .source_number()
            .or(self.default_source())
            .ok_or_else(|| {
                Error::invalid(
                    "source",
                    "no source number: set it on the file or with ClientBuilder::default_source",
                )
            })?;
        crate::message::source("source", source)?;
        Ok(source)
    }

    /// The media id of `file` for its business number: remembered by the
    /// [media cache](crate::ClientBuilder::media_cache), or uploaded now and
    /// remembered. Concurrent calls for one file in this process upload it
    /// once; without a cache, every call uploads. A cache that cannot answer
    /// costs an upload, never a send.
    pub async fn media_id(&self, file: &MediaFile) -> Result<MediaId, Error> {
        let source = self.media_source(file)?;
        let Some(cache) = &self.inner.media_cache else {
            return self.upload_file(file, source).await;
        };
        let key = MediaCache::key(source, &file.sha256_hex());
        if let Some(id) = remembered(cache, &key).await {
            crate::telemetry::media_cache("hit");
            return Ok(MediaId {
                id,
                uploaded: false,
            });
        }
        let _flight = cache.flight(&key).await;
        // Another call may have uploaded it while this one waited.
        if let Some(id) = remembered(cache, &key).await {
            crate::telemetry::media_cache("hit");
            return Ok(MediaId {
                id,
                uploaded: false,
            });
        }
        crate::telemetry::media_cache("miss");
        let fresh = self.upload_file(file, source).await?;
        if let Err(e) = cache.put(&key, &fresh.id).await {
            tracing::warn!(error = %e.to_string().escape_debug(), "media cache unavailable; the id is not remembered");
        }
        Ok(fresh)
    }

    /// A new id for `file` in place of `stale`, which the gateway no longer
    /// knows: another call's replacement if one came meanwhile, else a new
    /// upload, remembered.
    async fn replace_id(
        &self,
        file: &MediaFile,
        source: &str,
        stale: &str,
    ) -> Result<String, Error> {
        let Some(cache) = &self.inner.media_cache else {
            return Ok(self.upload_file(file, source).await?.id);
        };
        let key = MediaCache::key(source, &file.sha256_hex());
        let _flight = cache.flight(&key).await;
        if let Some(id) = remembered(cache, &key).await.filter(|id| id != stale) {
            return Ok(id);
        }
        if let Err(e) = cache.forget(&key, stale).await {
            tracing::warn!(error = %e.to_string().escape_debug(), "media cache unavailable");
        }
        let fresh = self.upload_file(file, source).await?;
        if let Err(e) = cache.put(&key, &fresh.id).await {
            tracing::warn!(error = %e.to_string().escape_debug(), "media cache unavailable; the id is not remembered");
        }
        Ok(fresh.id)
    }

    async fn upload_file(&self, file: &MediaFile, source: &str) -> Result<MediaId, Error> {
        let uploaded = self.upload_media(file.upload(source).await?).await?;
        Ok(MediaId {
            id: uploaded.id,
            uploaded: true,
        })
    }

    /// Sends `message(media)`, `media` being `file` by its media id (see
    /// [`media_id`](Self::media_id)). When the gateway refuses the send
    /// because it no longer knows a remembered id (it keeps ids for 30
    /// days), the file is uploaded again, once, and the message sent once
    /// more: the refusal was definite, so nothing is sent twice.
    ///
    /// ```no_run
    /// # async fn f(client: modica_wab::Client, customers: Vec<String>) -> Result<(), modica_wab::Error> {
    /// use modica_wab::media::MediaFile;
    /// use modica_wab::Message;
    /// let menu = MediaFile::path("menu.pdf").await?;
    /// for to in &customers {
    ///     // Uploaded for the first customer; the others get the same id.
    ///     client.send_media(&menu, |media| Message::document(to, media).caption("This week's menu")).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_media(
        &self,
        file: &MediaFile,
        message: impl Fn(Media) -> Message,
    ) -> Result<Accepted, Error> {
        let source = self.media_source(file)?.to_owned();
        let build = |id: &str| {
            let m = message(Media::id(id));
            match m.source_number() {
                None => Ok(m.source(source.clone())),
                Some(s) if s == source => Ok(m),
                Some(s) => Err(Error::invalid(
                    "source",
                    format!("the media is uploaded for {source}; the message goes from {s}"),
                )),
            }
        };
        let media = self.media_id(file).await?;
        match self.send(&build(&media.id)?).await {
            Err(e) if !media.uploaded && media_unknown(&e, &media.id) => {
                crate::telemetry::media_cache("reupload");
                tracing::info!(
                    media_id = %media.id.escape_debug(),
                    "the gateway no longer knows a remembered media id; uploading again"
                );
                let fresh = self.replace_id(file, &source, &media.id).await?;
                self.send(&build(&fresh)?).await
            }
            sent => sent,
        }
    }
}

/// The id the cache remembers; a cache that cannot answer is a miss.
async fn remembered(cache: &MediaCache, key: &str) -> Option<String> {
    match cache.get(key).await {
        Ok(id) => id,
        Err(e) => {
            tracing::warn!(error = %e.to_string().escape_debug(), "media cache unavailable; uploading");
            None
        }
    }
}
