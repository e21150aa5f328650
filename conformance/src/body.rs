//! Request and response bodies as the spec declares them: their media
//! types, JSON schemas and multipart parts, and the checks of a body.

use super::schema::{Compiled, Converter};
use super::{SpecError, Violation};
use modica_wab::spec::walk::{is_json_media, resolve};
use serde_json::Value;

#[derive(Debug)]
pub(super) struct Body {
    pub(super) required: bool,
    pub(super) media: Vec<Media>,
}

#[derive(Debug)]
pub(super) struct Media {
    pub(super) media_type: String,
    pub(super) schema: Option<Compiled>,
    /// The parts of a multipart body.
    pub(super) parts: Option<Parts>,
}

/// The part names a multipart body declares and requires.
#[derive(Debug)]
pub(super) struct Parts {
    pub(super) declared: Vec<String>,
    pub(super) required: Vec<String>,
    /// Undeclared parts are refused (strict mode, or `additionalProperties: false`).
    pub(super) closed: bool,
}

/// The JSON schema of an operation's request body, if it has one.
pub(crate) fn json_body_schema(spec: &Value, op: &Value) -> Option<Value> {
    let body = resolve(spec, op.get("requestBody")?);
    body.get("content")?
        .as_object()?
        .iter()
        .find(|(m, _)| is_json_media(m))
        .and_then(|(_, c)| c.get("schema").cloned())
}

pub(super) fn media_list(
    spec: &Value,
    converter: &Converter,
    content: Option<&Value>,
    at: &str,
) -> Result<Vec<Media>, SpecError> {
    let mut out = Vec::new();
    for (media_type, item) in content.and_then(Value::as_object).into_iter().flatten() {
        let schema = item.get("schema");
        let compiled = match schema {
            Some(s) if is_json_media(media_type) => {
                Some(converter.compile(s).map_err(|message| SpecError {
                    path: format!("{at}/content/{media_type}/schema"),
                    message,
                })?)
            }
            _ => None,
        };
        let parts = if media_type.starts_with("multipart/") {
            let s = schema.map(|s| resolve(spec, s));
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

pub(super) fn find_media<'a>(media: &'a [Media], content_type: Option<&str>) -> Option<&'a Media> {
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
        return media.iter().find(|m| is_json_media(&m.media_type));
    };
    media.iter().find(|m| {
        let declared = m.media_type.as_str();
        declared == given
            || declared == "*/*"
            || (is_json_media(declared) && is_json_media(&given))
            || declared
                .strip_suffix("/*")
                .is_some_and(|top| given.split('/').next() == Some(top))
    })
}

pub(super) fn multipart_violations(
    content_type: &str,
    body: &[u8],
    parts: &Parts,
) -> Vec<Violation> {
    let Some(boundary) = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| b.trim_matches('"'))
    else {
        return vec![Violation::new(
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
            out.push(Violation::new(
                &format!("body.{r}"),
                "required",
                "required part is missing",
            ));
        }
    }
    for n in &names {
        if parts.closed && !parts.declared.contains(n) {
            out.push(Violation::new(
                &format!("body.{n}"),
                "additionalProperties",
                "part not in the spec",
            ));
        }
    }
    out
}
