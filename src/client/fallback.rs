//! When a message's fallback template goes out instead of it.

use crate::error::{Acceptance, Error, ErrorCode};

/// When a message's fallback template
/// ([`Message::or_template`](crate::Message::or_template)) goes out instead
/// of the message. Either way exactly one of the two is accepted, and
/// [`Accepted::sent_as`](crate::response::Accepted::sent_as) says which.
///
/// ```
/// use modica_wab::{Client, FallbackPolicy};
/// let client = Client::builder()
///     .credentials("user", "secret")
///     .fallback_policy(FallbackPolicy::AlsoWhenRefused)
///     .build()?;
/// # Ok::<(), modica_wab::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FallbackPolicy {
    /// Only when the client's [service window](crate::ClientBuilder::service_window)
    /// says the customer's window is closed: the message is never sent.
    #[default]
    WindowOnly,
    /// Also when WhatsApp refuses the message with 131047 (more than 24
    /// hours since the customer last wrote: the window the client did not
    /// know was closed). The refusal is definite (nothing was accepted), so
    /// sending the template then is not sending twice.
    AlsoWhenRefused,
}

impl FallbackPolicy {
    /// Whether `error`, the answer to a message with a fallback, is one the
    /// fallback follows: a definite 131047 refusal, under this policy.
    pub(crate) fn follows(self, error: &Error) -> bool {
        self == FallbackPolicy::AlsoWhenRefused
            && error.code() == Some(ErrorCode::ReEngagementRequired)
            && error.acceptance() == Acceptance::NotAccepted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, ErrorBody};

    fn answered(status: u16, code: i64) -> Error {
        let body = ErrorBody {
            message: format!("(#{code}) x"),
            field_errors: Vec::new(),
            code: Some(code),
        };
        Error::Api(ApiError::new(status, None, bytes::Bytes::new(), body))
    }

    #[test]
    fn only_a_definite_131047_under_the_policy_is_followed() {
        let refused = answered(400, 131047);
        assert!(FallbackPolicy::AlsoWhenRefused.follows(&refused));
        assert!(!FallbackPolicy::WindowOnly.follows(&refused));
        // Another code, or an answer that may mean it was accepted: no.
        assert!(!FallbackPolicy::AlsoWhenRefused.follows(&answered(400, 131026)));
        assert!(!FallbackPolicy::AlsoWhenRefused.follows(&answered(502, 131047)));
    }
}
