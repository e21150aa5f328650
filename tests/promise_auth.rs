//! "Nobody gets in without the credentials", as a table: callback URLs the
//! receiver must refuse to serve, and requests (raw bytes on a socket, so
//! headers and paths arrive exactly as written) with the answer each must get.
#![cfg(feature = "receiver")]

use modica_wab_test_support::report;

use base64::Engine as _;
use modica_wab::callback::{Callback, HandlerError, Receiver};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn basic(pair: &[u8]) -> Vec<u8> {
    let mut header = b"Basic ".to_vec();
    header.extend(
        base64::engine::general_purpose::STANDARD
            .encode(pair)
            .into_bytes(),
    );
    header
}

/// Serves a receiver for `urls`; returns its address and a count of handled events.
async fn serve(urls: &[&str]) -> (SocketAddr, Arc<AtomicUsize>) {
    let handled = Arc::new(AtomicUsize::new(0));
    let h = handled.clone();
    let mut builder = Receiver::builder().handler(move |_e: Callback| {
        let h = h.clone();
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            Ok::<(), HandlerError>(())
        }
    });
    for url in urls {
        builder = builder.url(*url);
    }
    let receiver = builder.build().expect("a valid receiver");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    (addr, handled)
}

/// Sends one POST with `path` and `authorization` exactly as given; returns the status.
async fn status_of(addr: SocketAddr, path: &str, authorization: Option<&[u8]>, id: usize) -> u16 {
    let body = format!(r#"{{"id":"auth-{id}","status":"sent"}}"#);
    let mut request = format!("POST {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n", body.len()).into_bytes();
    if let Some(value) = authorization {
        request.extend_from_slice(b"authorization: ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body.as_bytes());
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    // A request hyper itself rejects (a bad header byte, say) may get 400 or a closed socket.
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn requests_get_in_only_with_the_credentials() {
    // User `hooks`, password `p@ss:w0rd`, percent-encoded in the URL as at Modica.
    let (addr, handled) = serve(&[
        "https://hooks:p%40ss%3Aw0rd@example.com/wab/cb",
        "https://dlr:%C3%A9t%C3%A9@example.com/wab/dlr",
        "https://HOOKS:second@example.com/wab/cb",
        "https://q:%3F%3F%3F@example.com/wab/q",
    ])
    .await;
    let good = basic(b"hooks:p@ss:w0rd");
    let good_text = String::from_utf8(good.clone()).unwrap();
    let token = good_text.trim_start_matches("Basic ");
    let with = |scheme: &str, sep: &str| format!("{scheme}{sep}{token}").into_bytes();
    // `q:???` is `cTo/Pz8=` in standard base64: with `/`, so the URL-safe
    // alphabet spells it differently.
    let url_safe = {
        let b = base64::engine::general_purpose::URL_SAFE.encode(b"q:???");
        assert!(b.contains('_'));
        format!("Basic {b}").into_bytes()
    };
    let rows: Vec<(&str, &str, Option<Vec<u8>>, u16)> = vec![
        ("exact credentials", "/wab/cb", Some(good.clone()), 200),
        (
            "scheme in lower case",
            "/wab/cb",
            Some(with("basic", " ")),
            200,
        ),
        (
            "scheme in upper case",
            "/wab/cb",
            Some(with("BASIC", " ")),
            200,
        ),
        (
            "two spaces after the scheme",
            "/wab/cb",
            Some(with("Basic", "  ")),
            200,
        ),
        (
            "a second URL's credentials on the same path",
            "/wab/cb",
            Some(basic(b"HOOKS:second")),
            200,
        ),
        (
            "a query string on the request",
            "/wab/cb?x=1",
            Some(good.clone()),
            200,
        ),
        (
            "UTF-8 password from a percent-encoded URL",
            "/wab/dlr",
            Some(basic("dlr:été".as_bytes())),
            200,
        ),
        ("no Authorization header", "/wab/cb", None, 401),
        ("empty header", "/wab/cb", Some(Vec::new()), 401),
        ("scheme only", "/wab/cb", Some(b"Basic".to_vec()), 401),
        (
            "scheme and a space",
            "/wab/cb",
            Some(b"Basic ".to_vec()),
            401,
        ),
        (
            "tab instead of a space",
            "/wab/cb",
            Some(with("Basic", "\t")),
            401,
        ),
        ("no separator", "/wab/cb", Some(with("Basic", "")), 401),
        ("Bearer scheme", "/wab/cb", Some(with("Bearer", " ")), 401),
        ("Digest scheme", "/wab/cb", Some(with("Digest", " ")), 401),
        (
            "password still percent-encoded",
            "/wab/cb",
            Some(basic(b"hooks:p%40ss%3Aw0rd")),
            401,
        ),
        (
            "user in another case",
            "/wab/cb",
            Some(basic(b"Hooks:p@ss:w0rd")),
            401,
        ),
        (
            "password in another case",
            "/wab/cb",
            Some(basic(b"hooks:P@ss:w0rd")),
            401,
        ),
        ("empty user", "/wab/cb", Some(basic(b":p@ss:w0rd")), 401),
        ("empty password", "/wab/cb", Some(basic(b"hooks:")), 401),
        ("only a colon", "/wab/cb", Some(basic(b":")), 401),
        ("no colon", "/wab/cb", Some(basic(b"hooksp@ss:w0rd")), 401),
        (
            "password with a trailing space",
            "/wab/cb",
            Some(basic(b"hooks:p@ss:w0rd ")),
            401,
        ),
        (
            "password with a trailing newline",
            "/wab/cb",
            Some(basic(b"hooks:p@ss:w0rd\n")),
            401,
        ),
        (
            "password prefix",
            "/wab/cb",
            Some(basic(b"hooks:p@ss")),
            401,
        ),
        (
            "password with a suffix",
            "/wab/cb",
            Some(basic(b"hooks:p@ss:w0rdX")),
            401,
        ),
        (
            "credentials and something after them",
            "/wab/cb",
            Some(format!("{good_text} extra").into_bytes()),
            401,
        ),
        (
            "base64 with a bad character",
            "/wab/cb",
            Some(b"Basic aG9va3M6*A==".to_vec()),
            401,
        ),
        (
            "standard base64 with `/`",
            "/wab/q",
            Some(basic(b"q:???")),
            200,
        ),
        (
            "unpadded base64",
            "/wab/q",
            Some(b"Basic cTo/Pz8".to_vec()),
            200,
        ),
        ("URL-safe base64 alphabet", "/wab/q", Some(url_safe), 401),
        (
            "Latin-1 password instead of UTF-8",
            "/wab/dlr",
            Some(basic(b"dlr:\xe9t\xe9")),
            401,
        ),
        (
            "raw non-ASCII header bytes",
            "/wab/cb",
            Some(b"Basic \xc3\xa9\xc3\xa9".to_vec()),
            401,
        ),
        (
            "another route's credentials",
            "/wab/dlr",
            Some(good.clone()),
            401,
        ),
        ("trailing slash", "/wab/cb/", Some(good.clone()), 404),
        ("doubled slash", "/wab//cb", Some(good.clone()), 404),
        (
            "percent-encoded slash",
            "/wab%2Fcb",
            Some(good.clone()),
            404,
        ),
        (
            "percent-encoded letter",
            "/wab/%63b",
            Some(good.clone()),
            404,
        ),
        ("dot segments", "/wab/x/../cb", Some(good.clone()), 404),
        ("path in another case", "/WAB/CB", Some(good.clone()), 404),
        ("unknown path without credentials", "/elsewhere", None, 404),
    ];
    let mut expected_handled = 0;
    for (i, (name, path, authorization, expected)) in rows.iter().enumerate() {
        let got = status_of(addr, path, authorization.as_deref(), i).await;
        assert_eq!(
            got,
            *expected,
            "{name}: {path} {:?}",
            authorization
                .as_ref()
                .map(|a| String::from_utf8_lossy(a).into_owned())
        );
        if *expected == 200 {
            expected_handled += 1;
        }
    }
    assert_eq!(
        handled.load(Ordering::SeqCst),
        expected_handled,
        "only authorized requests reached the handler"
    );
    report!(
        "auth table: {} requests, {expected_handled} let in",
        rows.len()
    );
}

#[test]
fn callback_urls_that_would_open_a_door_are_refused() {
    let handler = |_e: Callback| async { Ok::<(), HandlerError>(()) };
    let rows: [(&str, bool); 22] = [
        ("https://hooks:pw@example.com/cb", true),
        ("https://hooks:pw@example.com:8443/cb", true),
        ("https://hooks:pw@example.com", true),
        ("https://hooks:pw@example.com/cb/", true),
        ("https://hooks:pw@[::1]:9/cb", true),
        ("https://hooks:p%2Fw@example.com/cb", true),
        ("https://hooks:p w@example.com/cb", true),
        ("https://hooks:pw@example.com/a/../cb", true),
        ("https://hooks:pw@example.com/a%2Fb", true),
        ("https://example.com/cb", false),
        ("https://:@example.com/cb", false),
        ("https://hooks@example.com/cb", false),
        ("https://hooks:@example.com/cb", false),
        ("https://:pw@example.com/cb", false),
        ("https://hooks:1234/abcd@example.com/wab/mo", false),
        ("https://ho%3Aoks:pw@example.com/cb", false),
        ("https://hooks:pw@example.com/cb?token=x", false),
        ("https://hooks:pw@example.com/cb#x", false),
        ("https://hooks:pw@example.com/a//b", false),
        ("https://hooks:pw@example.com/:id", false),
        // The URL parser encodes braces (`/%7Bx%7D`): no capture, served as written.
        ("https://hooks:pw@example.com/{x}", true),
        ("ftp://hooks:pw@example.com/cb", false),
    ];
    for (url, served) in rows {
        let built = Receiver::builder().url(url).handler(handler).build();
        assert_eq!(built.is_ok(), served, "{url}: {:?}", built.err());
    }
    let refused = rows.iter().filter(|(_, served)| !served).count();
    report!(
        "auth URL table: {} callback URLs, {refused} refused",
        rows.len()
    );
    // Mixing a URL with and one without credentials on one path is refused
    // even when unauthenticated URLs are allowed.
    let mixed = Receiver::builder()
        .url("https://hooks:pw@example.com/cb")
        .url("https://example.com/cb")
        .allow_unauthenticated()
        .handler(handler)
        .build();
    assert!(mixed.is_err());
}

#[tokio::test]
async fn url_edge_cases_serve_the_path_and_credentials_they_spell() {
    let cases: [(&str, &str, &[u8], u16); 8] = [
        (
            "https://hooks:p%2Fw@example.com/cb",
            "/cb",
            b"hooks:p/w",
            200,
        ),
        ("https://hooks:p w@example.com/cb", "/cb", b"hooks:p w", 200),
        (
            "https://hooks:pw@example.com/a/../cb",
            "/cb",
            b"hooks:pw",
            200,
        ),
        ("https://hooks:pw@example.com/cb/", "/cb/", b"hooks:pw", 200),
        ("https://hooks:pw@example.com/cb/", "/cb", b"hooks:pw", 404),
        ("https://hooks:pw@example.com", "/", b"hooks:pw", 200),
        (
            "https://hooks:pw@example.com/a%2Fb",
            "/a%2Fb",
            b"hooks:pw",
            200,
        ),
        (
            "https://hooks:pw@example.com/a%2Fb",
            "/a/b",
            b"hooks:pw",
            404,
        ),
    ];
    for (i, (url, path, pair, expected)) in cases.iter().enumerate() {
        let (addr, _) = serve(&[url]).await;
        let got = status_of(addr, path, Some(&basic(pair)), i).await;
        assert_eq!(got, *expected, "{url} → {path}");
    }
    report!(
        "auth URL edge cases: {} served end to end, each answered as spelt",
        cases.len()
    );
}
