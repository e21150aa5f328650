//! What the commands print: one line of JSON per result with `--json`, a
//! line or a few for people without.

use modica_wab::callback::{Callback, CallbackContext, InboundKind, InteractiveReply};
use modica_wab::response::{
    Accepted, BroadcastAccepted, FallbackReason, MessageRecord, SentAs, ServiceStatus, Source,
    UploadedMedia,
};
use serde::Serialize;
use std::fmt::Write as _;

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
}

/// A result that prints for people as well as for programs.
pub trait Render: Serialize {
    fn human(&self) -> String;
}

impl Out {
    /// Writes `value` to stdout. Fails (rather than panicking, as `println!`
    /// would) when stdout is closed, e.g. `wab listen | head -1`.
    pub fn print(&self, value: &impl Render) -> std::io::Result<()> {
        use std::io::Write as _;
        let text = if self.json {
            json_line(value)?
        } else {
            value.human()
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()
    }

    /// For results: a closed stdout is not worth failing the command over.
    pub fn show(&self, value: &impl Render) {
        let _ = self.print(value);
    }
}

/// Whether `c` could drive a terminal or reorder what it shows: C0 and C1
/// controls (escape sequences, carriage returns, newlines, CSI as U+009B,
/// NEL), DEL, the line and paragraph separators, and the bidirectional
/// marks, embeddings, overrides and isolates.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text from the network, fit for a terminal: every character that could
/// drive it or reorder what it shows is written as an escape, so a message
/// cannot erase, forge or reorder lines.
pub fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON on one line whose strings write every character [`safe`] escapes as
/// `\uXXXX` (serde_json escapes only C0 controls): a JSON line shown in a
/// terminal cannot drive it either, and reads back as the same text.
pub fn json_line(value: &impl Serialize) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, TerminalSafe);
    value
        .serialize(&mut serializer)
        .map_err(std::io::Error::other)?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

/// serde_json's compact output, with [`unsafe_char`]s escaped in strings.
struct TerminalSafe;

impl serde_json::ser::Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if unsafe_char(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every such character is in the Basic Multilingual Plane.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

fn reference(r: Option<&str>) -> String {
    r.filter(|r| !r.is_empty())
        .map_or_else(String::new, |r| format!(" (reference {})", safe(r)))
}

impl Render for Accepted {
    fn human(&self) -> String {
        let fallback = match (self.sent_as, self.fallback_reason) {
            (SentAs::Fallback, Some(FallbackReason::RefusedOutsideWindow)) => {
                " (its fallback template went out: WhatsApp refused the message, 131047)"
            }
            (SentAs::Fallback, _) => " (its fallback template went out: the window was closed)",
            _ => "",
        };
        format!(
            "{} {}{}{fallback}",
            safe(&self.status),
            safe(&self.id),
            reference(self.reference.as_deref())
        )
    }
}

impl Render for Vec<BroadcastAccepted> {
    fn human(&self) -> String {
        let lines: Vec<String> = self
            .iter()
            .map(|a| {
                format!(
                    "{} {} for {}{}",
                    safe(&a.status),
                    safe(&a.id),
                    safe(&a.destination),
                    reference(a.reference.as_deref())
                )
            })
            .collect();
        lines.join("\n")
    }
}

impl Render for MessageRecord {
    fn human(&self) -> String {
        let mut out = format!("id:          {}", safe(&self.id));
        let fields = [
            ("direction", &self.direction),
            ("type", &self.kind),
            ("from", &self.source),
            ("to", &self.destination),
            ("reference", &self.reference),
            ("status", &self.status),
            ("created", &self.created_at),
            ("updated", &self.updated_at),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                let _ = write!(out, "\n{:<12} {}", format!("{name}:"), safe(v));
            }
        }
        if let Some(content) = &self.content {
            let _ = write!(out, "\n{:<12} {}", "content:", safe(&content.to_string()));
        }
        out
    }
}

impl Render for UploadedMedia {
    fn human(&self) -> String {
        format!("uploaded as {}", safe(&self.id))
    }
}

