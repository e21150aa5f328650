//! Checks requests, responses and callbacks of Modica's WhatsApp Business
//! (WAB) API against its OpenAPI spec: the spec `modica-wab` was built from
//! ([`Validator::for_built_spec`]), or any other ([`Validator::from_json`]).
//!
//! The judge is the spec itself, read at run time and turned into JSON Schema
//! for the [`jsonschema`](https://docs.rs/jsonschema) crate, not expectations
//! written by hand. Use it in your own tests on requests you recorded (with
//! wiremock, say) to prove your integration sends what Modica's spec allows.
//!
//! ```
//! use modica_wab_conformance::{RecordedRequest, Validator};
//! let validator = Validator::for_built_spec()?;
//! let request = RecordedRequest::new("POST", "/messages")
//!     .header("authorization", "Basic YTpi")
//!     .header("content-type", "application/json")
//!     .body(br#"{"to":"+64211234567","type":"text","source":"6421000001","text":{"body":"hi"}}"#.to_vec());
//! assert_eq!(validator.check_request(&request)?, "PostMessages");
//!
//! let bad = RecordedRequest::new("POST", "/messages")
//!     .header("authorization", "Basic YTpi")
//!     .header("content-type", "application/json")
//!     .body(br#"{"to":"021 123","type":"text","source":"6421000001","text":{"body":"hi"}}"#.to_vec());
//! let violations = validator.check_request(&bad).unwrap_err();
//! assert_eq!(violations.iter().next().unwrap().location, "body.to");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body;
mod operation;
mod schema;
mod security;

use operation::Operation;
use schema::{Compiled, Converter};
use security::Security;
use serde_json::Value;
use std::fmt;

/// One way a request, response or callback breaks the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// Where: `body.text.body`, `query.source`, `header.authorization`, `status`, …
    pub location: String,
    /// The rule broken: a JSON Schema keyword (`pattern`, `maxLength`, `required`,
    /// `type`, …) or `operation`, `undeclared`, `missing`, `media-type`, `status`, `security`.
    pub rule: String,
    /// What the validator said.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(location: &str, rule: &str, message: &str) -> Self {
        Violation {
            location: location.to_owned(),
            rule: rule.to_owned(),
            message: message.to_owned(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.location, self.message, self.rule)
    }
}

/// Every violation found in one check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct Violations {
    /// The operation checked, when one matched.
    pub operation: Option<String>,
    /// What was wrong.
    pub violations: Vec<Violation>,
}

impl Violations {
    /// The violations.
    pub fn iter(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.operation.as_deref().unwrap_or("no operation");
        write!(f, "{op}: {} violation(s)", self.violations.len())?;
        for v in &self.violations {
            write!(f, "\n  {v}")?;
        }
        Ok(())
    }
}

/// The spec could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot use the spec for conformance checks at {path}: {message}")]
#[non_exhaustive]
pub struct SpecError {
    /// JSON path in the spec.
    pub path: String,
    /// Why.
    pub message: String,
}

