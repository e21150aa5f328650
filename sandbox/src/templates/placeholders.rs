//! The placeholders in a template's text: positional `{{1}}`, `{{2}}`… or
//! named `{{order_id}}` (Meta, "Template parameters": lower-case letters,
//! digits and `_`), read once when the registry is loaded, and the text with
//! values filled in.

/// A piece of a template's text: as written, or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Literal(String),
    /// The placeholder's name: its number for a positional one.
    Slot(String),
}

/// The placeholders of one text, checked: positional ones numbered 1 to n,
/// each once; or named ones, each once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Text {
    pub(crate) pieces: Vec<Piece>,
    /// The placeholders in order of first appearance.
    pub(crate) slots: Vec<String>,
    pub(crate) named: bool,
}

impl Text {
    /// Reads `text`; the error says what is wrong with its placeholders.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut slots: Vec<String> = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(format!(
                    "`{{{{` at {:?} is never closed",
                    clip(&rest[start..])
                ));
            };
            if start > 0 {
                pieces.push(Piece::Literal(rest[..start].to_owned()));
            }
            let name = after[..end].trim();
            let positional = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
            let named = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !named {
                return Err(format!(
                    "{{{{{}}}}} is no placeholder: a number ({{{{1}}}}) or a name of lower-case letters, digits and `_` ({{{{order_id}}}})",
                    clip(name)
                ));
            }
            if slots.contains(&name.to_owned()) {
                return Err(format!(
                    "the placeholder {{{{{name}}}}} is named twice; each placeholder appears once"
                ));
            }
            if let Some(first) = slots.first() {
                let first_positional = first.bytes().all(|b| b.is_ascii_digit());
                if first_positional != positional {
                    return Err(format!(
                        "{{{{{first}}}}} and {{{{{name}}}}}: a template's placeholders are all numbered or all named"
                    ));
                }
            }
            slots.push(name.to_owned());
            pieces.push(Piece::Slot(name.to_owned()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Literal(rest.to_owned()));
        }
        let named = slots
            .first()
            .is_some_and(|s| !s.bytes().all(|b| b.is_ascii_digit()));
        if !named {
            for (i, slot) in slots.iter().enumerate() {
                let expected = (i + 1).to_string();
                if *slot != expected {
                    return Err(format!(
                        "placeholders are numbered in order from {{{{1}}}}: {{{{{slot}}}}} stands where {{{{{expected}}}}} should"
                    ));
                }
            }
        }
        Ok(Self {
            pieces,
            slots,
            named,
        })
    }

    /// How many values the text takes.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The text with `value(slot)` in each placeholder, as characters count.
    pub(crate) fn filled_len(&self, value: impl Fn(&str) -> String) -> usize {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Literal(t) => t.chars().count(),
                Piece::Slot(s) => value(s).chars().count(),
            })
            .sum()
    }
}

/// At most 40 characters of `text`, for an error message.
fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_and_named_placeholders() {
        let t = Text::parse("Kia ora {{1}}, order {{2}} ships {{ 3 }}.").unwrap();
        assert_eq!(t.slots, ["1", "2", "3"]);
        assert!(!t.named);
        assert_eq!(t.pieces[1], Piece::Slot("1".into()));
        let n = Text::parse("Hi {{first_name}}, {{order_id}}").unwrap();
        assert!(n.named && n.len() == 2);
        assert_eq!(Text::parse("no placeholders").unwrap().len(), 0);
        assert_eq!(
            t.filled_len(|s| "x".repeat(s.parse().unwrap())),
            "Kia ora , order  ships .".len() + 6
        );
    }

    #[test]
    fn mistakes_are_named() {
        for (text, says) in [
            ("{{order_id}} and {{order_id}}", "named twice"),
            ("{{1}} and {{1}}", "named twice"),
            ("{{1}} {{3}}", "{{3}} stands where {{2}} should"),
            ("{{2}}", "{{2}} stands where {{1}}"),
            ("{{1}} {{name}}", "all numbered or all named"),
            ("{{Order}}", "is no placeholder"),
            ("{{}}", "is no placeholder"),
            ("Hi {{1", "never closed"),
        ] {
            let err = Text::parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
