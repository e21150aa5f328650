//! Credentials in their forms: a Basic `Authorization` header, the userinfo of
//! a URL, a URL shown with every secret masked, and the check every URL of a
//! service gets (the API's base URL, a callback URL). The client, the
//! receiver and the sandbox (`modica-wab-sandbox`) all go through these; a
//! service of your own that receives or makes such calls can too.
//!
//! ```
//! use modica_wab::credentials::{basic_header, parse_basic, redact};
//! let header = basic_header(b"hooks", b"s3cr:et").unwrap();
//! assert_eq!(parse_basic(header.as_bytes()).as_deref(), Some(&b"hooks:s3cr:et"[..]));
//! assert_eq!(redact("https://hooks:s3cret@example.com/cb"), "https://***:***@example.com/cb");
//! ```

use base64::Engine as _;
use http::HeaderValue;

/// Base64 as senders write it: standard alphabet, padding optional.
pub(crate) const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// `Basic base64(user:password)`, marked sensitive so it is never logged.
pub fn basic_header(user: &[u8], password: &[u8]) -> Option<HeaderValue> {
    let mut pair = Vec::with_capacity(user.len() + 1 + password.len());
    pair.extend_from_slice(user);
    pair.push(b':');
    pair.extend_from_slice(password);
    let token = base64::engine::general_purpose::STANDARD.encode(pair);
    let mut value = HeaderValue::from_str(&format!("Basic {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The decoded `user:password` bytes of a Basic `Authorization` header value:
/// the scheme in any case, one or more spaces, base64 with or without padding.
pub fn parse_basic(value: &[u8]) -> Option<Vec<u8>> {
    let value = std::str::from_utf8(value).ok()?.trim_matches(' ');
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    BASE64.decode(token.trim_start_matches(' ')).ok()
}

/// A user and a password, as bytes (percent-decoding may give any bytes).
pub type Credentials = (Vec<u8>, Vec<u8>);

/// The percent-decoded user and password of a URL's userinfo, if it has any.
pub fn url_credentials(url: &url::Url) -> Option<Credentials> {
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    match (url.username(), url.password()) {
        ("", None) => None,
        (user, password) => Some((decode(user), decode(password.unwrap_or("")))),
    }
}

/// The URL without its userinfo, and the percent-decoded credentials.
pub fn split_credentials(url: &url::Url) -> (url::Url, Option<Credentials>) {
    let credentials = url_credentials(url);
    let mut bare = url.clone();
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    (bare, credentials)
}

/// A URL a service is reached at (the API's base, a callback): absolute
/// `http` or `https` with a host, no query or fragment (a token there would
/// not be sent as credentials, nor checked), and no `@` in its path (a
/// password with a `/` spilt out of the user info). Why not, when it is not.
pub fn service_url(raw: &str) -> Result<url::Url, &'static str> {
    let url = url::Url::parse(raw).map_err(|_| "not a URL")?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("not an absolute http(s) URL");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(
            "it has a query or fragment, which is neither sent as credentials nor checked; put credentials in the URL's user info",
        );
    }
    if url.path().contains('@') {
        // `https://user:12/34@host/p` parses as host `user`, port 12, path `/34@host/p`.
        return Err(
            "the path holds an `@`: a password containing `/`, `?` or `#` must be percent-encoded (%2F, %3F, %23)",
        );
    }
    Ok(url)
}

/// A URL to show in errors and logs: user, password, query and fragment
/// masked (a token may sit in any of them).
pub fn redact(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return redact_text(raw);
    };
    if url.path().contains('@') {
        // `https://user:12/34@host/p`: the password spilled into port and path.
        return format!("{}://***", url.scheme());
    }
    if !url.username().is_empty() {
        let _ = url.set_username("***");
    }
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.query().is_some() {
        url.set_query(Some("***"));
    }
    if url.fragment().is_some() {
        url.set_fragment(Some("***"));
    }
    url.to_string()
}

