//! Server-sent events: one `data:` line each time the sandbox's records
//! change, so the page fetches what changed; a comment every 15 s keeps the
//! stream open through proxies.

use super::super::Shared;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub(super) fn stream(shared: &Arc<Shared>) -> Response {
    let changes = shared.version.subscribe();
    let events = futures_util::stream::unfold((changes, true), |(mut changes, first)| async move {
        if first {
            // The page may have been rendered before a change it missed.
            return Some((
                Ok::<_, std::convert::Infallible>(Bytes::from_static(b"retry: 1000\ndata: 0\n\n")),
                (changes, false),
            ));
        }
        let line = match tokio::time::timeout(KEEP_ALIVE, changes.changed()).await {
            Ok(Ok(())) => {
                let version = *changes.borrow_and_update();
                Bytes::from(format!("data: {version}\n\n"))
            }
            // The sandbox is gone: end the stream.
            Ok(Err(_)) => return None,
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
        };
        Some((Ok(line), (changes, false)))
    });
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from_stream(events),
    )
        .into_response()
}
