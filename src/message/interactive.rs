//! Interactive messages: reply buttons, lists, call-to-action URL buttons,
//! WhatsApp Flows, location requests, and products from a catalog.
//!
//! ```
//! use modica_wab::message::{Flow, Interactive, Message, ProductSection, ReplyButton};
//! let ask = Interactive::buttons("Deliver tomorrow?", [ReplyButton::new("yes", "Yes"), ReplyButton::new("no", "No")])
//!     .footer("Reply any time");
//! let book = Interactive::flow("Book your next visit", Flow::id("1234567890", "Book now").token("visit-42"));
//! let pin = Interactive::location_request("Where should we pick you up?");
//! let shelf = Interactive::product_list("Winter range", "Picked for you", "catalog-1",
//!     [ProductSection::new("Ferns", ["SKU-1", "SKU-2"])]);
//! let msgs = [ask, book, pin, shelf].map(|i| Message::interactive("+64211234567", i));
//! # let _ = msgs;
//! ```
//!
//! The limits checked before sending are Meta's, cited where they are
//! checked (Cloud API reference, "Interactive object" and "Action object";
//! "Sending a Flow"; "Location request messages"; "Share products").

use super::media::{Media, MediaKind};
use super::template::MAX_FLOW_TOKEN;
use crate::validate::{self, Checked, fail};
use serde::Serialize;
use serde_json::{Map, Value};

/// An interactive message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Interactive {
    #[serde(rename = "type")]
    kind: InteractiveKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<Header>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<TextObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    footer: Option<TextObject>,
    action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum InteractiveKind {
    Button,
    List,
    CtaUrl,
    Flow,
    LocationRequestMessage,
    Product,
    ProductList,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct TextObject {
    text: String,
}

/// The header of an interactive message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Header {
    /// Text, at most 60 characters.
    Text {
        /// The text.
        text: String,
    },
    /// An image.
    Image {
        /// The image.
        image: Media,
    },
    /// A video.
    Video {
        /// The video.
        video: Media,
    },
    /// A document.
    Document {
        /// The document.
        document: Media,
    },
}

impl Header {
    /// A text header.
    pub fn text(text: impl Into<String>) -> Self {
        Header::Text { text: text.into() }
    }

