//! A menu of choices sent as reply buttons or a list, and the way back: which
//! of them a customer's reply picked.
//!
//! Button and list replies carry only the id of what was pressed. A
//! [`Choices`] keeps each id with a value of yours, prefixes the ids with the
//! menu's name (so a tap on another menu's button is not taken for this
//! one's), and reads a reply back into your value.
//!
//! ```
//! use modica_wab::callback::parse_mo;
//! use modica_wab::message::Choices;
//!
//! #[derive(Debug, Clone, Copy, PartialEq)]
//! enum Slot { Morning, Afternoon }
//!
//! let slots = Choices::new("slot")
//!     .choice("am", "9 am", Slot::Morning)
//!     .choice("pm", "2 pm", Slot::Afternoon);
//! let ask = slots.buttons("When shall we deliver?");
//! # let _ = ask;
//! // … later, the customer taps "2 pm":
//! let reply = parse_mo(br#"{"id":"m2","source":"+64211234567","content":{"type":"interactive",
//!     "interactive":{"type":"button_reply","button_reply":{"id":"slot:pm","title":"2 pm"}}}}"#)?;
//! assert_eq!(slots.picked(&reply), Some(&Slot::Afternoon));
//! # Ok::<(), modica_wab::callback::ParseError>(())
//! ```

use super::interactive::{Interactive, ReplyButton, Row, Section};
use crate::callback::{InboundKind, InboundMessage, InteractiveReply};

/// A menu: ids, titles and your value for each.
#[derive(Debug, Clone, PartialEq)]
pub struct Choices<T> {
    menu: String,
    items: Vec<Choice<T>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Choice<T> {
    id: String,
    title: String,
    description: Option<String>,
    value: T,
}

/// Separates the menu's name from a choice's id on the wire.
const SEPARATOR: char = ':';

impl<T> Choices<T> {
    /// An empty menu named `menu` (its ids go out as `menu:id`).
    pub fn new(menu: impl Into<String>) -> Self {
        Self {
            menu: menu.into(),
            items: Vec::new(),
        }
    }

    /// Adds a choice: its `id` (unique within the menu), the `title` shown,
    /// and your `value` for it.
    pub fn choice(mut self, id: impl Into<String>, title: impl Into<String>, value: T) -> Self {
        self.items.push(Choice {
            id: id.into(),
            title: title.into(),
            description: None,
            value,
        });
        self
    }

    /// Adds a choice with a description (shown under the title in a list).
    pub fn choice_described(
        mut self,
        id: impl Into<String>,
        title: impl Into<String>,
        description: impl Into<String>,
        value: T,
    ) -> Self {
        self.items.push(Choice {
            id: id.into(),
            title: title.into(),
            description: Some(description.into()),
            value,
        });
        self
    }

    /// The id a choice goes out with.
    fn wire_id(&self, id: &str) -> String {
        format!("{}{SEPARATOR}{id}", self.menu)
    }

    /// The menu as reply buttons under `body` (WhatsApp shows up to three;
    /// more are refused when the message is checked).
    pub fn buttons(&self, body: impl Into<String>) -> Interactive {
        Interactive::buttons(
            body,
            self.items
                .iter()
                .map(|c| ReplyButton::new(self.wire_id(&c.id), c.title.clone())),
        )
    }

    /// The menu as a one-section list under `body`, opened by `button`.
    pub fn list(&self, body: impl Into<String>, button: impl Into<String>) -> Interactive {
        let rows = self.items.iter().map(|c| {
            let row = Row::new(self.wire_id(&c.id), c.title.clone());
            match &c.description {
                Some(d) => row.description(d.clone()),
                None => row,
            }
        });
        Interactive::list(body, button, [Section::untitled(rows)])
    }

    /// The value of the choice `reply` picked: a reply button, a list row,
    /// or a template quick-reply button whose payload is one of this menu's
    /// ids. `None` for any other message, or a choice of another menu.
    pub fn picked(&self, reply: &InboundMessage) -> Option<&T> {
        let id = reply.reply_id()?;
        let (menu, id) = id.split_once(SEPARATOR)?;
        if menu != self.menu {
            return None;
        }
        self.items.iter().find(|c| c.id == id).map(|c| &c.value)
    }

    /// A template quick-reply payload for the choice `id`, so a template's
    /// buttons can be read back with [`Choices::picked`] too.
    pub fn payload(&self, id: &str) -> String {
        self.wire_id(id)
    }
}

impl InboundMessage {
    /// The id of what the customer pressed: a reply button's or list row's
    /// id, or a template quick-reply button's payload. `None` for other messages.
    pub fn reply_id(&self) -> Option<&str> {
        match &self.content.kind {
            InboundKind::Interactive(InteractiveReply::ButtonReply { id, .. })
            | InboundKind::Interactive(InteractiveReply::ListReply { id, .. }) => Some(id),
            InboundKind::Button(press) => press.payload.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::parse_mo;

    fn reply(interactive: &str) -> InboundMessage {
        let body = format!(
            r#"{{"id":"m","source":"+64211234567","content":{{"type":"interactive","interactive":{interactive}}}}}"#
        );
        parse_mo(body.as_bytes()).unwrap()
    }

    #[test]
    fn buttons_rows_and_template_payloads_are_read_back() {
        let menu = Choices::new("size")
            .choice("s", "Small", 1)
            .choice_described("l", "Large", "Serves four", 4);
        let button =
            reply(r#"{"type":"button_reply","button_reply":{"id":"size:l","title":"Large"}}"#);
        assert_eq!(menu.picked(&button), Some(&4));
        let row = reply(
            r#"{"type":"list_reply","list_reply":{"id":"size:s","title":"Small","description":"x"}}"#,
        );
        assert_eq!(menu.picked(&row), Some(&1));
        let template = parse_mo(
            br#"{"id":"m","source":"+64211234567","content":{"type":"button","button":{"text":"Large","payload":"size:l"}}}"#,
        )
        .unwrap();
        assert_eq!(menu.payload("l"), "size:l");
        assert_eq!(menu.picked(&template), Some(&4));
    }

    #[test]
    fn another_menus_choice_or_an_unknown_id_is_not_taken() {
        let menu = Choices::new("size").choice("s", "Small", 1);
        for interactive in [
            r#"{"type":"button_reply","button_reply":{"id":"colour:s","title":"Small"}}"#,
            r#"{"type":"button_reply","button_reply":{"id":"size:m","title":"M"}}"#,
            r#"{"type":"button_reply","button_reply":{"id":"s","title":"Small"}}"#,
        ] {
            assert_eq!(menu.picked(&reply(interactive)), None, "{interactive}");
        }
        let text = parse_mo(
            br#"{"id":"m","source":"+64211234567","content":{"type":"text","text":{"body":"size:s"}}}"#,
        )
        .unwrap();
        assert_eq!(menu.picked(&text), None);
    }

    #[test]
    fn the_wire_ids_carry_the_menu() {
        let menu = Choices::new("slot")
            .choice("am", "9 am", ())
            .choice("pm", "2 pm", ());
        let body = serde_json::to_value(menu.buttons("When?")).unwrap();
        let ids: Vec<_> = body["action"]["buttons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["reply"]["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["slot:am", "slot:pm"]);
        let list = serde_json::to_value(menu.list("When?", "Pick")).unwrap();
        assert_eq!(list["action"]["sections"][0]["rows"][1]["id"], "slot:pm");
    }
}
