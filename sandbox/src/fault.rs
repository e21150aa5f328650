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
    /// Faults for the next sends to a recipient, one each.
    pub(crate) next_for: HashMap<String, VecDeque<Fault>>,
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

/// WhatsApp's throughput limit, as a rate limiter would keep it: messages
/// spaced `1/per_second` apart on average, with a tenth of a second of slack
/// for bursts (GCRA). A sender pacing at the rate never hits it; a burst
/// beyond the slack does.
#[derive(Debug)]
pub(crate) struct Throughput {
    interval: Duration,
    slack: Duration,
    /// When the next message is due, in the limiter's reckoning.
    due: Option<Instant>,
}

impl Throughput {
    pub(crate) fn new(per_second: usize) -> Self {
        let per_second = u32::try_from(per_second.max(1)).unwrap_or(u32::MAX);
        Self {
            interval: Duration::from_secs(1) / per_second,
            slack: Duration::from_millis(100),
            due: None,
        }
    }

    /// Whether one more message fits; counts it if so.
    pub(crate) fn admit(&mut self, now: Instant) -> bool {
        let due = self.due.map_or(now, |d| d.max(now));
        if due.duration_since(now) > self.slack {
            return false;
        }
        self.due = Some(due + self.interval);
        true
    }
}

impl Script {
    /// The fault for a send to `recipients`, if any: the next one scripted
    /// for a recipient first, then per recipient, then scheduled, then random.
    pub(crate) fn next(&mut self, recipients: &[String]) -> Option<Fault> {
        for r in recipients {
            let key = super::rules::customer_key(r);
            if let Some(queue) = self.next_for.get_mut(&key)
                && let Some(f) = queue.pop_front()
            {
                if queue.is_empty() {
                    self.next_for.remove(&key);
                }
                return Some(f);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throughput_limit_allows_the_rate_and_a_little_slack() {
        let mut limit = Throughput::new(80);
        let start = Instant::now();
        // A burst: the slack holds about 9 (100 ms at 12.5 ms apart).
        let burst = (0..20).filter(|_| limit.admit(start)).count();
        assert_eq!(burst, 9);
        // At the rate, with jitter inside the slack, every message fits.
        let mut limit = Throughput::new(80);
        for i in 0..800u32 {
            let jitter = Duration::from_millis(u64::from(i % 7) * 5);
            let at = start + Duration::from_micros(12_500) * i + jitter;
            assert!(limit.admit(at), "message {i}");
        }
    }
}
