//! Media files up and down: [`MediaUpload`] streams a file (or bytes, or
//! any stream) to the gateway, [`MediaDownload`] streams one back. The
//! multipart body of an upload is written here by hand: progenitor cannot
//! generate a multipart operation.

mod download;
mod upload;

pub use download::MediaDownload;
pub use upload::MediaUpload;

pub(crate) use upload::{MultipartBody, SourceReadError};