    fn check(&self, list: bool) -> Checked {
        match self {
            Header::Text { text } => validate::text("interactive.header.text", text, 60),
            _ if list => fail(
                "interactive.header",
                "list and product list messages take only a text header",
            ),
            Header::Image { image } => image.check("interactive.header.image", MediaKind::Image),
            Header::Video { video } => video.check("interactive.header.video", MediaKind::Video),
            Header::Document { document } => {
                document.check("interactive.header.document", MediaKind::Document)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum Action {
    Buttons {
        buttons: Vec<ButtonObject>,
    },
    List {
        button: String,
        sections: Vec<Section>,
    },
    CtaUrl {
        name: &'static str,
        parameters: CtaParameters,
    },
    Flow {
        name: &'static str,
        parameters: Box<Flow>,
    },
    LocationRequest {
        name: &'static str,
    },
    Product {
        catalog_id: String,
        product_retailer_id: String,
    },
    ProductList {
        catalog_id: String,
        sections: Vec<ProductSection>,
    },
}

/// A WhatsApp Flow to open from an interactive message: by its id or its
/// name, behind a button labelled `flow_cta`.
///
/// ```
/// use modica_wab::message::Flow;
/// let by_id = Flow::id("1234567890", "Book now").token("visit-42").navigate("APPOINTMENT");
/// let by_name = Flow::name("appointment_booking_v1", "Book now").data_exchange();
/// # let _ = (by_id, by_name);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Flow {
    /// Always `"3"` (Meta, "Sending a Flow": the only version accepted).
    flow_message_version: &'static str,
    /// Comes back in the flow's reply (`nfm_reply`), to tell replies apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_token: Option<String>,
    /// The flow's id…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    /// …or its name (exactly one of the two).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_name: Option<String>,
    /// The button's label.
    pub flow_cta: String,
    /// `draft` to send a flow not yet published.
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    /// `navigate` (to `flow_action_payload.screen`) or `data_exchange`
    /// (your endpoint chooses the first screen).
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow_action_payload: Option<FlowPayload>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct FlowPayload {
    screen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Map<String, Value>>,
}

/// The longest flow button label: 20 characters, no emoji. Meta's page
/// advises "30 characters or less (no emoji)"; whatsapp-api-js, pywa and
/// BSPs (Sinch) enforce 20, which every reading accepts.
pub const MAX_FLOW_CTA: usize = 20;

impl Flow {
    fn with(flow_id: Option<String>, flow_name: Option<String>, cta: String) -> Self {
        Self {
            flow_message_version: "3",
            flow_token: None,
            flow_id,
            flow_name,
            flow_cta: cta,
            mode: None,
            flow_action: None,
            flow_action_payload: None,
        }
    }

    /// The flow `id`, behind a button labelled `cta`.
    pub fn id(id: impl Into<String>, cta: impl Into<String>) -> Self {
        Self::with(Some(id.into()), None, cta.into())
    }

    /// The flow called `name`, behind a button labelled `cta`.
    pub fn name(name: impl Into<String>, cta: impl Into<String>) -> Self {
        Self::with(None, Some(name.into()), cta.into())
    }

    /// Sets the token that comes back in the flow's reply.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.flow_token = Some(token.into());
        self
    }

    /// Sends the flow's draft rather than its published version.
    pub fn draft(mut self) -> Self {
        self.mode = Some("draft");
        self
    }

    /// Opens the flow at `screen`.
    pub fn navigate(mut self, screen: impl Into<String>) -> Self {
        self.flow_action = Some("navigate");
        let data = self.flow_action_payload.take().and_then(|p| p.data);
        self.flow_action_payload = Some(FlowPayload {
            screen: screen.into(),
            data,
        });
        self
    }

    /// Sets the data for the first screen (a non-empty object; with
    /// [`navigate`](Self::navigate)).
    pub fn data(mut self, data: Map<String, Value>) -> Self {
        match &mut self.flow_action_payload {
            Some(p) => p.data = Some(data),
            None => {
                self.flow_action_payload = Some(FlowPayload {
                    screen: String::new(),
                    data: Some(data),
                })
            }
        }
        self
    }

    /// Lets your flow endpoint choose the first screen (no payload).
    pub fn data_exchange(mut self) -> Self {
        self.flow_action = Some("data_exchange");
        self
    }

    fn check(&self) -> Checked {
        const FIELD: &str = "interactive.action.parameters";
        match (&self.flow_id, &self.flow_name) {
            (Some(id), None) => validate::text(&format!("{FIELD}.flow_id"), id, 255)?,
            (None, Some(name)) => validate::text(&format!("{FIELD}.flow_name"), name, 255)?,
            _ => return fail(FIELD, "give exactly one of `flow_id` or `flow_name`"),
        }
        validate::text(&format!("{FIELD}.flow_cta"), &self.flow_cta, MAX_FLOW_CTA)?;
        if validate::has_emoji(&self.flow_cta) {
            return fail(
                format!("{FIELD}.flow_cta"),
                "a flow button's label holds no emoji",
            );
        }
        if let Some(token) = &self.flow_token {
            validate::text(&format!("{FIELD}.flow_token"), token, MAX_FLOW_TOKEN)?;
        }
        if let Some(payload) = &self.flow_action_payload {
            // Meta: the payload goes with `navigate` only; omit it for `data_exchange`.
            if self.flow_action == Some("data_exchange") {
                return fail(
                    format!("{FIELD}.flow_action_payload"),
                    "a data_exchange flow takes no payload: your endpoint answers with the first screen",
                );
            }
            validate::text(
                &format!("{FIELD}.flow_action_payload.screen"),
                &payload.screen,
                255,
            )
            .map_err(|e| {
                crate::error::ValidationError::new(
                    e.field,
                    format!("{}: data needs a screen to open (Flow::navigate)", e.reason),
                )
            })?;
            if payload.data.as_ref().is_some_and(Map::is_empty) {
                return fail(
                    format!("{FIELD}.flow_action_payload.data"),
                    "must be a non-empty object when given",
                );
            }
        }
        Ok(())
    }
}

/// A section of a product list: products by their retailer id (SKU).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProductSection {
    /// Title, required when there is more than one section; at most 24 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The products.
    pub product_items: Vec<ProductItem>,
}

/// A product of a catalog, by its retailer id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProductItem {
    /// The product's id in the catalog (its SKU).
    pub product_retailer_id: String,
}

impl ProductSection {
    /// A titled section of products.
    pub fn new<S: Into<String>>(
        title: impl Into<String>,
        products: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            title: Some(title.into()),
            product_items: Self::items(products),
        }
    }

