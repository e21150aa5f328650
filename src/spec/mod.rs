//! The spec this build was generated from: its operations, and the facade's
//! routes resolved against them at run time.
//!
//! ```
//! use modica_wab::spec::{Route, OPERATIONS};
//! let ids: Vec<&str> = OPERATIONS.iter().map(|op| op.id).collect();
//! assert!(ids.contains(&"PostMessages"));
//! assert_eq!(Route::SendMessage.operation().map(|op| op.id), Some("PostMessages"));
//! ```

mod route;
// Shared with the build script (included by path) and the conformance
// validator (modica-wab-conformance), which walk specs.
pub mod walk;

pub use route::Route;

/// One operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The spec's `operationId` (made from method and path when it has none).
    pub id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path below the base URL, e.g. `/messages`.
    pub path: &'static str,
    /// Method and path, e.g. `POST /messages`: what logs and metrics name it
    /// by (an `operationId` may change between versions of the spec).
    pub route: &'static str,
    /// `true` when it is in [`crate::raw`]; `false` when the facade
    /// implements it by hand (the multipart upload progenitor cannot generate).
    pub generated: bool,
    /// Its success body is binary and streamed (no overall deadline).
    pub(crate) binary_response: bool,
}

include!(concat!(env!("OUT_DIR"), "/spec_meta.rs"));

/// The spec as the build read it (JSON text): what the conformance
/// validator and the sandbox judge by.
pub const SPEC_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/spec.json"));

/// The operation with this `operationId` (what the generated code names).
pub(crate) fn operation(id: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.id == id)
}
