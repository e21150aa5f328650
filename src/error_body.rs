//! Reads Modica's two error body shapes (and anything else) into one form.

use crate::error::FieldError;
use serde::Deserialize;

/// What an error body says, whatever its shape.
pub(crate) struct ErrorBody {
    pub message: String,
    pub field_errors: Vec<FieldError>,
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
    pub fn parse(body: &[u8]) -> Self {
        match serde_json::from_slice::<Shapes>(body) {
            Ok(shapes) => {
                let field_errors = shapes.errors.unwrap_or_default();
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
                Self {
                    message,
                    field_errors,
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
                }
            }
        }
    }
}
