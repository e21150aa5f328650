//! What the crate reports about itself: metrics through the `metrics` crate
//! facade (feature `metrics`; the exporter is the application's choice), and
//! `tracing` spans (always). Every name is here, so the list in the README
//! and the code cannot drift apart.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `modica_wab_requests_total` | counter | `route` (`POST /messages`…), `outcome` (`success`, `api_error`, `transport_error`, `connect_error`), `code` (WhatsApp code or `none`) |
//! | `modica_wab_request_duration_seconds` | histogram | `route`, `outcome` |
//! | `modica_wab_retries_total` | counter | `route`, `reason` (`status_429`, `status_5xx`, `whatsapp_<code>`, `connect`, `timeout`, `transport`) |
//! | `modica_wab_pacing_wait_seconds` | histogram | — |
//! | `modica_wab_window_total` | counter | `outcome` (`refused`: a free-form send into a closed window, refused locally; `fallback`: sent as its template instead) |
//! | `modica_wab_callbacks_total` | counter | `kind` (`mo`, `dlr`, `unknown`, `malformed`), `status` (a DLR's: `sent`, `received`, `rejected`, `expired`, `other`; else `none`), `outcome` (`handled`, `failed`, `duplicate`, `in_flight`, `store_error`, `timeout`, `shutdown`) |
//! | `modica_wab_dedup_hits_total` | counter | `kind` |
//! | `modica_wab_claim_renewals_failed_total` | counter | `reason` (`lost`: the claim expired under a running handler; `store_error`: the store did not answer; `lost_at_completion`) |

use std::time::Duration;

/// A request ended (after all its attempts).
pub(crate) fn request_done(
    route: &'static str,
    outcome: &'static str,
    code: Option<i64>,
    took: Duration,
) {
    #[cfg(feature = "metrics")]
    {
        let code = code.map_or_else(|| "none".to_owned(), |c| c.to_string());
        metrics::counter!("modica_wab_requests_total", "route" => route, "outcome" => outcome, "code" => code)
            .increment(1);
        metrics::histogram!("modica_wab_request_duration_seconds", "route" => route, "outcome" => outcome)
            .record(took.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (route, outcome, code, took);
}

/// An attempt failed and another follows.
pub(crate) fn retried(route: &'static str, reason: String) {
    #[cfg(feature = "metrics")]
    metrics::counter!("modica_wab_retries_total", "route" => route, "reason" => reason)
        .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = (route, reason);
}

/// A send waited for its pace.
pub(crate) fn paced(waited: Duration) {
    #[cfg(feature = "metrics")]
    metrics::histogram!("modica_wab_pacing_wait_seconds").record(waited.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = waited;
}

/// A callback was answered: its kind, a DLR's status, and what became of it.
#[cfg(feature = "receiver")]
pub(crate) fn callback(kind: &'static str, status: &'static str, outcome: &'static str) {
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("modica_wab_callbacks_total", "kind" => kind, "status" => status, "outcome" => outcome)
            .increment(1);
        if outcome == "duplicate" {
            metrics::counter!("modica_wab_dedup_hits_total", "kind" => kind).increment(1);
        }
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (kind, status, outcome);
}

/// The service window refused a free-form send locally, or sent its fallback.
pub(crate) fn window(outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("modica_wab_window_total", "outcome" => outcome).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = outcome;
}

/// A file's media id: remembered (`hit`), uploaded (`miss`), or uploaded
/// again after the gateway forgot it (`reupload`).
pub(crate) fn media_cache(outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("modica_wab_media_cache_total", "outcome" => outcome).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = outcome;
}

/// A running handler's claim could not be renewed (or completed).
#[cfg(feature = "receiver")]
pub(crate) fn claim_renewal_failed(reason: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("modica_wab_claim_renewals_failed_total", "reason" => reason).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = reason;
}
