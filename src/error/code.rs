//! WhatsApp error codes: one table of code, variant, meaning, class and the
//! action to take. Sources: Modica's integration page (eight codes) and Meta's
//! error-code reference; see `../shared/reference/whatsapp-error-codes.md`.

use std::fmt;

/// What kind of failure a code is, and so what a client should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Passing trouble: retry with backoff.
    Transient,
    /// A rate limit: wait, then retry more slowly.
    RateLimited,
    /// Credentials or permissions: fix them; retrying will not help.
    Credentials,
    /// Wrong for this request: fix the request or give up.
    Permanent,
    /// Stop and act out of band (account, payment, quality): hours to days.
    StopAndAct,
}

impl ErrorClass {
    /// The class of an error that carries no known code, from its HTTP status:
    /// 401/403 credentials, 429 rate limited, 5xx transient, other 4xx permanent.
    pub fn from_status(status: u16) -> Self {
        match status {
            401 | 403 => ErrorClass::Credentials,
            429 => ErrorClass::RateLimited,
            500..=599 => ErrorClass::Transient,
            _ => ErrorClass::Permanent,
        }
    }

    /// Whether retrying (later) can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Transient | ErrorClass::RateLimited)
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorClass::Transient => "transient",
            ErrorClass::RateLimited => "rate limited",
            ErrorClass::Credentials => "credentials",
            ErrorClass::Permanent => "permanent",
            ErrorClass::StopAndAct => "stop and act",
        })
    }
}

macro_rules! error_codes {
    ($($code:literal $variant:ident $class:ident $meaning:literal $action:literal;)*) => {
        /// A WhatsApp (Meta Cloud API) error code.
        ///
        /// ```
        /// use modica_wab::{ErrorCode, ErrorClass};
        /// let code = ErrorCode::from_code(131047);
        /// assert_eq!(code, ErrorCode::ReEngagementRequired);
        /// assert_eq!(code.known_class(), Some(ErrorClass::Permanent));
        /// assert_eq!(code.action(), "send an approved template instead");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", stringify!($code), "`: ", $meaning, ".")]
                $variant,
            )*
            /// `200`–`299`: an API permission is missing or was revoked.
            PermissionMissing(i64),
            /// A code not in the table; its class comes from the HTTP status.
            Unknown(i64),
        }

        impl ErrorCode {
            /// Every code of the table (without the 200–299 range and `Unknown`).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The variant for a numeric code.
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => ErrorCode::$variant,)*
                    200..=299 => ErrorCode::PermissionMissing(code),
                    other => ErrorCode::Unknown(other),
                }
            }

            /// The numeric code.
            pub fn code(self) -> i64 {
                match self {
                    $(ErrorCode::$variant => $code,)*
                    ErrorCode::PermissionMissing(c) | ErrorCode::Unknown(c) => c,
                }
            }

            /// What it means, in a few words.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)*
                    ErrorCode::PermissionMissing(_) => "API permission missing or revoked",
                    ErrorCode::Unknown(_) => "unlisted WhatsApp error",
                }
            }

            /// The class, when the table knows the code; `None` for `Unknown`
            /// (use [`ErrorClass::from_status`]).
            pub fn known_class(self) -> Option<ErrorClass> {
                match self {
                    $(ErrorCode::$variant => Some(ErrorClass::$class),)*
                    ErrorCode::PermissionMissing(_) => Some(ErrorClass::Credentials),
                    ErrorCode::Unknown(_) => None,
                }
            }

            /// What to do about it.
            pub fn action(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $action,)*
                    ErrorCode::PermissionMissing(_) => "grant the missing permission to the app or account",
                    ErrorCode::Unknown(_) => "see Meta's error-code reference; act on the HTTP status",
                }
            }
        }
    };
}

