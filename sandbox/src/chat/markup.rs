//! Writing values into HTML: escaping, the addresses that may become links,
//! and the paths the page links to. Everything the chat view shows comes from
//! the service's messages or the customer's: every piece of it goes through
//! [`esc`], and only http(s) addresses become links or media sources.

use super::view::Pair;
use serde_json::Value;

/// Text as HTML: `&`, `<`, `>`, `"` and `'` written as entities, so it can
/// stand in an element or a quoted attribute and never be markup.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An address fit for `href`/`src`: http or https only (no `javascript:`,
/// no `data:`), escaped.
pub(super) fn safe_url(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| esc(url.as_str()))
}

pub(super) fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Where the page's links point: `/_sandbox/<token>/`.
pub(super) struct Paths {
    pub(super) base: String,
}

impl Paths {
    /// Escaped as well: a pair's parts are digits or a BSUID when it was
    /// opened, but the link must stay inert whatever a record holds.
    pub(super) fn conversation(&self, pair: &Pair) -> String {
        format!(
            "{}c/{}/{}",
            self.base,
            esc(&pair.business),
            esc(&pair.customer)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_text() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            esc(r#""><img onerror=x>"#),
            "&quot;&gt;&lt;img onerror=x&gt;"
        );
    }

    #[test]
    fn only_http_addresses_become_links() {
        assert!(safe_url("https://example.com/a?b=1&c=\"").is_some());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>x</script>",
            "vbscript:x",
            "/relative",
            "",
        ] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
        let shown = safe_url("https://example.com/\"><script>").unwrap();
        assert!(!shown.contains('<') && !shown.contains('"'), "{shown}");
    }
}
