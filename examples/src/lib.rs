//! Nothing to use here: this package holds modica-wab's examples, one
//! program per job (`cargo run --example quickstart`); see `examples/*.rs`.

// The workspace README's examples compile (and those not marked `no_run`
// run) as doctests here, where every crate they use is a dependency.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