    /// A section without a title (only valid as the single section).
    pub fn untitled<S: Into<String>>(products: impl IntoIterator<Item = S>) -> Self {
        Self {
            title: None,
            product_items: Self::items(products),
        }
    }

    fn items<S: Into<String>>(products: impl IntoIterator<Item = S>) -> Vec<ProductItem> {
        products
            .into_iter()
            .map(|p| ProductItem {
                product_retailer_id: p.into(),
            })
            .collect()
    }
}

/// The most products in one product list, across its sections: 30 (Meta,
/// "Share products": "up to 30 products … organised in sections"; pywa the same).
pub const MAX_PRODUCT_LIST_ITEMS: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ButtonObject {
    #[serde(rename = "type")]
    kind: &'static str,
    reply: ReplyButton,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct CtaParameters {
    display_text: String,
    url: String,
}

/// A reply button: the `id` comes back in the user's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReplyButton {
    /// Returned in the reply, at most 256 characters, unique in the message.
    pub id: String,
    /// Shown on the button, at most 20 characters.
    pub title: String,
}

impl ReplyButton {
    /// A button titled `title` that replies with `id`.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
        }
    }
}

/// A section of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Section {
    /// Title, required when there is more than one section; at most 24 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The rows.
    pub rows: Vec<Row>,
}

impl Section {
    /// A titled section.
    pub fn new(title: impl Into<String>, rows: impl IntoIterator<Item = Row>) -> Self {
        Self {
            title: Some(title.into()),
            rows: rows.into_iter().collect(),
        }
    }

    /// A section without a title (only valid as the single section).
    pub fn untitled(rows: impl IntoIterator<Item = Row>) -> Self {
        Self {
            title: None,
            rows: rows.into_iter().collect(),
        }
    }
}

