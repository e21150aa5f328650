//! What the tests of the modica-wab crates share: a wiremock gateway on
//! 127.0.0.1 whose catch-all mock fails the test on any request no other
//! mock expected, the response fixtures (`tests/fixtures/` of the client
//! crate), one case per message constructor, every operation's traffic, and
//! a throwaway `redis-server`.

/// Prints a figure past the test harness's output capture, so a plain
/// `cargo test` shows it (the print macros would be captured).
#[macro_export]
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod cases;
pub mod redis;
pub mod traffic;

use modica_wab::Client;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The client crate's fixtures: responses, callbacks, specs.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

pub const USER: &str = "acme-app";
pub const PASS: &str = "s3cr:et p@ss";
pub const SOURCE: &str = "6421000001";
/// `Basic base64("acme-app:s3cr:et p@ss")`
pub const AUTH: &str = "Basic YWNtZS1hcHA6czNjcjpldCBwQHNz";

/// A mock server that answers 599 to, and fails the test on, anything unexpected.
pub async fn server() -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(599).set_body_string("unexpected request"))
        .with_priority(u8::MAX)
        .expect(0)
        .named("catch-all: no unexpected request")
        .mount(&server)
        .await;
    server
}

pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .build()
        .expect("valid test client")
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{FIXTURES}/responses/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn json_fixture(name: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(name)).expect("fixture is JSON")
}

/// A response carrying a JSON fixture.
pub fn respond(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
}
