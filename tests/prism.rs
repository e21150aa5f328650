//! An independent judge: every request the client emits (recorded against the
//! local gateway) is replayed to Stoplight Prism (`prism mock --errors`), which
//! validates it against the same spec. Any rejection or `sl-violations` header fails.
//!
//! A second pass sends the same requests through `prism proxy --errors` to the
//! sandbox (`wab sandbox`), so Prism also judges the sandbox's answers.
//!
//! `.ci/run` installs Prism, starts both, and runs this with `PRISM_URL` and
//! `PRISM_PROXY_URL` set: `cargo test --all-features --test prism -- --ignored`

use modica_wab_test_support as common;
use modica_wab_test_support::report;

use common::traffic::record_every_operation;

/// Replays every recorded request to `base`; returns the requests replayed and
/// a line for each one Prism objected to.
async fn replay(base: &str) -> (usize, Vec<String>) {
    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    let mut replayed = 0;
    for case in record_every_operation().await {
        for r in &case.requests {
            let target = match r.url.query() {
                Some(q) => format!("{base}{}?{q}", r.url.path()),
                None => format!("{base}{}", r.url.path()),
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
            let body = response.text().await.unwrap_or_default();
            // Prism's own refusals are problem documents of type .../prism/errors#…
            let prism_error = body.contains("stoplight.io/prism/errors");
            if violations.is_some() || prism_error {
                failures.push(format!(
                    "{}: {method} {}: {status} {} {body}",
                    case.name,
                    r.url.path(),
                    violations.unwrap_or_default()
                ));
            }
        }
    }
    (replayed, failures)
}

#[tokio::test]
#[ignore = "needs a running Prism; .ci/run starts one and sets PRISM_URL"]
async fn prism_accepts_every_request_the_client_emits() {
    let prism = std::env::var("PRISM_URL").expect("PRISM_URL (e.g. http://127.0.0.1:4010)");
    let (replayed, failures) = replay(&prism).await;
    report!(
        "prism mock: {replayed} requests replayed, {} rejected",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "Prism rejected:\n{}",
        failures.join("\n")
    );
    assert!(replayed >= 20);
}

#[tokio::test]
#[ignore = "needs Prism proxying to `wab sandbox`; .ci/run starts both and sets PRISM_PROXY_URL"]
async fn prism_finds_no_violation_in_requests_or_in_the_sandbox_answers() {
    let proxy = std::env::var("PRISM_PROXY_URL").expect("PRISM_PROXY_URL");
    let (replayed, failures) = replay(&proxy).await;
    report!(
        "prism proxy to the sandbox: {replayed} exchanges, {} with violations",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "Prism found violations:\n{}",
        failures.join("\n")
    );
    assert!(replayed >= 20);
}
