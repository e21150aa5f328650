//! The conversations in the sandbox's records, as the chat view shows them:
//! per (business number, customer), every message both ways in time order,
//! with delivery state, reactions and the callbacks that carried them.

use super::super::SentMessage;
use super::super::fault::Fault;
use super::super::records::{Delivery, DeliveryKind};
use super::super::records::{DlrEvent, InboundRecord, Records};
use super::super::rules::{customer_key, number_key};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::SystemTime;

/// One side of a conversation: the business number and the customer, digits only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Pair {
    pub(super) business: String,
    pub(super) customer: String,
}

/// A conversation in the list: who, how many messages, when last.
#[derive(Debug, Clone)]
pub(super) struct Summary {
    pub(super) pair: Pair,
    /// How the customer is named ([`label`]).
    pub(super) label: String,
    pub(super) messages: usize,
    pub(super) last: SystemTime,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    /// The service, through the API.
    Business,
    /// The customer (an MO).
    Customer,
}

/// One message of a conversation.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) side: Side,
    /// The API's id (outbound) or the MO's id (inbound).
    pub(super) id: String,
    /// WhatsApp's id of an inbound message (`content.id`), what replies quote.
    pub(super) wamid: Option<String>,
    /// `"text"`, `"image"`…
    pub(super) kind: String,
    /// The message object: the send's body, or the MO's `content`.
    pub(super) body: Value,
    pub(super) at: SystemTime,
    /// The furthest DLR issued (outbound only).
    pub(super) state: Option<DlrEvent>,
    /// Reactions to this message: who, which emoji.
    pub(super) reactions: Vec<(Side, String)>,
    /// A template of the sandbox's registry, as the customer reads it.
    pub(super) template: Option<Vec<crate::templates::Block>>,
}

/// A conversation: its messages, and the callbacks POSTed for it.
#[derive(Debug, Clone)]
pub(super) struct Conversation {
    pub(super) pair: Pair,
    /// How the customer is named ([`label`]).
    pub(super) label: String,
    pub(super) entries: Vec<Entry>,
    pub(super) deliveries: Vec<Delivery>,
    /// Faults waiting for the service's next sends to this customer.
    pub(super) waiting: Vec<Fault>,
}

fn outbound_pair(m: &SentMessage) -> Pair {
    Pair {
        business: number_key(&m.source),
        customer: customer_key(&m.to),
    }
}

fn inbound_pair(r: &InboundRecord) -> Pair {
    let text = |key: &str| r.body.get(key).and_then(Value::as_str).unwrap_or_default();
    Pair {
        business: number_key(text("Destination")),
        customer: customer_key(text("source")),
    }
}

/// How the page names a customer: `+64211234567`, or `@bob` and the
/// business-scoped user id of a customer known by username only.
pub(super) fn label(records: &Records, customer: &str) -> String {
    if customer.bytes().all(|b| b.is_ascii_digit()) {
        return format!("+{customer}");
    }
    match records.usernames.get(customer) {
        Some(username) => format!("{username} ({customer})"),
        None => customer.to_owned(),
    }
}

/// Every conversation, the most recent first.
pub(super) fn list(records: &Records) -> Vec<Summary> {
    let mut by_pair: BTreeMap<Pair, Summary> = BTreeMap::new();
    let mut note = |pair: Pair, at: SystemTime| {
        // Only conversations the chat view can open (a customer's digits or
        // a valid BSUID): a lax spec lets any string through as `recipient`.
        if super::pair(&pair.business, &pair.customer).is_none() {
            return;
        }
        let summary = by_pair.entry(pair.clone()).or_insert(Summary {
            label: label(records, &pair.customer),
            pair,
            messages: 0,
            last: at,
        });
        summary.messages += 1;
        summary.last = summary.last.max(at);
    };
    for m in records.sent.iter() {
        note(outbound_pair(m), m.accepted_at);
    }
    for r in records.inbound.iter() {
        note(inbound_pair(r), r.at);
    }
    let mut list: Vec<Summary> = by_pair.into_values().collect();
    list.sort_by_key(|s| std::cmp::Reverse(s.last));
    list
}

