//! Error text without the values it quotes: errors and logs carry the shape
//! of what was wrong (a path, a type), never a customer's content or address.

/// serde's message without the values it quotes: `invalid type: string "+6421…",
/// expected u64` becomes `invalid type: a string, expected u64`. Callback
/// values are customers' content and addresses; errors and logs carry the
/// shape of what was wrong, never the value.
pub(crate) fn shape_only(message: &str) -> String {
    // serde::de::Unexpected as serde displays it: a kind, then the value in
    // backticks (or, for strings, in quotes with escapes).
    const KINDS: [(&str, &str); 6] = [
        ("string \"", "a string"),
        ("boolean `", "a boolean"),
        ("integer `", "an integer"),
        ("floating point `", "a number"),
        ("character `", "a character"),
        ("variant `", "variant"),
    ];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    'scan: while !rest.is_empty() {
        for (prefix, replacement) in KINDS {
            if let Some(after) = rest.strip_prefix(prefix) {
                let close = if prefix.ends_with('"') { '"' } else { '`' };
                out.push_str(replacement);
                rest = skip_quoted(after, close);
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// The text after the closing `close`, skipping backslash escapes.
fn skip_quoted(text: &str, close: char) -> &str {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            c if c == close && !escaped => return &text[i + c.len_utf8()..],
            _ => escaped = false,
        }
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_the_shape_and_drop_the_value() {
        for (message, shape) in [
            (
                r#"invalid type: string "+64211234567", expected u64"#,
                "invalid type: a string, expected u64",
            ),
            (
                r#"invalid type: string "a \"quoted\" `tick`", expected a map"#,
                "invalid type: a string, expected a map",
            ),
            (
                "invalid type: integer `42`, expected a string",
                "invalid type: an integer, expected a string",
            ),
            (
                "invalid value: floating point `1.5`, expected i64",
                "invalid value: a number, expected i64",
            ),
            (
                "unknown variant `secret`, expected `a` or `b`",
                "unknown variant, expected `a` or `b`",
            ),
            (
                "invalid type: null, expected a string",
                "invalid type: null, expected a string",
            ),
            (
                "invalid length 3, expected 2",
                "invalid length 3, expected 2",
            ),
        ] {
            assert_eq!(shape_only(message), shape, "{message}");
        }
    }
}
