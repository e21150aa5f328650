//! One operation of the spec, read once, and the checks of its requests and responses.

use super::body::{Body, Media, find_media, media_list, multipart_violations};
use super::schema::{Compiled, Converter, schema_violations};
use super::security::Security;
use super::{RecordedRequest, SpecError, Violation};
use modica_wab::spec::walk::resolve;
use serde_json::Value;

#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: String,
    segments: Vec<Segment>,
    params: Vec<Param>,
    body: Option<Body>,
    responses: Vec<(String, Vec<Media>)>,
    security: Security,
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug)]
struct Param {
    name: String,
    location: String,
    required: bool,
    kind: String,
    schema: Option<Compiled>,
}

impl Operation {
    pub(crate) fn read(
        spec: &Value,
        converter: &Converter,
        path: &str,
        method: &str,
        item: &Value,
        op: &Value,
        global_security: &Security,
    ) -> Result<Operation, SpecError> {
        let at = format!(
            "/paths/{}/{method}",
            path.replace('~', "~0").replace('/', "~1")
        );
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{method}{}", path.replace(['/', '{', '}'], "_")));
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_owned()),
                    None => Segment::Literal(s.to_owned()),
                },
            )
            .collect();
        let mut params = Vec::new();
        let declared = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        for (i, p) in declared.enumerate() {
            let p = resolve(spec, p);
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let location = p
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or("query")
                .to_owned();
            let schema = p.get("schema");
            let kind = schema
                .map(|s| resolve(spec, s))
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("string")
                .to_owned();
            let compiled = match schema {
                Some(s) => Some(converter.compile(s).map_err(|message| SpecError {
                    path: format!("{at}/parameters/{i}"),
                    message,
                })?),
                None => None,
            };
            // An operation-level parameter overrides a path-level one of the same name.
            params.retain(|q: &Param| !(q.name == name && q.location == location));
            params.push(Param {
                required: p
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(location == "path"),
                name,
                location,
                kind,
                schema: compiled,
            });
        }
        let body = match op.get("requestBody") {
            Some(b) => {
                let b = resolve(spec, b);
                Some(Body {
                    required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
                    media: media_list(
                        spec,
                        converter,
                        b.get("content"),
                        &format!("{at}/requestBody"),
                    )?,
                })
            }
            None => None,
        };
        let mut responses = Vec::new();
        for (status, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let r = resolve(spec, r);
            let media = media_list(
                spec,
                converter,
                r.get("content"),
                &format!("{at}/responses/{status}"),
            )?;
            responses.push((status.to_ascii_uppercase(), media));
        }
        let security = match op.get("security") {
            Some(s) => Security::read(spec, Some(s)),
            None => global_security.clone(),
        };
        Ok(Operation {
            id,
            method: method.to_ascii_uppercase(),
            segments,
            params,
            body,
            responses,
            security,
        })
    }

    pub(crate) fn matches_path(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        parts.len() == self.segments.len()
            && self
                .segments
                .iter()
                .zip(&parts)
                .all(|(seg, part)| match seg {
                    Segment::Literal(l) => l == part,
                    Segment::Param(_) => !part.is_empty(),
                })
    }

    pub(crate) fn check_request(
        &self,
        request: &RecordedRequest,
        path: &str,
        query: &[(String, String)],
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        if !self.security.satisfied(request, query) {
            out.push(Violation::new(
                "header.authorization",
                "security",
                "the credentials the spec requires are missing",
            ));
        }
        let path_parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        for p in &self.params {
            let location = format!("{}.{}", p.location, p.name);
            let values: Vec<String> = match p.location.as_str() {
                "query" => query
                    .iter()
                    .filter(|(k, _)| *k == p.name)
                    .map(|(_, v)| v.clone())
                    .collect(),
                "header" => request
                    .header_value(&p.name)
                    .map(str::to_owned)
                    .into_iter()
                    .collect(),
                "path" => self
                    .segments
                    .iter()
                    .zip(&path_parts)
                    .filter(|(s, _)| matches!(s, Segment::Param(n) if *n == p.name))
                    .map(|(_, v)| super::percent_decode(v))
                    .collect(),
                _ => continue,
            };
            if values.is_empty() {
                if p.required {
                    out.push(Violation::new(
                        &location,
                        "required",
                        "required parameter is missing",
                    ));
                }
                continue;
            }
            if let Some(schema) = &p.schema {
                let value = coerce(&p.kind, &values);
                out.extend(schema_violations(schema, &value, &location));
            }
        }
        let declared_query: Vec<&str> = self
            .params
            .iter()
            .filter(|p| p.location == "query")
            .map(|p| p.name.as_str())
            .chain(self.security.query_names())
            .collect();
        for (k, _) in query {
            if !declared_query.contains(&k.as_str()) {
                out.push(Violation::new(
                    &format!("query.{k}"),
                    "undeclared",
                    "query parameter not in the spec",
                ));
            }
        }
        out.extend(self.check_body(request));
        out
    }

    fn check_body(&self, request: &RecordedRequest) -> Vec<Violation> {
        let Some(body) = &self.body else {
            if request.body.is_empty() {
                return Vec::new();
            }
            return vec![Violation::new(
                "body",
                "undeclared",
                "the operation takes no body",
            )];
        };
        if request.body.is_empty() {
            if body.required {
                return vec![Violation::new(
                    "body",
                    "required",
                    "required request body is missing",
                )];
            }
            return Vec::new();
        }
        let content_type = request.header_value("content-type").unwrap_or("");
        let Some(media) = find_media(&body.media, Some(content_type)) else {
            let declared: Vec<&str> = body.media.iter().map(|m| m.media_type.as_str()).collect();
            return vec![Violation::new(
                "header.content-type",
                "media-type",
                &format!("{content_type:?} is not one of {declared:?}"),
            )];
        };
        if let Some(schema) = &media.schema {
            return match serde_json::from_slice::<Value>(&request.body) {
                Ok(value) => schema_violations(schema, &value, "body"),
                Err(e) => vec![Violation::new(
                    "body",
                    "media-type",
                    &format!("not JSON: {e}"),
                )],
            };
        }
        if let Some(parts) = &media.parts {
            return multipart_violations(content_type, &request.body, parts);
        }
        Vec::new()
    }

    pub(crate) fn check_response(
        &self,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let found = ["exact", "range", "default"].iter().find_map(|k| {
            let key = match *k {
                "exact" => exact.as_str(),
                "range" => range.as_str(),
                _ => "DEFAULT",
            };
            self.responses.iter().find(|(s, _)| s == key)
        });
        let Some((_, media)) = found else {
            return vec![Violation::new(
                "status",
                "status",
                &format!("status {status} is not declared"),
            )];
        };
        if media.is_empty() {
            return Vec::new();
        }
        let Some(m) = find_media(media, content_type) else {
            let declared: Vec<&str> = media.iter().map(|m| m.media_type.as_str()).collect();
            return vec![Violation::new(
                "header.content-type",
                "media-type",
                &format!(
                    "{:?} is not one of {declared:?}",
                    content_type.unwrap_or("")
                ),
            )];
        };
        match &m.schema {
            Some(schema) => match serde_json::from_slice::<Value>(body) {
                Ok(value) => schema_violations(schema, &value, "body"),
                Err(e) => vec![Violation::new(
                    "body",
                    "media-type",
                    &format!("not JSON: {e}"),
                )],
            },
            None => Vec::new(),
        }
    }
}

fn coerce(kind: &str, values: &[String]) -> Value {
    let one = |v: &str| -> Value {
        match kind {
            "integer" => v
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(v)),
            "number" => v
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| Value::from(v)),
            "boolean" => match v {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::from(v),
            },
            _ => Value::from(v),
        }
    };
    if kind == "array" {
        Value::Array(
            values
                .iter()
                .flat_map(|v| v.split(','))
                .map(Value::from)
                .collect(),
        )
    } else {
        one(&values[0])
    }
}
