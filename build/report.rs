//! What the normalizer did, and why a spec could not be used: shared by the
//! rules (`normalize.rs`, `responses.rs`), `build.rs` and the tests.

use std::fmt;

/// One rewrite applied to the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The rule that fired (see [`RULES`]).
    pub rule: &'static str,
    /// JSON path (RFC 6901 pointer) of the place it changed.
    pub path: String,
    /// What was done.
    pub detail: String,
}

/// Every rewrite, plus facts about the spec the facade needs.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub rewrites: Vec<Rewrite>,
    /// Operations left out of generation and written by hand: `(operation id, method, path, why)`.
    pub hand_written: Vec<(String, String, String, String)>,
    /// Every operation in the spec.
    pub operations: Vec<OperationSummary>,
    /// Whether any operation declares an `api-version` header parameter.
    pub declares_api_version_header: bool,
}

impl Report {
    pub fn add(&mut self, rule: &'static str, path: impl Into<String>, detail: impl Into<String>) {
        self.rewrites.push(Rewrite {
            rule,
            path: path.into(),
            detail: detail.into(),
        });
    }

    /// The rule names that fired, in order, without repeats.
    pub fn rules_fired(&self) -> Vec<&'static str> {
        let mut seen = Vec::new();
        for r in &self.rewrites {
            if !seen.contains(&r.rule) {
                seen.push(r.rule);
            }
        }
        seen
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.rewrites {
            writeln!(f, "[{}] {}: {}", r.rule, r.path, r.detail)?;
        }
        for (id, method, path, why) in &self.hand_written {
            writeln!(f, "[hand-written] {method} {path} ({id}): {why}")?;
        }
        Ok(())
    }
}

/// One operation of the spec, as the facade needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSummary {
    pub id: String,
    pub method: String,
    pub path: String,
    /// Its success body is binary (streamed, so no overall timeout applies).
    pub binary_response: bool,
}

/// A spec the build cannot use, with where and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizeError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for NormalizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

impl std::error::Error for NormalizeError {}

pub fn fail<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, NormalizeError> {
    Err(NormalizeError {
        path: path.into(),
        message: message.into(),
    })
}
