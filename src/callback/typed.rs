//! Reading JSON into a type with the path of any error, and without its
//! values: a callback's values are customers' content and addresses, so an
//! error (and a log line) names the place and the shape, never the value.

use super::error::ParseError;
use crate::error::shape_only;
use serde::de::DeserializeOwned;

pub(crate) fn not_json(e: serde_json::Error) -> ParseError {
    ParseError::NotJson {
        message: e.to_string(),
    }
}

/// Deserializes `bytes` with the JSON path of any error, prefixed by where they sit.
pub(crate) fn typed<T: DeserializeOwned>(bytes: &[u8], prefix: &str) -> Result<T, ParseError> {
    // Fast path without path tracking; on failure, read again to name the path.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    // A field of the wrong shape is only the error when the text is JSON at
    // all (a bad field can come before trailing garbage).
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(bytes) {
        return Err(not_json(e));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner_path = e.path().to_string();
        let inner = e.into_inner();
        if matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        ) {
            // The text is JSON (checked above): serde_json says "trailing
            // characters" when an array holds more than the type takes.
            return ParseError::invalid(
                join(prefix, &inner_path, None),
                "an array with more elements than expected (an array given for an object?)",
            );
        }
        let message = inner.to_string();
        // serde reports a missing field at its parent; name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let path = join(prefix, &inner_path, missing);
        match missing {
            Some(_) => ParseError::invalid(path, "missing"),
            None if inner_path == "." && message.contains("expected") && prefix.is_empty() => {
                ParseError::invalid("$", "expected a JSON object")
            }
            None => ParseError::invalid(path, shape_only(&strip_position(&message))),
        }
    })?;
    de.end().map_err(not_json)?;
    Ok(value)
}

/// `prefix` + serde's path (`.` for the root) + the missing field, as `a.b[0].c`.
fn join(prefix: &str, inner: &str, field: Option<&str>) -> String {
    let mut path = prefix.to_owned();
    if inner != "." {
        if !path.is_empty() && !inner.starts_with('[') {
            path.push('.');
        }
        path.push_str(inner);
    }
    if let Some(f) = field {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(f);
    }
    if path.is_empty() {
        "$".to_owned()
    } else {
        path
    }
}

/// serde_json appends " at line 1 column 42", which means nothing for a nested document.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