/// The furthest DLR issued per message id, in one pass over the records.
fn dlr_states(records: &Records) -> HashMap<&str, &DlrEvent> {
    let rank = |s: &str| u8::from(s != "sent");
    let mut states: HashMap<&str, &DlrEvent> = HashMap::new();
    for e in records.dlrs.iter() {
        let best = states.entry(e.id.as_str()).or_insert(e);
        if rank(e.status) > rank(best.status) {
            *best = e;
        }
    }
    states
}

/// The conversation of `pair`. Linear in the records (it runs under their
/// lock, on every live refresh).
pub(super) fn conversation(records: &Records, pair: &Pair) -> Conversation {
    let states = dlr_states(records);
    let mut entries: Vec<Entry> = Vec::new();
    for m in records.sent.iter().filter(|m| outbound_pair(m) == *pair) {
        entries.push(Entry {
            side: Side::Business,
            id: m.id.clone(),
            wamid: None,
            kind: m.kind.clone(),
            body: m.body.clone(),
            at: m.accepted_at,
            state: states.get(m.id.as_str()).map(|e| (*e).clone()),
            reactions: Vec::new(),
            template: None,
        });
    }
    for r in records.inbound.iter().filter(|r| inbound_pair(r) == *pair) {
        let content = r.body.get("content").cloned().unwrap_or(Value::Null);
        entries.push(Entry {
            side: Side::Customer,
            id: r.id.clone(),
            wamid: content.get("id").and_then(Value::as_str).map(str::to_owned),
            kind: content
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            body: content,
            at: r.at,
            state: None,
            reactions: Vec::new(),
            template: None,
        });
    }
    entries.sort_by_key(|e| e.at);
    // Reactions are shown on the message they react to, not on their own.
    let mut reactions = Vec::new();
    entries.retain(|e| {
        if e.kind != "reaction" {
            return true;
        }
        let target = e
            .body
            .pointer("/reaction/message_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let emoji = e
            .body
            .pointer("/reaction/emoji")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        reactions.push((target, e.side, emoji));
        false
    });
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_id.insert(e.id.clone(), i);
        if let Some(w) = &e.wamid {
            by_id.insert(w.clone(), i);
        }
    }
    for (target, side, emoji) in reactions {
        if let Some(entry) = by_id.get(&target).map(|i| &mut entries[*i]) {
            // A later reaction from the same side replaces an earlier one;
            // an empty emoji removes it.
            entry.reactions.retain(|(s, _)| *s != side);
            if !emoji.is_empty() {
                entry.reactions.push((side, emoji));
            }
        }
    }
    let ids: HashSet<&str> = entries
        .iter()
        .filter(|e| e.side == Side::Business)
        .map(|e| e.id.as_str())
        .collect();
    let deliveries = records
        .deliveries
        .iter()
        .filter(|d| match d.kind {
            DeliveryKind::Dlr => d
                .body
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| ids.contains(id)),
            DeliveryKind::Mo => {
                let text = |key: &str| d.body.get(key).and_then(Value::as_str).unwrap_or("");
                customer_key(text("source")) == pair.customer
                    && number_key(text("Destination")) == pair.business
            }
        })
        .cloned()
        .collect();
    let waiting = records
        .script
        .next_for
        .get(&pair.customer)
        .map(|queue| queue.iter().cloned().collect())
        .unwrap_or_default();
    Conversation {
        pair: pair.clone(),
        label: label(records, &pair.customer),
        entries,
        deliveries,
        waiting,
    }
}

impl Entry {
    /// Whether `id` names this message (its API id, MO id or wamid).
    pub(super) fn is(&self, id: &str) -> bool {
        !id.is_empty() && (self.id == id || self.wamid.as_deref() == Some(id))
    }
}

impl Conversation {
    /// The message `id` names, for a quote.
    pub(super) fn find(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.is(id))
    }
}
