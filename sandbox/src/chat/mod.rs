//! The chat view: the sandbox's conversations as a customer sees them on a
//! phone, live, and answered from the page (type, tap, react, send a file),
//! with fault buttons and the callbacks the sandbox POSTed.
//!
//! Served by the sandbox itself under `/_sandbox/<token>/`: the token (128
//! random bits, printed by `wab sandbox`, [`Sandbox::chat_url`](super::Sandbox::chat_url))
//! keeps other local processes and other sites' pages (whose forms could
//! post to a loopback address) out, without a password prompt. The page is
//! HTML written on the server with every value escaped, one small script
//! served alongside (the page's policy allows no other), and server-sent
//! events to know when to fetch again. Nothing is fetched from elsewhere.

mod actions;
mod assets;
mod content;
mod events;
mod html;
mod markup;
mod view;

use super::Shared;
use super::gateway::Reply;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt as _;
use markup::Paths;
use std::collections::HashSet;
use std::sync::Arc;
use view::Pair;

/// Where the chat view lives, before its token.
pub(crate) const PREFIX: &str = "/_sandbox/";

/// Largest form the page posts (a typed message and a few fields).
const FORM_LIMIT: usize = 64 * 1024;

/// The page's policy: its own script and style only; media from itself or
/// the links messages carry; forms post only to itself.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; media-src 'self' http: https:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

fn with_headers(mut response: Response, content_type: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The token is in the address: never send it on to a linked site.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn html(body: String) -> Response {
    with_headers(body.into_response(), "text/html; charset=utf-8")
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    with_headers(response, "text/plain; charset=utf-8")
}

fn refused(reason: &str) -> Response {
    with_headers(
        (StatusCode::BAD_REQUEST, reason.to_owned()).into_response(),
        "text/plain; charset=utf-8",
    )
}

/// A conversation's numbers from the path: digits only; the customer may be a
/// business-scoped user id instead.
fn pair(business: &str, customer: &str) -> Option<Pair> {
    let ok = |n: &str| !n.is_empty() && n.len() <= 20 && n.bytes().all(|b| b.is_ascii_digit());
    let bsuid = modica_wab::customer::Bsuid::parse(customer).is_ok();
    (ok(business) && (ok(customer) || bsuid)).then(|| Pair {
        business: business.to_owned(),
        customer: customer.to_owned(),
    })
}

/// Answers a request under [`PREFIX`].
pub(crate) async fn handle(shared: &Arc<Shared>, request: Request) -> Response {
    let Some(token) = shared.ui_token.as_deref() else {
        return not_found();
    };
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return not_found();
    };
    let (given, route) = rest.split_once('/').unwrap_or((rest, ""));
    if !same(given.as_bytes(), token.as_bytes()) {
        return not_found();
    }
    let paths = Paths {
        base: format!("{PREFIX}{token}/"),
    };
    let parts: Vec<&str> = route.split('/').collect();
    let method = request.method().clone();
    match (method, parts.as_slice()) {
        (Method::GET, [""]) => page(shared, &paths, None),
        (Method::GET, ["app.js"]) => with_headers(
            assets::SCRIPT.into_response(),
            "text/javascript; charset=utf-8",
        ),
        (Method::GET, ["app.css"]) => {
            with_headers(assets::STYLE.into_response(), "text/css; charset=utf-8")
        }
        (Method::GET, ["events"]) => events::stream(shared),
        (Method::GET, ["list"]) => {
            let list = view::list(&shared.records());
            html(html::list_panel(&paths, &list))
        }
        (Method::GET, ["media", id]) => media(shared, id).await,
        (Method::GET, ["c", b, c]) => match pair(b, c) {
            Some(p) => page(shared, &paths, Some(p)),
            None => not_found(),
        },
        (Method::GET, ["c", b, c, "view"]) => match pair(b, c) {
            Some(p) => {
                let (conversation, media) = open(shared, &p);
                html(html::conversation_panel(&paths, &conversation, &media))
            }
            None => not_found(),
        },
        (Method::GET, ["c", b, c, "log"]) => match pair(b, c) {
            Some(p) => {
                let (conversation, _) = open(shared, &p);
                html(html::callback_log(&conversation))
            }
            None => not_found(),
        },
        (Method::POST, ["start"]) => {
            let form = match form(shared, request).await {
                Ok(form) => form,
                Err(response) => return response,
            };
            match actions::start(shared, &form) {
                Ok(p) => see_other(&format!("{}c/{}/{}", paths.base, p.business, p.customer)),
                Err(reason) => refused(reason),
            }
        }
        (Method::POST, ["c", b, c, action]) => {
            let Some(p) = pair(b, c) else {
                return not_found();
            };
            let back = format!("{}c/{}/{}", paths.base, p.business, p.customer);
            if *action == "upload" {
                return match upload(shared, &p, request).await {
                    Ok(()) => see_other(&back),
                    Err(response) => response,
                };
            }
            let form = match form(shared, request).await {
                Ok(form) => form,
                Err(response) => return response,
            };
            let done = match *action {
                "reply" => actions::reply(shared, &p, &form),
                "tap" => actions::tap(shared, &p, &form),
                "react" => actions::react(shared, &p, &form),
                "fault" => actions::fault(shared, &p, &form),
                _ => return not_found(),
            };
            match done {
                Ok(()) => see_other(&back),
                Err(reason) => refused(reason),
            }
        }
        _ => not_found(),
    }
}

