//! Where and when a callback came in: which configured URL (and so which
//! account) it matched, and when the receiver read it.

use super::claim::ClaimWatch;
use super::endpoint::Endpoint;
use crate::store::StoreError;
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
    claim: Option<Arc<ClaimWatch>>,
}

impl CallbackContext {
    pub(super) fn new(endpoint: Arc<Endpoint>, received_at: SystemTime) -> Self {
        Self {
            endpoint,
            received_at,
            claim: None,
        }
    }

    pub(super) fn with_claim(mut self, claim: Arc<ClaimWatch>) -> Self {
        self.claim = Some(claim);
        self
    }

    /// The fencing token of this delivery's claim: greater than that of
    /// every claim granted before it. No lease can stop a handler already
    /// running when its claim expires (the store stalled, or failed over and
    /// lost it, for longer than the lease) and a redelivery is handled
    /// elsewhere; give this token to what your handler changes, and have it
    /// refuse a token lower than the highest it has seen, so that the stale
    /// handler's late write is rejected.
    ///
    /// ```no_run
    /// use modica_wab::callback::{Callback, CallbackContext, HandlerError, Receiver};
    /// # fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let receiver = Receiver::builder()
    ///     .url("https://hooks:s3cret@example.com/wab")
    ///     .handler_with_context(|event: Callback, context: CallbackContext| async move {
    ///         let fence = context.fencing_token().unwrap_or(0);
    ///         // e.g. UPDATE orders SET …, fence = $fence WHERE id = $id AND fence < $fence
    ///         if !context.claim_held() {
    ///             return Err("claim lost: another delivery handles this event".into());
    ///         }
    ///         let _ = (event, fence);
    ///         Ok::<(), HandlerError>(())
    ///     })
    ///     .build()?;
    /// # let _ = receiver; Ok(()) }
    /// ```
    pub fn fencing_token(&self) -> Option<u64> {
        self.claim.as_ref().map(|c| c.fence())
    }

    /// Whether this delivery still holds its claim, as far as the receiver
    /// knows without asking the store: `false` once a renewal found it gone,
    /// or when the store has not confirmed it for a whole lease (renewals
    /// failing). [`Self::confirm_claim`] asks the store now.
    pub fn claim_held(&self) -> bool {
        self.claim.as_ref().is_some_and(|c| c.held())
    }

    /// Asks the de-duplication store whether this delivery still holds its
    /// claim, renewing it when it does: call it just before an outside
    /// effect. An error when the store cannot answer.
    pub async fn confirm_claim(&self) -> Result<bool, StoreError> {
        match &self.claim {
            Some(claim) => Ok(claim.renew().await? == super::claim::Renewal::Held),
            None => Ok(false),
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

    /// What this event's de-duplication key is scoped by (see [`DedupKey::scoped`](crate::callback::DedupKey::scoped)).
    pub(super) fn scope(&self) -> &str {
        &self.endpoint.scope
    }

    /// When the receiver had read the request's body.
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }
}
