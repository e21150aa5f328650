//! Messages from command-line arguments.

use crate::Failure;
use crate::args::{Common, MediaArgs, MediaRef, Send};
use modica_wab::message::{
    ButtonKind, Card, Component, Contact, Flow, FlowAction, Interactive, Location, Parameter,
    ProductSection, ReplyButton, Template,
};
use modica_wab::{Media, Message};

/// A `--param`: `name=value` for a named placeholder (the name being lower-case
/// letters, digits and `_`), anything else a positional text value.
fn parameter(param: &str) -> Parameter {
    match param.split_once('=') {
        Some((name, value))
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
        {
            Parameter::text(value).named(name)
        }
        _ => Parameter::text(param),
    }
}

fn with_common(mut m: Message, common: &Common) -> Message {
    if let Some(r) = &common.reference {
        m = m.reference(r.clone());
    }
    if let Some(id) = &common.reply_to {
        m = m.reply_to(id.clone());
    }
    if let Some(name) = &common.or_template {
        let mut t = Template::new(name.clone(), common.or_template_language.clone());
        if !common.or_template_param.is_empty() {
            t = t.body(common.or_template_param.iter().map(|p| parameter(p)));
        }
        m = m.or_template(t);
    }
    m
}

fn media(r: &MediaRef) -> Media {
    match (&r.id, &r.link) {
        (Some(id), _) => Media::id(id.clone()),
        (None, Some(link)) => Media::link(link.clone()),
        // clap requires one of the two.
        (None, None) => Media::id(String::new()),
    }
}

fn media_message(make: fn(String, Media) -> Message, args: &MediaArgs) -> Message {
    let mut m = make(args.common.to.clone(), media(&args.media));
    if let Some(c) = &args.caption {
        m = m.caption(c.clone());
    }
    if let Some(f) = &args.filename {
        m = m.filename(f.clone());
    }
    with_common(m, &args.common)
}

pub fn message(send: &Send) -> Result<Message, Failure> {
    Ok(match send {
        Send::Text {
            common,
            preview_url,
            body,
        } => {
            let mut m = Message::text(common.to.clone(), body.clone());
            if *preview_url {
                m = m.preview_url(true);
            }
            with_common(m, common)
        }
        Send::Template {
            common,
            name,
            language,
            params,
            header_image,
            buttons,
        } => {
            let mut t = Template::new(name.clone(), language.clone());
            if let Some(link) = header_image {
                t = t.header(Parameter::image(Media::link(link.clone())));
            }
            if !params.is_empty() {
                t = t.body(params.iter().map(|p| parameter(p)));
            }
            for (i, b) in buttons.iter().enumerate() {
                t = t.component(template_button(i, b)?);
            }
            with_common(Message::template(common.to.clone(), t), common)
        }
        Send::Otp {
            common,
            name,
            language,
            code,
        } => with_common(
            Message::template(
                common.to.clone(),
                Template::authentication(name.clone(), language.clone(), code.clone()),
            ),
            common,
        ),
        Send::Carousel {
            common,
            name,
            language,
            params,
            cards,
        } => {
            let mut t = Template::new(name.clone(), language.clone());
            if !params.is_empty() {
                t = t.body(params.iter().map(|p| parameter(p)));
            }
            let cards = cards
                .iter()
                .enumerate()
                .map(|(i, c)| card(i, c))
                .collect::<Result<Vec<_>, _>>()?;
            with_common(
                Message::template(common.to.clone(), t.carousel(cards)),
                common,
            )
        }
        Send::Flow {
            common,
            body,
            cta,
            flow_id,
            flow_name,
            token,
            screen,
            data,
            data_exchange,
            draft,
            header,
            footer,
        } => {
            let mut f = match (flow_id, flow_name) {
                (Some(id), _) => Flow::id(id.clone(), cta.clone()),
                (None, Some(name)) => Flow::name(name.clone(), cta.clone()),
                // clap requires one of the two.
                (None, None) => Flow::id(String::new(), cta.clone()),
            };
            if let Some(t) = token {
                f = f.token(t.clone());
            }
            if let Some(s) = screen {
                f = f.navigate(s.clone());
            }
            if let Some(d) = data {
                f = f.data(json_object("--data", d)?);
            }
            if *data_exchange {
                f = f.data_exchange();
            }
            if *draft {
                f = f.draft();
            }
            let mut i = Interactive::flow(body.clone(), f);
            if let Some(h) = header {
                i = i.header(modica_wab::message::Header::text(h.clone()));
            }
            if let Some(t) = footer {
                i = i.footer(t.clone());
            }
            with_common(Message::interactive(common.to.clone(), i), common)
        }
        Send::LocationRequest { common, body } => with_common(
            Message::interactive(
                common.to.clone(),
                Interactive::location_request(body.clone()),
            ),
            common,
        ),
        Send::Product {
            common,
            catalog,
            product,
            body,
            footer,
        } => {
            let mut i = Interactive::product(catalog.clone(), product.clone());
            if let Some(b) = body {
                i = i.body(b.clone());
            }
            if let Some(f) = footer {
                i = i.footer(f.clone());
            }
            with_common(Message::interactive(common.to.clone(), i), common)
        }
        Send::ProductList {
            common,
            catalog,
            header,
            body,
            sections,
            footer,
        } => {
            let sections = sections.iter().map(|s| match s.split_once('=') {
                Some((title, skus)) => ProductSection::new(title, skus.split(',')),
                None => ProductSection::untitled(s.split(',')),
            });
            let mut i =
                Interactive::product_list(header.clone(), body.clone(), catalog.clone(), sections);
            if let Some(f) = footer {
                i = i.footer(f.clone());
            }
            with_common(Message::interactive(common.to.clone(), i), common)
        }
        Send::Voice { common, media: m } => {
            with_common(Message::voice_note(common.to.clone(), media(m)), common)
        }
        Send::Image(a) => media_message(Message::image, a),
        Send::Video(a) => media_message(Message::video, a),
        Send::Audio(a) => media_message(Message::audio, a),
        Send::Document(a) => media_message(Message::document, a),
        Send::Sticker(a) => media_message(Message::sticker, a),
        Send::Location {
            common,
            latitude,
            longitude,
            name,
            address,
        } => {
            let mut l = Location::new(*latitude, *longitude);
            if let Some(n) = name {
                l = l.name(n.clone());
            }
            if let Some(a) = address {
                l = l.address(a.clone());
            }
            with_common(Message::location(common.to.clone(), l), common)
        }
        Send::Contacts {
            common,
            name,
            phones,
            emails,
        } => {
            let mut card = Contact::new(name.clone());
            if let Some(first) = name.split_whitespace().next() {
                card = card.first_name(first);
            }
            for p in phones {
                card = card.phone(p.clone(), None);
            }
            for e in emails {
                card = card.email(e.clone(), None);
            }
            with_common(Message::contacts(common.to.clone(), [card]), common)
        }
        Send::Interactive {
            common,
            body,
            buttons,
            footer,
        } => {
            let mut parsed = Vec::new();
            for (i, b) in buttons.iter().enumerate() {
                let Some((id, title)) = b.split_once('=') else {
                    return Err(Failure::Invalid(format!(
                        "button[{i}]: {b:?} is not ID=TITLE"
                    )));
                };
                parsed.push(ReplyButton::new(id, title));
            }
            let mut i = Interactive::buttons(body.clone(), parsed);
            if let Some(f) = footer {
                i = i.footer(f.clone());
            }
            with_common(Message::interactive(common.to.clone(), i), common)
        }
        Send::Reaction {
            common,
            message_id,
            emoji,
        } => with_common(
            Message::reaction(common.to.clone(), message_id.clone(), emoji.clone()),
            common,
        ),
    })
}

