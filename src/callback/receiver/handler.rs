//! What the receiver calls for each new event.

use super::super::Callback;
use super::context::CallbackContext;
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

/// What the receiver calls for each new event, with where and when it came
/// in ([`ReceiverBuilder::handler_with_context`](super::ReceiverBuilder::handler_with_context)).
///
/// Any `Fn(Callback, CallbackContext) -> impl Future<Output = Result<(), HandlerError>>` is one.
pub trait ContextHandler: Send + Sync + 'static {
    /// Handles one event. An `Err` (or a panic) makes the receiver answer 500
    /// so Modica redelivers.
    fn handle(
        &self,
        event: Callback,
        context: CallbackContext,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>>;
}

impl<F, Fut> ContextHandler for F
where
    F: Fn(Callback, CallbackContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn handle(
        &self,
        event: Callback,
        context: CallbackContext,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>> {
        Box::pin(self(event, context))
    }
}

/// A handler that takes no context.
pub(super) struct WithoutContext<H>(pub(super) H);

impl<H: CallbackHandler> ContextHandler for WithoutContext<H> {
    fn handle(
        &self,
        event: Callback,
        _context: CallbackContext,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + '_>> {
        self.0.handle(event)
    }
}
