//! A receiver configuration that cannot be used.

/// A receiver configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// A callback URL cannot be served as given.
    #[error("callback URL {url} cannot be served: {reason}")]
    InvalidUrl {
        /// The URL, with user, password, query and fragment masked.
        url: String,
        /// Why.
        reason: String,
    },
    /// No URL was given.
    #[error("no callback URL: call `url`")]
    NoUrl,
    /// No handler was given.
    #[error("no handler: call `handler`")]
    NoHandler,
}
