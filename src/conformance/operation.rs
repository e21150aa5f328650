//! One operation of the spec, read once, and the checks of its requests and responses.

use super::schema::{Compiled, Converter};
use super::{RecordedRequest, SpecError, Violation};
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

#[derive(Debug)]
struct Body {
    required: bool,
    media: Vec<Media>,
}

#[derive(Debug)]
struct Media {
    media_type: String,
    schema: Option<Compiled>,
    /// The parts of a multipart body.
    parts: Option<Parts>,
}

/// The part names a multipart body declares and requires.
#[derive(Debug)]
struct Parts {
    declared: Vec<String>,
    required: Vec<String>,
    /// Undeclared parts are refused (strict mode, or `additionalProperties: false`).
    closed: bool,
}

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

    fn satisfied(&self, request: &RecordedRequest, query: &[(String, String)]) -> bool {
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

    fn query_names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().flatten().filter_map(|s| match s {
            Scheme::Query(q) => Some(q.as_str()),
            _ => None,
        })
    }
}

/// Follows `$ref`s inside the document.
pub(crate) fn deref<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(target) = v.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(found) = target.strip_prefix('#').and_then(|p| spec.pointer(p)) else {
            break;
        };
        v = found;
    }
    v
}

fn is_json(media_type: &str) -> bool {
    let m = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json")
}

/// The JSON schema of an operation's request body, if it has one.
pub(crate) fn json_body_schema(spec: &Value, op: &Value) -> Option<Value> {
    let body = deref(spec, op.get("requestBody")?);
    body.get("content")?
        .as_object()?
        .iter()
        .find(|(m, _)| is_json(m))
        .and_then(|(_, c)| c.get("schema").cloned())
}

fn media_list(
    spec: &Value,
    converter: &Converter,
    content: Option<&Value>,
    at: &str,
) -> Result<Vec<Media>, SpecError> {
    let mut out = Vec::new();
    for (media_type, item) in content.and_then(Value::as_object).into_iter().flatten() {
        let schema = item.get("schema");
        let compiled = match schema {
            Some(s) if is_json(media_type) => {
                Some(converter.compile(s).map_err(|message| SpecError {
                    path: format!("{at}/content/{media_type}/schema"),
                    message,
                })?)
            }
            _ => None,
        };
        let parts = if media_type.starts_with("multipart/") {
            let s = schema.map(|s| deref(spec, s));
            let names = |k: &str| -> Vec<String> {
                match s.and_then(|s| s.get(k)) {
                    Some(Value::Object(m)) => m.keys().cloned().collect(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect(),
                    _ => Vec::new(),
                }
            };
            let declared = names("properties");
            let open = s.and_then(|s| s.get("additionalProperties")) != Some(&Value::Bool(false));
            Some(Parts {
                closed: !declared.is_empty() && (converter.strict() || !open),
                declared,
                required: names("required"),
            })
        } else {
            None
        };
        out.push(Media {
            media_type: media_type.to_ascii_lowercase(),
            schema: compiled,
            parts,
        });
    }
    Ok(out)
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
            let p = deref(spec, p);
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
                .map(|s| deref(spec, s))
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
                let b = deref(spec, b);
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
            let r = deref(spec, r);
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
            out.push(violation(
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
                    out.push(violation(
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
                out.push(violation(
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
            return vec![violation(
                "body",
                "undeclared",
                "the operation takes no body",
            )];
        };
        if request.body.is_empty() {
            if body.required {
                return vec![violation(
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
            return vec![violation(
                "header.content-type",
                "media-type",
                &format!("{content_type:?} is not one of {declared:?}"),
            )];
        };
        if let Some(schema) = &media.schema {
            return match serde_json::from_slice::<Value>(&request.body) {
                Ok(value) => schema_violations(schema, &value, "body"),
                Err(e) => vec![violation("body", "media-type", &format!("not JSON: {e}"))],
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
            return vec![violation(
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
            return vec![violation(
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
                Err(e) => vec![violation("body", "media-type", &format!("not JSON: {e}"))],
            },
            None => Vec::new(),
        }
    }
}

fn find_media<'a>(media: &'a [Media], content_type: Option<&str>) -> Option<&'a Media> {
    let given = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|c| !c.is_empty());
    let Some(given) = given else {
        // No Content-Type: only acceptable when JSON is what the spec says.
        return media.iter().find(|m| is_json(&m.media_type));
    };
    media.iter().find(|m| {
        let declared = m.media_type.as_str();
        declared == given
            || declared == "*/*"
            || (is_json(declared) && is_json(&given))
            || declared
                .strip_suffix("/*")
                .is_some_and(|top| given.split('/').next() == Some(top))
    })
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

fn multipart_violations(content_type: &str, body: &[u8], parts: &Parts) -> Vec<Violation> {
    let Some(boundary) = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"'))
    else {
        return vec![violation(
            "header.content-type",
            "media-type",
            "multipart without a boundary",
        )];
    };
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let names: Vec<String> = text
        .split(&delimiter)
        .filter_map(|part| {
            let head = part.split("\r\n\r\n").next()?;
            let disposition = head
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
            let start = disposition.find("name=\"")? + 6;
            let end = disposition[start..].find('"')? + start;
            Some(disposition[start..end].to_owned())
        })
        .collect();
    let mut out = Vec::new();
    for r in &parts.required {
        if !names.contains(r) {
            out.push(violation(
                &format!("body.{r}"),
                "required",
                "required part is missing",
            ));
        }
    }
    for n in &names {
        if parts.closed && !parts.declared.contains(n) {
            out.push(violation(
                &format!("body.{n}"),
                "additionalProperties",
                "part not in the spec",
            ));
        }
    }
    out
}

/// Every schema violation of `value`, located under `prefix` (`body`, `query.source`).
pub(crate) fn schema_violations(schema: &Compiled, value: &Value, prefix: &str) -> Vec<Violation> {
    schema
        .validator
        .iter_errors(value)
        .map(|e| Violation {
            location: dotted(prefix, e.instance_path().as_str()),
            rule: e.kind().keyword().to_owned(),
            message: e.to_string(),
        })
        .collect()
}

/// `/text/body` → `body.text.body`; `/components/0/type` → `body.components[0].type`.
fn dotted(prefix: &str, pointer: &str) -> String {
    let mut out = prefix.to_owned();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            out.push('.');
            out.push_str(&seg);
        }
    }
    out
}

fn violation(location: &str, rule: &str, message: &str) -> Violation {
    Violation {
        location: location.to_owned(),
        rule: rule.to_owned(),
        message: message.to_owned(),
    }
}