error_codes! {
    0 AuthenticationFailed Credentials "Authentication failed (token missing, expired or invalidated)" "check the API credentials";
    1 UnknownApiError Transient "Unknown API error" "retry once or twice, then report it";
    2 ServiceUnavailable Transient "API service temporarily unavailable" "retry with backoff";
    3 CapabilityMissing Credentials "Capability or permission missing for this method" "ask Modica to enable the capability; do not retry";
    4 AppRateLimit RateLimited "App-level call rate limit reached" "slow down and retry later";
    10 PermissionDenied Credentials "Permission not granted or removed" "grant the permission, then retry";
    17 UserRateLimit RateLimited "Graph call limit reached (per user)" "slow down and retry later";
    33 PhoneNumberDeleted Permanent "Business phone number deleted" "use a registered source number";
    100 InvalidParameter Permanent "Invalid or unsupported parameter" "fix the request's parameters";
    190 AccessTokenExpired Credentials "Access token expired" "renew the credentials";
    341 ApplicationLimit RateLimited "Graph call limit reached (application)" "slow down and retry later";
    368 TemporarilyBlocked StopAndAct "Temporarily blocked for policy violations" "stop sending and review the policy violation";
    613 CallRateLimit RateLimited "Graph call rate limit reached" "slow down and retry later";
    80007 AccountRateLimit RateLimited "WhatsApp Business Account rate limit reached" "slow down and retry later";
    130429 ThroughputLimit RateLimited "Throughput limit for the number reached" "pace sends below the number's throughput (about 80 msg/s) and retry";
    130472 MarketingExperiment Permanent "Recipient is part of a marketing experiment; not sent" "do not resend this marketing message";
    130497 CountryRestricted Permanent "Business may not message users in this country" "do not message this recipient";
    131000 SomethingWentWrong Transient "Something went wrong (unspecified send failure)" "retry a bounded number of times";
    131005 AccessDenied Credentials "Access denied" "check the account's permissions";
    131008 RequiredParameterMissing Permanent "Required parameter missing" "add the missing parameter";
    131009 ParameterValueInvalid Permanent "Parameter value invalid" "fix the parameter's value";
    131016 ServiceTemporarilyUnavailable Transient "Service temporarily unavailable" "retry with backoff";
    131021 SenderIsRecipient Permanent "Sender and recipient are the same number" "send to a different recipient";
    131026 MessageUndeliverable Permanent "Message undeliverable (not on WhatsApp, old client, or terms not accepted)" "check the number; reach the user another way";
    131030 RecipientNotAllowed Permanent "Recipient not on the allowed list (test numbers)" "add the recipient to the test number's allowed list";
    131031 AccountLocked StopAndAct "Business account locked or disabled" "stop sending and contact Modica or Meta about the account";
    131037 DisplayNameNotApproved Permanent "Display name of the sending number not approved" "get the display name approved";
    131042 PaymentIssue StopAndAct "Payment problem on the business account" "fix the payment method or credit line";
    131045 NumberNotRegistered Permanent "Phone number not registered (certificate missing)" "register the source number";
    131047 ReEngagementRequired Permanent "More than 24 hours since the user last replied" "send an approved template instead";
    131048 SpamRateLimit StopAndAct "Spam rate limit: too many messages blocked or flagged" "stop and review message quality before sending more";
    131049 EcosystemEngagement StopAndAct "Not delivered to keep engagement healthy (per-user marketing cap)" "do not resend soon; try again after some days";
    131050 UserStoppedMarketing Permanent "User stopped marketing messages" "do not send marketing messages to this user";
    131051 UnsupportedMessageType Permanent "Unsupported message type" "use a supported message type";
    131052 MediaDownloadError Permanent "Could not download the media the user sent" "ask the user to send the media again";
    131053 MediaUploadError Permanent "Could not upload or fetch the media used in the message" "check the media's link, type and size";
    131056 PairRateLimit RateLimited "Too many messages to the same recipient in a short time" "wait before messaging this recipient again (about 1 per 6 s)";
    131057 AccountInMaintenance Transient "Business account in maintenance mode" "retry later";
    131062 BsuidNotSupported Permanent "Business-scoped user id recipients are not supported for this message (authentication templates need a phone number)" "send it to the customer's phone number";
    131064 TemplateClassificationLimit StopAndAct "Messaging limit hit after template classification violations" "review template categories before sending more";
    132000 TemplateParamCountMismatch Permanent "Template parameter count mismatch" "send as many parameters as the template has placeholders";
    132001 TemplateNotFound Permanent "Template does not exist in that language, or is not approved" "check the template's name, language and approval";
    132005 TemplateTextTooLong Permanent "Translated template text too long" "shorten the parameters";
    132007 TemplatePolicyViolation Permanent "Template content violates a formatting policy" "fix the template content";
    132008 TemplateParamFormatWrong Permanent "Template parameter formatted wrongly" "fix the parameter's format";
    132012 TemplateParamFormatMismatch Permanent "Template parameter format mismatch (e.g. header expects an image)" "send the parameter kind the template expects";
    132015 TemplatePaused StopAndAct "Template paused for low quality" "improve or replace the template";
    132016 TemplateDisabled Permanent "Template disabled permanently" "use another template";
    132068 FlowBlocked Permanent "Flow is blocked" "fix or replace the flow";
    132069 FlowThrottled RateLimited "Flow throttled (10 messages an hour)" "wait before sending this flow again";
    133000 DeregistrationIncomplete Permanent "Earlier deregistration failed" "deregister the number again";
    133004 ServerUnavailable Transient "Server temporarily unavailable" "retry with backoff";
    133005 PinIncorrect Permanent "Two-step verification PIN incorrect" "use the correct PIN";
    133006 PhoneNotVerified Permanent "Phone number must be verified before registering" "verify the number first";
    133008 TooManyPinGuesses StopAndAct "Too many PIN guesses" "wait as the error details say before trying again";
    133009 PinTooFast RateLimited "PIN entered too quickly" "wait, then retry";
    133010 PhoneNotRegistered Permanent "Phone number not registered" "register the number";
    133015 NumberRecentlyDeleted RateLimited "Number recently deleted" "wait about 5 minutes, then retry";
    133016 TooManyRegistrationAttempts StopAndAct "Too many register/deregister attempts" "stop and wait before trying again";
    135000 GenericUserError Permanent "Generic user error in the parameters" "check the request's parameters";
    137000 IdentityKeyMismatch Permanent "Recipient identity key hash mismatch" "confirm the recipient's identity, then resend";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.meaning())
    }
}

