//! A message's delivery state and the one rule every store applies: state
//! moves forward only (accepted < sent < a final state), and each status
//! keeps the time it was first seen.

use crate::callback::{CallbackError, DlrStatus};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// How far a message got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Accepted by the API (the 202), no report yet.
    Accepted,
    /// The carrier sent it.
    Sent,
    /// The handset received it (final).
    Received,
    /// Rejected (final).
    Rejected,
    /// Not delivered in time (final).
    Expired,
}

impl DeliveryState {
    /// How far along: a report moves the state only to a higher rank.
    pub(crate) fn rank(self) -> u8 {
        match self {
            DeliveryState::Accepted => 0,
            DeliveryState::Sent => 1,
            DeliveryState::Received | DeliveryState::Rejected | DeliveryState::Expired => 2,
        }
    }

    /// Whether no later report changes it.
    pub fn is_final(self) -> bool {
        self.rank() == 2
    }

    /// Whether the message failed for good.
    pub fn is_failure(self) -> bool {
        matches!(self, DeliveryState::Rejected | DeliveryState::Expired)
    }

    /// The state a DLR status stands for; `None` for a status this crate does not know.
    pub fn of(status: &DlrStatus) -> Option<Self> {
        match status {
            DlrStatus::Sent => Some(DeliveryState::Sent),
            DlrStatus::Received => Some(DeliveryState::Received),
            DlrStatus::Rejected => Some(DeliveryState::Rejected),
            DlrStatus::Expired => Some(DeliveryState::Expired),
            _ => None,
        }
    }

    /// The name, as DLRs spell it (`accepted` for the 202).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Accepted => "accepted",
            DeliveryState::Sent => "sent",
            DeliveryState::Received => "received",
            DeliveryState::Rejected => "rejected",
            DeliveryState::Expired => "expired",
        }
    }
}

/// What is known of one message's delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Delivery {
    /// The message id (from the 202, echoed by DLRs).
    pub id: String,
    /// Your reference, from the send or from a DLR.
    pub reference: Option<String>,
    /// The furthest state reached.
    pub state: DeliveryState,
    /// When each state was first seen (Unix milliseconds), in state order.
    pub seen: Vec<(DeliveryState, u64)>,
    /// Whether the send itself was recorded (`false` while only DLRs are
    /// known: a report that overtook its 202).
    pub send_recorded: bool,
    /// Why it failed, from the final DLR.
    pub errors: Vec<CallbackError>,
}

impl Delivery {
    /// Whether WhatsApp refused it because the customer's service window was
    /// closed (131047 in its final report): the customer is reached only by
    /// a template now, matched to this message by its `reference`.
    pub fn needs_template(&self) -> bool {
        self.state.is_failure()
            && self
                .errors
                .iter()
                .any(|e| e.code == Some(crate::ErrorCode::ReEngagementRequired))
    }

    /// When `state` was first seen.
    pub fn time_of(&self, state: DeliveryState) -> Option<SystemTime> {
        self.seen
            .iter()
            .find(|(s, _)| *s == state)
            .and_then(|(_, ms)| crate::unix_time::from_millis(*ms))
    }
}

/// One thing that happened to a message: its send was accepted (`send`),
/// or a DLR came (its state, or `None` for a status this crate does not know).
#[derive(Debug, Clone, Default)]
pub(crate) struct Event {
    pub(crate) send: bool,
    pub(crate) state: Option<DeliveryState>,
    pub(crate) reference: Option<String>,
    pub(crate) errors: Vec<CallbackError>,
}