/// A row of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Row {
    /// Returned in the reply, at most 200 characters, unique in the message.
    pub id: String,
    /// At most 24 characters.
    pub title: String,
    /// At most 72 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Row {
    /// A row titled `title` that replies with `id`.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl Interactive {
    /// Up to three reply buttons under `body`.
    pub fn buttons(
        body: impl Into<String>,
        buttons: impl IntoIterator<Item = ReplyButton>,
    ) -> Self {
        let buttons = buttons
            .into_iter()
            .map(|reply| ButtonObject {
                kind: "reply",
                reply,
            })
            .collect();
        Self::with(InteractiveKind::Button, body, Action::Buttons { buttons })
    }

    /// A list: `button` opens it; up to ten sections and ten rows in all.
    pub fn list(
        body: impl Into<String>,
        button: impl Into<String>,
        sections: impl IntoIterator<Item = Section>,
    ) -> Self {
        let action = Action::List {
            button: button.into(),
            sections: sections.into_iter().collect(),
        };
        Self::with(InteractiveKind::List, body, action)
    }

    /// A button that opens `url`, labelled `display_text`.
    pub fn cta_url(
        body: impl Into<String>,
        display_text: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        let parameters = CtaParameters {
            display_text: display_text.into(),
            url: url.into(),
        };
        Self::with(
            InteractiveKind::CtaUrl,
            body,
            Action::CtaUrl {
                name: "cta_url",
                parameters,
            },
        )
    }

    /// A button that opens a WhatsApp Flow; the customer's answers come
    /// back as an `nfm_reply` ([`InteractiveReply::FlowReply`](crate::callback::InteractiveReply::FlowReply)).
    pub fn flow(body: impl Into<String>, flow: Flow) -> Self {
        Self::with(
            InteractiveKind::Flow,
            body,
            Action::Flow {
                name: "flow",
                parameters: Box::new(flow),
            },
        )
    }

    /// Asks the customer to share their location, with a "Send location"
    /// button (Meta, "Location request messages": body only, at most 1024
    /// characters). The answer is a `location` MO whose context names this
    /// message.
    pub fn location_request(body: impl Into<String>) -> Self {
        Self::with(
            InteractiveKind::LocationRequestMessage,
            body,
            Action::LocationRequest {
                name: "send_location",
            },
        )
    }

    /// One product of the catalog `catalog_id` (Meta, "Share products": no
    /// header; body and footer optional, set with [`body`](Self::body) and
    /// [`footer`](Self::footer)).
    pub fn product(catalog_id: impl Into<String>, product_retailer_id: impl Into<String>) -> Self {
        Self {
            kind: InteractiveKind::Product,
            header: None,
            body: None,
            footer: None,
            action: Action::Product {
                catalog_id: catalog_id.into(),
                product_retailer_id: product_retailer_id.into(),
            },
        }
    }

    /// Up to 30 products of the catalog `catalog_id` in up to ten sections,
    /// under a text `header` (required) and `body`.
    pub fn product_list(
        header: impl Into<String>,
        body: impl Into<String>,
        catalog_id: impl Into<String>,
        sections: impl IntoIterator<Item = ProductSection>,
    ) -> Self {
        let action = Action::ProductList {
            catalog_id: catalog_id.into(),
            sections: sections.into_iter().collect(),
        };
        Self::with(InteractiveKind::ProductList, body, action).header(Header::text(header))
    }

    fn with(kind: InteractiveKind, body: impl Into<String>, action: Action) -> Self {
        Self {
            kind,
            header: None,
            body: Some(TextObject { text: body.into() }),
            footer: None,
            action,
        }
    }

    /// Sets the body text (at most 1024 characters).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(TextObject { text: body.into() });
        self
    }

    /// Sets the header.
    pub fn header(mut self, header: Header) -> Self {
        self.header = Some(header);
        self
    }

    /// Sets the footer, at most 60 characters.
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(TextObject {
            text: footer.into(),
        });
        self
    }

    pub(crate) fn check(&self) -> Checked {
        match &self.body {
            Some(body) => validate::text("interactive.body.text", &body.text, 1024)?,
            // A product message may go without a body; every other kind needs one.
            None if self.kind == InteractiveKind::Product => {}
            None => return fail("interactive.body", "this kind of message needs a body"),
        }
        if let Some(footer) = &self.footer {
            validate::text("interactive.footer.text", &footer.text, 60)?;
            if self.kind == InteractiveKind::LocationRequestMessage {
                return fail(
                    "interactive.footer",
                    "a location request has a body only (Meta documents no footer)",
                );
            }
        }
        match (&self.header, self.kind) {
            (Some(_), InteractiveKind::Product | InteractiveKind::LocationRequestMessage) => {
                return fail("interactive.header", "this kind of message takes no header");
            }
            (None, InteractiveKind::ProductList) => {
                return fail("interactive.header", "a product list needs a text header");
            }
            (Some(header), kind) => header.check(matches!(
                kind,
                InteractiveKind::List | InteractiveKind::ProductList
            ))?,
            (None, _) => {}
        }
        match &self.action {
            Action::Flow { parameters, .. } => parameters.check(),
            Action::LocationRequest { .. } => Ok(()),
            Action::Product {
                catalog_id,
                product_retailer_id,
            } => {
                validate::text("interactive.action.catalog_id", catalog_id, 255)?;
                validate::text(
                    "interactive.action.product_retailer_id",
                    product_retailer_id,
                    255,
                )
            }
            Action::ProductList {
                catalog_id,
                sections,
            } => {
                validate::text("interactive.action.catalog_id", catalog_id, 255)?;
                check_product_sections(sections)
            }
            Action::Buttons { buttons } => check_buttons(buttons),
            Action::List { button, sections } => check_list(button, sections),
            Action::CtaUrl { parameters, .. } => {
                validate::text(
                    "interactive.action.parameters.display_text",
                    &parameters.display_text,
                    20,
                )?;
                validate::url("interactive.action.parameters.url", &parameters.url)
            }
        }
    }
}

