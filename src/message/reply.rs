//! Replies to an inbound message: to its sender, from the business number it
//! was sent to, quoting it.

use super::content::Content;
use super::single::Message;
use crate::callback::InboundMessage;

impl Message {
    /// A reply to `inbound`: to the customer who sent it (their phone number
    /// when known, else their business-scoped user id), from the business
    /// number it was sent to (its `Destination`; the client's default source
    /// when the callback did not name one), quoting it.
    ///
    /// The quote names WhatsApp's id of the inbound message (`content.id`,
    /// the `wamid…`), or Modica's id when the content carries none.
    ///
    /// ```
    /// use modica_wab::callback::parse_mo;
    /// use modica_wab::{Content, Message};
    /// let mo = parse_mo(br#"{"id":"m1","source":"+64211234567","Destination":"6491234567",
    ///     "content":{"id":"wamid.A1","type":"text","text":{"body":"Is it ready?"}}}"#)?;
    /// let reply = Message::reply(&mo, Content::text("Yes, since 9 am."));
    /// let body = reply.to_json(None)?;
    /// assert_eq!(body["to"], "+64211234567");
    /// assert_eq!(body["source"], "6491234567");
    /// assert_eq!(body["context"]["message_id"], "wamid.A1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reply(inbound: &InboundMessage, content: Content) -> Self {
        let message = Message::new(inbound.reply_recipient(), content).reply_to(quoted_id(inbound));
        from_business_number(message, inbound)
    }

    /// A reaction to `inbound` (an empty `emoji` removes an earlier one), sent
    /// from the business number it came to.
    pub fn react(inbound: &InboundMessage, emoji: impl Into<String>) -> Self {
        let message = Message::reaction(inbound.reply_recipient(), quoted_id(inbound), emoji);
        from_business_number(message, inbound)
    }
}

/// The id WhatsApp knows the inbound message by.
fn quoted_id(inbound: &InboundMessage) -> String {
    inbound
        .content
        .id
        .clone()
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| inbound.id.clone())
}

/// Sends from the number the customer wrote to: `Destination` as a source
/// (digits, no `+`).
fn from_business_number(message: Message, inbound: &InboundMessage) -> Message {
    match inbound
        .destination
        .as_deref()
        .map(|d| d.trim_start_matches('+'))
    {
        Some(number) if !number.is_empty() => message.source(number),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::parse_mo;

    #[test]
    fn a_reaction_goes_back_to_the_sender_on_the_same_number() {
        let mo = parse_mo(
            br#"{"id":"m1","source":"+64211234567","Destination":"+6491234567","content":{"id":"wamid.B","type":"text","text":{"body":"hi"}}}"#,
        )
        .unwrap();
        let body = Message::react(&mo, "👍").to_json(None).unwrap();
        assert_eq!(body["to"], "+64211234567");
        assert_eq!(body["source"], "6491234567");
        assert_eq!(body["reaction"]["message_id"], "wamid.B");
        assert_eq!(body["reaction"]["emoji"], "👍");
        assert!(body.get("context").is_none());
    }

    #[test]
    fn without_a_destination_or_wamid_the_defaults_stand_in() {
        let mo = parse_mo(
            br#"{"id":"m1","source":"+64211234567","content":{"type":"text","text":{"body":"hi"}}}"#,
        )
        .unwrap();
        let body = Message::reply(&mo, Content::text("ok"))
            .to_json(Some("6421000001"))
            .unwrap();
        assert_eq!(body["source"], "6421000001");
        assert_eq!(body["context"]["message_id"], "m1");
        // No default either: a clear error, nothing built.
        let err = Message::reply(&mo, Content::text("ok"))
            .to_json(None)
            .unwrap_err();
        assert_eq!(err.field, "source");
    }
}
