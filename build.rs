//! Generates the low-level `raw` bindings from the OpenAPI spec.
//!
//! Reads `openapi/whatsapp-wab-api.yaml`, or the file named by the
//! `MODICA_WAB_SPEC` environment variable, normalizes it (build/normalize.rs),
//! runs progenitor and writes everything into `OUT_DIR`:
//! - `codegen.rs`: the bindings, included by `src/raw.rs`;
//! - `spec_meta.rs`: the spec's path, title, version and operations;
//! - `spec.json`: the spec as read (the conformance validator's and the sandbox's);
//! - `spec.normalized.json`, `normalize-report.txt`: what progenitor was given, and why.
//!
//! Set `MODICA_WAB_BUILD_REPORT=1` to see the normalizer's rewrites as warnings.

#[path = "build/generate.rs"]
#[allow(dead_code)]
mod generate;
#[path = "build/normalize.rs"]
#[allow(dead_code)] // parts are used only by the tests
mod normalize;
#[path = "build/report.rs"]
#[allow(dead_code)]
mod report;
#[path = "build/responses.rs"]
mod responses;
#[path = "src/spec/walk.rs"]
#[allow(dead_code)]
mod walk;

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    if let Err(message) = run() {
        println!("cargo::error={}", message.replace('\n', " "));
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    println!("cargo::rerun-if-env-changed=MODICA_WAB_SPEC");
    println!("cargo::rerun-if-env-changed=MODICA_WAB_BUILD_REPORT");
    println!("cargo::rerun-if-changed=build");
    let spec_path = match std::env::var_os("MODICA_WAB_SPEC") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("openapi/whatsapp-wab-api.yaml"),
    };
    println!("cargo::rerun-if-changed={}", spec_path.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);

    let original = generate::load_spec(&spec_path)?;
    let generated = generate::generate(original.clone(), &spec_path.display().to_string())?;
    let report = &generated.report;
    if std::env::var_os("MODICA_WAB_BUILD_REPORT").is_some_and(|v| v != "0") {
        for line in report.to_string().lines() {
            println!("cargo::warning={line}");
        }
    }

    let mut meta = String::new();
    let w = &mut meta;
    let _ = writeln!(w, "/// Path of the spec this build was generated from.");
    let _ = writeln!(
        w,
        "pub const SPEC_PATH: &str = {:?};",
        spec_path.display().to_string()
    );
    let _ = writeln!(w, "/// `info.title` of the spec.");
    let _ = writeln!(w, "pub const SPEC_TITLE: &str = {:?};", generated.title);
    let _ = writeln!(w, "/// `info.version` of the spec.");
    let _ = writeln!(w, "pub const SPEC_VERSION: &str = {:?};", generated.version);
    let _ = writeln!(w, "/// Every operation in the spec.");
    let _ = writeln!(w, "pub const OPERATIONS: &[Operation] = &[");
    for op in &report.operations {
        let generated = !report.hand_written.iter().any(|h| h.0 == op.id);
        let _ = writeln!(
            w,
            "    Operation {{ id: {:?}, method: {:?}, path: {:?}, generated: {generated}, binary_response: {} }},",
            op.id, op.method, op.path, op.binary_response
        );
    }
    let _ = writeln!(w, "];");
    let write = |name: &str, contents: &str| {
        std::fs::write(out.join(name), contents)
            .map_err(|e| format!("cannot write {name} in OUT_DIR: {e}"))
    };
    write("codegen.rs", &generated.code)?;
    write("spec_meta.rs", &meta)?;
    write("spec.json", &original.to_string())?;
    write("spec.normalized.json", &generated.normalized.to_string())?;
    write("normalize-report.txt", &report.to_string())?;
    Ok(())
}
