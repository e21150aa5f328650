//! Template messages: a pre-approved template with its parameters.
//!
//! Parameters fill the template's placeholders in order (`{{1}}`, `{{2}}`…),
//! or by name when the template names them (`{{order_id}}`):
//!
//! ```
//! use modica_wab::message::{Message, Parameter, Template};
//! let positional = Template::new("order_update", "en")
//!     .body([Parameter::text("Aroha"), Parameter::currency("$12.50", "NZD", 12_500)])
//!     .quick_reply_button(0, "track-42");
//! let named = Template::new("order_shipped", "en")
//!     .body([
//!         Parameter::text("Aroha").named("first_name"),
//!         Parameter::text("A-1017").named("order_id"),
//!     ]);
//! let msg = Message::template("+64211234567", named);
//! # let _ = (msg, positional);
//! ```
//!
//! Authentication templates carry a one-time code; carousel templates carry
//! cards; a flow button opens a WhatsApp Flow:
//!
//! ```
//! use modica_wab::message::{Card, FlowAction, Media, Parameter, Template};
//! let otp = Template::authentication("verify_code", "en", "482913");
//! let sale = Template::new("winter_sale", "en")
//!     .body([Parameter::text("Aroha")])
//!     .carousel([
//!         Card::image(Media::id("1558081531584829")).quick_reply_button(0, "more-aloes"),
//!         Card::image(Media::id("1558081531584830")).quick_reply_button(0, "more-ferns"),
//!     ]);
//! let booking = Template::new("book_a_visit", "en").flow_button(0, FlowAction::new().token("visit-42"));
//! # let _ = (otp, sale, booking);
//! ```

use super::media::{Media, MediaKind};
use crate::validate::{self, Checked, fail};
use serde::Serialize;
use serde_json::{Map, Value};

/// A template by name and language, with the parameters of its components.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Template {
    /// The template's name as approved (lower case, digits, underscores).
    pub name: String,
    /// The template's language.
    pub language: Language,
    /// Parameters for the header, body and buttons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Built by [`Template::authentication`]: it carries a one-time code,
    /// which WhatsApp sends only to a phone number (131062 to a BSUID).
    #[serde(skip)]
    authentication: bool,
}

/// The longest one-time code of an authentication template: 15 characters
/// (Meta, "Copy code authentication templates", the `<ONE-TIME PASSWORD>`
/// row of "Sending authentication templates"; pywa documents the same).
pub const MAX_OTP_LEN: usize = 15;

/// The fewest and most cards of a carousel template: 2 to 10 (Meta,
/// "Media card carousel templates": "minimum 2, maximum 10"; an approved
/// template is sent with the number of cards it was created with).
pub const CAROUSEL_CARDS: std::ops::RangeInclusive<usize> = 2..=10;

/// The most buttons on one carousel card: 2 (Meta, "Media card carousel
/// templates").
pub const MAX_CARD_BUTTONS: usize = 2;

/// A template language (`en`, `en_US`, `mi`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Language {
    /// The language code.
    pub code: String,
}

/// The parameters of one part of a template.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Component {
    /// Which part.
    #[serde(rename = "type")]
    pub kind: ComponentKind,
    /// For buttons: which kind of button.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<ButtonKind>,
    /// For buttons: the button's position, `"0"` to `"9"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// The values, in placeholder order (none for a carousel).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// For a carousel: its cards, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<Card>,
}

/// One card of a carousel template: a media header (required), body
/// parameters and up to two buttons, built like a template of its own.
///
/// Every card of a carousel has the same parts (Meta: "if any card has a
/// card body, all must"), each card's button `index` counting from 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Card {
    /// Its position in the carousel (set by [`Template::carousel`]).
    pub card_index: usize,
    /// Its header, body and buttons.
    pub components: Vec<Component>,
}

impl Card {
    /// A card with an image header (by media id, as Meta documents it).
    pub fn image(media: Media) -> Self {
        Self::with_header(Parameter::image(media))
    }

    /// A card with a video header.
    pub fn video(media: Media) -> Self {
        Self::with_header(Parameter::video(media))
    }

    fn with_header(header: Parameter) -> Self {
        Self {
            card_index: 0,
            components: vec![Component::header([header])],
        }
    }