/// Finds a WhatsApp code in error text: `(#131047)`, `code 131047` or `#131047`.
pub(crate) fn code_in_text(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices('#') {
        let digits: String = text[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !digits.is_empty() && (i == 0 || bytes[i - 1] == b'(' || bytes[i - 1] == b' ') {
            return digits.parse().ok();
        }
    }
    None
}

// Callbacks carry the code as a JSON number; keep it as the number on the way out.
impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for ErrorCode {
    /// Reads a number, or a string of digits (some gateways quote it).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum NumberOrText {
            Number(i64),
            Text(String),
        }
        match NumberOrText::deserialize(deserializer)? {
            NumberOrText::Number(n) => Ok(ErrorCode::from_code(n)),
            NumberOrText::Text(t) => {
                t.trim().parse().map(ErrorCode::from_code).map_err(|_| {
                    // The text is not quoted: it comes from the network.
                    serde::de::Error::custom("an error code given as text must be a number")
                })
            }
        }
    }
}

impl schemars::JsonSchema for ErrorCode {
    fn schema_name() -> String {
        "ErrorCode".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::Integer.into()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_appears_once_and_round_trips() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.code()), "code {} twice", code.code());
            assert_eq!(ErrorCode::from_code(code.code()), *code);
            assert!(
                code.known_class().is_some()
                    && !code.meaning().is_empty()
                    && !code.action().is_empty()
            );
        }
        // Modica's eight and Meta's list: every row of the reference table.
        assert_eq!(ErrorCode::ALL.len(), 61);
        for modica in [
            131026, 131048, 130429, 131047, 131056, 131031, 131042, 132001,
        ] {
            assert!(
                !matches!(ErrorCode::from_code(modica), ErrorCode::Unknown(_)),
                "{modica}"
            );
        }
        assert_eq!(ErrorCode::from_code(250), ErrorCode::PermissionMissing(250));
        assert_eq!(
            ErrorCode::from_code(250).known_class(),
            Some(ErrorClass::Credentials)
        );
        assert_eq!(ErrorCode::from_code(999_999), ErrorCode::Unknown(999_999));
        assert_eq!(
            ErrorCode::from_code(131047).action(),
            "send an approved template instead"
        );
        assert_eq!(
            ErrorCode::from_code(3).known_class(),
            Some(ErrorClass::Credentials),
            "a 500 that must not be retried"
        );
        assert_eq!(
            ErrorCode::from_code(131045).known_class(),
            Some(ErrorClass::Permanent)
        );
    }

    #[test]
    fn unknown_codes_take_their_class_from_the_status() {
        for (status, class) in [
            (401, ErrorClass::Credentials),
            (403, ErrorClass::Credentials),
            (429, ErrorClass::RateLimited),
            (503, ErrorClass::Transient),
            (400, ErrorClass::Permanent),
        ] {
            assert_eq!(ErrorClass::from_status(status), class);
        }
    }

    #[test]
    fn a_code_is_found_in_text_only_where_it_is_written_as_one() {
        for (text, code) in [
            ("(#131047) Re-engagement message", Some(131047)),
            ("#130429 Rate limit hit", Some(130429)),
            ("upstream #2 timed out", Some(2)),
            ("order#12 shipped", None),
            ("#abc", None),
            ("no code at all", None),
            ("(#99999999999999999999999)", None),
        ] {
            assert_eq!(code_in_text(text), code, "{text}");
        }
    }
}
