//! OpenAPI 3.0 schema objects → JSON Schema 2020-12, compiled with the `jsonschema` crate.
//!
//! The rules: `$ref` into `#/components/schemas` → `#/$defs`; `nullable` → a
//! `null` type; boolean `exclusiveMinimum`/`exclusiveMaximum` → numeric;
//! `int32`/`int64` → their ranges; `byte` checked as base64; extensions
//! (`x-…`) and `example` dropped. In strict mode, also: objects that list
//! `properties` without saying `additionalProperties` are closed, so a
//! misspelt optional field is caught; and a regex written under `format:` (a
//! mistake in Modica's 1.3.1 spec) is checked as the `pattern` it was meant to
//! be. Read literally, the spec leaves both open, and so does the lax mode.

use super::Violation;
use base64::Engine as _;
use modica_wab::spec::walk::looks_like_regex;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// A compiled schema.
pub(crate) struct Compiled {
    pub(crate) validator: jsonschema::Validator,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compiled")
    }
}

/// Converts and compiles schemas of one spec.
pub(crate) struct Converter {
    defs: Value,
    strict: bool,
}

impl Converter {
    pub(crate) fn new(spec: &Value, strict: bool) -> Self {
        let open = open_components(spec);
        let mut defs = Map::new();
        if let Some(schemas) = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in schemas {
                let close = strict && !open.contains(name);
                defs.insert(name.clone(), convert(schema, close, strict));
            }
        }
        Self {
            defs: Value::Object(defs),
            strict,
        }
    }

    /// Whether what the spec leaves open is closed (see the module docs).
    pub(crate) fn strict(&self) -> bool {
        self.strict
    }

    /// The JSON Schema for an OpenAPI schema object of this spec.
    pub(crate) fn json_schema(&self, schema: &Value) -> Value {
        let mut root = match convert(schema, self.strict, self.strict) {
            Value::Object(map) => map,
            other => {
                let mut m = Map::new();
                m.insert("allOf".into(), json!([other]));
                m
            }
        };
        root.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
        root.insert("$defs".into(), self.defs.clone());
        Value::Object(root)
    }

    pub(crate) fn compile(&self, schema: &Value) -> Result<Compiled, String> {
        let json_schema = self.json_schema(schema);
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .with_format("byte", is_base64)
            .with_keyword(INT64, |_, _, _| Ok(Box::new(Int64)))
            .build(&json_schema)
            .map(|validator| Compiled { validator })
            .map_err(|e| e.to_string())
    }
}

/// Our keyword for an `int64`: the number must be a 64-bit signed integer.
const INT64: &str = "x-modica-wab-int64";

struct Int64;

impl<'i> jsonschema::Keyword<'i> for Int64 {
    fn validate(&self, instance: &'i Value) -> Result<(), jsonschema::ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(jsonschema::ValidationError::custom(
                "not a 64-bit signed integer",
            ))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        let Value::Number(n) = instance else {
            return true;
        };
        if n.is_i64() {
            return true;
        }
        if n.is_u64() {
            return false;
        }
        // A float: a whole number strictly inside the range (i64::MIN as f64
        // is where everything below it rounds to).
        n.as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f > i64::MIN as f64 && f < i64::MAX as f64)
    }
}

