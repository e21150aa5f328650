//! The client's side of the 24-hour window: before a free-form send, is the
//! window of every recipient open?

use crate::window::ServiceWindow;
use std::time::SystemTime;

/// A recipient whose window is closed: who, and since when (`None`: never opened).
pub(super) struct Closed {
    pub(super) to: String,
    pub(super) closed_at: Option<SystemTime>,
}

/// The first of `recipients` whose window with `source` is closed now. A
/// store that cannot answer does not stop the send: WhatsApp judges then,
/// and a send into a closed window costs a 131047, never a duplicate.
pub(super) async fn first_closed(
    window: &ServiceWindow,
    source: &str,
    recipients: &[String],
) -> Option<Closed> {
    let now = SystemTime::now();
    for to in recipients {
        match window.closes_at(source, to).await {
            Ok(Some(closes)) if now < closes => {}
            Ok(closed_at) => {
                return Some(Closed {
                    to: to.clone(),
                    closed_at,
                });
            }
            Err(e) => {
                tracing::warn!(error = %e.to_string().escape_debug(), "service window unknown; sending anyway");
            }
        }
    }
    None
}
