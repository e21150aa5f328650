//! Keeps the last response's status, headers and error body for the facade.
//!
//! progenitor decodes error bodies into typed values and drops the bytes;
//! the facade promises the raw body, so the transport records it here, in a
//! task-local slot that exists only while a facade call is running.

use bytes::Bytes;
use std::cell::RefCell;
use std::future::Future;

/// What the transport saw of the final response.
#[derive(Debug, Clone, Default)]
pub(crate) struct Captured {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The body of an error response (success bodies are left to the decoder).
    pub error_body: Option<Bytes>,
}

tokio::task_local! {
    static SLOT: RefCell<Option<Captured>>;
}

/// Runs `fut`, returning its output and what the transport captured.
pub(crate) async fn scope<F: Future>(fut: F) -> (F::Output, Option<Captured>) {
    SLOT.scope(RefCell::new(None), async move {
        let out = fut.await;
        let captured = SLOT.with(|slot| slot.borrow_mut().take());
        (out, captured)
    })
    .await
}

/// Records `captured` if a facade call is listening; otherwise does nothing.
pub(crate) fn record(captured: Captured) {
    let _ = SLOT.try_with(|slot| *slot.borrow_mut() = Some(captured));
}