fn is_base64(s: &str) -> bool {
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

/// Components used under `allOf` must stay open, or the composition could never match.
fn open_components(spec: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, under_all_of: bool, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                if under_all_of
                    && let Some(r) = map.get("$ref").and_then(Value::as_str)
                    && let Some(name) = r.strip_prefix("#/components/schemas/")
                {
                    out.insert(name.to_owned());
                }
                for (k, child) in map {
                    walk(child, k == "allOf", out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, under_all_of, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(spec, false, &mut out);
    out
}

const JSON_SCHEMA_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "byte",
];

/// `close`: close this object (strict mode, not under `allOf`); `strict`: the
/// spec-wide mode.
fn convert(schema: &Value, close: bool, strict: bool) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            k if k.starts_with("x-") => {}
            "example" | "xml" | "externalDocs" | "discriminator" | "nullable" => {}
            "$ref" => {
                let target = value.as_str().unwrap_or_default();
                let target = match target.strip_prefix("#/components/schemas/") {
                    Some(name) => format!("#/$defs/{name}"),
                    None => target.to_owned(),
                };
                out.insert(key.clone(), Value::String(target));
            }
            "format" => match value.as_str() {
                Some(f) if JSON_SCHEMA_FORMATS.contains(&f) => {
                    out.insert(key.clone(), value.clone());
                }
                Some(f) if strict && looks_like_regex(f) && !map.contains_key("pattern") => {
                    out.insert("pattern".into(), value.clone());
                }
                Some("int32") => {
                    out.entry("minimum").or_insert(json!(i32::MIN));
                    out.entry("maximum").or_insert(json!(i32::MAX));
                }
                Some("int64") => {
                    out.entry("minimum").or_insert(json!(i64::MIN));
                    out.entry("maximum").or_insert(json!(i64::MAX));
                    // Below i64::MIN, JSON numbers parse as floats that round
                    // to i64::MIN, so `minimum` alone would let them through.
                    out.insert(INT64.into(), Value::Bool(true));
                }
                // int32, int64, float, double, binary, password and the like: annotations.
                _ => {}
            },
            "properties" | "patternProperties" => {
                let props = value
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(name, s)| (name.clone(), convert(s, close, strict)))
                            .collect::<Map<_, _>>()
                    })
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(props));
            }
            "items" | "not" => {
                out.insert(key.clone(), convert(value, close, strict));
            }
            "additionalProperties" => {
                let converted = if value.is_object() {
                    convert(value, close, strict)
                } else {
                    value.clone()
                };
                out.insert(key.clone(), converted);
            }
            "allOf" => {
                // Members of an allOf are never closed: each sees only part of the object.
                let members = value
                    .as_array()
                    .map(|a| a.iter().map(|s| convert(s, false, strict)).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(members));
            }
            "oneOf" | "anyOf" => {
                let members = value
                    .as_array()
                    .map(|a| a.iter().map(|s| convert(s, close, strict)).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(members));
            }
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if map.get(flag) == Some(&Value::Bool(true))
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.into(), limit);
        }
    }
    if close && out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

fn nullable(mut out: Map<String, Value>) -> Value {
    if let Some(values) = out.get_mut("enum").and_then(Value::as_array_mut)
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match out.get("type").cloned() {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!([t, "null"]));
            Value::Object(out)
        }
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(strict: bool, schema: Value, instance: &str) -> bool {
        let converter = Converter::new(&json!({}), strict);
        let compiled = converter.compile(&schema).unwrap();
        compiled
            .validator
            .is_valid(&serde_json::from_str(instance).unwrap())
    }

    #[test]
    fn int64_means_a_64_bit_signed_integer_even_past_float_precision() {
        let schema = json!({"type": "integer", "format": "int64"});
        for (number, ok) in [
            ("9223372036854775807", true),
            ("-9223372036854775808", true),
            ("1e3", true),
            ("9223372036854775808", false),
            ("-9223372036854775809", false),
            ("-1e30", false),
        ] {
            assert_eq!(valid(false, schema.clone(), number), ok, "{number}");
        }
        let int32 = json!({"type": "integer", "format": "int32"});
        assert!(!valid(false, int32.clone(), "2147483648"));
        assert!(valid(false, int32, "-2147483648"));
    }

    #[test]
    fn a_regex_under_format_and_closed_objects_only_when_strict() {
        let source = json!({"type": "string", "format": "^[1-9]{1}[0-9]*$"});
        assert!(
            valid(false, source.clone(), r#""000""#),
            "read literally: an unknown format"
        );
        assert!(!valid(true, source, r#""000""#));
        let object = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert!(valid(false, object.clone(), r#"{"a":"x","extra":1}"#));
        assert!(!valid(true, object, r#"{"a":"x","extra":1}"#));
    }
}
