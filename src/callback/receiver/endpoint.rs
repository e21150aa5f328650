//! A callback URL, read: the path to serve and who may post there; and the
//! check of a request's credentials against it.

use super::error::ReceiverError;
use axum::http::{HeaderMap, header};
use std::sync::Arc;
use subtle::{ConditionallySelectable as _, ConstantTimeEq as _};

pub(super) fn invalid(raw: &str, reason: impl Into<String>) -> ReceiverError {
    ReceiverError::InvalidUrl {
        url: crate::credentials::redact(raw),
        reason: reason.into(),
    }
}

/// A callback URL, read.
#[derive(Debug)]
pub(super) struct CallbackUrl {
    /// The path to serve.
    pub(super) path: String,
    /// Who may post there.
    pub(super) access: Access,
    /// What is allowed but unwise (plain http across a network).
    pub(super) warning: Option<String>,
}

/// The path of a callback URL, who may post there, and any warning.
pub(super) fn endpoint(
    raw: &str,
    allow_unauthenticated: bool,
) -> Result<CallbackUrl, ReceiverError> {
    // A token in the query would not be checked: refused rather than served open.
    let url = crate::credentials::service_url(raw).map_err(|why| invalid(raw, why))?;
    let path = url.path();
    // axum reads `:x`, `*x` and `{x}` segments as captures (and refuses some),
    // and an empty segment (`//`) can never match a request.
    if path
        .split('/')
        .skip(1)
        .any(|seg| seg.starts_with([':', '*']) || seg.contains(['{', '}']))
        || path.contains("//")
    {
        return Err(invalid(
            raw,
            format!(
                "path {path} has an empty segment, a segment starting with `:` or `*`, or a brace"
            ),
        ));
    }
    let access = match crate::credentials::url_credentials(&url) {
        Some((user, password)) if !user.is_empty() && !password.is_empty() => {
            if user.contains(&b':') {
                return Err(invalid(
                    raw,
                    "the user name contains `:`, which Basic auth cannot carry",
                ));
            }
            // The handler is told the account by this name: two names must
            // never read alike.
            let username = String::from_utf8(user.clone())
                .map_err(|_| invalid(raw, "the user name is not UTF-8 once percent-decoded"))?;
            let mut pair = user;
            pair.push(b':');
            pair.extend(password);
            Access::Credentials(vec![Credential {
                digest: digest(&pair),
                endpoint: Arc::new(Endpoint {
                    url: shown(&url),
                    scope: format!("account:{username}"),
                    username: Some(username),
                }),
            }])
        }
        // Open only when the URL carries no credentials at all: a user
        // without a password (or the reverse) is a mistake, not a choice.
        None if allow_unauthenticated => Access::Open(Arc::new(Endpoint {
            url: shown(&url),
            scope: format!("open:{path}"),
            username: None,
        })),
        None => {
            return Err(invalid(
                raw,
                "it carries no user and password; Modica sends the credentials of the URL you \
                 configure, and without them anyone could post forged events. Write them in the \
                 URL (https://user:password@host/path, percent-encoded), or call \
                 `allow_unauthenticated()` if something in front of the receiver authenticates",
            ));
        }
        Some(_) => {
            return Err(invalid(
                raw,
                "it carries no user and password, only part of them (both must be non-empty); \
                 write them in the URL as https://user:password@host/path, percent-encoded",
            ));
        }
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    let warning = (url.scheme() == "http" && !loopback).then(|| {
        format!(
            "callback URL {} is plain http to a host that is not this machine: its credentials and the customers' messages cross the network unencrypted (put TLS in front)",
            crate::credentials::redact(raw)
        )
    });
    Ok(CallbackUrl {
        path: path.to_owned(),
        access,
        warning,
    })
}

/// Who may post to a path.
#[derive(Debug, Clone)]
pub(super) enum Access {
    /// No credentials (only with `allow_unauthenticated`).
    Open(Arc<Endpoint>),
    /// Each accepted `user:password`, by its SHA-256, and the URL it came with.
    Credentials(Vec<Credential>),
}

/// One accepted pair of credentials.
#[derive(Debug, Clone)]
pub(super) struct Credential {
    pub(super) digest: [u8; 32],
    pub(super) endpoint: Arc<Endpoint>,
}

/// A configured URL as a handler is told of it: without its credentials,
/// and the user name they carry.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(super) url: String,
    pub(super) username: Option<String>,
    /// What de-duplication keys are scoped by: the account (one Modica
    /// application, whatever path it posts to), or the path of a URL served
    /// without credentials.
    pub(super) scope: String,
}