/// What was typed, when it does not parse as a URL: the parts where a URL
/// carries secrets (before the last `@` of its authority, the query and the
/// fragment) masked, and cut at 200 characters.
fn redact_text(raw: &str) -> String {
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), raw),
    };
    // Everything up to the last `@` may be a user and a password, and a
    // password may hold `/`, `?` or `#` (which is why it did not parse).
    let rest = match rest.rfind('@') {
        Some(at) => format!("***{}", &rest[at..]),
        None => rest.to_owned(),
    };
    let shown = match rest.find(['?', '#']) {
        Some(i) => format!("{scheme}{}{}***", &rest[..i], &rest[i..=i]),
        None => format!("{scheme}{rest}"),
    };
    match shown.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_url_is_absolute_http_without_query_or_fragment() {
        for ok in [
            "https://api.example.com/rest/wab/v1",
            "http://u:p@127.0.0.1:8080/cb",
            "https://[::1]/",
        ] {
            assert!(service_url(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("api.example.com", "not a URL"),
            ("ftp://example.com/x", "not an absolute"),
            ("mailto:a@example.com", "not an absolute"),
            ("https://example.com/cb?token=x", "query or fragment"),
            ("https://example.com/cb#x", "query or fragment"),
            ("https://hooks:1234/abcd@example.com/wab", "percent-encoded"),
        ] {
            assert!(service_url(bad).unwrap_err().contains(why), "{bad}");
        }
    }

    #[test]
    fn basic_headers_round_trip_and_tolerate_their_spelling() {
        let header = basic_header(b"acme-app", b"s3cr:et p@ss").unwrap();
        assert!(header.is_sensitive());
        assert_eq!(header, "Basic YWNtZS1hcHA6czNjcjpldCBwQHNz");
        for spelling in [
            "Basic YWNtZS1hcHA6czNjcjpldCBwQHNz",
            "basic YWNtZS1hcHA6czNjcjpldCBwQHNz",
            "BASIC   YWNtZS1hcHA6czNjcjpldCBwQHNz",
        ] {
            assert_eq!(
                parse_basic(spelling.as_bytes()).as_deref(),
                Some(&b"acme-app:s3cr:et p@ss"[..]),
                "{spelling}"
            );
        }
        for bad in [
            "Bearer YTpi",
            "Basic",
            "Basic YT pi",
            "Basic ****",
            "BasicYTpi",
        ] {
            assert_eq!(parse_basic(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_basic(b"Basic YTpi\xff"), None);
    }

    #[test]
    fn redaction_masks_every_secret_form() {
        for (raw, shown) in [
            (
                "https://u:hunter2@x.example/cb",
                "https://***:***@x.example/cb",
            ),
            ("https://tok3n@x.example/cb", "https://***@x.example/cb"),
            ("https://x.example/cb?token=abc", "https://x.example/cb?***"),
            ("https://x.example/cb#abc", "https://x.example/cb#***"),
            ("https://x.example/cb", "https://x.example/cb"),
            ("https://hooks:1234/abcd@x.example/cb", "https://***"),
            // Not URLs: shown as typed, the parts where secrets go masked.
            ("not a url", "not a url"),
            (
                "http://u:hunter2@bad host/x?t=1",
                "http://***@bad host/x?***",
            ),
            ("http//u:hunter2@x", "***@x"),
            ("ht tp://tok@x#frag", "ht tp://***@x#***"),
            // A password holding `#`, `?` or `/` is what makes it unparsable.
            ("redis://:s3cr#t@db:6379", "redis://***@db:6379"),
            ("http://user:pa?ss@h/x", "http://***@h/x"),
            ("http://user:a/b?c#d@h x/p?q", "http://***@h x/p?***"),
        ] {
            assert_eq!(redact(raw), shown, "{raw}");
        }
    }

    #[test]
    fn url_credentials_are_percent_decoded_bytes() {
        let url = url::Url::parse("https://hooks:p%40ss%3A%FF@x/cb").unwrap();
        let (bare, credentials) = split_credentials(&url);
        assert_eq!(bare.as_str(), "https://x/cb");
        assert_eq!(
            credentials,
            Some((b"hooks".to_vec(), b"p@ss:\xff".to_vec()))
        );
        assert_eq!(
            url_credentials(&url::Url::parse("https://x/cb").unwrap()),
            None
        );
    }
}