fn unique<'a>(field: String, seen: &mut Vec<&'a str>, value: &'a str) -> Checked {
    if seen.contains(&value) {
        return fail(field, format!("{value:?} is used twice; it must be unique"));
    }
    seen.push(value);
    Ok(())
}

fn check_buttons(buttons: &[ButtonObject]) -> Checked {
    if buttons.is_empty() || buttons.len() > 3 {
        return fail(
            "interactive.action.buttons",
            format!("needs 1 to 3 buttons, got {}", buttons.len()),
        );
    }
    let (mut ids, mut titles) = (Vec::new(), Vec::new());
    for (i, b) in buttons.iter().enumerate() {
        let field = format!("interactive.action.buttons[{i}].reply");
        validate::text(&format!("{field}.id"), &b.reply.id, 256)?;
        validate::text(&format!("{field}.title"), &b.reply.title, 20)?;
        unique(format!("{field}.id"), &mut ids, &b.reply.id)?;
        unique(format!("{field}.title"), &mut titles, &b.reply.title)?;
    }
    Ok(())
}

fn check_list(button: &str, sections: &[Section]) -> Checked {
    validate::text("interactive.action.button", button, 20)?;
    if sections.is_empty() || sections.len() > 10 {
        return fail(
            "interactive.action.sections",
            format!("needs 1 to 10 sections, got {}", sections.len()),
        );
    }
    let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
    if rows == 0 || rows > 10 {
        return fail(
            "interactive.action.sections",
            format!("needs 1 to 10 rows in all, got {rows}"),
        );
    }
    let mut ids = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let field = format!("interactive.action.sections[{i}]");
        check_section_title(&field, s.title.as_deref(), sections.len() > 1)?;
        if s.rows.is_empty() {
            return fail(format!("{field}.rows"), "a section needs at least one row");
        }
        for (j, r) in s.rows.iter().enumerate() {
            let rf = format!("{field}.rows[{j}]");
            validate::text(&format!("{rf}.id"), &r.id, 200)?;
            validate::text(&format!("{rf}.title"), &r.title, 24)?;
            if let Some(d) = &r.description {
                validate::max_len(&format!("{rf}.description"), d, 72)?;
            }
            unique(format!("{rf}.id"), &mut ids, &r.id)?;
        }
    }
    Ok(())
}

/// A section's title: up to 24 characters, and needed once there are
/// several sections (of rows or of products alike).
fn check_section_title(field: &str, title: Option<&str>, several: bool) -> Checked {
    match title {
        Some(t) => validate::text(&format!("{field}.title"), t, 24),
        None if several => fail(
            format!("{field}.title"),
            "needed when there are several sections",
        ),
        None => Ok(()),
    }
}

fn check_product_sections(sections: &[ProductSection]) -> Checked {
    if sections.is_empty() || sections.len() > 10 {
        return fail(
            "interactive.action.sections",
            format!("needs 1 to 10 sections, got {}", sections.len()),
        );
    }
    let items: usize = sections.iter().map(|s| s.product_items.len()).sum();
    if items > MAX_PRODUCT_LIST_ITEMS {
        return fail(
            "interactive.action.sections",
            format!("holds at most {MAX_PRODUCT_LIST_ITEMS} products in all, got {items}"),
        );
    }
    for (i, s) in sections.iter().enumerate() {
        let field = format!("interactive.action.sections[{i}]");
        check_section_title(&field, s.title.as_deref(), sections.len() > 1)?;
        if s.product_items.is_empty() {
            return fail(
                format!("{field}.product_items"),
                "a section needs at least one product",
            );
        }
        for (j, p) in s.product_items.iter().enumerate() {
            validate::text(
                &format!("{field}.product_items[{j}].product_retailer_id"),
                &p.product_retailer_id,
                255,
            )?;
        }
    }
    Ok(())
}
