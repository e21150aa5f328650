//! Where and when a callback came in: which configured URL (and so which
//! account) it matched, and when the receiver read it.

use super::endpoint::Endpoint;
use std::sync::Arc;
use std::time::SystemTime;

/// Where and when a callback came in, for a handler that serves several
/// Modica applications or numbers from one receiver.
///
/// ```no_run
/// use modica_wab::callback::{Callback, CallbackContext, HandlerError, Receiver};
/// # fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = Receiver::builder()
///     .url("https://retail:s3cret@hooks.example.com/wab")
///     .url("https://support:an0ther@hooks.example.com/wab")
///     .handler_with_context(|event: Callback, context: CallbackContext| async move {
///         let account = context.username().unwrap_or("open");
///         println!("{account}: {event:?} at {:?}", context.received_at());
///         Ok::<(), HandlerError>(())
///     })
///     .build()?;
/// # let _ = receiver; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CallbackContext {
    endpoint: Arc<Endpoint>,
    received_at: SystemTime,
}

impl CallbackContext {
    pub(super) fn new(endpoint: Arc<Endpoint>, received_at: SystemTime) -> Self {
        Self {
            endpoint,
            received_at,
        }
    }

    /// The configured URL the request matched, without its credentials.
    pub fn url(&self) -> &str {
        &self.endpoint.url
    }

    /// The user name of the credentials it carried (the account): `None` on
    /// a URL served without credentials.
    pub fn username(&self) -> Option<&str> {
        self.endpoint.username.as_deref()
    }

    /// When the receiver had read the request's body.
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }
}
