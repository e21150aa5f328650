//! Nothing to use here: this package holds modica-wab's tests and examples
//! that need heavy tools (`tests/chat_browser.rs` drives headless Chromium,
//! `tests/normalize.rs` runs progenitor, `tests/regenerate.rs` rebuilds the
//! crate from other specs, `examples/receiver.rs` exports Prometheus
//! metrics), so the crate's own dev-dependencies stay light. Each tool is an
//! optional dependency behind a feature (`browser`, `generator`,
//! `prometheus`); `cargo test --all-features` turns them all on, and a plain
//! `cargo run --example quickstart` compiles none of them.
