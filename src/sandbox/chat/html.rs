//! The chat view's HTML, written on the server. Everything shown comes from
//! the service's messages or the customer's: every piece of it goes through
//! [`esc`], and only http(s) addresses become links or media sources.

use super::view::{Conversation, Entry, Pair, Side, Summary};
use crate::sandbox::Fault;
use crate::sandbox::records::DeliveryKind;
use serde_json::Value;
use std::collections::HashSet;
use std::fmt::Write as _;

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
fn safe_url(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| esc(url.as_str()))
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Where the page's links point: `/_sandbox/<token>/`.
pub(super) struct Paths {
    pub(super) base: String,
}

impl Paths {
    fn conversation(&self, pair: &Pair) -> String {
        format!("{}c/{}/{}", self.base, pair.business, pair.customer)
    }
}

/// The whole page: the list of conversations, and one of them (or a hint).
pub(super) fn page(
    paths: &Paths,
    list: &[Summary],
    open: Option<(&Conversation, &HashSet<String>)>,
    business_number: &str,
) -> String {
    let base = &paths.base;
    let (view, log_view, body, log) = match open {
        Some((c, media)) => (
            format!("{}/view", paths.conversation(&c.pair)),
            format!("{}/log", paths.conversation(&c.pair)),
            conversation_panel(paths, c, media),
            callback_log(c),
        ),
        None => (
            String::new(),
            String::new(),
            "<p class=\"hint\">No conversation yet. Send a message through the API, or start one as a customer on the left.</p>".to_owned(),
            String::new(),
        ),
    };
    let actions = match open {
        Some((c, _)) => customer_actions(paths, &c.pair),
        None => String::new(),
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WAB sandbox · chat</title>
<link rel="stylesheet" href="{base}app.css">
<script src="{base}app.js" defer></script>
</head>
<body data-events="{base}events" data-view="{view}" data-log="{log_view}" data-list="{base}list">
<aside>
<h1>WAB sandbox</h1>
<nav id="list">{list}</nav>
<form class="start" method="post" action="{base}start">
<h2>Write as a new customer</h2>
<label>Customer <input name="customer" placeholder="+64211234567" required></label>
<label>to <input name="business" value="{business}" required></label>
<label>Message <input name="text" required></label>
<button>Send</button>
</form>
</aside>
<main>
<div id="conversation">{body}</div>
{actions}
</main>
<section id="log">{log}</section>
</body>
</html>
"#,
        list = list_panel(paths, list),
        business = esc(business_number),
    )
}

/// The conversations, most recent first.
pub(super) fn list_panel(paths: &Paths, list: &[Summary]) -> String {
    if list.is_empty() {
        return "<p class=\"hint\">No conversations.</p>".to_owned();
    }
    let mut out = String::from("<ul>");
    for s in list {
        let _ = write!(
            out,
            r#"<li><a href="{href}" data-customer="{customer}">+{customer}</a> <small>with {business}, {n} message(s)</small></li>"#,
            href = paths.conversation(&s.pair),
            customer = esc(&s.pair.customer),
            business = esc(&s.pair.business),
            n = s.messages,
        );
    }
    out.push_str("</ul>");
    out
}

/// What the customer can do: write, send a file, and the faults for the
/// service's next send to them. Outside the live region, so a refresh never
/// wipes what is being typed.
fn customer_actions(paths: &Paths, pair: &Pair) -> String {
    let c = paths.conversation(pair);
    let faults = [
        ("131047", "131047 outside the 24 h window"),
        ("131026", "131026 undeliverable"),
        ("429", "429 Too Many Requests"),
        ("503", "503 Service Unavailable"),
        ("drop", "dropped connection"),
    ];
    let mut fault_buttons = String::new();
    for (value, label) in faults {
        let _ = write!(
            fault_buttons,
            r#"<button name="fault" value="{value}" data-fault="{value}">{label}</button>"#
        );
    }
    format!(
        r#"<section class="customer">
<form class="compose" method="post" action="{c}/reply">
<input name="text" placeholder="Reply as the customer" autocomplete="off" required>
<button>Send</button>
</form>
<form class="upload" method="post" action="{c}/upload" enctype="multipart/form-data">
<input type="file" name="file" required>
<button>Send file</button>
</form>
<form class="faults" method="post" action="{c}/fault">
<span>The service's next send to this customer gets:</span>
{fault_buttons}
</form>
</section>"#
    )
}

