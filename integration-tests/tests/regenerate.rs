//! Regeneration from a newer spec: a copy of the shipped spec with an added
//! operation, field and enum value is built through `MODICA_WAB_SPEC`, and a
//! small program calls the new operation through `client.raw()` against a
//! server on 127.0.0.1, checking that the credentials were applied.
//!
//! It builds the crate a second time in its own target directory: about two
//! minutes on a fresh checkout, 15 s once built. A plain `cargo test` skips
//! it (`#[ignore]`); `.ci/run` runs it:
//! `cargo test -p modica-wab-extra --features generator --test regenerate -- --ignored`.

use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's own directory (this package sits in its `extra/`).
fn crate_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("extra/ sits in the crate")
        .to_path_buf()
}

fn extended_spec() -> serde_json::Value {
    let root = crate_root();
    let text = std::fs::read_to_string(root.join("openapi/whatsapp-wab-api.yaml")).unwrap();
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut spec: serde_json::Value = serde_json::to_value(yaml).unwrap();
    spec["info"]["version"] = json!("1.4.0");
    spec["paths"]["/templates"] = json!({
        "get": {
            "tags": ["messages"],
            "operationId": "GetTemplates",
            "parameters": [{"name": "status", "in": "query", "required": false, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "Templates", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"$ref": "#/components/schemas/TemplateSummary"}}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "4XX": {"$ref": "#/components/responses/4XXError"}
            }
        }
    });
    spec["components"]["schemas"]["TemplateSummary"] = json!({
        "type": "object", "required": ["name"],
        "properties": {"name": {"type": "string"}, "language": {"type": "string"}, "status": {"type": "string"}}
    });
    spec["components"]["schemas"]["MessageRequest"]["properties"]["biz_opaque_callback_data"] =
        json!({"type": "string", "maxLength": 512});
    spec["components"]["schemas"]["MessageType"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(json!("order_details"));
    spec
}

/// A two-connection HTTP server: 503 first, then `body`; returns both request heads.
const SERVE: &str = r##"
fn serve(listener: std::net::TcpListener, body: &str, content_type: &str) -> Vec<Vec<String>> {
    use std::io::{BufRead, BufReader, Write};
    let mut heads = Vec::new();
    for attempt in 0..2 {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() { break; }
            head.push(line.trim_end().to_string());
        }
        heads.push(head);
        let (status, body) = if attempt == 0 { ("503 Service Unavailable", "busy") } else { ("200 OK", body) };
        write!(stream, "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\nretry-after: 0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}", body.len(), body).unwrap();
    }
    heads
}
"##;

const MAIN: &str = r##"
use modica_wab::{raw, Client};

#[tokio::main]
async fn main() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The first attempt gets a 503: the GET must be retried (retries apply to raw calls).
    let server = std::thread::spawn(move || serve(listener, r#"[{"name":"order_update","language":"en","status":"APPROVED"}]"#, "application/json"));
    let client = Client::builder()
        .credentials("acme-app", "p@ss")
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let templates = client.raw().get_templates(Some("APPROVED")).await.unwrap().into_inner();
    assert_eq!(templates[0].name, "order_update");
    let heads = server.join().unwrap();
    assert_eq!(heads.len(), 2, "one 503, then the retry");
    let head = &heads[1];
    assert!(head[0].starts_with("GET /templates?status=APPROVED "), "{head:?}");
    assert!(head.iter().any(|h| h.eq_ignore_ascii_case("authorization: Basic YWNtZS1hcHA6cEBzcw==")), "{head:?}");
    assert!(!head.iter().any(|h| h.to_ascii_lowercase().starts_with("api-version")), "{head:?}");

    // The added field and enum value exist in the regenerated types.
    let req: raw::types::MessageRequest = serde_json::from_value(serde_json::json!({
        "to": "+64211234567", "type": "order_details", "source": "6421000001",
        "biz_opaque_callback_data": "tracking-7"
    })).unwrap();
    assert_eq!(req.biz_opaque_callback_data.as_deref().map(|s| s.as_str()), Some("tracking-7"));
    assert!(matches!(req.type_, raw::types::MessageType::OrderDetails));
    assert_eq!(modica_wab::spec::SPEC_VERSION, "1.4.0");
    println!("regenerated client OK");
}
"##;

/// Against a spec shaped like 1.2.0: `GET /media` has no `source`, there is no
/// `/status`. The raw call works with auth and retries; the facade method the
/// spec lacks answers `Error::Unsupported` instead of failing to compile.
const MAIN_1_2_0: &str = r##"
use modica_wab::{Client, Error};

#[tokio::main]
async fn main() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || serve(listener, "JPEG", "image/jpeg"));
    let client = Client::builder()
        .credentials("acme-app", "p@ss")
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let media = client.raw().get_media(&"abc123".parse().unwrap()).await.unwrap();
    let heads = server.join().unwrap();
    assert_eq!(heads.len(), 2, "one 503, then the retry");
    assert!(heads[1][0].starts_with("GET /media?media_id=abc123 "), "{heads:?}");
    assert!(heads[1].iter().any(|h| h.eq_ignore_ascii_case("authorization: Basic YWNtZS1hcHA6cEBzcw==")), "{heads:?}");
    drop(media);
    match client.status().await {
        Err(Error::Unsupported { method, path }) => assert_eq!((method.as_str(), path.as_str()), ("GET", "/status")),
        other => panic!("{other:?}"),
    }
    assert_eq!(modica_wab::spec::SPEC_VERSION, "1.2.0");
    println!("regenerated client OK");
}
"##;

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Rewriting an unchanged file would make cargo rebuild for nothing.
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).unwrap();
    }
}

/// Builds a small program against the crate regenerated from `spec` and runs it.
fn run_against(spec: &Path, main: &str) {
    let root = crate_root();
    let dir = root.join("target/regen-check");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"regen-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
             [dependencies]\nmodica-wab = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\
             serde_json = \"1\"\n",
            root.display().to_string()
        ),
    );
    write(&dir.join("src/main.rs"), &format!("{main}\n{SERVE}"));
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    }
    let out = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("MODICA_WAB_SPEC", spec)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("regenerated client OK"),
        "{}: stdout:\n{stdout}\nstderr:\n{stderr}",
        spec.display()
    );
}

// One test, so the two builds share the target directory one after the other.
#[test]
#[ignore = "rebuilds the crate (about 2 min fresh); .ci/run runs it with --ignored"]
fn specs_shaped_like_1_2_0_and_like_a_newer_release_regenerate_and_work_through_raw() {
    let root = crate_root();
    let spec_path = root.join("target/regen-check/extended-spec.json");
    write(
        &spec_path,
        &serde_json::to_string_pretty(&extended_spec()).unwrap(),
    );
    run_against(&spec_path, MAIN);
    run_against(
        &root.join("tests/fixtures/specs/modica-1.2.0.yaml"),
        MAIN_1_2_0,
    );
}

#[test]
#[ignore = "rebuilds the crate; .ci/run runs it with --ignored"]
fn a_broken_spec_fails_the_build_with_a_message_naming_the_file() {
    let root = crate_root();
    let dir = root.join("target/regen-check");
    let bad = dir.join("broken-spec.yaml");
    write(
        &bad,
        "openapi: 3.1.0\ninfo: {title: t, version: '9'}\npaths: {}\n",
    );
    let out = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .arg("--lib")
        .env("MODICA_WAB_SPEC", &bad)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("broken-spec.yaml") && stderr.contains("3.1.0"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