impl Render for Source {
    fn human(&self) -> String {
        let mut line = safe(&self.source);
        if let Some(name) = &self.name {
            let _ = write!(line, "  {}", safe(name));
        }
        if let Some(status) = &self.status {
            let _ = write!(line, "  [{}]", safe(status));
        }
        line
    }
}

impl Render for Vec<Source> {
    fn human(&self) -> String {
        if self.is_empty() {
            return "no sources".to_owned();
        }
        self.iter()
            .map(Source::human)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Render for ServiceStatus {
    fn human(&self) -> String {
        match &self.version {
            Some(v) => format!("{} (version {})", safe(&self.status), safe(v)),
            None => safe(&self.status),
        }
    }
}

/// A downloaded media file.
#[derive(Serialize)]
pub struct Downloaded {
    pub id: String,
    pub file: std::path::PathBuf,
    pub bytes: u64,
    pub content_type: Option<String>,
}

impl Render for Downloaded {
    fn human(&self) -> String {
        format!(
            "wrote {} bytes of {} to {}",
            self.bytes,
            safe(self.content_type.as_deref().unwrap_or("media")),
            safe(&self.file.display().to_string())
        )
    }
}

/// A running sandbox: where it is and how to reach it.
#[derive(Serialize)]
pub struct SandboxInfo {
    pub base_url: String,
    pub username: String,
    pub password: String,
    pub business_number: String,
    /// The chat view's address, when it is served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_url: Option<String>,
}

impl Render for SandboxInfo {
    fn human(&self) -> String {
        let mut text = format!(
            "MODICA_BASE_URL={}\nMODICA_USERNAME={}\nMODICA_PASSWORD={}\nMODICA_SOURCE={}",
            self.base_url, self.username, self.password, self.business_number
        );
        if let Some(chat) = &self.chat_url {
            text.push_str(&format!("\nchat view: {chat}"));
        }
        text
    }
}

/// `wab check`: the message passed every check, and the body `send` would post.
#[derive(Serialize)]
pub struct Checked {
    pub ok: bool,
    pub message_type: &'static str,
    /// How many templates the registry held, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templates: Option<usize>,
    pub body: serde_json::Value,
}

impl Render for Checked {
    fn human(&self) -> String {
        let against = match self.templates {
            Some(n) => format!(" and the {n} template(s) of the registry"),
            None => String::new(),
        };
        format!(
            "ok: this {} message passes the local checks{against}; nothing was sent\n{}",
            self.message_type,
            safe(&self.body.to_string())
        )
    }
}

/// One event `wab listen` received.
#[derive(Serialize)]
pub struct EventLine {
    kind: &'static str,
    event: Callback,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The configured URL it came to (no credentials), and the account.
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    received_at: String,
}

impl EventLine {
    pub fn new(event: Callback, context: CallbackContext) -> Self {
        let kind = match &event {
            Callback::Mo(_) => "mo",
            Callback::Dlr(_) => "dlr",
            Callback::Malformed { .. } => "malformed",
            _ => "unknown",
        };
        let error = match &event {
            Callback::Malformed { error, .. } => Some(error.to_string()),
            _ => None,
        };
        Self {
            kind,
            event,
            error,
            url: context.url().to_owned(),
            account: context.username().map(str::to_owned),
            received_at: chrono::DateTime::<chrono::Utc>::from(context.received_at())
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }
}

/// A short description of an inbound message's content.
fn summary(message: &InboundKind) -> String {
    match message {
        InboundKind::Text(t) => format!("\"{}\"", safe(&t.body)),
        InboundKind::Image(m)
        | InboundKind::Audio(m)
        | InboundKind::Video(m)
        | InboundKind::Document(m)
        | InboundKind::Sticker(m) => format!("[media {}]", safe(&m.id)),
        InboundKind::Location(l) => format!("[location {}, {}]", l.latitude, l.longitude),
        InboundKind::Contacts(c) => format!("[{} contact card(s)]", c.len()),
        InboundKind::Button(b) => format!("[button \"{}\"]", safe(&b.text)),
        InboundKind::Interactive(InteractiveReply::ButtonReply { id, title }) => {
            format!("[button {}: \"{}\"]", safe(id), safe(title))
        }
        InboundKind::Interactive(InteractiveReply::ListReply { id, title, .. }) => {
            format!("[row {}: \"{}\"]", safe(id), safe(title))
        }
        InboundKind::Interactive(_) => "[interactive reply]".to_owned(),
        InboundKind::Reaction(r) => format!(
            "[reaction {} to {}]",
            safe(r.emoji.as_deref().unwrap_or("removed")),
            safe(&r.message_id)
        ),
        InboundKind::Order(o) => format!("[order of {} item(s)]", o.product_items.len()),
        InboundKind::Status(s) => format!("[status {}]", safe(&s.status)),
        InboundKind::Unsupported { kind } => format!("[unsupported {}]", safe(kind)),
        InboundKind::System(_) => "[system notice]".to_owned(),
        InboundKind::Template(t) => format!("[template {}]", safe(&t.name)),
        InboundKind::Unknown { kind, .. } => format!("[{}]", safe(kind)),
        _ => "[message]".to_owned(),
    }
}

impl Render for EventLine {
    fn human(&self) -> String {
        let account = self
            .account
            .as_deref()
            .map_or_else(String::new, |a| format!(" [{}]", safe(a)));
        match &self.event {
            Callback::Mo(mo) => format!(
                "mo {} from {} to {}{account}: {}",
                safe(&mo.id),
                safe(
                    &mo.customer()
                        .map_or_else(|| "?".to_owned(), |c| c.to_string())
                ),
                safe(mo.destination.as_deref().unwrap_or("?")),
                summary(&mo.content.kind)
            ),
            Callback::Dlr(dlr) => {
                let mut line = format!(
                    "dlr {} {}{account}",
                    safe(&dlr.id),
                    safe(dlr.status.as_str())
                );
                line.push_str(&reference(dlr.reference.as_deref()));
                for e in &dlr.errors {
                    if let Some(code) = e.code {
                        let _ = write!(line, " code {} ({})", code.code(), code.meaning());
                    }
                }
                line
            }
            Callback::Malformed { .. } => format!(
                "malformed{account}: {}",
                safe(self.error.as_deref().unwrap_or(""))
            ),
            other => format!(
                "unknown{account}: {}",
                safe(&serde_json::to_string(other).unwrap_or_default())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Defect: C1 controls (U+009B is CSI, U+0085 NEL) and bidi overrides
    /// reached the terminal through the `content:` line, the unknown-event
    /// line and every `--json` line.
    #[test]
    fn no_line_of_any_kind_lets_a_control_or_bidi_character_through() {
        let hostile = "a\u{9b}2J\u{85}b\u{202e}c\u{1b}]0;pwned\u{7}\u{2028}d\u{200f}e\u{7f}";
        let record: MessageRecord = serde_json::from_value(serde_json::json!({
            "id": hostile, "content": {"text": {"body": hostile}}, "status": hostile,
        }))
        .unwrap();
        // A record prints a line per field: within each, nothing raw.
        let human = record.human() + "\n" + &safe(hostile);
        for line in human.lines() {
            assert!(!line.chars().any(unsafe_char), "{line:?}");
        }
        assert_eq!(
            human.lines().count(),
            4,
            "id, status, content, and the text: {human}"
        );
        let json = json_line(&record).unwrap();
        assert!(!json.chars().any(unsafe_char), "{json:?}");
        assert!(
            json.contains("\\u009b") && json.contains("\\u202e") && json.contains("\\u2028"),
            "{json}"
        );
        // It reads back as the same text.
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["id"], hostile);
    }

    #[test]
    fn network_text_cannot_drive_the_terminal() {
        let forged = "x\u{1b}[1A\u{1b}[2K\rdlr 9f received\u{1b}]52;c;cm0=\u{7}\n\u{202e}txt.exe";
        let shown = safe(forged);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
        assert!(!shown.contains('\u{202e}'));
        assert!(shown.contains("\\u{1b}[1A") && shown.contains("dlr 9f received"));
        assert_eq!(safe("Kia ora 👋"), "Kia ora 👋");
    }
}
