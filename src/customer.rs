//! Who a customer is. Since 2026 a WhatsApp user can adopt a username, and
//! Meta then names them to a business by a business-scoped user id (BSUID):
//! an ISO 3166 alpha-2 country code, a dot, and up to 128 letters and digits
//! (`US.13491208655302741918`); a parent BSUID, shared by linked business
//! portfolios, has `ENT` after the country code (`US.ENT.11815799212886844830`).
//! For users the business has not talked to lately the phone number is left
//! out (Meta, "Business-scoped user IDs",
//! developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids/;
//! 360dialog, docs.360dialog.com/docs/resources/phone-numbers/usernames-and-bsuid).
//! So a customer is known by a phone number, a BSUID, or both, and may show a
//! username.
//!
//! ```
//! use modica_wab::customer::{Bsuid, Customer};
//! let both = Customer::phone("+64211234567")?.with_bsuid(Bsuid::parse("NZ.13491208655302741918")?);
//! assert_eq!(both.recipient(), "+64211234567"); // the phone wins, as with Meta's `to`
//! let username_only = Customer::bsuid(Bsuid::parse("NZ.13491208655302741918")?).with_username("@bob");
//! assert_eq!(username_only.recipient(), "NZ.13491208655302741918");
//! assert!(Bsuid::parse(&format!("NZ.{}", "1".repeat(129))).is_err());
//! # Ok::<(), modica_wab::error::ValidationError>(())
//! ```

use crate::error::ValidationError;
use crate::validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most letters and digits a BSUID carries after its country code (Meta).
pub const MAX_BSUID_ID: usize = 128;

/// A business-scoped user id, or a parent one: checked by its format, kept
/// exactly as given (Meta refuses one with any part changed).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct Bsuid(String);

impl Bsuid {
    /// Reads a BSUID (`CC.id`) or a parent BSUID (`CC.ENT.id`): two upper-case
    /// letters, a dot, `ENT.` for a parent, then 1 to 128 letters and digits.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        Self::check("recipient", text).map(|()| Self(text.to_owned()))
    }

    /// The check, naming `field`.
    pub(crate) fn check(field: &str, text: &str) -> Result<(), ValidationError> {
        let fail = |why: String| Err(ValidationError::new(field, why));
        let Some((country, rest)) = text.split_once('.') else {
            return fail(format!(
                "{text:?} is not a business-scoped user id like US.13491208655302741918"
            ));
        };
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return fail(format!(
                "{text:?}: a business-scoped user id starts with a two-letter country code in capitals (US.…)"
            ));
        }
        let id = match rest.split_once('.') {
            Some(("ENT", id)) => id,
            Some((middle, _)) => {
                return fail(format!(
                    "{text:?}: a parent business-scoped user id has ENT after the country code ({country}.ENT.…), not {middle:?}"
                ));
            }
            None => rest,
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return fail(format!(
                "{text:?}: after the country code a business-scoped user id has 1 to {MAX_BSUID_ID} letters and digits"
            ));
        }
        if id.len() > MAX_BSUID_ID {
            return fail(format!(
                "{text:?} has {} letters and digits after its country code; the limit is {MAX_BSUID_ID}",
                id.len()
            ));
        }
        Ok(())
    }

    /// Whether it is a parent BSUID (`CC.ENT.id`), shared by linked portfolios.
    pub fn is_parent(&self) -> bool {
        self.0.get(3..7) == Some("ENT.")
    }

    /// The country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Bsuid {
    type Error = ValidationError;
    fn try_from(text: String) -> Result<Self, ValidationError> {
        Self::check("recipient", &text).map(|()| Self(text))
    }
}

impl From<Bsuid> for String {
    fn from(id: Bsuid) -> String {
        id.0
    }
}

