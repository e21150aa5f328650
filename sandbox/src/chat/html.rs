//! The chat view's HTML, written on the server: the page, the list of
//! conversations, one conversation's bubbles and ticks, and the callback
//! log. Every value goes through `markup::esc` (a message's content is drawn
//! in `content.rs`).

use super::content::content;
use super::markup::{Paths, esc, text};
use super::view::{Conversation, Entry, Pair, Side, Summary};
use crate::Fault;
use crate::records::DeliveryKind;
use std::collections::HashSet;
use std::fmt::Write as _;

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
            r#"<li><a href="{href}" data-customer="{customer}">{label}</a> <small>with {business}, {n} message(s)</small></li>"#,
            href = paths.conversation(&s.pair),
            customer = esc(&s.pair.customer),
            label = esc(&s.label),
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
        r#"<header><h2>{label}</h2><p>with business number {business}</p>"#,
        label = esc(&c.label),
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
            format!(
                "{code} {}",
                modica_wab::ErrorCode::from_code(*code).meaning()
            ),
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
                    let code = modica_wab::ErrorCode::from_code(code);
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

/// Each callback POSTed for this conversation, newest first (the latest stays
/// in view): what, and how each attempt was answered (a redelivery is a row
/// of its own).
pub(super) fn callback_log(c: &Conversation) -> String {
    let mut out = String::from(
        r#"<h3>Callbacks to the service</h3><table><thead><tr><th>kind</th><th>event</th><th>answers</th></tr></thead><tbody>"#,
    );
    for d in c.deliveries.iter().rev() {
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
