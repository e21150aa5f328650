//! Spec file → normalized spec → progenitor → formatted Rust source.
//!
//! Shared by `build.rs` and the generation tests (`integration-tests/tests/normalize.rs`).
//! Every failure is a message naming the spec file, the place and what to
//! change; progenitor runs under `catch_unwind` so its panics become messages.

use crate::normalize::{self, Report};
use serde_json::Value;
use std::path::Path;

/// The generated bindings and what was learnt on the way.
pub struct Generated {
    pub code: String,
    pub report: Report,
    pub normalized: Value,
    pub title: String,
    pub version: String,
}

/// Reads a YAML or JSON spec file into JSON (mapping keys become strings).
pub fn load_spec(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the OpenAPI spec {}: {e}", path.display()))?;
    parse_spec(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses YAML (a superset of JSON) into JSON.
pub fn parse_spec(text: &str) -> Result<Value, String> {
    let yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| format!("not valid YAML or JSON: {e}"))?;
    yaml_to_json(yaml)
}

fn yaml_to_json(v: serde_yaml_ng::Value) -> Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).map_err(|e| e.to_string())?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("unsupported mapping key {other:?}")),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value)?,
    })
}

/// Normalizes `spec` and runs progenitor over it.
pub fn generate(mut spec: Value, origin: &str) -> Result<Generated, String> {
    let report = normalize::normalize(&mut spec)
        .map_err(|e| format!("{origin}: the OpenAPI spec cannot be used {e}"))?;
    let title = spec
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone())
        .map_err(|e| format!("{origin}: not a valid OpenAPI 3.0 document: {e}"))?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote_inner());

    // progenitor reports some unsupported constructs by panicking; keep the
    // message and turn it into a build error that names the file.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| {
        let mut generator = progenitor::Generator::new(&settings);
        generator
            .generate_tokens(&openapi)
            .map_err(|e| e.to_string())
    });
    std::panic::set_hook(previous_hook);

    let tokens = match outcome {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => {
            return Err(format!(
                "{origin}: progenitor rejected the spec: {e}. Fix that part of the spec, or add a normalizer rule in build/normalize.rs"
            ));
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "unknown panic".to_owned());
            return Err(format!(
                "{origin}: progenitor cannot generate code for this spec ({msg}). \
                 The construct is not covered by build/normalize.rs; simplify that part of the spec or add a rule"
            ));
        }
    };
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("{origin}: progenitor produced code that does not parse: {e}"))?;
    if !report.declares_api_version_header {
        // progenitor sends `api-version: <info.version>` on every request; the
        // WAB API declares no such header, so the generated code sends none.
        syn::visit_mut::VisitMut::visit_file_mut(&mut WithoutApiVersion, &mut file);
    }
    Ok(Generated {
        code: prettyplease::unparse(&file),
        report,
        normalized: spec,
        title,
        version,
    })
}

/// Removes `header_map.append(HeaderName::from_static("api-version"), …);`.
struct WithoutApiVersion;

impl syn::visit_mut::VisitMut for WithoutApiVersion {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| !appends_api_version(stmt));
        syn::visit_mut::visit_block_mut(self, block);
    }
}

fn appends_api_version(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    let Some(syn::Expr::Call(name)) = call.args.first() else {
        return false;
    };
    call.method == "append"
        && matches!(
            name.args.first(),
            Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) if s.value() == "api-version"
        )
}

fn quote_inner() -> proc_macro2::TokenStream {
    "crate::transport::Transport"
        .parse()
        .expect("a fixed, valid Rust path")
}
