//! Nothing to use here: `cargo bench -p modica-wab-benches --bench compare` (see README.md).
