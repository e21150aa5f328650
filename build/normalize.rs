//! Spec rewrites that progenitor 0.15.1 needs, applied as generic rules.
//!
//! Shared by `build.rs` and `integration-tests/tests/normalize.rs` (included with `#[path]`).
//! Every rule works on the shape of the document, never on the names of our
//! operations, so Modica's own file goes through unchanged in meaning.
//! Each rewrite is recorded in a [`Report`]; a construct no rule can make
//! acceptable is a [`NormalizeError`] naming the JSON path and what to change.

use crate::report::fail;
pub use crate::report::{NormalizeError, OperationSummary, Report};
use crate::responses::{normalize_responses, status_class};
use crate::walk::{is_json_media, looks_like_regex, resolve};
use serde_json::{Map, Value, json};

/// The rules, in the order they run, with what each does.
pub const RULES: &[(&str, &str)] = &[
    (
        "openapi-version",
        "only OpenAPI 3.0.x is accepted (progenitor's limit); anything else fails the build",
    ),
    (
        "external-ref",
        "a `$ref` outside the document fails the build: inline it",
    ),
    (
        "operation-id",
        "an operation without `operationId` gets one from its method and path",
    ),
    (
        "regex-in-format",
        "a regular expression written under `format:` moves to `pattern:`",
    ),
    (
        "colliding-properties",
        "of two properties whose Rust field names collide (`Destination`/`destination`), the later is dropped",
    ),
    (
        "json-media-type",
        "`application/*+json` (e.g. problem+json) is treated as `application/json`",
    ),
    (
        "binary-body",
        "an `application/octet-stream` body gets `type: string, format: binary`",
    ),
    (
        "one-media-type",
        "a body offering several media types keeps JSON (else the first)",
    ),
    (
        "hand-written-body",
        "an operation whose request body is not JSON, form or binary (e.g. multipart) is left to hand-written code",
    ),
    (
        "default-response",
        "a `default` response becomes `4XX` and `5XX`",
    ),
    (
        "inline-response-ref",
        "`$ref` responses are inlined into the operation so they can be rewritten per operation",
    ),
    (
        "bodyless-error",
        "an error response without a body is dropped (it surfaces as an unexpected response)",
    ),
    (
        "union-responses",
        "an operation whose success (or error) responses have different schemas gets one `oneOf` union, variants with most required fields first",
    ),
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Apply every rule to `spec` (the document as JSON) in place.
pub fn normalize(spec: &mut Value) -> Result<Report, NormalizeError> {
    let mut report = Report::default();
    check_version(spec)?;
    check_refs(spec, "")?;
    fix_regex_formats(spec, String::new(), &mut report);
    fix_colliding_properties(spec, String::new(), &mut report);
    fix_media_types(spec, String::new(), &mut report);

    // The components, as they stand before the paths are rewritten, for
    // following `$ref`s while the paths are borrowed mutably.
    let components =
        json!({ "components": spec.get("components").cloned().unwrap_or(Value::Null) });
    let mut new_schemas: Vec<(String, Value)> = Vec::new();

    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return fail("/paths", "the spec has no `paths` object");
    };
    for (path, item) in paths.iter_mut() {
        let item_ptr = format!("/paths/{}", escape(path));
        let Some(item) = item.as_object_mut() else {
            return fail(item_ptr, "a path item must be an object");
        };
        if item.contains_key("$ref") {
            return fail(
                item_ptr,
                "`$ref` path items are not supported: inline the path item",
            );
        }
        let path_params = item.get("parameters").cloned();
        let mut removed = Vec::new();
        for method in METHODS {
            let Some(op) = item.get_mut(*method) else {
                continue;
            };
            let op_ptr = format!("{item_ptr}/{method}");
            let Some(op) = op.as_object_mut() else {
                return fail(op_ptr, "an operation must be an object");
            };
            let id = ensure_operation_id(op, method, path, &op_ptr, &mut report);
            let binary_response =
                op.get("responses")
                    .and_then(Value::as_object)
                    .is_some_and(|rs| {
                        rs.iter().any(|(code, r)| {
                            status_class(code) == Some('2')
                                && resolve(&components, r)
                                    .get("content")
                                    .and_then(Value::as_object)
                                    .is_some_and(|c| {
                                        c.keys()
                                            .any(|m| !is_json_media(m) && !m.starts_with("text/"))
                                    })
                        })
                    });
            report.operations.push(OperationSummary {
                id: id.clone(),
                method: method.to_uppercase(),
                path: path.clone(),
                binary_response,
            });
            if declares_api_version(op.get("parameters"))
                || declares_api_version(path_params.as_ref())
            {
                report.declares_api_version_header = true;
            }
            if let Some(why) = unsupported_body(op, &components) {
                report.add(
                    "hand-written-body",
                    &op_ptr,
                    format!("left out of generation: {why}"),
                );
                report
                    .hand_written
                    .push((id.clone(), method.to_uppercase(), path.clone(), why));
                removed.push(*method);
                continue;
            }
            normalize_responses(op, &id, &op_ptr, &components, &mut new_schemas, &mut report)?;
        }
        for method in removed {
            item.remove(method);
        }
    }

    if !new_schemas.is_empty() {
        let root = spec
            .as_object_mut()
            .expect("checked above: the spec is an object");
        let components = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(components) = components.as_object_mut() else {
            return fail("/components", "`components` must be an object");
        };
        let schemas = components
            .entry("schemas")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(schemas) = schemas.as_object_mut() else {
            return fail(
                "/components/schemas",
                "`components/schemas` must be an object",
            );
        };
        for (name, schema) in new_schemas {
            schemas.insert(name, schema);
        }
    }
    Ok(report)
}

