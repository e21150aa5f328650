//! A message's content as HTML: text, media (voice notes marked), location,
//! contacts, reactions, templates with their parameters and buttons
//! (authentication codes, carousel cards, flow and copy-code buttons), and
//! interactive messages with what the customer can tap (buttons, rows,
//! flows, a location request, products). Every value goes through `esc`; only http(s)
//! addresses become links or media sources (`safe_url`).

use super::markup::{Paths, esc, safe_url, text};
use super::view::{Conversation, Entry};
use crate::templates::{Block, ButtonView, Segment};
use serde_json::Value;
use std::collections::HashSet;
use std::fmt::Write as _;

pub(super) fn content(
    paths: &Paths,
    c: &Conversation,
    e: &Entry,
    media: &HashSet<String>,
) -> String {
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
            // Numbers, or strings holding them (as some gateways write them).
            let coordinate = |k: &str| match l.get(k) {
                Some(Value::String(s)) => s.trim().parse::<f64>().unwrap_or_default(),
                other => other.and_then(Value::as_f64).unwrap_or_default(),
            };
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
            if text(body, "/origin").starts_with("contact_request") {
                out.push_str(
                    r#"<p class="meta shared-contact">shared their contact, as asked</p>"#,
                );
            }
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
    let voice = kind == "audio" && m.get("voice") == Some(&Value::Bool(true));
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
    if voice {
        out.push_str(r#"<span class="voice">🎤 voice note</span>"#);
    }
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

/// A location request's answer: the customer shares a place (Auckland's Sky
/// Tower unless they type another).
fn location_form(paths: &Paths, c: &Conversation, e: &Entry) -> String {
    format!(
        r#"<form class="tap location" method="post" action="{c}/tap"><input type="hidden" name="kind" value="location"><input type="hidden" name="context" value="{context}"><input name="latitude" value="-36.8485" size="9" aria-label="latitude"><input name="longitude" value="174.7633" size="9" aria-label="longitude"><button class="choice" data-choice="send_location">📍 Send location</button></form>"#,
        c = paths.conversation(&c.pair),
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
    if let Some(blocks) = &e.template {
        // Declared in the sandbox's registry: its text, filled in.
        Filled { paths, c, e, media }.blocks(&mut out, blocks);
        out.push_str("</div>");
        return out;
    }
    let parts = Parts {
        paths,
        c,
        e,
        media,
        authentication: crate::rules::is_authentication_template(&e.body),
    };
    let components = t.get("components").and_then(Value::as_array);
    parts.components(&mut out, components.map_or(&[][..], Vec::as_slice));
    out.push_str("</div>");
    out
}

/// A template of the registry drawn as the customer reads it.
struct Filled<'a> {
    paths: &'a Paths,
    c: &'a Conversation,
    e: &'a Entry,
    media: &'a HashSet<String>,
}

impl Filled<'_> {
    fn blocks(&self, out: &mut String, blocks: &[Block]) {
        for block in blocks {
            match block {
                Block::Media { kind, media } => {
                    out.push_str(&media_block(self.paths, kind, media, self.media));
                }
                Block::HeaderText(segments) => {
                    let _ = write!(out, r#"<p class="header">{}</p>"#, filled(segments));
                }
                Block::Body(segments) => {
                    let _ = write!(out, r#"<p class="body">{}</p>"#, filled(segments));
                }
                Block::Footer(text) => {
                    let _ = write!(out, r#"<p class="footer">{}</p>"#, esc(text));
                }
                Block::Button(button) => self.button(out, button),
                Block::Cards(cards) => {
                    out.push_str(r#"<div class="carousel">"#);
                    for card in cards {
                        out.push_str(r#"<div class="card">"#);
                        self.blocks(out, card);
                        out.push_str("</div>");
                    }
                    out.push_str("</div>");
                }
            }
        }
    }

    fn button(&self, out: &mut String, button: &ButtonView) {
        let (paths, c, e) = (self.paths, self.c, self.e);
        match button {
            ButtonView::QuickReply { label, payload } => {
                out.push_str(&tap(paths, c, e, "template", payload, label));
            }
            ButtonView::Url { label, url } => match safe_url(url) {
                Some(href) => {
                    let _ = write!(
                        out,
                        r#"<a class="cta" href="{href}" rel="noreferrer noopener" target="_blank">🔗 {}</a>"#,
                        esc(label)
                    );
                }
                None => {
                    let _ = write!(out, r#"<p class="url-button">🔗 {}</p>"#, esc(label));
                }
            },
            ButtonView::Phone { label } => {
                let _ = write!(out, r#"<p class="url-button">📞 {}</p>"#, esc(label));
            }
            ButtonView::CopyCode { code } => {
                let _ = write!(
                    out,
                    r#"<p class="copy-code">📋 Copy code <b>{}</b></p>"#,
                    esc(code)
                );
            }
            ButtonView::Otp { label } => {
                let _ = write!(out, r#"<p class="copy-code">📋 {}</p>"#, esc(label));
            }
            ButtonView::Flow { label, token } => {
                out.push_str(&tap(paths, c, e, "flow", token, label))
            }
            ButtonView::RequestContactInfo => {
                out.push_str(&tap(
                    paths,
                    c,
                    e,
                    "contact",
                    "request_contact_info",
                    "Share contact info",
                ));
            }
        }
    }
}

/// Filled text: each parameter marked with the placeholder it fills.
fn filled(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        match &s.slot {
            Some(slot) => {
                let _ = write!(
                    out,
                    r#"<span class="param" title="{}">{}</span>"#,
                    esc(&format!("{{{{{slot}}}}}")),
                    esc(&s.text)
                );
            }
            None => out.push_str(&esc(&s.text)),
        }
    }
    out
}

/// What a template's parts are drawn with.
struct Parts<'a> {
    paths: &'a Paths,
    c: &'a Conversation,
    e: &'a Entry,
    media: &'a HashSet<String>,
    /// An authentication template: its body is WhatsApp's fixed sentence
    /// around the code, its button copies the code.
    authentication: bool,
}

impl Parts<'_> {
    fn components(&self, out: &mut String, components: &[Value]) {
        for component in components {
            let parameters = component
                .get("parameters")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            match text(component, "/type") {
                "header" => self.header(out, parameters),
                "body" if self.authentication => {
                    let code = parameters
                        .first()
                        .map(|p| parameter(p, 1))
                        .unwrap_or_default();
                    let _ = write!(
                        out,
                        r#"<p class="body otp">🔐 <b>{code}</b> is your verification code. For your security, do not share this code.</p>"#
                    );
                }
                "body" => {
                    out.push_str(r#"<p class="body">"#);
                    for (i, p) in parameters.iter().enumerate() {
                        out.push_str(&parameter(p, i + 1));
                        out.push(' ');
                    }
                    out.push_str("</p>");
                }
                "button" => self.button(out, text(component, "/sub_type"), parameters),
                "carousel" => {
                    out.push_str(r#"<div class="carousel">"#);
                    for card in component
                        .get("cards")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        out.push_str(r#"<div class="card">"#);
                        let parts = card.get("components").and_then(Value::as_array);
                        self.components(out, parts.map_or(&[][..], Vec::as_slice));
                        out.push_str("</div>");
                    }
                    out.push_str("</div>");
                }
                _ => {}
            }
        }
    }

    fn header(&self, out: &mut String, parameters: &[Value]) {
        for p in parameters {
            let kind = text(p, "/type");
            match kind {
                "image" | "video" | "document" => out.push_str(&media_block(
                    self.paths,
                    kind,
                    p.get(kind).unwrap_or(&Value::Null),
                    self.media,
                )),
                _ => {
                    let _ = write!(out, r#"<p class="header">{}</p>"#, parameter(p, 1));
                }
            }
        }
    }

    fn button(&self, out: &mut String, sub_type: &str, parameters: &[Value]) {
        let (paths, c, e) = (self.paths, self.c, self.e);
        for p in parameters {
            match sub_type {
                "quick_reply" => {
                    let payload = text(p, "/payload");
                    out.push_str(&tap(paths, c, e, "template", payload, payload));
                }
                "flow" => {
                    let token = match text(p, "/action/flow_token") {
                        "" => "unused",
                        token => token,
                    };
                    out.push_str(&tap(paths, c, e, "flow", token, "Open form"));
                }
                "copy_code" => {
                    let _ = write!(
                        out,
                        r#"<p class="copy-code">📋 Copy code <b>{}</b></p>"#,
                        esc(text(p, "/coupon_code"))
                    );
                }
                "url" if self.authentication => {
                    out.push_str(r#"<p class="copy-code">📋 Copy code</p>"#);
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

/// The sections of a list or product list: each title (escaped), then each
/// of its `items` as `item` writes it.
fn sections(out: &mut String, i: &Value, items: &str, mut item: impl FnMut(&mut String, &Value)) {
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
        for each in section
            .get(items)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            item(out, each);
        }
    }
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
    let body_text = text(i, "/body/text");
    if !body_text.is_empty() {
        let _ = write!(out, r#"<p class="text">{}</p>"#, esc(body_text));
    }
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
            sections(&mut out, i, "rows", |out, row| {
                out.push_str(&tap(
                    paths,
                    c,
                    e,
                    "row",
                    text(row, "/id"),
                    text(row, "/title"),
                ));
            });
        }
        "flow" => {
            let token = match text(i, "/action/parameters/flow_token") {
                "" => "unused",
                token => token,
            };
            let cta = text(i, "/action/parameters/flow_cta");
            out.push_str(&tap(paths, c, e, "flow", token, cta));
        }
        "location_request_message" => out.push_str(&location_form(paths, c, e)),
        "product" => {
            let _ = write!(
                out,
                r#"<p class="product">🛍 <b>{}</b> <small>catalog {}</small></p>"#,
                esc(text(i, "/action/product_retailer_id")),
                esc(text(i, "/action/catalog_id")),
            );
        }
        "product_list" => {
            let _ = write!(
                out,
                r#"<p class="list-button">🛍 View items <small>catalog {}</small></p>"#,
                esc(text(i, "/action/catalog_id"))
            );
            sections(&mut out, i, "product_items", |out, item| {
                let _ = write!(
                    out,
                    r#"<p class="product">{}</p>"#,
                    esc(text(item, "/product_retailer_id"))
                );
            });
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
