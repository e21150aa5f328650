#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod broadcast;
mod call;
pub mod callback;
mod client;
#[cfg(feature = "conformance")]
pub mod conformance;
mod contact;
mod error;
mod error_body;
mod error_code;
mod hooks;
#[cfg(any(feature = "receiver", feature = "sandbox"))]
mod http_server;
mod interactive;
mod media;
mod message;
mod pacing;
pub mod raw;
mod response;
pub mod retry;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod spec;
mod template;
mod validate;

pub use broadcast::{Broadcast, MAX_RECIPIENTS};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_RESPONSE_BODY};
pub use contact::{Address, Contact, Email, Name, Org, Phone, Url};
pub use error::{ApiError, Error, FieldError, TransportError, ValidationError};
pub use error_code::{ErrorClass, ErrorCode};
pub use interactive::{Header, Interactive, ReplyButton, Row, Section};
pub use media::{MediaDownload, MediaUpload};
pub use message::{Content, Location, Media, Message, Reaction, Text};
pub use pacing::Pacing;
pub use response::{
    Accepted, BroadcastAccepted, MessageRecord, ServiceStatus, Source, UploadedMedia,
};
pub use retry::RetryPolicy;
pub use template::{ButtonKind, Component, ComponentKind, Language, Parameter, Template};