/// The URL without user info (the password never leaves the builder).
fn shown(url: &url::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// Comparing digests (always 32 bytes) keeps the comparison's time free of
/// the secret's length as well as its content.
fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

/// The configured URL whose credentials the request carries, if any.
pub(super) fn authorized(access: &Access, headers: &HeaderMap) -> Option<Arc<Endpoint>> {
    let accepted = match access {
        Access::Open(endpoint) => return Some(endpoint.clone()),
        Access::Credentials(accepted) => accepted,
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| crate::credentials::parse_basic(v.as_bytes()))?;
    let given = digest(&given);
    // Check every pair, without stopping early, so timing says nothing
    // about whether (or which) one matched.
    let mut hit = subtle::Choice::from(0);
    let mut which = 0u32;
    for (i, want) in accepted.iter().enumerate() {
        let matches = want.digest.ct_eq(&given);
        which.conditional_assign(&u32::try_from(i).unwrap_or(u32::MAX), matches);
        hit |= matches;
    }
    if bool::from(hit) {
        accepted
            .get(which as usize)
            .map(|credential| credential.endpoint.clone())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(raw: &str) -> String {
        match endpoint(raw, false) {
            Err(ReceiverError::InvalidUrl { reason, url }) => {
                assert!(!url.contains("s3cr"), "{url}");
                reason
            }
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn urls_without_credentials_are_refused_unless_allowed() {
        for raw in [
            "https://example.com/hook",
            "https://:@example.com/hook",
            "https://hooks@example.com/hook",
            "https://hooks:@example.com/hook",
            "https://:s3cr@example.com/hook",
        ] {
            assert!(
                reason(raw).contains("no user and password"),
                "{raw}: {}",
                reason(raw)
            );
        }
        assert!(endpoint("https://example.com/hook", true).is_ok());
        // Half a credential stays refused, even when open URLs are allowed.
        for raw in [
            "https://hooks@example.com/hook",
            "https://:s3cr@example.com/hook",
            "https://hooks:@example.com/hook",
        ] {
            assert!(
                endpoint(raw, true).is_err(),
                "{raw} with allow_unauthenticated"
            );
        }
        assert!(reason("https://hooks:1234/abcd@example.com/wab/mo").contains("percent-encoded"));
        assert!(reason("https://a%3Ab:s3cr@example.com/hook").contains("`:`"));
        // Two byte strings that would read alike once made text: refused.
        assert!(reason("https://%FF%FEhooks:s3cr@example.com/hook").contains("not UTF-8"));
    }

    #[test]
    fn plain_http_warns_only_off_this_machine() {
        for (raw, warns) in [
            ("http://u:s3cr@example.com/cb", true),
            ("http://u:s3cr@10.0.0.1:8080/cb", true),
            ("http://u:s3cr@127.0.0.1/cb", false),
            ("http://u:s3cr@LOCALHOST:8080/cb", false),
            ("http://u:s3cr@[::1]/cb", false),
            ("https://u:s3cr@example.com/cb", false),
        ] {
            let read = endpoint(raw, false).unwrap();
            assert_eq!(read.warning.is_some(), warns, "{raw}");
            if let Some(warning) = read.warning {
                assert!(!warning.contains("s3cr"), "{warning}");
            }
        }
    }
}