/// The conversation of `pair`, and which of its media the sandbox holds.
fn open(shared: &Shared, pair: &Pair) -> (view::Conversation, HashSet<String>) {
    let records = shared.records();
    let mut conversation = view::conversation(&records, pair);
    let media = records.media.iter().map(|m| m.id.clone()).collect();
    drop(records);
    if let Some(templates) = &shared.config.templates {
        for e in &mut conversation.entries {
            if e.side == view::Side::Business {
                e.template = templates.render(&e.body);
            }
        }
    }
    (conversation, media)
}

fn page(shared: &Shared, paths: &Paths, chosen: Option<Pair>) -> Response {
    let list = view::list(&shared.records());
    let chosen = chosen.or_else(|| list.first().map(|s| s.pair.clone()));
    let opened = chosen.map(|p| open(shared, &p));
    let open = opened.as_ref().map(|(c, m)| (c, m));
    html(html::page(
        paths,
        &list,
        open,
        &shared.config.business_number,
    ))
}

/// A form body, bounded in size and time.
async fn form(shared: &Shared, request: Request) -> Result<actions::Form, Response> {
    let read = axum::body::to_bytes(request.into_body(), FORM_LIMIT);
    match tokio::time::timeout(shared.config.body_timeout, read).await {
        Ok(Ok(bytes)) => Ok(actions::Form::parse(&bytes)),
        Ok(Err(_)) => Err(refused("the form is too large or could not be read")),
        Err(_) => Err(refused("the form came too slowly")),
    }
}

async fn upload(shared: &Arc<Shared>, pair: &Pair, request: Request) -> Result<(), Response> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Ok(boundary) = multer::parse_boundary(&content_type) else {
        return Err(refused("a file upload needs a multipart form"));
    };
    // As for the API's uploads: a client that stops sending is cut off.
    let body = super::idle::IdleTimeout::new(
        request
            .into_body()
            .into_data_stream()
            .map_err(std::io::Error::other),
        shared.config.body_timeout,
    );
    actions::upload(shared, pair, boundary, body)
        .await
        .map_err(|reply| match reply {
            Reply::Answer(response) => response,
            Reply::Drop => refused("the upload failed"),
        })
}

/// A stored media file. Shown in the page only as an image, a video or a
/// sound; anything else (an HTML or SVG file a customer sent, say) comes as
/// a download, so it never runs in the page's origin.
async fn media(shared: &Shared, id: &str) -> Response {
    let Some(stored) = shared.records().media(id).cloned() else {
        return not_found();
    };
    let Ok(file) = tokio::fs::File::open(&stored.path).await else {
        return not_found();
    };
    let mime = stored.content_type.to_ascii_lowercase();
    let inline = (mime.starts_with("image/") && !mime.contains("svg"))
        || mime.starts_with("video/")
        || mime.starts_with("audio/");
    let content_type = HeaderValue::from_str(&stored.content_type)
        .ok()
        .filter(|_| inline)
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    if !inline {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_take_digits_only_and_tokens_compare_whole() {
        assert!(pair("6421000001", "64211234567").is_some());
        for (b, c) in [
            ("", "1"),
            ("1", "x"),
            ("1", "12345678901234567890123"),
            ("..", "1"),
        ] {
            assert!(pair(b, c).is_none(), "{b}/{c}");
        }
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