/// The live part of a conversation: who, the messages, the callbacks.
pub(super) fn conversation_panel(
    paths: &Paths,
    c: &Conversation,
    media: &HashSet<String>,
) -> String {
    let mut out = format!(
        r#"<header><h2>+{customer}</h2><p>with business number {business}</p>"#,
        customer = esc(&c.pair.customer),
        business = esc(&c.pair.business),
    );
    for fault in &c.waiting {
        let (key, label) = fault_label(fault);
        let _ = write!(
            out,
            r#"<p class="queued" data-fault="{key}">The service's next send here gets: {label}</p>"#
        );
    }
    out.push_str(r#"</header><ol class="messages">"#);
    for e in &c.entries {
        out.push_str(&message(paths, c, e, media));
    }
    out.push_str("</ol>");
    out
}

/// A scripted fault as the page names it (the value of its button, and words).
fn fault_label(fault: &Fault) -> (String, String) {
    match fault {
        Fault::WhatsAppError(code) => (
            code.to_string(),
            format!("{code} {}", crate::ErrorCode::from_code(*code).meaning()),
        ),
        Fault::TooManyRequests(_) => ("429".into(), "429 Too Many Requests".into()),
        Fault::ServerError(status) => (status.to_string(), format!("{status} server error")),
        Fault::DropConnection => ("drop".into(), "a dropped connection".into()),
        other => ("other".into(), format!("{other:?}")),
    }
}

fn side_class(side: Side) -> &'static str {
    match side {
        Side::Business => "business",
        Side::Customer => "customer",
    }
}

