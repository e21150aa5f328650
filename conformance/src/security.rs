//! The security an operation requires, and whether a request meets it.

use super::RecordedRequest;
use serde_json::Value;

/// Alternatives (any one satisfies), each a list of schemes (all needed).
#[derive(Debug, Clone, Default)]
pub(crate) struct Security(Vec<Vec<Scheme>>);

#[derive(Debug, Clone)]
enum Scheme {
    Header(String),
    Query(String),
    Http(String),
    Other,
}

impl Security {
    pub(crate) fn read(spec: &Value, requirements: Option<&Value>) -> Security {
        let alternatives = requirements.and_then(Value::as_array).map(|reqs| {
            reqs.iter()
                .map(|req| {
                    req.as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, _)| {
                            let scheme =
                                spec.pointer(&format!("/components/securitySchemes/{name}"));
                            let field = |k| scheme.and_then(|s| s.get(k)).and_then(Value::as_str);
                            match (field("type"), field("in"), field("name"), field("scheme")) {
                                (Some("apiKey"), Some("header"), Some(h), _) => {
                                    Scheme::Header(h.to_ascii_lowercase())
                                }
                                (Some("apiKey"), Some("query"), Some(q), _) => {
                                    Scheme::Query(q.to_owned())
                                }
                                (Some("http"), _, _, Some(s)) => {
                                    Scheme::Http(s.to_ascii_lowercase())
                                }
                                _ => Scheme::Other,
                            }
                        })
                        .collect()
                })
                .collect()
        });
        Security(alternatives.unwrap_or_default())
    }

    pub(super) fn satisfied(&self, request: &RecordedRequest, query: &[(String, String)]) -> bool {
        if self.0.is_empty() || self.0.iter().any(Vec::is_empty) {
            return true;
        }
        self.0.iter().any(|all| {
            all.iter().all(|scheme| match scheme {
                Scheme::Header(h) => request
                    .header_value(h)
                    .is_some_and(|v| !v.trim().is_empty()),
                Scheme::Query(q) => query.iter().any(|(k, _)| k == q),
                Scheme::Http(s) => request.header_value("authorization").is_some_and(|v| {
                    v.split_once(' ').is_some_and(|(given, cred)| {
                        given.eq_ignore_ascii_case(s) && !cred.trim().is_empty()
                    })
                }),
                Scheme::Other => true,
            })
        })
    }

    pub(super) fn query_names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().flatten().filter_map(|s| match s {
            Scheme::Query(q) => Some(q.as_str()),
            _ => None,
        })
    }
}
