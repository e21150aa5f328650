//! Nothing to use here: this package holds the modica-wab family's heavy
//! tests. The client and receiver against the sandbox (`conversations`,
//! `soak`, `metrics`), shared state on a real Redis (`redis`), the sandbox's
//! chat view in headless Chromium (`chat_browser`), and the build's
//! generator rule by rule and rebuilt from other specs (`normalize`,
//! `regenerate`). Each heavy tool is an optional dependency behind a
//! feature; `cargo test --all-features` turns them all on.
