//! Errors attached to callbacks (`errors[]`), and the error for a callback that cannot be read.

use crate::error::ErrorCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One entry of a callback's `errors` array (Meta's error object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct CallbackError {
    /// The WhatsApp error code, mapped through the code table
    /// (see [`ErrorCode::meaning`] and [`ErrorCode::action`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<ErrorData>,
}

impl CallbackError {
    /// The details text, when WhatsApp gave one.
    pub fn details(&self) -> Option<&str> {
        self.error_data.as_ref()?.details.as_deref()
    }
}

/// `error_data` of a [`CallbackError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct ErrorData {
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// A callback body that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is not JSON.
    #[error("callback body is not JSON: {message}")]
    NotJson {
        /// What the JSON parser said (with line and column).
        message: String,
    },
    /// The body is JSON, but a field is missing or has the wrong shape.
    #[error("callback field `{path}`: {message}")]
    Invalid {
        /// JSON path of the field, e.g. `content.image.id` or `errors[0].code`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
}

impl ParseError {
    /// The JSON path of the offending field (`None` when the body is not JSON).
    pub fn path(&self) -> Option<&str> {
        match self {
            ParseError::Invalid { path, .. } => Some(path),
            ParseError::NotJson { .. } => None,
        }
    }

    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        ParseError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
