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
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DedupKey([u8; 32]);

/// A key is a SHA-256 digest, so its first eight bytes are as well spread as
/// all 32: hashing them alone (with the map's own keyed hasher, so its
/// resistance to chosen collisions is kept) makes a lookup and a rehash
/// cheaper. Equal keys still hash equal.
impl std::hash::Hash for DedupKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut first = [0u8; 8];
        first.copy_from_slice(&self.0[..8]);
        state.write_u64(u64::from_le_bytes(first));
    }
}

impl DedupKey {
    /// The key of an inbound message with this id.
    pub fn mo(id: &str) -> Self {
        Self::of(&[b"mo", id.as_bytes()])
    }

    /// The key of a delivery report with this message id and status.
    pub fn dlr(id: &str, status: &str) -> Self {
        Self::of(&[b"dlr", id.as_bytes(), status.as_bytes()])
    }

    /// The key of a body that is not a typed MO or DLR. One of Modica's two
    /// shapes (an MO with `content`; a DLR with a string `status`) is keyed by
    /// its envelope's `id` when that is a string or an integer: a string keeps
    /// the key its typed form would have, so a redelivery matches however it
    /// parses; an integer gets a key of its own kind (`42` is not `"42"`).
    /// Anything else is keyed by the whole body (canonical: object keys
    /// sorted; numbers as serde_json reads them): a redelivery repeats the
    /// body, while two different events that happen to share an id (a status
    /// given as an object, an envelope of no known shape) stay two events.
    pub(crate) fn of_value(value: &Value) -> Self {
        let shape = match (value.get("content"), value.get("status")) {
            (Some(_), None) => Some(None),
            (None, Some(Value::String(status))) => Some(Some(status.as_str())),
            _ => None,
        };
        match (value.get("id"), shape) {
            (Some(Value::String(id)), Some(None)) => Self::mo(id),
            (Some(Value::String(id)), Some(Some(status))) => Self::dlr(id, status),
            // An integer id, exactly as sent. Not a float (ids past 2^64 or
            // with a fraction read as f64, and two of them can read alike)
            // nor a boolean (two values for every event): those go by body.
            (Some(Value::Number(n)), Some(status)) if n.is_u64() || n.is_i64() => {
                let id = n.to_string();
                match status {
                    None => Self::of(&[b"mo#", id.as_bytes()]),
                    Some(status) => Self::of(&[b"dlr#", id.as_bytes(), status.as_bytes()]),
                }
            }
            _ => {
                let mut hash = Sha256::new();
                hash.update(b"body");
                canonical(value, &mut hash);
                Self(hash.finalize().into())
            }
        }
    }

    /// This key within `scope`: the receiver keys each event by the account
    /// (or, for a URL served without credentials, the path) it came in on,
    /// so that two accounts whose ids happen to meet never make each
    /// other's events duplicates.
    ///
    /// ```
    /// use modica_wab::callback::DedupKey;
    /// let key = DedupKey::mo("wamid.1");
    /// assert_ne!(key.scoped("account:retail"), key.scoped("account:support"));
    /// assert_eq!(key.scoped("account:retail"), key.scoped("account:retail"));
    /// ```
    pub fn scoped(&self, scope: &str) -> Self {
        Self::of(&[b"scope", scope.as_bytes(), &self.0])
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

/// Feeds `value` to `hash` as canonical JSON: object keys sorted (whatever
/// order serde_json keeps them in), each string length-prefixed.
fn canonical(value: &Value, hash: &mut Sha256) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            hash.update(b"{");
            for key in keys {
                hash.update((key.len() as u64).to_be_bytes());
                hash.update(key.as_bytes());
                canonical(&map[key], hash);
            }
            hash.update(b"}");
        }
        Value::Array(items) => {
            hash.update(b"[");
            items.iter().for_each(|item| canonical(item, hash));
            hash.update(b"]");
        }
        Value::String(s) => {
            hash.update(b"s");
            hash.update((s.len() as u64).to_be_bytes());
            hash.update(s.as_bytes());
        }
        // Numbers, booleans and null as serde_json writes them.
        other => {
            hash.update(b"v");
            let text = other.to_string();
            hash.update((text.len() as u64).to_be_bytes());
            hash.update(text.as_bytes());
        }
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
    fn string_ids_of_modicas_shapes_keep_their_typed_key_and_the_rest_go_by_body() {
        assert_eq!(
            DedupKey::of_value(&json!({"id": "m1", "content": null})),
            DedupKey::mo("m1")
        );
        assert_eq!(
            DedupKey::of_value(&json!({"id": "d", "status": "sent", "errors": 7})),
            DedupKey::dlr("d", "sent")
        );
        // A number or boolean id keys its event too, whatever else changed,
        // and is not the string of the same digits.
        let a = DedupKey::of_value(&json!({"id": 42, "content": {"a": 1, "b": 2}}));
        let b = DedupKey::of_value(&json!({"id": 42, "content": null, "extra": true}));
        assert_eq!(a, b);
        assert_ne!(a, DedupKey::mo("42"));
        // Floats and booleans are not keys: two ids past 2^64 read as one
        // f64, and `true` would make every such event one.
        for (x, y) in [
            (
                json!({"id": true, "content": {"text": "a"}}),
                json!({"id": true, "content": {"text": "b"}}),
            ),
            (
                serde_json::from_str::<Value>(r#"{"id":18446744073709551616,"content":1}"#)
                    .unwrap(),
                serde_json::from_str::<Value>(r#"{"id":18446744073709551617,"content":2}"#)
                    .unwrap(),
            ),
        ] {
            assert_ne!(DedupKey::of_value(&x), DedupKey::of_value(&y), "{x} / {y}");
        }
        assert_eq!(
            DedupKey::of_value(&json!({"id": 7, "status": "read"})),
            DedupKey::of_value(&json!({"id": 7, "status": "read", "errors": []}))
        );
        assert_ne!(
            DedupKey::of_value(&json!({"id": 7, "status": "read"})),
            DedupKey::of_value(&json!({"id": 7, "status": "sent"}))
        );
        // Without a scalar id, the same body in any key order is the same event.
        let a = DedupKey::of_value(&json!({"id": null, "content": {"a": 1, "b": 2}}));
        let b: Value = serde_json::from_str(r#"{"content":{"b":2,"a":1},"id":null}"#).unwrap();
        assert_eq!(a, DedupKey::of_value(&b));
        // Different events sharing an id stay different.
        for (x, y) in [
            (
                json!({"id": "m1", "event": "read"}),
                json!({"id": "m1", "event": "deleted"}),
            ),
            (
                json!({"id": "m2", "status": {"name": "sent"}}),
                json!({"id": "m2", "status": {"name": "received"}}),
            ),
            (
                json!({"id": [1], "content": {}}),
                json!({"id": [2], "content": {}}),
            ),
        ] {
            assert_ne!(DedupKey::of_value(&x), DedupKey::of_value(&y), "{x} / {y}");
        }
    }

    #[test]
    fn parts_cannot_run_into_each_other() {
        assert_ne!(DedupKey::dlr("ab", "c"), DedupKey::dlr("a", "bc"));
        assert_ne!(DedupKey::mo("x"), DedupKey::of(&[b"unknown", b"x"]));
    }
}
