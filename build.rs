//! Generates the low-level `raw` bindings from the OpenAPI spec.
//!
//! Reads `openapi/whatsapp-wab-api.yaml`, or the file named by the
//! `MODICA_WAB_SPEC` environment variable (a relative path is taken from the
//! directory cargo was run in, as a user typing it means), normalizes it
//! (build/normalize.rs),
//! runs progenitor and writes everything into `OUT_DIR`:
//! - `codegen.rs`: the bindings, included by `src/raw.rs`;
//! - `spec_meta.rs`: the spec's path, title, version and operations;
//! - `spec.json`: the spec as read (the conformance validator's and the sandbox's);
//! - `spec.normalized.json`, `normalize-report.txt`: what progenitor was given, and why.
//!
//! Set `MODICA_WAB_BUILD_REPORT=1` to see the normalizer's rewrites as
//! warnings; an operation left out of the bindings is a warning always.

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
    let spec_path = spec_path()?;
    println!("cargo::rerun-if-changed={}", spec_path.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);

    let original = generate::load_spec(&spec_path)?;
    let generated = generate::generate(original.clone(), &spec_path.display().to_string())?;
    let report = &generated.report;
    if std::env::var_os("MODICA_WAB_BUILD_REPORT").is_some_and(|v| v != "0") {
        for line in report.to_string().lines() {
            println!("cargo::warning={line}");
        }
    } else {
        // An operation the bindings lack is always said, report or not.
        for (id, method, path, why) in &report.hand_written {
            println!(
                "cargo::warning={method} {path} ({id}) is not in `raw` (progenitor cannot generate it: {why}); {}",
                match (method.as_str(), path.as_str()) {
                    ("POST", "/media") => "Client::upload_media sends it",
                    _ => "call it by hand, or tell the crate's maintainers",
                }
            );
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
            "    Operation {{ id: {:?}, method: {:?}, path: {:?}, route: {:?}, generated: {generated}, binary_response: {} }},",
            op.id,
            op.method,
            op.path,
            format!("{} {}", op.method, op.path),
            op.binary_response
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

/// The spec to build from: `MODICA_WAB_SPEC`, or the crate's own. A relative
/// `MODICA_WAB_SPEC` is read from the directory cargo was run in (`PWD`),
/// else from the crate's directory (where this script runs); a file found in
/// neither is an error naming both absolute paths.
fn spec_path() -> Result<PathBuf, String> {
    let given = match std::env::var_os("MODICA_WAB_SPEC") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => return Ok(PathBuf::from("openapi/whatsapp-wab-api.yaml")),
    };
    if given.is_absolute() {
        return Ok(given);
    }
    println!("cargo::rerun-if-env-changed=PWD");
    let crate_dir = std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?;
    let tried: Vec<PathBuf> = std::env::var_os("PWD")
        .map(PathBuf::from)
        .filter(|pwd| pwd.is_absolute())
        .into_iter()
        .chain([crate_dir])
        .map(|dir| dir.join(&given))
        .collect();
    tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let shown: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
        format!(
            "MODICA_WAB_SPEC={}: no such file (tried {}); give an absolute path, or one relative to the directory you run cargo in",
            given.display(),
            shown.join(" and ")
        )
    })
}
