//! A client for [Modica Group](https://www.modicagroup.com/)'s WhatsApp Business
//! Messaging API (the "WAB API"): send every kind of WhatsApp message, receive
//! Modica's callbacks, from a tokio service. *Unofficial: not made, endorsed or
//! supported by Modica Group or Meta.*
//!
//! ```no_run
//! use modica_wab::{Client, Message};
//!
//! # #[tokio::main] async fn main() -> Result<(), modica_wab::Error> {
//! let client = Client::builder()
//!     .credentials("my-app", "s3cret")   // a Mobile Gateway (API) application's
//!     .default_source("6421000001")      // your WhatsApp business number
//!     .build()?;
//! let accepted = client.send(&Message::text("+64211234567", "Kia ora!").reference("order-42")).await?;
//! println!("accepted as {}", accepted.id);
//! # Ok(()) }
//! ```
//!
//! What is where:
//!
//! - [`Client`] sends ([`Client::send`], [`Client::broadcast`], [`Client::reply`]),
//!   looks messages up, moves [`media`], and reaches every operation of the spec
//!   through [`Client::raw`] ([`raw`], generated from Modica's OpenAPI spec).
//! - [`message`]: every kind of message, checked before it is sent.
//! - [`error`]: one [`Error`], WhatsApp's codes with their meaning and action, and
//!   [`error::Acceptance`]: whether a failed send may have been taken.
//! - [`RetryPolicy`] and [`Pacing`]: retries that never send a message twice, and
//!   pacing under WhatsApp's limits.
//! - [`callback`]: Modica's callbacks, typed, and (feature `receiver`) the
//!   `Receiver` that serves them, each event handled once.
//! - [`window`] and [`delivery`]: the 24-hour service window and delivery state;
//!   [`store`]: what their stores share; `redis` (feature `redis`): state shared by
//!   replicas and workers.
//!
//! Features: `tls-aws-lc` (default), `tls-ring`, `native-tls`; `receiver`;
//! `redis` (implies `receiver`); `metrics`. The sandbox, the validator and the
//! `wab` command line are crates of their own (`modica-wab-sandbox`,
//! `modica-wab-conformance`, `modica-wab-cli`). The guide, with a runnable
//! example per job, is the repository's README; the promises, exactly, are in
//! its `docs/GUARANTEES.md`.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "receiver")]
mod burst_log;
pub mod callback;
mod client;
pub mod clock;
mod contact;
pub mod credentials;
pub mod customer;
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

pub use client::{Client, ClientBuilder, FallbackPolicy, MediaId};
pub use error::{Error, ErrorClass, ErrorCode};
pub use media::MediaUpload;
pub use message::{Broadcast, Content, Media, Message};
pub use transport::{Pacing, RetryPolicy};
