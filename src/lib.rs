#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "receiver")]
mod burst_log;
pub mod callback;
mod client;
pub mod clock;
mod contact;
pub mod credentials;
pub mod delivery;
pub mod error;
pub mod media;
pub mod message;
pub mod raw;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod response;
#[cfg(feature = "receiver")]
#[cfg_attr(docsrs, doc(cfg(feature = "receiver")))]
pub mod server;
pub mod spec;
pub mod store;
mod telemetry;
mod transport;
mod unix_time;
mod validate;
pub mod window;

pub use client::{Client, ClientBuilder};
pub use error::{Error, ErrorClass, ErrorCode};
pub use media::MediaUpload;
pub use message::{Broadcast, Content, Media, Message};
pub use transport::{Pacing, RetryPolicy};
