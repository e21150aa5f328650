//! `order` content: a cart the customer sent from the business's catalog.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An order the customer placed from a catalog (`order` content).
///
/// ```
/// use modica_wab::callback::{parse_mo, InboundKind};
/// let mo = parse_mo(br#"{"id":"m1","source":"+64211234567","content":{"type":"order",
///     "order":{"catalog_id":"cat-1","text":"For Friday",
///     "product_items":[{"product_retailer_id":"kawakawa-tea","quantity":2,
///     "item_price":12.5,"currency":"NZD"}]}}}"#)?;
/// let InboundKind::Order(order) = &mo.content.kind else { panic!() };
/// assert_eq!(order.product_items[0].quantity, 2);
/// assert_eq!(order.total(), Some((25.0, "NZD")));
/// # Ok::<(), modica_wab::callback::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct InboundOrder {
    /// The catalog the items come from.
    #[serde(default)]
    pub catalog_id: String,
    /// The customer's note with the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// What was ordered.
    #[serde(default)]
    pub product_items: Vec<OrderItem>,
}

/// One line of an [`InboundOrder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[non_exhaustive]
pub struct OrderItem {
    /// The product's id in the catalog (your SKU).
    #[serde(default)]
    pub product_retailer_id: String,
    /// How many.
    #[serde(default, deserialize_with = "count")]
    #[schemars(with = "u64")]
    pub quantity: u64,
    /// The unit price.
    #[serde(default, deserialize_with = "price")]
    #[schemars(with = "f64")]
    pub item_price: f64,
    /// ISO 4217 currency of the price.
    #[serde(default)]
    pub currency: String,
}

impl InboundOrder {
    /// The sum of price × quantity, and its currency; `None` when the order
    /// is empty, mixes currencies, or sums past what an `f64` holds.
    pub fn total(&self) -> Option<(f64, &str)> {
        let currency = self.product_items.first()?.currency.as_str();
        let mut total = 0.0;
        for item in &self.product_items {
            if item.currency != currency {
                return None;
            }
            total += item.item_price * item.quantity as f64;
        }
        total.is_finite().then_some((total, currency))
    }
}

/// A JSON number, or a string holding one (WhatsApp has sent both), read
/// in place (an untagged enum would buffer the value first).
struct NumberOrText<T>(std::marker::PhantomData<T>);

impl<T: std::str::FromStr + Number> serde::de::Visitor<'_> for NumberOrText<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| E::custom(T::EXPECTED))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        u64::try_from(v)
            .map_err(|_| E::custom(T::EXPECTED))
            .and_then(|v| self.visit_u64(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| E::custom(T::EXPECTED))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        v.trim()
            .parse()
            .ok()
            .filter(T::valid)
            .ok_or_else(|| E::custom(T::EXPECTED))
    }
}

/// What a quantity and a price accept beyond an integer.
trait Number: Sized {
    const EXPECTED: &str;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn valid(&self) -> bool;
}

impl Number for u64 {
    const EXPECTED: &str = "a whole number of items";
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn valid(&self) -> bool {
        true
    }
}

impl Number for f64 {
    const EXPECTED: &str = "a price (a number, not negative)";
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        (v.is_finite() && v >= 0.0).then_some(v)
    }
    fn valid(&self) -> bool {
        self.is_finite() && *self >= 0.0
    }
}

fn count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(NumberOrText(std::marker::PhantomData))
}

fn price<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(NumberOrText(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_and_prices_come_as_numbers_or_text() {
        let item: OrderItem = serde_json::from_str(
            r#"{"product_retailer_id":"a","quantity":"3","item_price":"4.5","currency":"NZD"}"#,
        )
        .unwrap();
        assert_eq!((item.quantity, item.item_price), (3, 4.5));
        for bad in [
            r#"{"quantity":-1}"#,
            r#"{"quantity":"many"}"#,
            r#"{"item_price":"free"}"#,
            r#"{"item_price":-2.5}"#,
            r#"{"item_price":"-1"}"#,
            r#"{"quantity":1.5}"#,
        ] {
            assert!(serde_json::from_str::<OrderItem>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_total_needs_one_currency() {
        let item = |price, currency: &str| OrderItem {
            product_retailer_id: "x".into(),
            quantity: 2,
            item_price: price,
            currency: currency.into(),
        };
        let mut order = InboundOrder::default();
        assert_eq!(order.total(), None);
        order.product_items = vec![item(1.5, "NZD"), item(2.0, "NZD")];
        assert_eq!(order.total(), Some((7.0, "NZD")));
        order.product_items.push(item(1.0, "AUD"));
        assert_eq!(order.total(), None);
    }
}
