//! Messages from command-line arguments.

use crate::Failure;
use crate::args::{Common, MediaArgs, MediaRef, Send};
use modica_wab::message::{Contact, Interactive, Location, Parameter, ReplyButton, Template};
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
        } => {
            let mut t = Template::new(name.clone(), language.clone());
            if let Some(link) = header_image {
                t = t.header(Parameter::image(Media::link(link.clone())));
            }
            if !params.is_empty() {
                t = t.body(params.iter().map(|p| parameter(p)));
            }
            with_common(Message::template(common.to.clone(), t), common)
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