/// Applies `event` seen at `at` (Unix ms) to what is known of message `id`.
pub(crate) fn apply(known: Option<Delivery>, id: &str, event: &Event, at: u64) -> Delivery {
    let mut d = known.unwrap_or_else(|| Delivery {
        id: id.to_owned(),
        reference: None,
        state: DeliveryState::Accepted,
        seen: Vec::new(),
        send_recorded: false,
        errors: Vec::new(),
    });
    d.send_recorded |= event.send;
    if d.reference.is_none() {
        d.reference = event.reference.clone().filter(|r| !r.is_empty());
    }
    let Some(state) = event.state else {
        return d;
    };
    if !d.seen.iter().any(|(s, _)| *s == state) {
        d.seen.push((state, at));
        d.seen.sort_by_key(|(s, at)| (s.rank(), *at));
    }
    if !d.state.is_final() && state.rank() > d.state.rank() {
        d.state = state;
        d.errors = event.errors.clone();
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(state: DeliveryState) -> Event {
        Event {
            state: Some(state),
            reference: Some("r".into()),
            ..Event::default()
        }
    }

    fn accepted(reference: Option<&str>) -> Event {
        Event {
            send: true,
            state: Some(DeliveryState::Accepted),
            reference: reference.map(str::to_owned),
            ..Event::default()
        }
    }

    #[test]
    fn the_state_never_goes_backwards_and_the_first_final_state_wins() {
        use DeliveryState::*;
        let cases: &[(&[DeliveryState], DeliveryState)] = &[
            (&[Sent, Received], Received),
            (&[Received, Sent], Received),
            (&[Sent, Rejected, Received], Rejected),
            (&[Expired, Sent, Received], Expired),
            (&[Received, Rejected], Received),
            (&[Accepted, Sent], Sent),
            (&[Sent, Accepted], Sent),
        ];
        for (events, end) in cases {
            let mut d = None;
            for (i, state) in events.iter().enumerate() {
                let event = match state {
                    Accepted => accepted(None),
                    s => report(*s),
                };
                d = Some(apply(d, "m", &event, i as u64));
            }
            assert_eq!(d.unwrap().state, *end, "{events:?}");
        }
    }

    #[test]
    fn each_state_keeps_its_first_time_and_a_late_send_is_correlated() {
        let d = apply(None, "m", &report(DeliveryState::Received), 30);
        assert!(!d.send_recorded);
        let d = apply(Some(d), "m", &report(DeliveryState::Sent), 20);
        let d = apply(Some(d), "m", &report(DeliveryState::Sent), 25);
        let d = apply(Some(d), "m", &accepted(Some("other")), 10);
        assert!(d.send_recorded);
        assert_eq!(d.state, DeliveryState::Received);
        assert_eq!(
            d.reference.as_deref(),
            Some("r"),
            "the first reference stands"
        );
        assert_eq!(
            d.seen,
            vec![
                (DeliveryState::Accepted, 10),
                (DeliveryState::Sent, 20),
                (DeliveryState::Received, 30)
            ]
        );
        assert_eq!(
            d.time_of(DeliveryState::Sent),
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_millis(20))
        );
    }

    #[test]
    fn any_order_of_the_same_news_ends_in_the_same_state() {
        use rand::seq::SliceRandom as _;
        use rand::{Rng as _, SeedableRng as _};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let finals = [
            DeliveryState::Received,
            DeliveryState::Rejected,
            DeliveryState::Expired,
        ];
        for case in 0..2_000 {
            // One message's news: its 202, a `sent`, one final report, each
            // delivered one to three times, in any order.
            let last = finals[case % 3];
            let mut news = Vec::new();
            for event in [
                accepted(Some("r")),
                report(DeliveryState::Sent),
                report(last),
            ] {
                for _ in 0..rng.random_range(1..=3) {
                    news.push(event.clone());
                }
            }
            news.shuffle(&mut rng);
            let mut d = None;
            for (at, event) in news.iter().enumerate() {
                let before = d.as_ref().map(|d: &Delivery| d.state.rank());
                let next = apply(d, "m", event, at as u64);
                assert!(
                    before.is_none_or(|b| next.state.rank() >= b),
                    "went back: {news:?}"
                );
                d = Some(next);
            }
            let d = d.unwrap();
            assert_eq!(d.state, last, "{news:?}");
            assert!(d.send_recorded);
            assert_eq!(d.seen.len(), 3, "{:?}", d.seen);
        }
    }
}
