//! The key that redeliveries of one event share, as a fixed-size digest.
//!
//! Stores keep the digest, never the id itself, so memory per event is the
//! same whatever the sender puts in its ids.

use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::fmt;

/// The de-duplication key of a callback event: SHA-256 over what identifies it
/// (an MO's id; a DLR's id and status; else the envelope's `id`, else the body).
///
/// ```
/// use modica_wab::callback::{parse, DedupKey};
/// let dlr = parse(br#"{"id":"6f1c","status":"sent"}"#)?;
/// assert_eq!(dlr.dedup_key(), DedupKey::dlr("6f1c", "sent"));
/// assert_eq!(dlr.dedup_key().to_string().len(), 64);
/// # Ok::<(), modica_wab::callback::ParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey([u8; 32]);

impl DedupKey {
    /// The key of an inbound message with this id.
    pub fn mo(id: &str) -> Self {
        Self::of(&[b"mo", id.as_bytes()])
    }

    /// The key of a delivery report with this message id and status.
    pub fn dlr(id: &str, status: &str) -> Self {
        Self::of(&[b"dlr", id.as_bytes(), status.as_bytes()])
    }

    /// The key of a body that is not a typed MO or DLR: by the kind its keys
    /// suggest and its `id` (and `status`) when they are JSON scalars, else by
    /// the body itself.
    pub(crate) fn of_value(value: &Value) -> Self {
        let scalar = |name: &str| -> Option<String> {
            match value.get(name)? {
                Value::String(s) => Some(s.clone()),
                v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
                _ => None,
            }
        };
        let has = |name: &str| value.get(name).is_some();
        match scalar("id") {
            Some(id) if has("content") => Self::mo(&id),
            Some(id) if has("status") => Self::dlr(&id, &scalar("status").unwrap_or_default()),
            Some(id) => Self::of(&[b"unknown", id.as_bytes()]),
            // Same bytes, same key: a redelivery repeats the body.
            None => Self::of(&[b"body", value.to_string().as_bytes()]),
        }
    }

    /// The 32 bytes of the digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Each part is length-prefixed, so no two lists of parts hash alike.
    fn of(parts: &[&[u8]]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        Self(hash.finalize().into())
    }
}

impl fmt::Display for DedupKey {
    /// Lower-case hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DedupKey({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope_ids_of_any_scalar_key_the_event() {
        assert_eq!(
            DedupKey::of_value(&json!({"id": "m1", "content": null})),
            DedupKey::mo("m1")
        );
        assert_eq!(
            DedupKey::of_value(&json!({"id": 42, "content": {}})),
            DedupKey::mo("42")
        );
        assert_eq!(
            DedupKey::of_value(&json!({"id": "d", "status": 7})),
            DedupKey::dlr("d", "7")
        );
        // No scalar id: the body decides; the same body gives the same key.
        let a = DedupKey::of_value(&json!({"id": [1], "content": {}}));
        assert_eq!(a, DedupKey::of_value(&json!({"id": [1], "content": {}})));
        assert_ne!(a, DedupKey::of_value(&json!({"id": [2], "content": {}})));
    }

    #[test]
    fn parts_cannot_run_into_each_other() {
        assert_ne!(DedupKey::dlr("ab", "c"), DedupKey::dlr("a", "bc"));
        assert_ne!(DedupKey::mo("x"), DedupKey::of(&[b"unknown", b"x"]));
    }
}