    /// Sets the card's body parameters (its text holds at most 160
    /// characters, parameters included: Meta, "Media card carousel templates").
    pub fn body(mut self, parameters: impl IntoIterator<Item = Parameter>) -> Self {
        self.components.push(Component::body(parameters));
        self
    }

    /// Sets the payload of the card's quick-reply button at `index`.
    pub fn quick_reply_button(mut self, index: u8, payload: impl Into<String>) -> Self {
        self.components.push(Component::button(
            ButtonKind::QuickReply,
            index,
            [Parameter::payload(payload)],
        ));
        self
    }

    /// Sets the URL suffix of the card's URL button at `index`.
    pub fn url_button(mut self, index: u8, suffix: impl Into<String>) -> Self {
        self.components.push(Component::button(
            ButtonKind::Url,
            index,
            [Parameter::text(suffix)],
        ));
        self
    }

    /// The parts a card shows, as compared across cards: kind, button kind
    /// and index, and how many parameters.
    fn shape(&self) -> Vec<(ComponentKind, Option<ButtonKind>, Option<&str>, usize)> {
        self.components
            .iter()
            .map(|c| (c.kind, c.sub_type, c.index.as_deref(), c.parameters.len()))
            .collect()
    }

    fn check(&self, field: &str, position: usize) -> Checked {
        if self.card_index != position {
            return fail(
                format!("{field}.card_index"),
                format!(
                    "is {}; cards are numbered in order from 0, this one is {position}",
                    self.card_index
                ),
            );
        }
        let headers: Vec<&Component> = self
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::Header)
            .collect();
        let header_is_media = headers.len() == 1
            && headers[0].parameters.len() == 1
            && matches!(
                headers[0].parameters[0].value,
                ParameterValue::Image { .. } | ParameterValue::Video { .. }
            );
        if !header_is_media {
            return fail(
                format!("{field}.components"),
                "a card needs one header, an image or a video",
            );
        }
        let buttons = self
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::Button)
            .count();
        if buttons > MAX_CARD_BUTTONS {
            return fail(
                format!("{field}.components"),
                format!("a card holds at most {MAX_CARD_BUTTONS} buttons, got {buttons}"),
            );
        }
        let mut seen = Vec::new();
        for (i, c) in self.components.iter().enumerate() {
            let cf = format!("{field}.components[{i}]");
            if matches!(c.kind, ComponentKind::Carousel) {
                return fail(cf, "a card cannot hold a carousel");
            }
            let key = (c.kind, c.index.clone());
            if seen.contains(&key) {
                return fail(cf, "this component is given twice");
            }
            seen.push(key);
            c.check(&cf)?;
        }
        Ok(())
    }
}

/// What a flow button (or an interactive flow message) opens the flow
/// with: a token of yours that comes back in the flow's reply (WhatsApp
/// uses `"unused"` when none is given), and data for its first screen.
///
/// ```
/// use modica_wab::message::FlowAction;
/// let open = FlowAction::new()
///     .token("visit-42")
///     .data(serde_json::json!({"clinic": "Ponsonby"}).as_object().unwrap().clone());
/// # let _ = open;
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct FlowAction {
    /// Comes back in the flow's `nfm_reply` (as `flow_token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_token: Option<String>,
    /// Data for the flow's first screen: a non-empty JSON object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_action_data: Option<Map<String, Value>>,
}

impl FlowAction {
    /// No token, no data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the token that comes back in the flow's reply.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.flow_token = Some(token.into());
        self
    }

    /// Sets the data for the flow's first screen.
    pub fn data(mut self, data: Map<String, Value>) -> Self {
        self.flow_action_data = Some(data);
        self
    }

    pub(crate) fn check(&self, field: &str) -> Checked {
        if let Some(token) = &self.flow_token {
            validate::text(&format!("{field}.flow_token"), token, MAX_FLOW_TOKEN)?;
        }
        if self.flow_action_data.as_ref().is_some_and(Map::is_empty) {
            return fail(
                format!("{field}.flow_action_data"),
                "must be a non-empty object when given (Meta, \"Sending a Flow\")",
            );
        }
        Ok(())
    }
}

/// Meta documents no limit on a flow token; this bound keeps a runaway
/// value from becoming a megabyte message.
pub(crate) const MAX_FLOW_TOKEN: usize = 4096;