fn check_version(spec: &Value) -> Result<(), NormalizeError> {
    if !spec.is_object() {
        return fail("", "the spec must be a YAML or JSON object");
    }
    match spec.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(()),
        Some(v) => fail(
            "/openapi",
            format!(
                "OpenAPI {v} is not supported (progenitor reads 3.0.x): convert the file to 3.0.3"
            ),
        ),
        None => fail(
            "/openapi",
            "missing `openapi: 3.0.x` (Swagger 2.0 files must be converted to OpenAPI 3.0 first)",
        ),
    }
}

fn check_refs(value: &Value, ptr: &str) -> Result<(), NormalizeError> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && !r.starts_with("#/")
            {
                return fail(
                    ptr,
                    format!("`$ref: {r}` points outside the document: inline the referenced part"),
                );
            }
            for (k, v) in map {
                check_refs(v, &format!("{ptr}/{}", escape(k)))?;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(v, &format!("{ptr}/{i}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn fix_regex_formats(value: &mut Value, ptr: String, report: &mut Report) {
    match value {
        Value::Object(map) => {
            let is_string = map.get("type").and_then(Value::as_str) == Some("string");
            let regex = map
                .get("format")
                .and_then(Value::as_str)
                .filter(|f| is_string && looks_like_regex(f))
                .map(str::to_owned);
            if let Some(regex) = regex {
                map.remove("format");
                if map.contains_key("pattern") {
                    report.add(
                        "regex-in-format",
                        &ptr,
                        format!("dropped `format: {regex}` (a `pattern` exists)"),
                    );
                } else {
                    report.add(
                        "regex-in-format",
                        &ptr,
                        format!("moved `{regex}` from `format` to `pattern`"),
                    );
                    map.insert("pattern".into(), Value::String(regex));
                }
            }
            for (k, v) in map.iter_mut() {
                let child = format!("{ptr}/{}", escape(k));
                fix_regex_formats(v, child, report);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                fix_regex_formats(v, format!("{ptr}/{i}"), report);
            }
        }
        _ => {}
    }
}

/// The field name typify derives from a property name (snake case).
fn rust_field_name(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    out
}

fn fix_colliding_properties(value: &mut Value, ptr: String, report: &mut Report) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                let mut seen: Vec<(String, String)> = Vec::new();
                let mut drop = Vec::new();
                for key in props.keys() {
                    let field = rust_field_name(key);
                    match seen.iter().find(|(f, _)| *f == field) {
                        Some((_, first)) => drop.push((key.clone(), first.clone())),
                        None => seen.push((field, key.clone())),
                    }
                }
                for (key, first) in drop {
                    props.remove(&key);
                    report.add(
                        "colliding-properties",
                        format!("{ptr}/properties/{}", escape(&key)),
                        format!("dropped: its Rust name collides with `{first}`"),
                    );
                }
            }
            for (k, v) in map.iter_mut() {
                fix_colliding_properties(v, format!("{ptr}/{}", escape(k)), report);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                fix_colliding_properties(v, format!("{ptr}/{i}"), report);
            }
        }
        _ => {}
    }
}

