//! An independent judge: every request the client emits (recorded against the
//! local gateway) is replayed to Stoplight Prism (`prism mock --errors`), which
//! validates it against the same spec. Any rejection or `sl-violations` header fails.
//!
//! `.ci/run` installs Prism and runs this with `PRISM_URL` set:
//! `PRISM_URL=http://127.0.0.1:4010 cargo test --test prism -- --ignored`

#[macro_use]
mod common;

use common::traffic::record_every_operation;

#[tokio::test]
#[ignore = "needs a running Prism; .ci/run starts one and sets PRISM_URL"]
async fn prism_accepts_every_request_the_client_emits() {
    let prism = std::env::var("PRISM_URL").expect("PRISM_URL (e.g. http://127.0.0.1:4010)");
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    let mut replayed = 0;
    for case in record_every_operation().await {
        for r in &case.requests {
            let target = match r.url.query() {
                Some(q) => format!("{prism}{}?{q}", r.url.path()),
                None => format!("{prism}{}", r.url.path()),
            };
            let method = reqwest::Method::from_bytes(r.method.as_str().as_bytes()).unwrap();
            let mut request = http.request(method.clone(), &target).body(r.body.clone());
            for (name, value) in r.headers.iter() {
                if !matches!(name.as_str(), "host" | "content-length") {
                    request = request.header(name.as_str(), value.as_bytes());
                }
            }
            let response = request.send().await.expect("Prism answers");
            replayed += 1;
            let status = response.status();
            let violations = response
                .headers()
                .get("sl-violations")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            if status.is_client_error() || violations.is_some() {
                failures.push(format!(
                    "{}: {method} {}: {status} {}",
                    case.name,
                    r.url.path(),
                    violations.unwrap_or_default()
                ));
            }
        }
    }
    report!(
        "prism: {replayed} requests replayed, {} rejected",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "Prism rejected:\n{}",
        failures.join("\n")
    );
    assert!(replayed >= 20);
}
