//! The client's clock and sleep, replaceable so tests and simulations run in
//! virtual time.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::time::Instant;

/// The client's clock and sleep, replaceable so tests and simulations run in
/// virtual time (no wall-clock seconds spent waiting).
pub trait Sleeper: Send + Sync + std::fmt::Debug + 'static {
    /// Time since this sleeper's start.
    fn now(&self) -> Duration;
    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Real time: `tokio::time::sleep`.
#[derive(Debug)]
pub struct TokioSleeper {
    start: Instant,
}

impl Default for TokioSleeper {
    fn default() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Sleeper for TokioSleeper {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}
