//! Scripted faults: what the sandbox does instead of accepting a send.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// A misbehaviour the sandbox can be told to show on a send
/// (`POST /messages` or `POST /messages/broadcast`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 400 carrying a WhatsApp error code, as Modica forwards it:
    /// `{"error":"(#131047) …","message":"Whatsapp Cloud API error","statusCode":400}`.
    WhatsAppError(i64),
    /// HTTP 429 with `Retry-After` (whole seconds, rounded up).
    TooManyRequests(Duration),
    /// An HTTP 5xx (a status outside 500–599 is answered as 500); nothing is accepted.
    ServerError(u16),
    /// Wait this long, then handle the request normally.
    Slow(Duration),
    /// Close the connection without answering; nothing is accepted.
    DropConnection,
    /// Accept the message, then report it `rejected` with this code in the DLR.
    DlrRejected(i64),
    /// Accept the message, then report it `expired` in the DLR.
    DlrExpired,
}

impl Fault {
    /// Whether the message is accepted (and recorded) despite the fault.
    pub fn accepts(&self) -> bool {
        matches!(
            self,
            Fault::Slow(_) | Fault::DlrRejected(_) | Fault::DlrExpired
        )
    }
}

/// The faults scripted on a sandbox.
#[derive(Debug, Default)]
pub(crate) struct Script {
    pub(crate) per_recipient: HashMap<String, Fault>,
    pub(crate) scheduled: VecDeque<Fault>,
    pub(crate) random: Option<RandomFaults>,
    pub(crate) throughput: Option<Throughput>,
}

#[derive(Debug)]
pub(crate) struct RandomFaults {
    pub(crate) rate: f64,
    pub(crate) kinds: Vec<Fault>,
    pub(crate) rng: rand::rngs::StdRng,
}

/// At most `per_second` accepted messages in any one-second window.
#[derive(Debug)]
pub(crate) struct Throughput {
    pub(crate) per_second: usize,
    pub(crate) recent: VecDeque<Instant>,
}

impl Throughput {
    /// Whether one more message fits; records it if so.
    pub(crate) fn admit(&mut self, now: Instant) -> bool {
        while self
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.per_second {
            return false;
        }
        self.recent.push_back(now);
        true
    }
}

impl Script {
    /// The fault for a send to `recipients`, if any: per recipient first, then
    /// scheduled, then random.
    pub(crate) fn next(&mut self, recipients: &[String]) -> Option<Fault> {
        if let Some(f) = recipients.iter().find_map(|r| self.per_recipient.get(r)) {
            return Some(f.clone());
        }
        if let Some(f) = self.scheduled.pop_front() {
            return Some(f);
        }
        let random = self.random.as_mut()?;
        use rand::Rng;
        // A NaN rate would make random_bool panic: read it as "never".
        let rate = if random.rate.is_finite() {
            random.rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if random.kinds.is_empty() || !random.rng.random_bool(rate) {
            return None;
        }
        let i = random.rng.random_range(0..random.kinds.len());
        Some(random.kinds[i].clone())
    }
}