/// Rewrites every `content` map (request bodies and responses, anywhere).
fn fix_media_types(value: &mut Value, ptr: String, report: &mut Report) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(content)) = map.get_mut("content") {
                fix_content(content, &format!("{ptr}/content"), report);
            }
            for (k, v) in map.iter_mut() {
                if k != "content" {
                    fix_media_types(v, format!("{ptr}/{}", escape(k)), report);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                fix_media_types(v, format!("{ptr}/{i}"), report);
            }
        }
        _ => {}
    }
}

fn fix_content(content: &mut Map<String, Value>, ptr: &str, report: &mut Report) {
    let keys: Vec<String> = content.keys().cloned().collect();
    for key in &keys {
        if key != "application/json"
            && is_json_media(key)
            && !content.contains_key("application/json")
        {
            let v = content.remove(key).unwrap_or(Value::Null);
            content.insert("application/json".into(), v);
            report.add(
                "json-media-type",
                ptr,
                format!("`{key}` read as `application/json`"),
            );
        }
    }
    if let Some(Value::Object(media)) = content.get_mut("application/octet-stream") {
        let schema = media.entry("schema").or_insert_with(|| json!({}));
        let is_binary = schema.get("format").and_then(Value::as_str) == Some("binary");
        if !is_binary && schema.get("$ref").is_none() {
            *schema = json!({"type": "string", "format": "binary"});
            report.add(
                "binary-body",
                format!("{ptr}/application~1octet-stream"),
                "schema set to `type: string, format: binary`",
            );
        }
    }
    if content.len() > 1 {
        let keep = if content.contains_key("application/json") {
            "application/json".to_owned()
        } else {
            content.keys().next().cloned().unwrap_or_default()
        };
        let dropped: Vec<String> = content.keys().filter(|k| **k != keep).cloned().collect();
        content.retain(|k, _| *k == keep);
        report.add(
            "one-media-type",
            ptr,
            format!("kept `{keep}`, dropped {dropped:?}"),
        );
    }
}

fn ensure_operation_id(
    op: &mut Map<String, Value>,
    method: &str,
    path: &str,
    ptr: &str,
    report: &mut Report,
) -> String {
    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
        return id.to_owned();
    }
    let mut id = String::from(method);
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let seg = seg.trim_matches(|c| c == '{' || c == '}');
        id.push('_');
        id.extend(
            seg.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
        );
    }
    report.add("operation-id", ptr, format!("named `{id}`"));
    op.insert("operationId".into(), Value::String(id.clone()));
    id
}

fn declares_api_version(params: Option<&Value>) -> bool {
    params.and_then(Value::as_array).is_some_and(|ps| {
        ps.iter().any(|p| {
            p.get("in").and_then(Value::as_str) == Some("header")
                && p.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case("api-version"))
        })
    })
}

/// Why the request body cannot be generated, if it cannot.
fn unsupported_body(op: &Map<String, Value>, components: &Value) -> Option<String> {
    let body = resolve(components, op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    let media = content.keys().next()?;
    let ok = is_json_media(media)
        || media == "application/octet-stream"
        || media == "application/x-www-form-urlencoded"
        || media.starts_with("text/");
    (!ok).then(|| format!("request body `{media}` is not supported by progenitor"))
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
