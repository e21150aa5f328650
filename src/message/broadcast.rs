//! One message to many recipients.

use super::content::Content;
use super::single::{Encoded, source_and_reference};
use crate::error::ValidationError;
use crate::validate;
use serde::Serialize;

/// Most recipients accepted in one broadcast request by this client; split
/// larger lists so one bad request cannot lose thousands of messages.
pub const MAX_RECIPIENTS: usize = 1000;

/// The same content sent to several recipients in one request.
///
/// ```
/// use modica_wab::{Broadcast, Content};
/// let b = Broadcast::new(["+64211234567", "+64211234568"], Content::text("Store opens at 9")).reference("promo-7");
/// # let _ = b;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    recipients: Vec<String>,
    content: Content,
    source: Option<String>,
    reference: Option<String>,
}

impl Broadcast {
    /// `content` to every number in `recipients` (E.164).
    pub fn new(recipients: impl IntoIterator<Item = impl Into<String>>, content: Content) -> Self {
        Self {
            recipients: recipients.into_iter().map(Into::into).collect(),
            content,
            source: None,
            reference: None,
        }
    }

    /// What goes to every recipient.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// Sends from this source number instead of the client's default.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// A reference of yours, echoed in the response and delivery reports.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// The request body, checked: what [`crate::Client::broadcast`] posts.
    pub fn to_json(
        &self,
        default_source: Option<&str>,
    ) -> Result<serde_json::Value, ValidationError> {
        let encoded = self.encode(default_source)?;
        serde_json::from_slice(&encoded.body)
            .map_err(|e| ValidationError::new("body", e.to_string()))
    }

    /// Checks the broadcast and serializes its body, once.
    pub(crate) fn encode(&self, default_source: Option<&str>) -> Result<Encoded, ValidationError> {
        if self.recipients.is_empty() {
            return Err(ValidationError::new(
                "destination",
                "needs at least one recipient",
            ));
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(ValidationError::new(
                "destination",
                format!(
                    "{} recipients; split the list into requests of at most {MAX_RECIPIENTS}",
                    self.recipients.len()
                ),
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.recipients.len());
        for (i, to) in self.recipients.iter().enumerate() {
            validate::e164(&format!("destination[{i}]"), to)?;
            if !seen.insert(to.as_str()) {
                return Err(ValidationError::new(
                    format!("destination[{i}]"),
                    format!("{to} is listed twice"),
                ));
            }
        }
        if let Content::Reaction(_) = self.content {
            return Err(ValidationError::new(
                "reaction",
                "a reaction answers one message and cannot be broadcast",
            ));
        }
        let source = source_and_reference(
            self.source.as_deref().or(default_source),
            self.reference.as_deref(),
        )?;
        self.content.validate()?;
        let body = BroadcastBody {
            destination: &self.recipients,
            source,
            reference: self.reference.as_deref(),
            content: &self.content,
        };
        Ok(Encoded {
            body: serde_json::to_vec(&body)
                .map_err(|e| ValidationError::new("body", e.to_string()))?,
            source: source.to_owned(),
            recipients: self.recipients.clone(),
        })
    }
}

/// The `POST /messages/broadcast` body.
#[derive(Serialize)]
struct BroadcastBody<'a> {
    destination: &'a [String],
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    #[serde(flatten)]
    content: &'a Content,
}
