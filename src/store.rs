//! What the pluggable stores share: their error and the future their methods
//! return. A store is where state lives that several tasks, or several
//! processes, consult: callback de-duplication, the customer-service window,
//! delivery state. Each has an in-memory store and (feature `redis`) one on
//! Redis; implement the trait for anything else.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A store that could not answer (a network error, say).
#[derive(Debug)]
pub struct StoreError(Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps any error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// A boxed future, as store methods return.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;
