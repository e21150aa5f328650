//! A media object in a message: an uploaded media id or a public link, and
//! which message type it is used in (that decides what it may carry).

use crate::validate::{self, Checked, fail};
use serde::Serialize;

/// A media object: an uploaded media id or a public link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Media {
    /// Media id returned by [`crate::Client::upload_media`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Public http(s) URL WhatsApp fetches the media from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Caption (image, video, document), at most 1024 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// File name shown for a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// An audio message played as a voice note (Meta, "Audio messages": an
    /// OGG file with the OPUS codec, mono; the play button shows for files up
    /// to 512 KB, and WhatsApp reports `played` the first time it is played).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice: Option<bool>,
}

impl Media {
    /// Media uploaded earlier, by its id.
    pub fn id(id: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            link: None,
            caption: None,
            filename: None,
            voice: None,
        }
    }

    /// Media WhatsApp fetches from a public http(s) URL.
    pub fn link(url: impl Into<String>) -> Self {
        Self {
            id: None,
            link: Some(url.into()),
            caption: None,
            filename: None,
            voice: None,
        }
    }

    /// Sets the caption.
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Sets the file name (documents).
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Marks an audio file as a voice note (see [`Media::voice`](Self#structfield.voice)).
    pub fn voice_note(mut self) -> Self {
        self.voice = Some(true);
        self
    }

    pub(crate) fn check(&self, field: &str, kind: MediaKind) -> Checked {
        match (&self.id, &self.link) {
            (Some(id), None) => validate::text(&format!("{field}.id"), id, 255)?,
            (None, Some(link)) => validate::url(&format!("{field}.link"), link)?,
            _ => return fail(field, "give exactly one of `id` or `link`"),
        }
        if let Some(caption) = &self.caption {
            if !kind.captioned() {
                return fail(
                    format!("{field}.caption"),
                    format!("{} messages take no caption", kind.name()),
                );
            }
            validate::text(&format!("{field}.caption"), caption, 1024)?;
        }
        if let Some(name) = &self.filename {
            if kind != MediaKind::Document {
                return fail(
                    format!("{field}.filename"),
                    "only documents take a file name",
                );
            }
            validate::text(&format!("{field}.filename"), name, 255)?;
        }
        if self.voice.is_some() && kind != MediaKind::Audio {
            return fail(
                format!("{field}.voice"),
                "only audio is played as a voice note",
            );
        }
        Ok(())
    }
}

/// Which media message a [`Media`] is used in; decides what it may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
    Sticker,
}

impl MediaKind {
    fn captioned(self) -> bool {
        matches!(
            self,
            MediaKind::Image | MediaKind::Video | MediaKind::Document
        )
    }

    fn name(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }
}
