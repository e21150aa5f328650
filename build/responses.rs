//! The rule for responses: one response type per success group and per
//! error group, or progenitor panics (see `RULES` in `normalize.rs`).

use crate::report::{NormalizeError, Report, fail};
use crate::walk::resolve;
use serde_json::{Map, Value, json};

pub fn status_class(code: &str) -> Option<char> {
    code.chars().next().filter(|c| ('1'..='5').contains(c))
}

pub fn normalize_responses(
    op: &mut Map<String, Value>,
    id: &str,
    op_ptr: &str,
    components: &Value,
    new_schemas: &mut Vec<(String, Value)>,
    report: &mut Report,
) -> Result<(), NormalizeError> {
    let ptr = format!("{op_ptr}/responses");
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return fail(ptr, "an operation needs a `responses` object");
    };

    // `default` means "any other status": split it into the error ranges.
    let has_success = responses.keys().any(|k| status_class(k) == Some('2'));
    if has_success && let Some(default) = responses.remove("default") {
        for range in ["4XX", "5XX"] {
            if !responses.contains_key(range) {
                responses.insert(range.into(), default.clone());
            }
        }
        report.add(
            "default-response",
            &ptr,
            "`default` split into `4XX` and `5XX`",
        );
    }

    for (code, response) in responses.iter_mut() {
        if let Some(r) = response
            .get("$ref")
            .and_then(Value::as_str)
            .map(str::to_owned)
        {
            let target = resolve(components, response);
            if target.get("$ref").is_some() {
                return fail(
                    format!("{ptr}/{code}"),
                    format!("`$ref: {r}` does not resolve in `components/responses`"),
                );
            }
            *response = target.clone();
            report.add(
                "inline-response-ref",
                format!("{ptr}/{code}"),
                format!("inlined `{r}`"),
            );
        }
    }

    let error_codes: Vec<String> = responses
        .keys()
        .filter(|k| matches!(status_class(k), Some('4' | '5')))
        .cloned()
        .collect();
    for code in &error_codes {
        if responses.get(code).and_then(|r| r.get("content")).is_none() {
            responses.remove(code);
            report.add(
                "bodyless-error",
                format!("{ptr}/{code}"),
                "dropped: no body to decode",
            );
        }
    }

    for (group, is_group) in [
        (
            "Success",
            (|c: Option<char>| c == Some('2')) as fn(Option<char>) -> bool,
        ),
        ("Error", |c: Option<char>| matches!(c, Some('4' | '5'))),
    ] {
        let codes: Vec<String> = responses
            .keys()
            .filter(|k| is_group(status_class(k)))
            .cloned()
            .collect();
        let mut distinct: Vec<Value> = Vec::new();
        for code in &codes {
            if let Some(schema) = body_schema(&responses[code.as_str()])
                && !distinct.contains(schema)
            {
                distinct.push(schema.clone());
            }
        }
        if distinct.len() < 2 {
            continue;
        }
        // untagged decoding tries variants in order: the most specific first.
        distinct.sort_by_key(|s| std::cmp::Reverse(required_count(resolve(components, s))));
        let name = format!("{}{group}Body", pascal(id));
        new_schemas.push((
            name.clone(),
            json!({ "oneOf": distinct, "x-normalized": "union of the operation's response schemas" }),
        ));
        for code in &codes {
            if let Some(Value::Object(content)) = responses
                .get_mut(code.as_str())
                .and_then(|r| r.get_mut("content"))
            {
                for media in content.values_mut() {
                    if let Some(m) = media.as_object_mut() {
                        m.insert(
                            "schema".into(),
                            json!({ "$ref": format!("#/components/schemas/{name}") }),
                        );
                    }
                }
            }
        }
        report.add(
            "union-responses",
            &ptr,
            format!(
                "{} {} schemas joined as `{name}`",
                distinct.len(),
                group.to_lowercase()
            ),
        );
    }
    Ok(())
}

fn body_schema(response: &Value) -> Option<&Value> {
    let content = response.get("content")?.as_object()?;
    content.values().next()?.get("schema")
}

fn required_count(schema: &Value) -> usize {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn pascal(id: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}
