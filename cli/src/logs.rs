//! `wab`'s log lines on stderr: the crate's own warnings (Redis down and
//! back, claims lost, handlers past their timeout, a store that answers
//! again) reach the operator, at a level `-v`, `-q` or `RUST_LOG` sets. And
//! a watch on the request pipeline's attempts, so an interrupted command
//! can say whether a request was in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::span;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, filter};

/// What the request pipeline has done: attempts started, and retries
/// decided. A POST is retried only after an attempt that proved it was not
/// taken, so while every started attempt has been followed by a retry,
/// nothing was accepted; otherwise one is in flight, or its answer (which may
/// be an acceptance) is being read.
#[derive(Debug, Clone, Default)]
pub struct Attempts {
    started: Arc<AtomicUsize>,
    retried: Arc<AtomicUsize>,
}

impl Attempts {
    /// Whether a request may have been taken (conservatively: an attempt
    /// not followed by a retry).
    pub fn in_flight(&self) -> bool {
        self.started.load(Ordering::SeqCst) > self.retried.load(Ordering::SeqCst)
    }
}

/// The span each attempt runs in, and the event of a retry
/// (`src/transport/pipeline.rs`).
const ATTEMPT_SPAN: &str = "modica_wab.attempt";
const RETRY_EVENT: &str = "modica_wab.retry";

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S>
    for Attempts
{
    fn on_new_span(&self, _: &span::Attributes<'_>, _: &span::Id, _: Context<'_, S>) {
        self.started.fetch_add(1, Ordering::SeqCst);
    }

    fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {
        self.retried.fetch_add(1, Ordering::SeqCst);
    }
}

/// The default level: `listen` and `sandbox` run for hours and say what
/// they do (info); one-shot commands say only what went wrong (warn).
pub fn default_directive(long_running: bool, verbose: u8, quiet: u8) -> String {
    let crate_level = match (quiet, verbose, long_running) {
        (2.., _, _) => return "off".to_owned(),
        (1, _, _) => "error",
        (0, 0, true) => "info",
        (0, 0, false) => "warn",
        (0, 1, _) => "info",
        (0, 2, _) => "debug",
        (0, _, _) => "trace",
    };
    let others = if quiet > 0 { "error" } else { "warn" };
    format!("{others},modica_wab={crate_level},wab={crate_level}")
}

/// Installs the subscriber: formatted lines on stderr filtered by
/// `RUST_LOG` (else the default), and the attempt watch, which sees its
/// spans whatever the level.
pub fn install(directive: &str) -> Attempts {
    let attempts = Attempts::default();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directive));
    use std::io::IsTerminal as _;
    // Colours only for a person at a terminal (not a pipe, a file, NO_COLOR).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .with_filter(filter);
    let watch = attempts.clone().with_filter(filter::filter_fn(|meta| {
        (meta.is_span() && meta.name() == ATTEMPT_SPAN)
            || (meta.is_event() && meta.name() == RETRY_EVENT)
    }));
    // Another subscriber already set (never, in the binary): keep it.
    let _ = tracing_subscriber::registry()
        .with(lines)
        .with(watch)
        .try_init();
    attempts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_flags() {
        assert_eq!(
            default_directive(true, 0, 0),
            "warn,modica_wab=info,wab=info"
        );
        assert_eq!(
            default_directive(false, 0, 0),
            "warn,modica_wab=warn,wab=warn"
        );
        assert_eq!(
            default_directive(false, 2, 0),
            "warn,modica_wab=debug,wab=debug"
        );
        assert_eq!(
            default_directive(true, 0, 1),
            "error,modica_wab=error,wab=error"
        );
        assert_eq!(default_directive(true, 0, 2), "off");
    }
}