/// The parts of a template that take parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ComponentKind {
    /// The header (one parameter: text or media).
    Header,
    /// The body (text, currency and date-time parameters).
    Body,
    /// A button.
    Button,
    /// The cards of a carousel template.
    Carousel,
}

/// The kinds of template button that take a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ButtonKind {
    /// A quick-reply button: its parameter is a `payload` returned when tapped.
    QuickReply,
    /// A URL button: its parameter is `text` appended to the template's URL.
    /// Authentication templates' copy-code and one-tap buttons are sent as
    /// this kind too, at index 0, with the code (Meta: "upon creation the
    /// button type will be set to URL").
    Url,
    /// A flow button: its parameter is an `action` opening a WhatsApp Flow.
    Flow,
    /// A marketing template's copy-code button: its parameter is a
    /// `coupon_code` (at most 15 characters).
    CopyCode,
}

/// One template parameter value, positional or named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    /// The placeholder's name, for templates with named parameters.
    #[serde(rename = "parameter_name", skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(flatten)]
    value: ParameterValue,
}

/// Longest parameter name accepted (Meta's names are short identifiers).
const MAX_PARAMETER_NAME: usize = 512;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ParameterValue {
    Text { text: String },
    Currency { currency: Currency },
    DateTime { date_time: DateTime },
    Image { image: Media },
    Document { document: Media },
    Video { video: Media },
    Payload { payload: String },
    Action { action: FlowAction },
    CouponCode { coupon_code: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Currency {
    fallback_value: String,
    code: String,
    amount_1000: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct DateTime {
    fallback_value: String,
}

impl Parameter {
    fn of(value: ParameterValue) -> Self {
        Self { name: None, value }
    }

    /// The same value for the placeholder `name` (`{{name}}`), for templates
    /// created with named parameters. Within one component, name every
    /// parameter or none; names hold lower-case letters, digits and `_`.
    ///
    /// ```
    /// use modica_wab::message::Parameter;
    /// let p = Parameter::text("A-1017").named("order_id");
    /// assert_eq!(p.name(), Some("order_id"));
    /// assert_eq!(
    ///     serde_json::to_value(&p).unwrap(),
    ///     serde_json::json!({"type": "text", "text": "A-1017", "parameter_name": "order_id"})
    /// );
    /// ```
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The placeholder name, when the parameter is named.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A text value.
    pub fn text(text: impl Into<String>) -> Self {
        Self::of(ParameterValue::Text { text: text.into() })
    }

    /// A money amount: `fallback` as shown, ISO 4217 `code`, amount × 1000.
    pub fn currency(
        fallback: impl Into<String>,
        code: impl Into<String>,
        amount_1000: i64,
    ) -> Self {
        Self::of(ParameterValue::Currency {
            currency: Currency {
                fallback_value: fallback.into(),
                code: code.into(),
                amount_1000,
            },
        })
    }

    /// A date and time, shown as `fallback`.
    pub fn date_time(fallback: impl Into<String>) -> Self {
        Self::of(ParameterValue::DateTime {
            date_time: DateTime {
                fallback_value: fallback.into(),
            },
        })
    }

    /// An image (header).
    pub fn image(media: Media) -> Self {
        Self::of(ParameterValue::Image { image: media })
    }

    /// A document (header).
    pub fn document(media: Media) -> Self {
        Self::of(ParameterValue::Document { document: media })
    }

    /// A video (header).
    pub fn video(media: Media) -> Self {
        Self::of(ParameterValue::Video { video: media })
    }

    /// A quick-reply button's payload.
    pub fn payload(payload: impl Into<String>) -> Self {
        Self::of(ParameterValue::Payload {
            payload: payload.into(),
        })
    }

    /// A flow button's parameter: what the flow opens with.
    pub fn flow_action(action: FlowAction) -> Self {
        Self::of(ParameterValue::Action { action })
    }

    /// A marketing copy-code button's coupon code (at most 15 characters).
    pub fn coupon_code(code: impl Into<String>) -> Self {
        Self::of(ParameterValue::CouponCode {
            coupon_code: code.into(),
        })
    }

    /// The text value, when the parameter is text.
    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            ParameterValue::Text { text } => Some(text),
            _ => None,
        }
    }

    fn type_name(&self) -> &'static str {
        match &self.value {
            ParameterValue::Text { .. } => "text",
            ParameterValue::Currency { .. } => "currency",
            ParameterValue::DateTime { .. } => "date_time",
            ParameterValue::Image { .. } => "image",
            ParameterValue::Document { .. } => "document",
            ParameterValue::Video { .. } => "video",
            ParameterValue::Payload { .. } => "payload",
            ParameterValue::Action { .. } => "action",
            ParameterValue::CouponCode { .. } => "coupon_code",
        }
    }

    fn check(&self, field: &str) -> Checked {
        if let Some(name) = &self.name {
            let ok = !name.is_empty()
                && name.len() <= MAX_PARAMETER_NAME
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return fail(
                    format!("{field}.parameter_name"),
                    format!(
                        "{name:?} is not a parameter name: lower-case letters, digits and `_`, 1 to {MAX_PARAMETER_NAME}"
                    ),
                );
            }
        }
        match &self.value {
            ParameterValue::Text { text } | ParameterValue::Payload { payload: text } => {
                validate::text(&format!("{field}.{}", self.type_name()), text, 32_768)
            }
            ParameterValue::Currency { currency } => {
                validate::text(
                    &format!("{field}.currency.fallback_value"),
                    &currency.fallback_value,
                    1024,
                )?;
                let code = &currency.code;
                if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                    return fail(
                        format!("{field}.currency.code"),
                        format!("{code:?} is not an ISO 4217 code like NZD"),
                    );
                }
                Ok(())
            }
            ParameterValue::DateTime { date_time } => validate::text(
                &format!("{field}.date_time.fallback_value"),
                &date_time.fallback_value,
                1024,
            ),
            ParameterValue::Image { image } => {
                image.check(&format!("{field}.image"), MediaKind::Image)
            }
            ParameterValue::Document { document } => {
                document.check(&format!("{field}.document"), MediaKind::Document)
            }
            ParameterValue::Video { video } => {
                video.check(&format!("{field}.video"), MediaKind::Video)
            }
            ParameterValue::Action { action } => action.check(&format!("{field}.action")),
            // Coupon codes: at most 15 characters (Meta, "Coupon code
            // templates"; pywa `CopyCodeButton`).
            ParameterValue::CouponCode { coupon_code } => {
                validate::text(&format!("{field}.coupon_code"), coupon_code, MAX_OTP_LEN)
            }
        }
    }
}

