//! The 24-hour customer-service window: free-form messages may go to a
//! customer only within 24 hours of the customer's last message to that
//! business number; outside it, only templates (WhatsApp rejects the rest
//! with 131047, usually in the DLR, after the send was accepted).
//!
//! A [`ServiceWindow`] is fed the inbound messages (their own timestamps, so
//! late and redelivered MOs count right) and answers, per (business number,
//! customer), when the window closes. Its state lives in a [`WindowStore`]:
//! [`MemoryWindowStore`] for one process, `RedisWindowStore` (feature
//! `redis`) for receivers and senders in several. Given to
//! [`ClientBuilder::service_window`](crate::ClientBuilder::service_window),
//! it makes the client refuse a free-form send into a closed window locally
//! (nothing is sent), or send the message's fallback template instead
//! ([`Message::or_template`](crate::Message::or_template)).
//!
//! ```
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use modica_wab::callback::parse_mo;
//! use modica_wab::window::ServiceWindow;
//! let window = ServiceWindow::in_memory();
//! let mo = parse_mo(br#"{"id":"m1","source":"+64211234567","Destination":"6491234567",
//!     "content":{"type":"text","text":{"body":"hi"}}}"#)?;
//! window.record(&mo).await?;
//! assert!(window.is_open("6491234567", "+64211234567").await?);
//! assert!(!window.is_open("6491234567", "+64219999999").await?);
//! # Ok(()) }
//! ```

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::MemoryWindowStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::RedisWindowStore;

use crate::callback::{InboundKind, InboundMessage};
use crate::customer::key as customer_key;
use crate::store::{StoreError, StoreFuture};
use crate::unix_time;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The window's length: 24 hours.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Where the window remembers when each customer last wrote.
///
/// Keys are a business number (digits only) and a customer key
/// ([`crate::customer::key`]: a phone number's digits, or a business-scoped
/// user id as it is). Each method is one atomic step of the store.
pub trait WindowStore: Send + Sync + 'static {
    /// The customer wrote to the business at `at` (Unix seconds): keep it,
    /// unless a later message is already known.
    fn record<'a>(&'a self, business: &'a str, customer: &'a str, at: u64) -> StoreFuture<'a, ()>;
    /// When the customer last wrote to the business (Unix seconds); `None`
    /// when unknown (never, or longer ago than the store keeps).
    fn last_message<'a>(
        &'a self,
        business: &'a str,
        customer: &'a str,
    ) -> StoreFuture<'a, Option<u64>>;
}

/// What [`ServiceWindow::record`] made of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recorded {
    /// The customer wrote: the window is open until this time (if this was
    /// the latest message known).
    Opened {
        /// When the window this message opens closes.
        closes_at: SystemTime,
    },
    /// Not the customer writing (a status or system notice): nothing recorded.
    NotFromCustomer,
    /// The callback names no business number (`Destination`) to key it by.
    NoBusinessNumber,
    /// The callback names no customer (no phone number, no BSUID).
    NoCustomer,
}

/// The customer-service window of every (business number, customer) pair.
/// Cheap to clone; clones share the store.
#[derive(Clone)]
pub struct ServiceWindow {
    store: Arc<dyn WindowStore>,
}

impl std::fmt::Debug for ServiceWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceWindow").finish_non_exhaustive()
    }
}

