//! Answers built from the spec, for operations the sandbox does not emulate
//! (a newer spec's additions): the operation's first success response, with
//! the spec's example as its body when it gives one, else the smallest value
//! its schema allows. Said so in a header ([`GENERATED`]), so nobody mistakes
//! it for the gateway's behaviour.

use modica_wab::spec::walk::{is_json_media, resolve};
use serde_json::{Map, Value, json};

/// The header a generated answer carries, and its value.
pub const GENERATED: (&str, &str) = ("x-modica-wab-sandbox", "generated-from-spec");

/// The success answer of operation `operation_id`: its status, and its JSON
/// body (`None`: the spec declares none).
pub(crate) fn answer(spec: &Value, operation_id: &str) -> Option<(u16, Option<Value>)> {
    let operation = find(spec, operation_id)?;
    let responses = operation.get("responses")?.as_object()?;
    let (status, response) = responses
        .iter()
        .filter_map(|(code, r)| Some((code.parse::<u16>().ok()?, r)))
        .filter(|(code, _)| (200..300).contains(code))
        .min_by_key(|(code, _)| *code)?;
    let response = resolve(spec, response);
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return Some((status, None));
    };
    let Some(media) = content
        .iter()
        .find(|(media_type, _)| is_json_media(media_type))
        .map(|(_, m)| m)
    else {
        return Some((status, None));
    };
    let example = media.get("example").cloned().or_else(|| {
        media
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|all| all.values().next())
            .map(|e| resolve(spec, e))
            .and_then(|e| e.get("value").cloned())
    });
    let body = match example {
        Some(example) => example,
        None => smallest(spec, media.get("schema").unwrap_or(&Value::Null), 0),
    };
    Some((status, Some(body)))
}

/// The operation object with this `operationId`.
fn find<'a>(spec: &'a Value, operation_id: &str) -> Option<&'a Value> {
    spec.get("paths")?
        .as_object()?
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .find(|op| op.get("operationId").and_then(Value::as_str) == Some(operation_id))
}

/// The smallest value `schema` allows: required properties only, minimum
/// lengths and counts, the first of an enum, an example or default when
/// the schema gives one.
fn smallest(spec: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(spec, schema);
    if depth > 16 {
        return Value::Null;
    }
    for key in ["example", "default", "const"] {
        if let Some(value) = schema.get(key) {
            return value.clone();
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|all| all.first())
        {
            return smallest(spec, first, depth + 1);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(fields) = smallest(spec, part, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    let count = |key: &str| schema.get(key).and_then(Value::as_u64).unwrap_or(0);
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => string(schema, count("minLength")),
        Some("integer") => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(0)),
        Some("number") => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0)),
        Some("boolean") => json!(false),
        Some("array") => {
            let item = schema.get("items").unwrap_or(&Value::Null);
            let n = usize::try_from(count("minItems")).unwrap_or(0).min(16);
            Value::Array((0..n).map(|_| smallest(spec, item, depth + 1)).collect())
        }
        Some("object") | None if schema.get("properties").is_some() => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let mut object = Map::new();
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let property = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
                object.insert(name.to_owned(), smallest(spec, property, depth + 1));
            }
            Value::Object(object)
        }
        Some("object") => json!({}),
        _ => Value::Null,
    }
}

/// A string the schema's format accepts, at least `min` characters long.
fn string(schema: &Value, min: u64) -> Value {
    let text = match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => "2026-01-01T00:00:00Z".to_owned(),
        Some("date") => "2026-01-01".to_owned(),
        Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
        Some("email") => "sandbox@example.com".to_owned(),
        Some("uri" | "url") => "https://example.com/".to_owned(),
        _ => String::new(),
    };
    let min = usize::try_from(min).unwrap_or(0).min(4096);
    let padding = min.saturating_sub(text.chars().count());
    Value::String(text + &"0".repeat(padding))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_first_then_the_smallest_value_the_schema_allows() {
        let spec = json!({
            "paths": {
                "/orders": {
                    "get": {"operationId": "GetOrders", "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Orders"}}}},
                        "400": {"description": "no"}
                    }},
                    "post": {"operationId": "PostOrders", "responses": {
                        "201": {"content": {"application/json": {"example": {"id": "o1"}}}},
                        "202": {"description": "later"}
                    }},
                    "delete": {"operationId": "DeleteOrders", "responses": {"204": {"description": "gone"}}}
                }
            },
            "components": {"schemas": {"Orders": {
                "type": "object", "required": ["items", "status", "at", "count"],
                "properties": {
                    "items": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 3}},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                    "at": {"type": "string", "format": "date-time"},
                    "count": {"type": "integer", "minimum": 2},
                    "note": {"type": "string"}
                }
            }}}
        });
        assert_eq!(
            answer(&spec, "GetOrders"),
            Some((
                200,
                Some(
                    json!({"items": ["000"], "status": "open", "at": "2026-01-01T00:00:00Z", "count": 2})
                )
            ))
        );
        assert_eq!(
            answer(&spec, "PostOrders"),
            Some((201, Some(json!({"id": "o1"}))))
        );
        assert_eq!(answer(&spec, "DeleteOrders"), Some((204, None)));
        assert_eq!(answer(&spec, "Nothing"), None);
    }

    #[test]
    fn a_schema_that_refers_to_itself_ends() {
        let spec = json!({"components": {"schemas": {"Node": {
            "type": "object", "required": ["next"],
            "properties": {"next": {"$ref": "#/components/schemas/Node"}}
        }}}});
        let node = json!({"$ref": "#/components/schemas/Node"});
        let value = smallest(&spec, &node, 0);
        assert!(value.is_object());
    }
}
