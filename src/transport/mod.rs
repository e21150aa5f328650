//! The one request pipeline. Every request — the facade's and the generated
//! code's alike — comes in as a [`Prepared`] request (its operation, whether
//! it may be repeated, whom it paces) and leaves as an [`Answer`] (status,
//! headers, body, `Retry-After` and the error body, each read once) or a
//! [`Failure`]. In between: credentials, timeouts, pacing, and attempts
//! judged each on its own answer, retried only as the [`RetryPolicy`] allows.
//!
//! The transport knows operations and bytes, never messages.

mod answer;
mod attempt;
mod budget;
mod held;
mod outcome;
mod pacing;
mod pipeline;
mod prepared;
mod retry;
mod retry_after;
mod upload_watch;

pub(crate) use answer::{Answer, AnswerBody, Failure, failing_body};
pub(crate) use held::ByteStream;
pub use pacing::Pacing;
pub(crate) use pipeline::TransportConfig;
pub(crate) use prepared::{PacingKeys, Payload, Prepared};
pub use retry::RetryPolicy;

use std::sync::Arc;

/// The transport a [`Client`](crate::Client) and its [`raw`](crate::raw)
/// bindings share: credentials, timeouts, retries, pacing. Opaque; cheap to
/// clone; its `Debug` never shows the credentials.
#[derive(Clone)]
pub struct Transport(Arc<pipeline::Shared>);
