//! Reads Modica's two error body shapes (and anything else) into one form.

use crate::error::FieldError;
use crate::error_code::code_in_text;
use serde::Deserialize;

/// What an error body says, whatever its shape.
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
    pub fn parse(body: &[u8]) -> Self {
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
