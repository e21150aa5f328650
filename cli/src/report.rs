//! How a failure ends the command: its exit code (the table in `wab
//! --help`), and what it prints: lines for people on stderr, or one JSON
//! object on stdout with `--json`.

use crate::output::{json_line, safe};
use modica_wab::error::Acceptance;
use modica_wab::{Error, ErrorClass};
use serde::Serialize;

/// A failure of the command.
pub enum Failure {
    Api(Error),
    /// An argument that cannot make a valid request (exit 3, like local validation).
    Invalid(String),
    File(String),
    /// WhatsApp would refuse the message (`wab check` with a template
    /// registry): its code and what was wrong. Exit 5, as the send would.
    Refused {
        code: i64,
        detail: String,
    },
    /// Ctrl-C: whether a request was in flight (it may have been accepted).
    Interrupted {
        in_flight: bool,
    },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Api(e)
    }
}

/// Exit 10: a send that may have been accepted.
pub const MAY_HAVE_BEEN_ACCEPTED: u8 = 10;
/// Exit 130: interrupted with nothing in flight.
pub const INTERRUPTED: u8 = 130;

/// The exit code of an error of a command that `sends` (a POST: a message,
/// a broadcast, an upload, a registration) or only looks something up.
pub fn exit_code(e: &Error, sends: bool) -> u8 {
    match e {
        Error::InvalidRequest(_) | Error::WindowClosed { .. } => 3,
        Error::Config(_) => 4,
        Error::Unsupported { .. } => 8,
        Error::Io { .. } => 9,
        Error::PacedPastDeadline { .. } => 6,
        _ if sends && e.acceptance() != Acceptance::NotAccepted => MAY_HAVE_BEEN_ACCEPTED,
        Error::Transport(_) => 7,
        _ => match e.class() {
            ErrorClass::Transient | ErrorClass::RateLimited => 6,
            _ => 5,
        },
    }
}

/// What the command should have been told, in the command line's words:
/// the library names its builder methods where `wab` has options.
pub fn hint(text: &str) -> String {
    const WORDS: [(&str, &str); 5] = [
        ("ClientBuilder::default_source", "--source or MODICA_SOURCE"),
        (
            "use download_media_for",
            "pass --source or set MODICA_SOURCE",
        ),
        ("ClientBuilder::credentials", "--username and --password"),
        ("`allow_unauthenticated()`", "--allow-unauthenticated"),
        ("ClientBuilder::max_response_body", "the 4 MiB limit"),
    ];
    WORDS
        .iter()
        .fold(text.to_owned(), |t, (library, cli)| t.replace(library, cli))
}

/// A failure as `--json` prints it.
#[derive(Serialize)]
struct JsonFailure {
    error: Described,
}

#[derive(Serialize)]
struct Described {
    /// `invalid_request`, `configuration`, `api`, `network`, `file`, …
    kind: &'static str,
    message: String,
    /// `transient`, `rate_limited`, `credentials`, `permanent`, `stop_and_act`.
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meaning: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    /// `not_accepted`, `may_have_been_accepted`, `accepted` (for a send).
    #[serde(skip_serializing_if = "Option::is_none")]
    acceptance: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<f64>,
    exit_code: u8,
}

fn class_name(class: ErrorClass) -> String {
    match class {
        ErrorClass::Transient => "transient".into(),
        ErrorClass::RateLimited => "rate_limited".into(),
        ErrorClass::Credentials => "credentials".into(),
        ErrorClass::Permanent => "permanent".into(),
        ErrorClass::StopAndAct => "stop_and_act".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

fn acceptance_name(acceptance: Acceptance) -> &'static str {
    match acceptance {
        Acceptance::NotAccepted => "not_accepted",
        Acceptance::MayHaveBeenAccepted => "may_have_been_accepted",
        Acceptance::Accepted => "accepted",
        _ => "unknown",
    }
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::InvalidRequest(_) => "invalid_request",
        Error::Config(_) => "configuration",
        Error::Io { .. } => "file",
        Error::Transport(_) => "network",
        Error::Api(_) => "api",
        Error::UndecodableResponse { .. } | Error::ResponseTooLarge { .. } => "response",
        Error::WindowClosed { .. } => "window_closed",
        Error::PacedPastDeadline { .. } => "not_sent",
        Error::Unsupported { .. } => "unsupported",
        _ => "other",
    }
}

/// The one line saying what is known of a send that failed.
fn acceptance_line(e: &Error, code: u8) -> Option<&'static str> {
    match code {
        MAY_HAVE_BEEN_ACCEPTED => Some(
            "the send may have been accepted: reconcile by its reference (DLRs, `wab message ID`); do not send it again blindly",
        ),
        6 if e.acceptance() == Acceptance::NotAccepted => {
            Some("not accepted: nothing was sent, so sending again later is safe")
        }
        _ => None,
    }
}

