//! How one attempt ended, as the retry decision sees it, and the labels it
//! goes by in logs and metrics.

use crate::error::ErrorCode;
use std::time::Duration;

/// How one attempt ended, as the retry decision sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Outcome {
    /// A success status.
    Success,
    /// The connection could not be made: nothing was sent.
    ConnectFailed,
    /// The request may have reached the server (timeout, broken connection).
    Transport {
        /// It was a timeout.
        timeout: bool,
    },
    /// An error status.
    Status {
        /// HTTP status.
        status: u16,
        /// The WhatsApp code in the body, if any.
        code: Option<ErrorCode>,
        /// `Retry-After`, if given.
        retry_after: Option<Duration>,
    },
}

impl Outcome {
    /// The `outcome` label of a request that ended so.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Status { .. } => "api_error",
            Outcome::ConnectFailed => "connect_error",
            Outcome::Transport { .. } => "transport_error",
        }
    }

    /// Why a retry after this outcome was made, as a label.
    pub(crate) fn retry_reason(&self) -> String {
        match self {
            Outcome::Status {
                code: Some(code), ..
            } => format!("whatsapp_{}", code.code()),
            Outcome::Status { status: 429, .. } => "status_429".to_owned(),
            Outcome::Status { status, .. } if *status >= 500 => "status_5xx".to_owned(),
            Outcome::Status { status, .. } => format!("status_{status}"),
            Outcome::ConnectFailed => "connect".to_owned(),
            Outcome::Transport { timeout: true } => "timeout".to_owned(),
            Outcome::Transport { timeout: false } => "transport".to_owned(),
            Outcome::Success => "none".to_owned(),
        }
    }

    /// Whether it proves the request was not taken: the connection was never
    /// made, or an error status that refuses it (a 4xx but 408 and 425).
    pub(crate) fn refused(&self) -> bool {
        match self {
            Outcome::ConnectFailed => true,
            Outcome::Status { status, .. } => crate::error::refuses(*status),
            _ => false,
        }
    }

    /// The WhatsApp code of an error answer.
    pub(crate) fn code(&self) -> Option<i64> {
        match self {
            Outcome::Status { code, .. } => code.map(ErrorCode::code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_outcome_and_the_reason() {
        let status = |status, code: Option<i64>| Outcome::Status {
            status,
            code: code.map(ErrorCode::from_code),
            retry_after: None,
        };
        assert_eq!(Outcome::Success.label(), "success");
        assert_eq!(status(400, Some(131047)).label(), "api_error");
        assert_eq!(status(400, Some(130429)).retry_reason(), "whatsapp_130429");
        assert_eq!(status(429, None).retry_reason(), "status_429");
        assert_eq!(status(503, None).retry_reason(), "status_5xx");
        assert_eq!(
            Outcome::Transport { timeout: true }.retry_reason(),
            "timeout"
        );
        assert_eq!(Outcome::ConnectFailed.retry_reason(), "connect");
    }
}