/// A request as it went on the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path with query string, e.g. `/media?media_id=abc&source=64210`. A full URL works too.
    pub target: String,
    /// Headers (names compared without case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// A request with no headers and no body.
    pub fn new(method: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            target: target.into(),
            ..Self::default()
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// The value of the first header called `name` (in any case).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Path (without scheme, host and query) and decoded query pairs.
    pub fn path_and_query(&self) -> (String, Vec<(String, String)>) {
        let mut target = self.target.as_str();
        if let Some(rest) = target.split_once("://").map(|(_, r)| r) {
            target = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let pairs = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        (path.to_owned(), pairs)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks traffic against one OpenAPI 3.0 spec.
#[derive(Debug)]
pub struct Validator {
    operations: Vec<Operation>,
    callbacks: Vec<(Vec<String>, Option<Compiled>)>,
    base_path: String,
}

impl Validator {
    /// The validator for the spec this crate was built from (strict: see [`Validator::from_json`]).
    pub fn for_built_spec() -> Result<Self, SpecError> {
        Self::from_json(modica_wab::spec::SPEC_JSON, true)
    }

    /// A validator for an OpenAPI 3.0 document given as JSON.
    ///
    /// With `strict`, an object schema that lists `properties` and does not say
    /// `additionalProperties` accepts no other property, so a misspelt optional
    /// field is reported; without it, the spec's own (open) meaning is used.
    pub fn from_json(spec: &str, strict: bool) -> Result<Self, SpecError> {
        let spec: Value = serde_json::from_str(spec).map_err(|e| SpecError {
            path: "$".into(),
            message: e.to_string(),
        })?;
        Self::from_value(&spec, strict)
    }

    /// A validator for an OpenAPI 3.0 document already parsed.
    pub fn from_value(spec: &Value, strict: bool) -> Result<Self, SpecError> {
        let converter = Converter::new(spec, strict);
        let global_security = Security::read(spec, spec.get("security"));
        let mut operations = Vec::new();
        let mut callbacks = Vec::new();
        let paths = spec
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError {
                path: "/paths".into(),
                message: "missing".into(),
            })?;
        for (path, item) in paths {
            for method in [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ] {
                let Some(op) = item.get(method) else { continue };
                operations.push(Operation::read(
                    spec,
                    &converter,
                    path,
                    method,
                    item,
                    op,
                    &global_security,
                )?);
                for (name, callback) in op
                    .get("callbacks")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    for (_, cb_item) in callback.as_object().into_iter().flatten() {
                        let Some(post) = cb_item.get("post") else {
                            continue;
                        };
                        let mut names = vec![name.clone()];
                        if let Some(id) = post.get("operationId").and_then(Value::as_str) {
                            names.push(id.to_owned());
                        }
                        let schema = body::json_body_schema(spec, post);
                        let compiled = match schema {
                            Some(s) => {
                                Some(converter.compile(&s).map_err(|message| SpecError {
                                    path: format!("/paths/{path}/{method}/callbacks/{name}"),
                                    message,
                                })?)
                            }
                            None => None,
                        };
                        callbacks.push((names, compiled));
                    }
                }
            }
        }
        let base_path = spec
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .and_then(|u| u.split_once("://").map(|(_, r)| r))
            .and_then(|r| r.find('/').map(|i| r[i..].trim_end_matches('/').to_owned()))
            .unwrap_or_default();
        Ok(Self {
            operations,
            callbacks,
            base_path,
        })
    }

    /// The operation ids of the spec (made from method and path when the spec gives none).
    pub fn operation_ids(&self) -> Vec<&str> {
        self.operations.iter().map(|o| o.id.as_str()).collect()
    }

    /// The callbacks of the spec, by name (`moCallback`) and operation id (`MoCallback`).
    pub fn callback_names(&self) -> Vec<&str> {
        self.callbacks
            .iter()
            .flat_map(|(names, _)| names.iter().map(String::as_str))
            .collect()
    }

    /// Checks a request; on success returns the id of the operation it matched.
    pub fn check_request(&self, request: &RecordedRequest) -> Result<String, Violations> {
        let (mut path, query) = request.path_and_query();
        let mut op = self.find(&request.method, &path);
        if op.is_none()
            && !self.base_path.is_empty()
            && let Some(rest) = path.strip_prefix(&self.base_path)
        {
            path = rest.to_owned();
            op = self.find(&request.method, &path);
        }
        let Some(op) = op else {
            return Err(Violations {
                operation: None,
                violations: vec![Violation {
                    location: "operation".into(),
                    rule: "operation".into(),
                    message: format!("no operation for {} {path}", request.method),
                }],
            });
        };
        let violations = op.check_request(request, &path, &query);
        if violations.is_empty() {
            Ok(op.id.clone())
        } else {
            Err(Violations {
                operation: Some(op.id.clone()),
                violations,
            })
        }
    }

    /// Checks a response of `operation_id` (an id from [`Validator::operation_ids`]).
    pub fn check_response(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), Violations> {
        let Some(op) = self.operations.iter().find(|o| o.id == operation_id) else {
            return Err(Violations {
                operation: None,
                violations: vec![Violation {
                    location: "operation".into(),
                    rule: "operation".into(),
                    message: format!("no operation {operation_id:?} in the spec"),
                }],
            });
        };
        let violations = op.check_response(status, content_type, body);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Violations {
                operation: Some(op.id.clone()),
                violations,
            })
        }
    }

    /// Checks a callback body against the schema of the callback called `name`
    /// (the callback's key, `moCallback`, or its operation id, `MoCallback`).
    pub fn check_callback(&self, name: &str, body: &[u8]) -> Result<(), Violations> {
        let found = self
            .callbacks
            .iter()
            .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(name)));
        let fail = |violations| {
            Err(Violations {
                operation: Some(name.to_owned()),
                violations,
            })
        };
        let Some((_, schema)) = found else {
            return fail(vec![Violation {
                location: "callback".into(),
                rule: "operation".into(),
                message: format!("no callback {name:?} in the spec"),
            }]);
        };
        let Some(schema) = schema else { return Ok(()) };
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => {
                let v = schema::schema_violations(schema, &value, "body");
                if v.is_empty() { Ok(()) } else { fail(v) }
            }
            Err(e) => fail(vec![Violation {
                location: "body".into(),
                rule: "media-type".into(),
                message: format!("not JSON: {e}"),
            }]),
        }
    }

    /// The methods (upper case) the spec declares at `path` (below the base
    /// URL, or with the spec's base path); empty for an unknown path.
    pub fn methods_at(&self, path: &str) -> Vec<String> {
        let mut methods: Vec<String> = self
            .operations
            .iter()
            .filter(|o| {
                o.matches_path(path)
                    || (!self.base_path.is_empty()
                        && path
                            .strip_prefix(&self.base_path)
                            .is_some_and(|rest| o.matches_path(rest)))
            })
            .map(|o| o.method.to_ascii_uppercase())
            .collect();
        methods.sort();
        methods.dedup();
        methods
    }

    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.method.eq_ignore_ascii_case(method) && o.matches_path(path))
    }
}

// The README's examples compile (and run) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