impl fmt::Display for Bsuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` is meant as a BSUID (its shape starts like one), rather
/// than a phone number: two capital letters and a dot.
pub(crate) fn looks_like_bsuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && b[2] == b'.'
}

/// A WhatsApp user as a business knows them: a phone number, a BSUID, or both
/// (at least one), and the username they show, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Customer {
    /// E.164, with its `+`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The business-scoped user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bsuid: Option<Bsuid>,
    /// The parent business-scoped user id (linked portfolios).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_bsuid: Option<Bsuid>,
    /// The username they show (`@bob`): display data, not an identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl Customer {
    /// A customer known by phone number (E.164, `+64211234567`).
    pub fn phone(number: &str) -> Result<Self, ValidationError> {
        validate::e164("phone", number)?;
        Ok(Self {
            phone: Some(number.to_owned()),
            bsuid: None,
            parent_bsuid: None,
            username: None,
        })
    }

    /// A customer known by BSUID (or parent BSUID) only.
    pub fn bsuid(id: Bsuid) -> Self {
        let (bsuid, parent_bsuid) = if id.is_parent() {
            (None, Some(id))
        } else {
            (Some(id), None)
        };
        Self {
            phone: None,
            bsuid,
            parent_bsuid,
            username: None,
        }
    }

    /// Either: a phone number or a BSUID, told apart by their formats.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        if looks_like_bsuid(text) {
            Bsuid::parse(text).map(Self::bsuid)
        } else {
            Self::phone(text)
        }
    }

    /// The same customer, with their BSUID known too.
    pub fn with_bsuid(mut self, id: Bsuid) -> Self {
        if id.is_parent() {
            self.parent_bsuid = Some(id);
        } else {
            self.bsuid = Some(id);
        }
        self
    }

    /// The same customer, with the username they show.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// What to send to: the phone number when known (as with Meta's `to`,
    /// which wins over `recipient`: authentication templates need it), else
    /// the BSUID, else the parent BSUID.
    pub fn recipient(&self) -> &str {
        self.phone
            .as_deref()
            .or(self.bsuid.as_ref().map(Bsuid::as_str))
            .or(self.parent_bsuid.as_ref().map(Bsuid::as_str))
            .unwrap_or_default()
    }

    /// Every key this customer is known by in a store (the window, pacing):
    /// the phone's digits, the BSUID, the parent BSUID.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(phone) = &self.phone {
            keys.push(key(phone));
        }
        keys.extend(
            self.bsuid
                .iter()
                .chain(&self.parent_bsuid)
                .map(|id| id.0.clone()),
        );
        keys
    }
}

impl fmt::Display for Customer {
    /// What to send to, and the username: `NZ.1349 (@bob)`, `+64211234567`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.recipient())?;
        match &self.username {
            Some(name) => write!(f, " ({name})"),
            None => Ok(()),
        }
    }
}

/// A customer identifier as a store key: a BSUID as it is, a phone number as
/// its digits (`+64 21 123` and `6421123` are one number).
///
/// ```
/// assert_eq!(modica_wab::customer::key("+64 21 123 4567"), "64211234567");
/// assert_eq!(modica_wab::customer::key("US.1349"), "US.1349");
/// ```
pub fn key(identifier: &str) -> String {
    if looks_like_bsuid(identifier) {
        identifier.to_owned()
    } else {
        identifier.chars().filter(char::is_ascii_digit).collect()
    }
}

/// How a message's recipient is sent: Meta's `to` for a phone number, its
/// `recipient` for a BSUID (Meta: "to" wins when both are given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Addressed {
    Phone,
    Bsuid,
}

/// Checks a recipient: an E.164 number or a (parent) BSUID, naming `field`.
pub(crate) fn recipient(field: &str, text: &str) -> Result<Addressed, ValidationError> {
    if looks_like_bsuid(text) {
        Bsuid::check(field, text).map(|()| Addressed::Bsuid)
    } else if text.starts_with('+') {
        validate::e164(field, text).map(|()| Addressed::Phone)
    } else {
        Err(ValidationError::new(
            field,
            format!(
                "{text:?} is neither an E.164 number like +64211234567 nor a business-scoped user id like US.13491208655302741918"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsuids_are_read_by_their_format_and_bad_ones_named() {
        for good in [
            "US.13491208655302741918",
            "NZ.abc123",
            "US.ENT.11815799212886844830",
            &format!("DE.{}", "9".repeat(128)),
        ] {
            assert!(Bsuid::parse(good).is_ok(), "{good}");
        }
        let parent = Bsuid::parse("US.ENT.118").unwrap();
        assert!(parent.is_parent() && parent.country() == "US");
        assert!(!Bsuid::parse("US.118").unwrap().is_parent());
        for (bad, says) in [
            (format!("NZ.{}", "1".repeat(129)), "the limit is 128"),
            ("US.XYZ.123".to_owned(), "ENT after the country code"),
            ("us.123".to_owned(), "two-letter country code"),
            ("USA.123".to_owned(), "two-letter country code"),
            ("US.".to_owned(), "1 to 128 letters and digits"),
            ("US.ENT.".to_owned(), "1 to 128 letters and digits"),
            ("US.12-34".to_owned(), "1 to 128 letters and digits"),
            (
                "US13491208655302741918".to_owned(),
                "not a business-scoped user id",
            ),
        ] {
            let err = Bsuid::parse(&bad).unwrap_err();
            assert!(err.reason.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn a_recipient_is_a_phone_or_a_bsuid_and_nothing_else() {
        assert_eq!(recipient("to", "+64211234567").unwrap(), Addressed::Phone);
        assert_eq!(recipient("to", "US.1349").unwrap(), Addressed::Bsuid);
        assert_eq!(recipient("to", "US.ENT.1349").unwrap(), Addressed::Bsuid);
        for bad in ["021 555", "", "64211234567", "+0211"] {
            assert!(recipient("to", bad).is_err(), "{bad}");
        }
        let both = Customer::phone("+64211234567")
            .unwrap()
            .with_bsuid(Bsuid::parse("NZ.1").unwrap())
            .with_bsuid(Bsuid::parse("NZ.ENT.2").unwrap());
        assert_eq!(both.keys(), ["64211234567", "NZ.1", "NZ.ENT.2"]);
        assert_eq!(Customer::parse("NZ.ENT.2").unwrap().recipient(), "NZ.ENT.2");
    }
}