/// A `--button INDEX:KIND:VALUE` of a template.
fn template_button(i: usize, spec: &str) -> Result<Component, Failure> {
    let bad = |why: &str| Failure::Invalid(format!("button[{i}]: {spec:?} {why}"));
    let mut parts = spec.splitn(3, ':');
    let (Some(index), Some(kind), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("is not INDEX:KIND:VALUE"));
    };
    let index: u8 = index
        .parse()
        .map_err(|_| bad("does not start with a button index (0 to 9)"))?;
    let (kind, parameter) = match kind {
        "quick_reply" => (ButtonKind::QuickReply, Parameter::payload(value)),
        "url" => (ButtonKind::Url, Parameter::text(value)),
        "flow" => (
            ButtonKind::Flow,
            Parameter::flow_action(FlowAction::new().token(value)),
        ),
        "copy_code" => (ButtonKind::CopyCode, Parameter::coupon_code(value)),
        _ => {
            return Err(bad(
                "names no button kind: quick_reply, url, flow or copy_code",
            ));
        }
    };
    Ok(Component::button(kind, index, [parameter]))
}

/// A `--card image=LINK;text=…;quick_reply=…;url=…` of a carousel.
fn card(i: usize, spec: &str) -> Result<Card, Failure> {
    let bad = |why: String| Failure::Invalid(format!("card[{i}]: {why}"));
    let mut fields = spec
        .split(';')
        .map(|f| f.split_once('=').unwrap_or((f, "")));
    let mut card = match fields.next() {
        Some(("image", link)) => Card::image(Media::link(link)),
        Some(("video", link)) => Card::video(Media::link(link)),
        Some(("image-id", id)) => Card::image(Media::id(id)),
        Some(("video-id", id)) => Card::video(Media::id(id)),
        _ => {
            return Err(bad(format!(
                "{spec:?} does not start with image=, video=, image-id= or video-id="
            )));
        }
    };
    let (mut body, mut button) = (Vec::new(), 0u8);
    for (key, value) in fields {
        match key {
            "text" => body.push(Parameter::text(value)),
            "quick_reply" | "url" => {
                card = if key == "url" {
                    card.url_button(button, value)
                } else {
                    card.quick_reply_button(button, value)
                };
                button = button.saturating_add(1);
            }
            other => return Err(bad(format!("{other:?} is not text, quick_reply or url"))),
        }
    }
    if !body.is_empty() {
        // The body comes after the header, before the buttons.
        card.components.insert(1, Component::body(body));
    }
    Ok(card)
}

/// A JSON object given on the command line.
fn json_object(
    flag: &str,
    text: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, Failure> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(Failure::Invalid(format!(
            "{flag}: {text:?} is not a JSON object"
        ))),
    }
}
