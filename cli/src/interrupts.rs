//! Ctrl-C, listened for from the moment `wab` starts: a `ctrl_c()` future
//! registers only when first polled, and a SIGINT before that would end the
//! process at once, without saying what was known. Counted, so that a
//! second Ctrl-C is never lost while the first is being handled.

/// The interrupts of this process.
pub struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupts {
    /// Starts listening (must run inside the runtime).
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?,
        })
    }

    /// The next Ctrl-C (one that came already counts).
    pub async fn next(&mut self) {
        #[cfg(unix)]
        if self.signal.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