fn describe(e: &Error, sends: bool) -> Described {
    let code = exit_code(e, sends);
    let whatsapp = e.code();
    Described {
        kind: kind(e),
        message: hint(&e.to_string()),
        class: matches!(e, Error::Api(_) | Error::Transport(_)).then(|| class_name(e.class())),
        status: e.status(),
        code: whatsapp.map(|c| c.code()),
        meaning: whatsapp.map(|c| c.meaning()),
        action: whatsapp.map(|c| c.action()),
        acceptance: sends.then(|| acceptance_name(e.acceptance())),
        retry_after_seconds: e.retry_after().map(|d| d.as_secs_f64()),
        exit_code: code,
    }
}

/// Prints `failure` as `json` asks and returns its exit code.
pub fn report(failure: &Failure, sends: bool, json: bool) -> u8 {
    let described = match failure {
        Failure::Invalid(message) => Described {
            kind: "invalid_request",
            message: format!("invalid request: {}", hint(message)),
            ..plain(3)
        },
        Failure::File(message) => Described {
            kind: "file",
            message: message.clone(),
            ..plain(9)
        },
        Failure::Refused { code, detail } => {
            let whatsapp = modica_wab::ErrorCode::from_code(*code);
            Described {
                kind: "api",
                message: format!("WhatsApp would refuse it: {detail}"),
                class: whatsapp.known_class().map(class_name),
                code: Some(*code),
                meaning: Some(whatsapp.meaning()),
                action: Some(whatsapp.action()),
                ..plain(5)
            }
        }
        Failure::Interrupted { in_flight } => {
            // A lookup takes nothing: interrupted is all there is to say.
            let in_flight = &(*in_flight && sends);
            let (code, message) = if *in_flight {
                (
                    MAY_HAVE_BEEN_ACCEPTED,
                    "interrupted while a request was in flight: it may have been accepted; reconcile by its reference before sending it again",
                )
            } else {
                (
                    INTERRUPTED,
                    if sends {
                        "interrupted while nothing was in flight: nothing was accepted (any attempt so far was refused)"
                    } else {
                        "interrupted"
                    },
                )
            };
            Described {
                kind: "interrupted",
                message: message.to_owned(),
                acceptance: Some(if *in_flight {
                    "may_have_been_accepted"
                } else {
                    "not_accepted"
                }),
                ..plain(code)
            }
        }
        Failure::Api(e) => describe(e, sends),
    };
    let code = described.exit_code;
    if json {
        use std::io::Write as _;
        let line = json_line(&JsonFailure { error: described })
            .unwrap_or_else(|e| format!(r#"{{"error":{{"message":"{e}"}}}}"#));
        let _ = writeln!(std::io::stdout().lock(), "{line}");
        return code;
    }
    // The text comes from the network too: nothing in it may drive the terminal.
    eprintln!("error: {}", safe(&described.message));
    if let (Some(code), Some(meaning), Some(action)) =
        (described.code, described.meaning, described.action)
    {
        eprintln!("code: {code} ({meaning})");
        eprintln!("action: {action}");
    } else if let (Some(class), Some(_)) = (&described.class, described.status) {
        eprintln!("class: {class}");
    }
    if let Some(wait) = described.retry_after_seconds {
        eprintln!("retry after: {wait} s");
    }
    if let Failure::Api(e) = failure
        && sends
        && let Some(line) = acceptance_line(e, described.exit_code)
    {
        eprintln!("{line}");
    }
    described.exit_code
}

fn plain(exit_code: u8) -> Described {
    Described {
        kind: "other",
        message: String::new(),
        class: None,
        status: None,
        code: None,
        meaning: None,
        action: None,
        acceptance: None,
        retry_after_seconds: None,
        exit_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_what_a_command_line_user_types() {
        assert_eq!(
            hint("no source number: set it on the message or with ClientBuilder::default_source"),
            "no source number: set it on the message or with --source or MODICA_SOURCE"
        );
        assert!(hint("or call `allow_unauthenticated()` if").contains("--allow-unauthenticated"));
    }

    #[test]
    fn nothing_sent_is_worth_trying_again() {
        let paced = Error::PacedPastDeadline {
            wait: std::time::Duration::from_secs(1),
        };
        assert_eq!(exit_code(&paced, true), 6);
        assert_eq!(exit_code(&Error::Config("x".into()), true), 4);
    }
}
