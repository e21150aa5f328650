//! Walking an OpenAPI document: the helpers the build's normalizer, the
//! conformance validator and the tests share (the build script and the tests
//! include this file with `#[path]`, so it uses nothing but `serde_json`).

use serde_json::Value;

/// Follows local `$ref`s (`#/components/…`, JSON-pointer escapes included)
/// from `value` inside `document`; stops at a reference that does not
/// resolve (the caller sees the `$ref` left) and after 16 hops (a loop).
pub fn resolve<'a>(document: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match target.strip_prefix('#').and_then(|p| document.pointer(p)) {
            Some(found) => value = found,
            None => break,
        }
    }
    value
}

/// Whether a media type is JSON: `application/json` or any `…+json`,
/// parameters and case aside.
pub fn is_json_media(media_type: &str) -> bool {
    let m = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json")
}

/// Formats of OpenAPI 3.0 and JSON Schema, and common extensions: never a regex.
pub const KNOWN_FORMATS: &[&str] = &[
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "binary",
    "date",
    "date-time",
    "time",
    "duration",
    "password",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "ip",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "url",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Whether a `format:` value is really a regular expression (Modica's 1.3.1
/// spec writes `format: '^[1-9]{1}[0-9]*$'`).
pub fn looks_like_regex(format: &str) -> bool {
    !KNOWN_FORMATS.contains(&format)
        && (format.starts_with('^')
            || format.ends_with('$')
            || format.contains(['[', '(', '\\', '*', '+', '{', '|', '?']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_resolve_through_escapes_and_stop_where_they_cannot() {
        let doc = json!({"components": {"schemas": {
            "a/b": {"$ref": "#/components/schemas/C"},
            "C": {"type": "string"},
            "Loop": {"$ref": "#/components/schemas/Loop"}
        }}});
        let start = json!({"$ref": "#/components/schemas/a~1b"});
        assert_eq!(resolve(&doc, &start), &json!({"type": "string"}));
        let missing = json!({"$ref": "#/components/schemas/Nope"});
        assert_eq!(resolve(&doc, &missing), &missing);
        let looped = json!({"$ref": "#/components/schemas/Loop"});
        assert!(resolve(&doc, &looped).get("$ref").is_some());
    }

    #[test]
    fn media_types_and_regexes() {
        for (m, json) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/problem+json", true),
            ("multipart/form-data", false),
            ("text/plain", false),
        ] {
            assert_eq!(is_json_media(m), json, "{m}");
        }
        for (f, regex) in [
            ("^[1-9]{1}[0-9]*$", true),
            ("[a-z]+", true),
            ("int64", false),
            ("date-time", false),
            ("phone", false),
        ] {
            assert_eq!(looks_like_regex(f), regex, "{f}");
        }
    }
}
