//! Nothing to use here: this package holds modica-wab's examples, one
//! program per job (`cargo run --example quickstart`); see `examples/*.rs`.
