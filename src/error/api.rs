//! An error answer of the API: Modica's two body shapes (and anything else,
//! an HTML 502 page say) read once into one form, and the [`ApiError`] the
//! facade returns.

use super::code::{ErrorClass, ErrorCode, code_in_text};
use bytes::Bytes;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// What an error body says, whatever its shape.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErrorBody {
    pub message: String,
    pub field_errors: Vec<FieldError>,
    /// A WhatsApp code, from a nested `{"error":{"code":…}}` or the text.
    pub code: Option<i64>,
}

#[derive(Deserialize)]
struct Shapes {
    /// `{"error": "…", "message": "Whatsapp Cloud API error", "statusCode": 400}`
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    /// `{"errors": [{"field", "code", "description"}]}`
    #[serde(default)]
    errors: Option<Vec<FieldError>>,
}

/// Longest text kept from a body that is not JSON (an HTML error page, say).
const MAX_TEXT: usize = 512;

impl ErrorBody {
    pub(crate) fn parse(body: &[u8]) -> Self {
        match serde_json::from_slice::<Shapes>(body) {
            Ok(shapes) => {
                let field_errors = shapes.errors.unwrap_or_default();
                let nested_code = shapes
                    .error
                    .as_ref()
                    .and_then(|e| e.get("code"))
                    .and_then(|c| c.as_i64());
                let error_text = shapes.error.map(|e| match e {
                    serde_json::Value::String(s) => s,
                    // Meta's nested `{"error": {"message", "code"}}` forwarded as is.
                    other => other
                        .get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_owned)
                        .unwrap_or_else(|| other.to_string()),
                });
                let message = error_text
                    .filter(|s| !s.is_empty())
                    .or(shapes.message)
                    .or_else(|| field_errors.first().and_then(|f| f.description.clone()))
                    .unwrap_or_default();
                let code = nested_code.or_else(|| code_in_text(&message));
                Self {
                    message,
                    field_errors,
                    code,
                }
            }
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                let cut = text
                    .char_indices()
                    .nth(MAX_TEXT)
                    .map_or(text.len(), |(i, _)| i);
                Self {
                    message: text[..cut].to_owned(),
                    field_errors: Vec::new(),
                    code: None,
                }
            }
        }
    }
}

/// An error status from the API, with everything the body said.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The most specific text the body carried (`error`, else `message`,
    /// else the first field error, else the body as text).
    pub message: String,
    /// The WhatsApp error code, from the body (`{"error":{"code":…}}`) or its
    /// text (`(#131047) …`).
    pub code: Option<ErrorCode>,
    /// Field errors of a `{"errors":[…]}` body.
    pub field_errors: Vec<FieldError>,
    /// The wait the server asked for (`Retry-After`), when it asked.
    pub retry_after: Option<Duration>,
    /// The body exactly as received.
    pub raw_body: Bytes,
}

/// One entry of a `{"errors":[{"field","code","description"}]}` body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct FieldError {
    /// The field the error is about.
    #[serde(default)]
    pub field: Option<String>,
    /// Machine-readable code.
    #[serde(default)]
    pub code: Option<String>,
    /// Human-readable description.
    #[serde(default)]
    pub description: Option<String>,
}

impl ApiError {
    /// Builds an error from a response's status, `Retry-After`, body and what
    /// the body said (read once, by the transport).
    pub(crate) fn new(
        status: u16,
        retry_after: Option<Duration>,
        raw_body: Bytes,
        body: ErrorBody,
    ) -> Self {
        Self {
            status,
            code: body.code.map(ErrorCode::from_code),
            message: body.message,
            field_errors: body.field_errors,
            retry_after,
            raw_body,
        }
    }
}

impl ApiError {
    /// The class of the code, or of the HTTP status when the code is unknown.
    pub fn class(&self) -> ErrorClass {
        self.code
            .and_then(ErrorCode::known_class)
            .unwrap_or_else(|| ErrorClass::from_status(self.status))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API error (HTTP {}", self.status)?;
        match self.code {
            // The meaning once: the gateway's text often carries it already.
            Some(code) if self.message.contains(code.meaning()) => {
                write!(f, ", WhatsApp {}: {})", code.code(), code.action())?
            }
            Some(code) => write!(f, ", WhatsApp {code}: {})", code.action())?,
            None => write!(f, ", {})", self.class())?,
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        for fe in &self.field_errors {
            write!(
                f,
                "; {}: {}",
                fe.field.as_deref().unwrap_or("?"),
                fe.description
                    .as_deref()
                    .or(fe.code.as_deref())
                    .unwrap_or("invalid")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_of_modicas_shapes_metas_nested_one_and_anything_else() {
        let modica = ErrorBody::parse(
            br#"{"error":"(#131047) Re-engagement message","message":"Whatsapp Cloud API error","statusCode":400}"#,
        );
        assert_eq!(modica.message, "(#131047) Re-engagement message");
        assert_eq!(modica.code, Some(131047));
        let fields = ErrorBody::parse(
            br#"{"errors":[{"field":"file","code":"invalid","description":"not an image"}]}"#,
        );
        assert_eq!(fields.message, "not an image");
        assert_eq!(fields.field_errors[0].field.as_deref(), Some("file"));
        let nested = ErrorBody::parse(br#"{"error":{"message":"Invalid parameter","code":100}}"#);
        assert_eq!(
            (nested.message.as_str(), nested.code),
            ("Invalid parameter", Some(100))
        );
        let html = ErrorBody::parse(b"<html><body>502 Bad Gateway</body></html>");
        assert_eq!(html.code, None);
        assert!(html.message.starts_with("<html>"));
        let long = ErrorBody::parse("é".repeat(2000).as_bytes());
        assert_eq!(long.message.chars().count(), MAX_TEXT);
        let empty = ErrorBody::parse(b"");
        assert_eq!((empty.message.as_str(), empty.code), ("", None));
    }

    #[test]
    fn a_codes_meaning_is_said_once() {
        let meaning = ErrorCode::MessageUndeliverable.meaning();
        for text in [
            format!("(#131026) {meaning}"),
            "(#131026) undeliverable".to_owned(),
        ] {
            let body = format!(r#"{{"error":"{text}","message":"Whatsapp Cloud API error"}}"#);
            let error = ApiError::new(400, None, Bytes::new(), ErrorBody::parse(body.as_bytes()));
            let line = error.to_string();
            assert_eq!(line.matches(meaning).count(), 1, "{line}");
            assert!(
                line.contains("131026") && line.contains(ErrorCode::MessageUndeliverable.action()),
                "{line}"
            );
        }
    }
}