fn message(paths: &Paths, c: &Conversation, e: &Entry, media: &HashSet<String>) -> String {
    let mut out = format!(
        r#"<li class="msg {side}" data-id="{id}" data-kind="{kind}">"#,
        side = side_class(e.side),
        id = esc(&e.id),
        kind = esc(&e.kind),
    );
    // A quoted reply shows what it quotes.
    let quoted = match e.side {
        Side::Business => text(&e.body, "/context/message_id"),
        Side::Customer => text(&e.body, "/context/id"),
    };
    if let Some(q) = c.find(quoted) {
        let _ = write!(
            out,
            r#"<blockquote class="quote">{}</blockquote>"#,
            esc(&preview(q))
        );
    }
    out.push_str(&content(paths, c, e, media));
    if !e.reactions.is_empty() {
        out.push_str(r#"<span class="reactions">"#);
        for (_, emoji) in &e.reactions {
            let _ = write!(out, r#"<span class="reaction">{}</span>"#, esc(emoji));
        }
        out.push_str("</span>");
    }
    if e.side == Side::Business {
        out.push_str(&tick(e));
        // The customer's reaction to it.
        let _ = write!(
            out,
            r#"<form class="react" method="post" action="{c}/react"><input type="hidden" name="message_id" value="{id}"><button name="emoji" value="👍" title="react">👍</button><button name="emoji" value="❤️" title="react">❤️</button></form>"#,
            c = paths.conversation(&c.pair),
            id = esc(&e.id),
        );
    }
    out.push_str("</li>");
    out
}

/// One line of what a message says, for a quote.
fn preview(e: &Entry) -> String {
    let body = &e.body;
    match e.kind.as_str() {
        "text" => text(body, "/text/body").to_owned(),
        "interactive" => text(body, "/interactive/body/text").to_owned(),
        "template" => format!("template {}", text(body, "/template/name")),
        kind => format!("[{kind}]"),
    }
}

/// The delivery state of an outbound message.
fn tick(e: &Entry) -> String {
    let Some(state) = &e.state else {
        return r#"<span class="tick" data-state="accepted" title="accepted">🕓</span>"#.to_owned();
    };
    match state.status {
        "sent" => r#"<span class="tick" data-state="sent" title="sent">✓</span>"#.to_owned(),
        "received" => {
            r#"<span class="tick" data-state="received" title="received">✓✓</span>"#.to_owned()
        }
        status => {
            let (mark, why) = match state.code {
                Some(code) => {
                    let code = crate::ErrorCode::from_code(code);
                    (
                        if status == "expired" { "⌛" } else { "✗" },
                        format!("{} {}: {}", code.code(), code.meaning(), code.action()),
                    )
                }
                None => ("✗", String::new()),
            };
            format!(
                r#"<span class="tick failed" data-state="{status}" title="{status}">{mark} {status}</span><span class="why">{why}</span>"#,
                status = esc(status),
                why = esc(&why),
            )
        }
    }
}

fn content(paths: &Paths, c: &Conversation, e: &Entry, media: &HashSet<String>) -> String {
    let body = &e.body;
    let kind = e.kind.as_str();
    match kind {
        "text" => {
            let t = text(body, "/text/body");
            let mut out = format!(r#"<p class="text">{}</p>"#, esc(t));
            // `preview_url`: the first address, as a plain link.
            if body.pointer("/text/preview_url") == Some(&Value::Bool(true))
                && let Some(link) = t
                    .split_whitespace()
                    .find(|w| w.starts_with("https://") || w.starts_with("http://"))
                    .and_then(safe_url)
            {
                let _ = write!(
                    out,
                    r#"<a class="preview" href="{link}" rel="noreferrer noopener" target="_blank">{link}</a>"#
                );
            }
            out
        }
        "image" | "video" | "audio" | "document" | "sticker" => {
            media_block(paths, kind, body.get(kind).unwrap_or(&Value::Null), media)
        }
        "location" => {
            let l = body.get("location").unwrap_or(&Value::Null);
            let coordinate = |k: &str| l.get(k).and_then(Value::as_f64).unwrap_or_default();
            format!(
                r#"<p class="location">📍 <b>{name}</b> {address} <span class="coords">{lat}, {lon}</span></p>"#,
                name = esc(text(l, "/name")),
                address = esc(text(l, "/address")),
                lat = coordinate("latitude"),
                lon = coordinate("longitude"),
            )
        }
        "contacts" => {
            let mut out = String::new();
            for card in body
                .get("contacts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let _ = write!(
                    out,
                    r#"<div class="contact"><b>{}</b>"#,
                    esc(text(card, "/name/formatted_name"))
                );
                for phone in card
                    .get("phones")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let _ = write!(out, "<br>📞 {}", esc(text(phone, "/phone")));
                }
                for email in card
                    .get("emails")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let _ = write!(out, "<br>✉️ {}", esc(text(email, "/email")));
                }
                out.push_str("</div>");
            }
            out
        }
        "template" => template(paths, c, e, media),
        "interactive" => interactive(paths, c, e, media),
        "button" => format!(r#"<p class="text">{}</p>"#, esc(text(body, "/button/text"))),
        "order" => {
            let items = body
                .pointer("/order/product_items")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!(r#"<p class="text">🛒 order of {items} item(s)</p>"#)
        }
        other => format!(
            r#"<p class="other">[{}] <code>{}</code></p>"#,
            esc(other),
            esc(&body.to_string())
        ),
    }
}

/// A media object: shown when the sandbox has it (uploaded) or it is a link.
/// `kind` may come from the message (a header's type): only known kinds
/// are written, as literals.
fn media_block(paths: &Paths, kind: &str, m: &Value, media: &HashSet<String>) -> String {
    let kind = match kind {
        "image" => "image",
        "video" => "video",
        "audio" => "audio",
        "document" => "document",
        "sticker" => "sticker",
        _ => "media",
    };
    let id = text(m, "/id");
    let src = if !id.is_empty() && media.contains(id) {
        Some(format!("{}media/{}", paths.base, esc(id)))
    } else {
        safe_url(text(m, "/link"))
    };
    let caption = text(m, "/caption");
    let filename = text(m, "/filename");
    let shown = match (kind, &src) {
        ("image" | "sticker", Some(src)) => format!(r#"<img src="{src}" alt="{kind}">"#),
        ("video", Some(src)) => format!(r#"<video src="{src}" controls></video>"#),
        ("audio", Some(src)) => format!(r#"<audio src="{src}" controls></audio>"#),
        ("document", Some(src)) => format!(
            r#"<a class="file" href="{src}" download>📄 {}</a>"#,
            esc(if filename.is_empty() {
                "document"
            } else {
                filename
            })
        ),
        (_, None) => format!(
            r#"<span class="file">[{kind} {}] {}</span>"#,
            esc(id),
            esc(filename)
        ),
        _ => String::new(),
    };
    let mut out = format!(r#"<div class="media {kind}">{shown}"#);
    if kind != "document" && !filename.is_empty() {
        let _ = write!(out, r#"<span class="filename">{}</span>"#, esc(filename));
    }
    if !caption.is_empty() {
        let _ = write!(out, r#"<p class="caption">{}</p>"#, esc(caption));
    }
    out.push_str("</div>");
    out
}

/// A tap the customer can make on something the service sent.
fn tap(paths: &Paths, c: &Conversation, e: &Entry, kind: &str, id: &str, title: &str) -> String {
    format!(
        r#"<form class="tap" method="post" action="{c}/tap"><input type="hidden" name="kind" value="{kind}"><input type="hidden" name="id" value="{id}"><input type="hidden" name="title" value="{title}"><input type="hidden" name="context" value="{context}"><button class="choice" data-choice="{id}">{title}</button></form>"#,
        c = paths.conversation(&c.pair),
        id = esc(id),
        title = esc(title),
        context = esc(&e.id),
    )
}

fn template(paths: &Paths, c: &Conversation, e: &Entry, media: &HashSet<String>) -> String {
    let t = e.body.get("template").unwrap_or(&Value::Null);
    let mut out = format!(
        r#"<div class="template"><p class="meta">template <b>{}</b> ({})</p>"#,
        esc(text(t, "/name")),
        esc(text(t, "/language/code"))
    );
    for component in t
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let parameters = component
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        match text(component, "/type") {
            "header" => {
                for p in &parameters {
                    let kind = text(p, "/type");
                    match kind {
                        "image" | "video" | "document" => out.push_str(&media_block(
                            paths,
                            kind,
                            p.get(kind).unwrap_or(&Value::Null),
                            media,
                        )),
                        _ => {
                            let _ = write!(out, r#"<p class="header">{}</p>"#, parameter(p, 1));
                        }
                    }
                }
            }
            "body" => {
                out.push_str(r#"<p class="body">"#);
                for (i, p) in parameters.iter().enumerate() {
                    out.push_str(&parameter(p, i + 1));
                    out.push(' ');
                }
                out.push_str("</p>");
            }
            "button" => {
                for p in &parameters {
                    match text(component, "/sub_type") {
                        "quick_reply" => {
                            let payload = text(p, "/payload");
                            out.push_str(&tap(paths, c, e, "template", payload, payload));
                        }
                        _ => {
                            let _ = write!(
                                out,
                                r#"<p class="url-button">🔗 …/{}</p>"#,
                                esc(text(p, "/text"))
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.push_str("</div>");
    out
}

/// A template parameter filled in: its value, labelled with its placeholder.
fn parameter(p: &Value, position: usize) -> String {
    let value = match text(p, "/type") {
        "currency" => text(p, "/currency/fallback_value"),
        "date_time" => text(p, "/date_time/fallback_value"),
        "payload" => text(p, "/payload"),
        _ => text(p, "/text"),
    };
    let placeholder = match p.get("parameter_name").and_then(Value::as_str) {
        Some(name) => format!("{{{{{name}}}}}"),
        None => format!("{{{{{position}}}}}"),
    };
    format!(
        r#"<span class="param" title="{}">{}</span>"#,
        esc(&placeholder),
        esc(value)
    )
}

fn interactive(paths: &Paths, c: &Conversation, e: &Entry, media: &HashSet<String>) -> String {
    let i = e.body.get("interactive").unwrap_or(&Value::Null);
    // The customer's side: what they chose.
    for (kind, label) in [
        ("button_reply", "button"),
        ("list_reply", "row"),
        ("nfm_reply", "form"),
    ] {
        if let Some(reply) = i.get(kind) {
            let title = reply
                .get("title")
                .or_else(|| reply.get("body"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            return format!(
                r#"<p class="text chosen" data-chosen="{id}">{title} <small>({label})</small></p>"#,
                id = esc(text(reply, "/id")),
                title = esc(title),
            );
        }
    }
    let mut out = String::from(r#"<div class="interactive">"#);
    match text(i, "/header/type") {
        "" => {}
        "text" => {
            let _ = write!(
                out,
                r#"<p class="header">{}</p>"#,
                esc(text(i, "/header/text"))
            );
        }
        kind => out.push_str(&media_block(
            paths,
            kind,
            i.pointer(&format!("/header/{kind}"))
                .unwrap_or(&Value::Null),
            media,
        )),
    }
    let _ = write!(out, r#"<p class="text">{}</p>"#, esc(text(i, "/body/text")));
    let footer = text(i, "/footer/text");
    if !footer.is_empty() {
        let _ = write!(out, r#"<p class="footer">{}</p>"#, esc(footer));
    }
    match text(i, "/type") {
        "button" => {
            for b in i
                .pointer("/action/buttons")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push_str(&tap(
                    paths,
                    c,
                    e,
                    "button",
                    text(b, "/reply/id"),
                    text(b, "/reply/title"),
                ));
            }
        }
        "list" => {
            let _ = write!(
                out,
                r#"<p class="list-button">☰ {}</p>"#,
                esc(text(i, "/action/button"))
            );
            for section in i
                .pointer("/action/sections")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let title = text(section, "/title");
                if !title.is_empty() {
                    let _ = write!(out, r#"<p class="section">{}</p>"#, esc(title));
                }
                for row in section
                    .get("rows")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push_str(&tap(
                        paths,
                        c,
                        e,
                        "row",
                        text(row, "/id"),
                        text(row, "/title"),
                    ));
                }
            }
        }
        "cta_url" => {
            let label = esc(text(i, "/action/parameters/display_text"));
            match safe_url(text(i, "/action/parameters/url")) {
                Some(href) => {
                    let _ = write!(
                        out,
                        r#"<a class="cta" href="{href}" rel="noreferrer noopener" target="_blank">{label}</a>"#
                    );
                }
                None => {
                    let _ = write!(out, r#"<span class="cta">{label}</span>"#);
                }
            }
        }
        _ => {}
    }
    out.push_str("</div>");
    out
}

/// Each callback POSTed for this conversation: what, and how each attempt
/// was answered (a redelivery is a row of its own).
pub(super) fn callback_log(c: &Conversation) -> String {
    let mut out = String::from(
        r#"<h3>Callbacks to the service</h3><table><thead><tr><th>kind</th><th>event</th><th>answers</th></tr></thead><tbody>"#,
    );
    for d in &c.deliveries {
        let (kind, event) = match d.kind {
            DeliveryKind::Mo => (
                "MO",
                format!(
                    "{} {}",
                    text(&d.body, "/id"),
                    text(&d.body, "/content/type")
                ),
            ),
            DeliveryKind::Dlr => (
                "DLR",
                format!("{} {}", text(&d.body, "/id"), text(&d.body, "/status")),
            ),
        };
        let answers: Vec<String> = d
            .attempts
            .iter()
            .map(|s| {
                if *s == 0 {
                    "no answer".to_owned()
                } else {
                    s.to_string()
                }
            })
            .collect();
        let answers = if answers.is_empty() {
            "no URL".to_owned()
        } else {
            answers.join(" → ")
        };
        let _ = write!(
            out,
            r#"<tr class="{state}"><td>{kind}</td><td>{event}</td><td>{answers}</td></tr>"#,
            state = if d.delivered { "ok" } else { "failed" },
            event = esc(&event),
            answers = esc(&answers),
        );
    }
    out.push_str("</tbody></table>");
    out
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
    fn a_media_kind_from_a_message_is_never_markup() {
        let paths = Paths {
            base: "/_sandbox/t/".into(),
        };
        let hostile = r#""><form action=x><button>Continue</button></form>"#;
        let shown = media_block(&paths, hostile, &Value::Null, &HashSet::new());
        assert!(
            !shown.contains("<form") && shown.contains(r#"class="media media""#),
            "{shown}"
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
