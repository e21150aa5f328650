//! Media files up and down: [`MediaUpload`] streams a file (or bytes, or
//! any stream) to the gateway, [`MediaDownload`] streams one back. The
//! multipart body of an upload is written here by hand: progenitor cannot
//! generate a multipart operation. A [`MediaFile`] sent to many customers
//! is uploaded once per business number while a [`MediaCache`] remembers
//! its id ([`Client::send_media`](crate::Client::send_media)).

mod cache;
mod download;
mod file;
#[cfg(feature = "redis")]
mod redis_ids;
mod upload;

pub use cache::{DEFAULT_MEMORY_CAPACITY, MediaCache, MediaIdStore, MemoryMediaIdStore};
pub use download::MediaDownload;
pub use file::MediaFile;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_ids::RedisMediaIdStore;
pub use upload::MediaUpload;

pub(crate) use upload::{MultipartBody, SourceReadError};