impl Component {
    /// Header parameters (one text or media value).
    pub fn header(parameters: impl IntoIterator<Item = Parameter>) -> Self {
        Self {
            kind: ComponentKind::Header,
            sub_type: None,
            index: None,
            parameters: parameters.into_iter().collect(),
            cards: Vec::new(),
        }
    }

    /// Body parameters, in placeholder order.
    pub fn body(parameters: impl IntoIterator<Item = Parameter>) -> Self {
        Self {
            kind: ComponentKind::Body,
            sub_type: None,
            index: None,
            parameters: parameters.into_iter().collect(),
            cards: Vec::new(),
        }
    }

    /// The parameter of the button at `index` (0-based).
    pub fn button(
        kind: ButtonKind,
        index: u8,
        parameters: impl IntoIterator<Item = Parameter>,
    ) -> Self {
        Self {
            kind: ComponentKind::Button,
            sub_type: Some(kind),
            index: Some(index.to_string()),
            parameters: parameters.into_iter().collect(),
            cards: Vec::new(),
        }
    }

    /// A carousel of `cards`, numbered in the order given.
    pub fn carousel(cards: impl IntoIterator<Item = Card>) -> Self {
        Self {
            kind: ComponentKind::Carousel,
            sub_type: None,
            index: None,
            parameters: Vec::new(),
            cards: cards
                .into_iter()
                .enumerate()
                .map(|(card_index, card)| Card { card_index, ..card })
                .collect(),
        }
    }

