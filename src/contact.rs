//! Contact cards: sent in contacts messages, and received in MOs.
//!
//! ```
//! use modica_wab::message::{Contact, Message};
//! let card = Contact::new("Aroha Smith").first_name("Aroha").last_name("Smith").phone("+6495551234", Some("WORK"));
//! let msg = Message::contacts("+64211234567", [card]);
//! # let _ = msg;
//! ```

use crate::validate::{self, Checked, fail};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Contact {
    /// The name; `formatted_name` plus at least one part.
    pub name: Name,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Phone numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// E-mail addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    /// Web addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<Url>,
    /// Postal addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<Org>,
    /// The card as a vCard (RFC 6350), as WhatsApp adds it to a contact the
    /// customer shared through a "request contact info" button. Received
    /// only: a contacts message sent with it is refused before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcard: Option<String>,
}

/// A contact's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Name {
    /// The name as shown.
    pub formatted_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Given name.
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Family name.
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Middle name.
    pub middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Prefix (Dr, Ms…).
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Suffix.
    pub suffix: Option<String>,
}

/// A phone number of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Phone {
    /// The number.
    pub phone: String,
    /// `CELL`, `MAIN`, `IPHONE`, `HOME`, `WORK`…
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The WhatsApp id, which adds a "Message" button to the card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
}

/// An e-mail address of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Email {
    /// The address.
    pub email: String,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A web address of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Url {
    /// The URL.
    pub url: String,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A postal address of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Address {
    /// Street.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Country name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166 two-letter country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A contact's organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct Org {
    /// Company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

fn kind(k: Option<&str>) -> Option<String> {
    k.map(str::to_owned)
}

impl Contact {
    /// A card showing `formatted_name`; add at least one name part.
    pub fn new(formatted_name: impl Into<String>) -> Self {
        Self {
            name: Name {
                formatted_name: formatted_name.into(),
                ..Name::default()
            },
            birthday: None,
            phones: Vec::new(),
            emails: Vec::new(),
            urls: Vec::new(),
            addresses: Vec::new(),
            org: None,
            vcard: None,
        }
    }

    /// Sets the given name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.name.first_name = Some(v.into());
        self
    }

    /// Sets the family name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.name.last_name = Some(v.into());
        self
    }

    /// Adds a phone number, with an optional kind (`CELL`, `WORK`…).
    pub fn phone(mut self, phone: impl Into<String>, kind_: Option<&str>) -> Self {
        self.phones.push(Phone {
            phone: phone.into(),
            kind: kind(kind_),
            wa_id: None,
        });
        self
    }

    /// Adds a phone number that is on WhatsApp as `wa_id`.
    pub fn whatsapp(mut self, phone: impl Into<String>, wa_id: impl Into<String>) -> Self {
        self.phones.push(Phone {
            phone: phone.into(),
            kind: None,
            wa_id: Some(wa_id.into()),
        });
        self
    }

    /// Adds an e-mail address.
    pub fn email(mut self, email: impl Into<String>, kind_: Option<&str>) -> Self {
        self.emails.push(Email {
            email: email.into(),
            kind: kind(kind_),
        });
        self
    }

    /// Adds a web address.
    pub fn url(mut self, url: impl Into<String>, kind_: Option<&str>) -> Self {
        self.urls.push(Url {
            url: url.into(),
            kind: kind(kind_),
        });
        self
    }

    /// Adds a postal address.
    pub fn address(mut self, address: Address) -> Self {
        self.addresses.push(address);
        self
    }

    /// Sets the organisation.
    pub fn org(mut self, org: Org) -> Self {
        self.org = Some(org);
        self
    }

    /// Sets the birthday, `YYYY-MM-DD`.
    pub fn birthday(mut self, date: impl Into<String>) -> Self {
        self.birthday = Some(date.into());
        self
    }

    pub(crate) fn check(&self, field: &str) -> Checked {
        if self.vcard.is_some() {
            return fail(
                format!("{field}.vcard"),
                "a vCard comes only in a contact the customer shared; send the card's fields",
            );
        }
        let n = &self.name;
        validate::text(
            &format!("{field}.name.formatted_name"),
            &n.formatted_name,
            1024,
        )?;
        let parts = [
            &n.first_name,
            &n.last_name,
            &n.middle_name,
            &n.prefix,
            &n.suffix,
        ];
        if !parts
            .iter()
            .any(|p| p.as_deref().is_some_and(|s| !s.trim().is_empty()))
        {
            return fail(
                format!("{field}.name"),
                "give at least one of first_name, last_name, middle_name, prefix, suffix",
            );
        }
        if let Some(b) = &self.birthday
            && chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d").is_err()
        {
            return fail(
                format!("{field}.birthday"),
                format!("{b:?} is not a date like 1990-05-31"),
            );
        }
        for (i, p) in self.phones.iter().enumerate() {
            validate::text(&format!("{field}.phones[{i}].phone"), &p.phone, 64)?;
        }
        for (i, e) in self.emails.iter().enumerate() {
            if !e.email.contains('@') {
                return fail(
                    format!("{field}.emails[{i}].email"),
                    format!("{:?} is not an e-mail address", e.email),
                );
            }
        }
        for (i, u) in self.urls.iter().enumerate() {
            validate::url(&format!("{field}.urls[{i}].url"), &u.url)?;
        }
        Ok(())
    }
}

/// Builder-style setters for the optional text fields of a struct.
macro_rules! setters {
    ($ty:ident { $($field:ident),* }) => {
        impl $ty {
            /// An empty value; fill it with the setters.
            pub fn new() -> Self {
                Self::default()
            }
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                pub fn $field(mut self, value: impl Into<String>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}

setters!(Org {
    company,
    department,
    title
});
setters!(Address {
    street,
    city,
    state,
    zip,
    country,
    country_code,
    kind
});
