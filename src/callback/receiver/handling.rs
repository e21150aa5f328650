//! One event's handler run: the handler called with panics caught, its
//! claim renewed while it runs, then completed or released; or dropped, its
//! claim released, when shutdown's grace runs out.

use super::claim::{ClaimGuard, Renewal};
use super::context::CallbackContext;
use super::state::{Shared, warn_store};
use crate::callback::Callback;
use crate::telemetry;
use futures_util::FutureExt as _;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// How a handler ended.
#[derive(Debug)]
pub(super) enum Outcome {
    Handled,
    Failed,
    Panicked,
}

/// What a handler is called with: the event, its context, and the claim on it.
pub(super) struct Work {
    pub(super) event: Callback,
    pub(super) context: CallbackContext,
    pub(super) claim: ClaimGuard,
}

/// The handler, then the claim completed or released; `None` when
/// shutdown's grace ran out first. Run by a task other than the one that
/// waits for the answer (see `runners`).
pub(super) async fn handle(
    shared: &Shared,
    cancel: &tokio_util::sync::CancellationToken,
    work: Work,
) -> Option<Outcome> {
    let Work {
        event,
        context,
        claim,
    } = work;
    let _running = Running::start(&shared.running);
    let outcome = tokio::select! {
        // The handler first: a handler done at its first poll never
        // registers the other branches' wakers.
        biased;
        outcome = run_handler(shared, event, context, &claim) => outcome,
        // Shutdown grace is over: drop the handler; `claim` releases on drop.
        () = cancel.cancelled() => return None,
    };
    settle(claim, shared, matches!(outcome, Outcome::Handled)).await;
    Some(outcome)
}

/// Calls the handler with panics caught, in its synchronous part as well as
/// in its future, and keeps the claim alive while it runs.
async fn run_handler(
    shared: &Shared,
    event: Callback,
    context: CallbackContext,
    claim: &ClaimGuard,
) -> Outcome {
    let handler = &shared.handler;
    // The call itself happens inside the async block, so a panic before the
    // future exists is caught too.
    let handling =
        AssertUnwindSafe(async move { handler.handle(event, context).await }).catch_unwind();
    let renewing = async {
        let every = (shared.lease / 3).max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(every).await;
            match claim.watch.renew().await {
                Ok(Renewal::Held) => shared.store_errors.recovered(|failures| {
                    tracing::info!(failures, "de-duplication store answers again");
                }),
                Ok(Renewal::Lost) => {
                    telemetry::claim_renewal_failed("lost");
                    tracing::warn!(
                        fence = claim.watch.fence(),
                        "a running handler's claim expired and may be taken by a redelivery (the store stalled, or lost it, for longer than the claim lease); the handler runs on: check CallbackContext::claim_held before outside effects, or fence them with its fencing_token"
                    );
                    // Renewing again cannot take it back; the handler runs on.
                    std::future::pending::<()>().await;
                }
                Err(e) => {
                    telemetry::claim_renewal_failed("store_error");
                    warn_store(&shared.store_errors, &e);
                }
            }
        }
    };
    tokio::pin!(handling);
    let result = tokio::select! {
        // The handler first: one done at its first poll never starts the
        // renewal timer.
        biased;
        result = &mut handling => result,
        // The renewal loop never ends on its own.
        _ = renewing => return Outcome::Failed,
    };
    match result {
        Ok(Ok(())) => Outcome::Handled,
        Ok(Err(e)) => {
            // The handler's error may quote what came in: escaped for the log.
            tracing::warn!(error = %e.to_string().escape_debug(), "callback handler failed; answering 500 so Modica redelivers");
            Outcome::Failed
        }
        Err(_panic) => {
            tracing::error!("callback handler panicked; answering 500 so Modica redelivers");
            Outcome::Panicked
        }
    }
}

/// Completes the claim when the handler succeeded, else releases it.
async fn settle(claim: ClaimGuard, shared: &Shared, handled: bool) {
    let watch = claim.settle();
    if handled {
        match watch.complete().await {
            Ok(true) => {}
            Ok(false) => {
                telemetry::claim_renewal_failed("lost_at_completion");
                tracing::warn!(
                    fence = watch.fence(),
                    "handled an event whose claim had expired; a redelivery may be handled again (raise the claim lease above the longest store stall)"
                );
            }
            Err(e) => warn_store(&shared.store_errors, &e),
        }
    } else if let Err(e) = watch.release().await {
        warn_store(&shared.store_errors, &e);
    }
}

/// Counts a handler while it runs (however it ends).
struct Running<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Running<'a> {
    fn start(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