    fn check(&self, field: &str) -> Checked {
        if self.kind == ComponentKind::Carousel {
            return self.check_carousel(field);
        }
        if !self.cards.is_empty() {
            return fail(format!("{field}.cards"), "only a carousel holds cards");
        }
        let allowed: &[&str] = match (self.kind, self.sub_type) {
            (ComponentKind::Header, _) => &[
                "text",
                "currency",
                "date_time",
                "image",
                "document",
                "video",
            ],
            (ComponentKind::Body, _) => &["text", "currency", "date_time"],
            (ComponentKind::Button, Some(ButtonKind::QuickReply)) => &["payload"],
            (ComponentKind::Button, Some(ButtonKind::Url)) => &["text"],
            (ComponentKind::Button, Some(ButtonKind::Flow)) => &["action"],
            (ComponentKind::Button, Some(ButtonKind::CopyCode)) => &["coupon_code"],
            (ComponentKind::Carousel, _) => &[],
            (ComponentKind::Button, None) => {
                return fail(format!("{field}.sub_type"), "a button needs a sub_type");
            }
        };
        if self.kind == ComponentKind::Button {
            let index_ok = self
                .index
                .as_deref()
                .and_then(|i| i.parse::<u8>().ok())
                .is_some_and(|i| i <= 9);
            if !index_ok {
                return fail(
                    format!("{field}.index"),
                    "a button needs an index from 0 to 9",
                );
            }
        }
        if self.kind != ComponentKind::Body && self.parameters.len() != 1 {
            return fail(
                format!("{field}.parameters"),
                format!("takes exactly one parameter, got {}", self.parameters.len()),
            );
        }
        let named = self.parameters.iter().filter(|p| p.name.is_some()).count();
        if named != 0 && named != self.parameters.len() {
            return fail(
                format!("{field}.parameters"),
                format!(
                    "{named} of {} parameters are named: within one component, name all of them or none",
                    self.parameters.len()
                ),
            );
        }
        for (i, p) in self.parameters.iter().enumerate() {
            let pf = format!("{field}.parameters[{i}]");
            if let Some(name) = &p.name
                && self.parameters[..i]
                    .iter()
                    .any(|q| q.name.as_ref() == Some(name))
            {
                return fail(
                    format!("{pf}.parameter_name"),
                    format!("{name:?} is given twice in this component"),
                );
            }
            if !allowed.contains(&p.type_name()) {
                return fail(
                    pf,
                    format!(
                        "a `{}` parameter is not allowed here; use one of {allowed:?}",
                        p.type_name()
                    ),
                );
            }
            p.check(&pf)?;
        }
        Ok(())
    }

    fn check_carousel(&self, field: &str) -> Checked {
        if !self.parameters.is_empty() || self.sub_type.is_some() || self.index.is_some() {
            return fail(
                field.to_owned(),
                "a carousel holds only its cards: no parameters, sub_type or index",
            );
        }
        let n = self.cards.len();
        if !CAROUSEL_CARDS.contains(&n) {
            return fail(
                format!("{field}.cards"),
                format!(
                    "a carousel holds {} to {} cards, got {n}",
                    CAROUSEL_CARDS.start(),
                    CAROUSEL_CARDS.end()
                ),
            );
        }
        for (i, card) in self.cards.iter().enumerate() {
            card.check(&format!("{field}.cards[{i}]"), i)?;
        }
        let first = self.cards[0].shape();
        if let Some(i) = self.cards.iter().position(|c| c.shape() != first) {
            return fail(
                format!("{field}.cards[{i}]"),
                "every card of a carousel has the same parts (header, body, buttons) as the first",
            );
        }
        Ok(())
    }
}