/// A number as a key: its digits (`+64 21 123` and `6421123` are one number).
pub(crate) fn number_key(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

/// A customer's time (from the network, or a store others write), as
/// `SystemTime`, no later than `now`: one in the future, or past what the
/// clock can hold, counts as now. Never an overflow.
fn no_later_than(seconds: u64, now: SystemTime) -> SystemTime {
    unix_time::from_secs(seconds).map_or(now, |at| at.min(now))
}

/// When a window opened at `opened` closes.
fn closing(opened: SystemTime) -> SystemTime {
    opened.checked_add(WINDOW).unwrap_or(opened)
}

impl ServiceWindow {
    /// A window kept in this process's memory (up to 100,000 pairs; the
    /// longest-closed are forgotten first).
    pub fn in_memory() -> Self {
        Self::new(MemoryWindowStore::new(100_000))
    }

    /// A window kept in `store`.
    pub fn new(store: impl WindowStore) -> Self {
        Self {
            store: Arc::new(store),
        }
    }

    /// Records an inbound message: its sender wrote to its `Destination` at
    /// the message's own `timestamp` (the arrival time when it has none; a
    /// timestamp in the future, or out of the clock's range, counts as now).
    /// Under every key the message shows of the customer: a phone number and
    /// a BSUID that show together are one customer, and a send to either
    /// finds the window open.
    pub async fn record(&self, message: &InboundMessage) -> Result<Recorded, StoreError> {
        if matches!(
            message.content.kind,
            InboundKind::Status(_) | InboundKind::System(_)
        ) {
            return Ok(Recorded::NotFromCustomer);
        }
        let Some(business) = message.destination.as_deref() else {
            return Ok(Recorded::NoBusinessNumber);
        };
        let Some(customer) = message.customer() else {
            return Ok(Recorded::NoCustomer);
        };
        let now = SystemTime::now();
        let at = message
            .content
            .timestamp
            .as_deref()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .map_or(now, |seconds| no_later_than(seconds, now));
        let business = number_key(business);
        for key in customer.keys() {
            self.store
                .record(&business, &key, unix_time::secs(at))
                .await?;
        }
        Ok(Recorded::Opened {
            closes_at: closing(at),
        })
    }

    /// Records that `customer` (a phone number or a BSUID) wrote to
    /// `business` at `at`.
    pub async fn record_at(
        &self,
        business: &str,
        customer: &str,
        at: SystemTime,
    ) -> Result<(), StoreError> {
        let (business, customer) = (number_key(business), customer_key(customer));
        self.store
            .record(&business, &customer, unix_time::secs(at))
            .await
    }

    /// When the window of `customer` (a phone number or a BSUID) with
    /// `business` closes (or closed);
    /// `None` when the customer never wrote (as far as the store knows). A
    /// stored time up to a day ahead counts as now (clocks differ); one
    /// further ahead is ignored.
    pub async fn closes_at(
        &self,
        business: &str,
        customer: &str,
    ) -> Result<Option<SystemTime>, StoreError> {
        let (business, customer) = (number_key(business), customer_key(customer));
        let last = self.store.last_message(&business, &customer).await?;
        let now = SystemTime::now();
        // A time a little ahead is another machine's clock: now. One further
        // ahead than a window is nobody's clock (a foreign or broken write)
        // and would keep the window open for ever: not a message at all.
        let believable = |at: u64| {
            unix_time::from_secs(at)
                .is_some_and(|t| t.duration_since(now).unwrap_or_default() <= WINDOW)
        };
        Ok(last
            .filter(|at| believable(*at))
            .map(|at| closing(no_later_than(at, now))))
    }

    /// Whether free-form messages may go to `customer` from `business` now.
    pub async fn is_open(&self, business: &str, customer: &str) -> Result<bool, StoreError> {
        self.is_open_at(business, customer, SystemTime::now()).await
    }

    /// Whether the window is open at `at`.
    pub async fn is_open_at(
        &self,
        business: &str,
        customer: &str,
        at: SystemTime,
    ) -> Result<bool, StoreError> {
        Ok(self
            .closes_at(business, customer)
            .await?
            .is_some_and(|closes| at < closes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::parse_mo;

    fn mo(timestamp: &str, kind: &str) -> InboundMessage {
        let body = format!(
            r#"{{"id":"m","source":"+64 21 123 4567","Destination":"+6491234567","content":{{"type":"{kind}","timestamp":"{timestamp}","text":{{"body":"x"}},"status":"delivered","system":{{"body":"x"}}}}}}"#
        );
        parse_mo(body.as_bytes()).unwrap()
    }

    #[tokio::test]
    async fn the_window_runs_24_hours_from_the_customers_own_timestamp() {
        let window = ServiceWindow::in_memory();
        let now = unix_time::secs(SystemTime::now());
        let written = now - 3600;
        let recorded = window
            .record(&mo(&written.to_string(), "text"))
            .await
            .unwrap();
        assert_eq!(
            recorded,
            Recorded::Opened {
                closes_at: closing(unix_time::from_secs(written).unwrap())
            }
        );
        // Any spelling of the numbers finds it.
        let closes = window
            .closes_at("6491234567", "+64211234567")
            .await
            .unwrap();
        assert_eq!(closes, unix_time::from_secs(written + 24 * 3600));
        assert!(window.is_open("6491234567", "64211234567").await.unwrap());
        let after = unix_time::from_secs(written + 24 * 3600).unwrap();
        assert!(
            !window
                .is_open_at("6491234567", "64211234567", after)
                .await
                .unwrap()
        );
        // Another business number is another window.
        assert!(!window.is_open("6490000000", "64211234567").await.unwrap());
    }

    #[tokio::test]
    async fn an_older_message_arriving_late_does_not_shorten_the_window() {
        let window = ServiceWindow::in_memory();
        let now = unix_time::secs(SystemTime::now());
        window
            .record(&mo(&(now - 60).to_string(), "text"))
            .await
            .unwrap();
        window
            .record(&mo(&(now - 30 * 3600).to_string(), "text"))
            .await
            .unwrap();
        let closes = window.closes_at("6491234567", "64211234567").await.unwrap();
        assert_eq!(
            closes,
            Some(closing(unix_time::from_secs(now - 60).unwrap()))
        );
    }

    #[tokio::test]
    async fn notices_do_not_open_it_and_the_future_counts_as_now() {
        let window = ServiceWindow::in_memory();
        for kind in ["delivered", "system"] {
            assert_eq!(
                window.record(&mo("1", kind)).await.unwrap(),
                Recorded::NotFromCustomer,
                "{kind}"
            );
        }
        assert_eq!(
            window.closes_at("6491234567", "64211234567").await.unwrap(),
            None
        );
        let far = unix_time::secs(SystemTime::now()) + 365 * 24 * 3600;
        let Recorded::Opened { closes_at } =
            window.record(&mo(&far.to_string(), "text")).await.unwrap()
        else {
            panic!()
        };
        assert!(closes_at <= SystemTime::now() + WINDOW);
    }

    /// Defect: `"timestamp":"18446744073709551615"` overflowed `UNIX_EPOCH +
    /// Duration` and panicked, on every redelivery of that event.
    #[tokio::test]
    async fn a_timestamp_past_the_clocks_range_counts_as_now_and_never_panics() {
        let window = ServiceWindow::in_memory();
        for timestamp in ["18446744073709551615", "18446744073709551", "9999999999999"] {
            let before = SystemTime::now();
            let Recorded::Opened { closes_at } =
                window.record(&mo(timestamp, "text")).await.unwrap()
            else {
                panic!()
            };
            assert!(closes_at >= closing(before) && closes_at <= closing(SystemTime::now()));
        }
        // A store holding such a value (written by anyone) never panics
        // either, nor keeps a window open for ever: ignored.
        window
            .store
            .record("6491234567", "1", u64::MAX)
            .await
            .unwrap();
        assert_eq!(window.closes_at("6491234567", "1").await.unwrap(), None);
        // A little ahead (another machine's clock) is now.
        let ahead = unix_time::secs(SystemTime::now()) + 60;
        window.store.record("6491234567", "2", ahead).await.unwrap();
        let closes = window.closes_at("6491234567", "2").await.unwrap().unwrap();
        assert!(closes <= closing(SystemTime::now()));
        assert!(window.is_open("6491234567", "2").await.unwrap());
    }

    /// A phone number and a business-scoped user id shown together are one
    /// customer: a send to either finds the window open.
    #[tokio::test]
    async fn a_customer_is_known_by_phone_by_bsuid_or_both() {
        let window = ServiceWindow::in_memory();
        let both = parse_mo(
            br#"{"id":"m","source":"+64211234567","Destination":"6491234567","content":{"type":"text","from_user_id":"NZ.1349","text":{"body":"x"}}}"#,
        )
        .unwrap();
        window.record(&both).await.unwrap();
        assert!(window.is_open("6491234567", "+64211234567").await.unwrap());
        assert!(window.is_open("6491234567", "NZ.1349").await.unwrap());
        // A username user with no phone: known by the id alone.
        let bsuid_only = parse_mo(
            br#"{"id":"m2","Destination":"6491234567","content":{"type":"text","from_user_id":"US.ENT.77","text":{"body":"x"}}}"#,
        )
        .unwrap();
        window.record(&bsuid_only).await.unwrap();
        assert!(window.is_open("6491234567", "US.ENT.77").await.unwrap());
        assert!(
            !window.is_open("6491234567", "US.77").await.unwrap(),
            "another id"
        );
        // Nobody named: nothing recorded, and said so.
        let nobody = parse_mo(
            br#"{"id":"m3","Destination":"6491234567","content":{"type":"text","text":{"body":"x"}}}"#,
        )
        .unwrap();
        assert_eq!(window.record(&nobody).await.unwrap(), Recorded::NoCustomer);
    }

    #[tokio::test]
    async fn no_destination_is_said_not_guessed() {
        let window = ServiceWindow::in_memory();
        let m = parse_mo(
            br#"{"id":"m","source":"+64211234567","content":{"type":"text","text":{"body":"x"}}}"#,
        )
        .unwrap();
        assert_eq!(window.record(&m).await.unwrap(), Recorded::NoBusinessNumber);
    }
}
