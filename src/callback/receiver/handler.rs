//! What the receiver calls for each new event.

use super::super::Callback;
use std::future::Future;
use std::pin::Pin;

/// The error a [`CallbackHandler`] returns; the receiver answers 500 and forgets the event.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// What the receiver calls for each new event.
///
/// Any `Fn(Callback) -> impl Future<Output = Result<(), HandlerError>>` is one.
pub trait CallbackHandler: Send + Sync + 'static {
    /// Handles one event. An `Err` (or a panic) makes the receiver answer 500
    /// so Modica redelivers.
    fn handle(
        &self,
        event: Callback,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>>;
}

impl<F, Fut> CallbackHandler for F
where
    F: Fn(Callback) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn handle(
        &self,
        event: Callback,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>> {
        Box::pin(self(event))
    }
}