impl Template {
    /// The template `name` in language `language` (e.g. `en_US`).
    pub fn new(name: impl Into<String>, language: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            language: Language {
                code: language.into(),
            },
            components: Vec::new(),
            authentication: false,
        }
    }

    /// An authentication template carrying the one-time `code` (at most 15
    /// characters): in the body and again as the parameter of its copy-code
    /// or one-tap button, which is sent as the URL button at index 0 (Meta,
    /// "Sending authentication templates": the code "must appear twice").
    /// It goes only to a phone number: to a customer known by BSUID the
    /// client refuses it before sending, as WhatsApp would (131062).
    ///
    /// ```
    /// use modica_wab::message::Template;
    /// let otp = Template::authentication("verify_code", "en", "482913");
    /// assert!(otp.is_authentication());
    /// assert_eq!(
    ///     serde_json::to_value(&otp).unwrap()["components"][1],
    ///     serde_json::json!({"type": "button", "sub_type": "url", "index": "0",
    ///         "parameters": [{"type": "text", "text": "482913"}]})
    /// );
    /// ```
    pub fn authentication(
        name: impl Into<String>,
        language: impl Into<String>,
        code: impl Into<String>,
    ) -> Self {
        let code = code.into();
        let mut template = Self::new(name, language)
            .body([Parameter::text(code.clone())])
            .url_button(0, code);
        template.authentication = true;
        template
    }

    /// Whether it was built by [`Template::authentication`].
    pub fn is_authentication(&self) -> bool {
        self.authentication
    }

    /// Sets the carousel's cards (2 to 10, each with the same parts),
    /// numbered in the order given. A carousel template's own parts are its
    /// body and its cards.
    pub fn carousel(self, cards: impl IntoIterator<Item = Card>) -> Self {
        self.component(Component::carousel(cards))
    }

    /// Sets what the flow button at `index` opens the flow with.
    pub fn flow_button(self, index: u8, action: FlowAction) -> Self {
        self.component(Component::button(
            ButtonKind::Flow,
            index,
            [Parameter::flow_action(action)],
        ))
    }

    /// Sets the coupon code of the copy-code button at `index` (a marketing
    /// template; at most 15 characters).
    pub fn copy_code_button(self, index: u8, code: impl Into<String>) -> Self {
        self.component(Component::button(
            ButtonKind::CopyCode,
            index,
            [Parameter::coupon_code(code)],
        ))
    }

    /// Sets the header parameter (text or media).
    pub fn header(self, parameter: Parameter) -> Self {
        self.component(Component::header([parameter]))
    }

    /// Sets the body parameters: in placeholder order, or each
    /// [`named`](Parameter::named) for a template with named parameters.
    pub fn body(self, parameters: impl IntoIterator<Item = Parameter>) -> Self {
        self.component(Component::body(parameters))
    }

    /// Sets the payload of the quick-reply button at `index`.
    pub fn quick_reply_button(self, index: u8, payload: impl Into<String>) -> Self {
        self.component(Component::button(
            ButtonKind::QuickReply,
            index,
            [Parameter::payload(payload)],
        ))
    }

    /// Sets the URL suffix of the URL button at `index`.
    pub fn url_button(self, index: u8, suffix: impl Into<String>) -> Self {
        self.component(Component::button(
            ButtonKind::Url,
            index,
            [Parameter::text(suffix)],
        ))
    }

    /// Adds a component as is.
    pub fn component(mut self, component: Component) -> Self {
        self.components.push(component);
        self
    }

    pub(crate) fn check(&self) -> Checked {
        validate::text("template.name", &self.name, 512)?;
        if !self
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return fail(
                "template.name",
                format!(
                    "{:?} may hold only lower-case letters, digits and `_`",
                    self.name
                ),
            );
        }
        let code = &self.language.code;
        let code_ok = (2..=15).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_');
        if !code_ok {
            return fail(
                "template.language.code",
                format!("{code:?} is not a language code like en or en_US"),
            );
        }
        let mut seen = Vec::new();
        for (i, c) in self.components.iter().enumerate() {
            let field = format!("template.components[{i}]");
            let key = (c.kind, c.index.clone());
            if seen.contains(&key) {
                return fail(field, "this component is given twice");
            }
            seen.push(key);
            c.check(&field)?;
        }
        let carousel = self
            .components
            .iter()
            .any(|c| c.kind == ComponentKind::Carousel);
        if carousel
            && let Some(i) = self
                .components
                .iter()
                .position(|c| !matches!(c.kind, ComponentKind::Body | ComponentKind::Carousel))
        {
            return fail(
                format!("template.components[{i}]"),
                "a carousel template's own parts are its body and its cards; headers and buttons go on the cards",
            );
        }
        if self.authentication {
            self.check_authentication()?;
        }
        Ok(())
    }

    fn check_authentication(&self) -> Checked {
        let code = self
            .components
            .iter()
            .find(|c| c.kind == ComponentKind::Body)
            .and_then(|c| c.parameters.first())
            .and_then(Parameter::as_text)
            .unwrap_or_default();
        validate::text(
            "template.components[0].parameters[0].text",
            code,
            MAX_OTP_LEN,
        )?;
        if code.chars().any(char::is_whitespace) {
            return fail(
                "template.components[0].parameters[0].text",
                "a one-time code holds no spaces",
            );
        }
        Ok(())
    }
}
