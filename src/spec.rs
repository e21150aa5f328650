//! Facts about the OpenAPI spec this build was generated from.
//!
//! ```
//! let ids: Vec<&str> = modica_wab::spec::OPERATIONS.iter().map(|op| op.id).collect();
//! assert!(ids.contains(&"PostMessages"));
//! ```

/// One operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path below the base URL, e.g. `/messages`.
    pub path: &'static str,
    /// `true` when progenitor generated it into [`crate::raw`]; `false` when
    /// the facade implements it by hand (multipart upload).
    pub generated: bool,
    /// Its success body is binary and is streamed.
    pub binary_response: bool,
}

include!(concat!(env!("OUT_DIR"), "/spec_meta.rs"));

/// The spec as read by the build (JSON text).
pub const SPEC_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/spec.json"));

/// The spec after the normalizer's rewrites, as handed to progenitor (JSON text).
pub const NORMALIZED_SPEC_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/spec.normalized.json"));

/// Finds an operation by its progenitor method name (`post_messages`) or
/// spec id (`PostMessages`), ignoring case and separators.
pub fn operation(name: &str) -> Option<&'static Operation> {
    // Called for every request (by the transport hooks): compare without allocating.
    OPERATIONS
        .iter()
        .find(|op| squashed(op.id).eq(squashed(name)))
}

fn squashed(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
}
