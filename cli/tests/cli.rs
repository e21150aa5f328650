//! The `wab` command line, run as a process against the sandbox on 127.0.0.1.

use modica_wab_test_support as common;

use modica_wab_sandbox::{Fault, Sandbox};
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const WAB: &str = env!("CARGO_BIN_EXE_wab");
const TO: &str = "+64211234567";

/// Runs a command off the async runtime (the sandbox lives on it).
async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("wab runs"))
        .await
        .unwrap()
}

/// Runs `wab` with the sandbox's credentials and `args`, off the async runtime.
async fn wab(sandbox: &Sandbox, args: &[&str]) -> Output {
    let mut command = Command::new(WAB);
    command
        .env_remove("MODICA_USERNAME")
        .env_remove("MODICA_PASSWORD")
        .env("MODICA_BASE_URL", sandbox.base_url())
        .env("MODICA_USERNAME", sandbox.username())
        .env("MODICA_PASSWORD", sandbox.password())
        .env("MODICA_SOURCE", sandbox.business_number())
        .arg("--json")
        .args(args);
    output(command).await
}

/// Runs `wab` as [`wab`] does, for people (no `--json`).
async fn wab_human(sandbox: &Sandbox, args: &[&str]) -> Output {
    let mut command = Command::new(WAB);
    command
        .env("MODICA_BASE_URL", sandbox.base_url())
        .env("MODICA_USERNAME", sandbox.username())
        .env("MODICA_PASSWORD", sandbox.password())
        .env("MODICA_SOURCE", sandbox.business_number())
        .args(args);
    output(command).await
}

/// Everything a run printed: stderr (for people) and stdout (`--json`
/// failures are JSON there).
fn said(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
}

fn stdout_json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {text:?} / {}", String::from_utf8_lossy(&out.stderr)))
}

async fn sandbox() -> Sandbox {
    Sandbox::builder().start().await.unwrap()
}

#[tokio::test]
async fn help_everywhere() {
    let s = sandbox().await;
    for args in [
        &["--help"][..],
        &["send", "--help"],
        &["send", "template", "--help"],
        &["media", "download", "--help"],
        &["listen", "--help"],
        &["sandbox", "--help"],
    ] {
        let out = wab(&s, args).await;
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: wab"),
            "{args:?}"
        );
    }
    let out = wab(&s, &["send", "text"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing arguments are a usage error"
    );
    // Help shows where a setting comes from, never the secret in it.
    let mut command = Command::new(WAB);
    command
        .env(
            "MODICA_CALLBACK_URL",
            "https://hooks:S3CRETPW@example.com/wab/mo",
        )
        .env("MODICA_PASSWORD", "S3CRETPW")
        .args(["listen", "--help"]);
    let help = output(command).await;
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("MODICA_CALLBACK_URL") && !text.contains("S3CRETPW"),
        "{text}"
    );
}

#[tokio::test]
async fn every_send_kind_is_accepted_by_the_sandbox() {
    let s = sandbox().await;
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "send",
            "text",
            "--to",
            TO,
            "--reference",
            "r-text",
            "Kia ora",
        ],
        vec![
            "send",
            "template",
            "--to",
            TO,
            "--name",
            "order_update",
            "--param",
            "Aroha",
            "--param",
            "17",
        ],
        vec![
            "send",
            "image",
            "--to",
            TO,
            "--link",
            "https://cdn.example.com/a.jpg",
            "--caption",
            "Parcel",
        ],
        vec!["send", "video", "--to", TO, "--id", "112233"],
        vec!["send", "audio", "--to", TO, "--id", "445566"],
        vec![
            "send",
            "document",
            "--to",
            TO,
            "--link",
            "https://cdn.example.com/i.pdf",
            "--filename",
            "i.pdf",
        ],
        vec!["send", "sticker", "--to", TO, "--id", "778899"],
        vec![
            "send",
            "location",
            "--to",
            TO,
            "--latitude",
            "-36.8485",
            "--longitude",
            "174.7633",
            "--name",
            "Sky Tower",
        ],
        vec![
            "send",
            "contacts",
            "--to",
            TO,
            "--name",
            "Aroha Smith",
            "--phone",
            "+6495551234",
        ],
        vec![
            "send",
            "interactive",
            "--to",
            TO,
            "--body",
            "Confirm?",
            "--button",
            "yes=Yes",
            "--button",
            "no=No",
        ],
        vec![
            "send",
            "reaction",
            "--to",
            TO,
            "--message-id",
            "wamid.X",
            "--emoji",
            "👍",
        ],
    ];
    for args in &cases {
        let out = wab(&s, args).await;
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout_json(&out)["status"], "accepted", "{args:?}");
    }
    let kinds: Vec<String> = s.sent().iter().map(|m| m.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            "text",
            "template",
            "image",
            "video",
            "audio",
            "document",
            "sticker",
            "location",
            "contacts",
            "interactive",
            "reaction"
        ]
    );
    assert_eq!(s.accepted_count("r-text"), 1);

    let out = wab(
        &s,
        &["broadcast", "--to", TO, "--to", "+64211234568", "Open at 9"],
    )
    .await;
    assert!(out.status.success());
    assert_eq!(stdout_json(&out).as_array().map(Vec::len), Some(2));
    let id = s.sent()[0].id.clone();
    let out = wab(&s, &["message", &id]).await;
    assert_eq!(stdout_json(&out)["id"], id.as_str());
}

/// WhatsApp's newer messages from the command line: each goes out as the
/// library builds it, and a bad argument is refused before anything is sent.
#[tokio::test]
async fn newer_message_kinds_from_the_command_line() {
    let s = sandbox().await;
    let cases: Vec<(Vec<&str>, serde_json::Value)> = vec![
        (
            vec![
                "send", "otp", "--to", TO, "--name", "verify", "--code", "482913",
            ],
            serde_json::json!({"type": "button", "sub_type": "url", "index": "0",
                "parameters": [{"type": "text", "text": "482913"}]}),
        ),
        (
            vec![
                "send",
                "carousel",
                "--to",
                TO,
                "--name",
                "sale",
                "--param",
                "Aroha",
                "--card",
                "image=https://cdn.example.com/a.jpg;text=Aloe;quick_reply=aloe;url=a",
                "--card",
                "image=https://cdn.example.com/f.jpg;text=Fern;quick_reply=fern;url=f",
            ],
            serde_json::json!({"type": "body", "parameters": [{"type": "text", "text": "Aloe"}]}),
        ),
        (
            vec![
                "send",
                "template",
                "--to",
                TO,
                "--name",
                "book",
                "--button",
                "0:flow:visit-42",
                "--button",
                "1:copy_code:KIAORA20",
            ],
            serde_json::json!({"type": "action", "action": {"flow_token": "visit-42"}}),
        ),
        (
            vec![
                "send",
                "flow",
                "--to",
                TO,
                "--body",
                "Book a visit",
                "--cta",
                "Book now",
                "--flow-id",
                "1234",
                "--token",
                "visit-42",
                "--screen",
                "START",
                "--data",
                r#"{"clinic":"Ponsonby"}"#,
            ],
            serde_json::json!({"screen": "START", "data": {"clinic": "Ponsonby"}}),
        ),
        (
            vec![
                "send",
                "location-request",
                "--to",
                TO,
                "--body",
                "Where are you?",
            ],
            serde_json::json!({"name": "send_location"}),
        ),
        (
            vec![
                "send",
                "product",
                "--to",
                TO,
                "--catalog",
                "cat-1",
                "--product",
                "SKU-1",
            ],
            serde_json::json!({"catalog_id": "cat-1", "product_retailer_id": "SKU-1"}),
        ),
        (
            vec![
                "send",
                "product-list",
                "--to",
                TO,
                "--catalog",
                "cat-1",
                "--header",
                "Range",
                "--body",
                "Picked for you",
                "--section",
                "Ferns=SKU-1,SKU-2",
                "--section",
                "Aloes=SKU-3",
            ],
            serde_json::json!({"title": "Aloes", "product_items": [{"product_retailer_id": "SKU-3"}]}),
        ),
        (
            vec![
                "send",
                "voice",
                "--to",
                TO,
                "--link",
                "https://cdn.example.com/v.ogg",
            ],
            serde_json::json!({"link": "https://cdn.example.com/v.ogg", "voice": true}),
        ),
    ];
    for (args, part) in &cases {
        let out = wab(&s, args).await;
        assert!(out.status.success(), "{args:?}: {}", said(&out));
        let body = s.sent().last().unwrap().body.to_string();
        let part = part.to_string();
        let inner = &part[1..part.len() - 1];
        assert!(body.contains(inner), "{args:?}: {body} lacks {part}");
    }
    // Refused before sending, naming what was wrong: exit 3.
    for (args, says) in [
        (
            vec![
                "send",
                "otp",
                "--to",
                "NZ.13491208655302741918",
                "--name",
                "v",
                "--code",
                "1",
            ],
            "131062",
        ),
        (
            vec![
                "send",
                "otp",
                "--to",
                TO,
                "--name",
                "v",
                "--code",
                "1234567890123456",
            ],
            "limit is 15",
        ),
        (
            vec![
                "send",
                "carousel",
                "--to",
                TO,
                "--name",
                "s",
                "--card",
                "image=https://x.example/a.jpg",
            ],
            "2 to 10 cards",
        ),
        (
            vec![
                "send", "carousel", "--to", TO, "--name", "s", "--card", "gif=x", "--card", "gif=y",
            ],
            "card[0]",
        ),
        (
            vec![
                "send", "template", "--to", TO, "--name", "t", "--button", "0:call:x",
            ],
            "no button kind",
        ),
        (
            vec![
                "send",
                "flow",
                "--to",
                TO,
                "--body",
                "b",
                "--cta",
                "Go 🚀",
                "--flow-id",
                "1",
            ],
            "no emoji",
        ),
        (
            vec![
                "send",
                "flow",
                "--to",
                TO,
                "--body",
                "b",
                "--cta",
                "Go",
                "--flow-id",
                "1",
                "--screen",
                "S",
                "--data",
                "[1]",
            ],
            "not a JSON object",
        ),
    ] {
        let sent = s.sent().len();
        let out = wab(&s, &args).await;
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", said(&out));
        assert!(said(&out).contains(says), "{args:?}: {}", said(&out));
        assert_eq!(s.sent().len(), sent, "nothing was sent");
    }
}

/// `--or-template`: refused with 131047, the template goes instead, and
/// the result says so.
#[tokio::test]
async fn a_fallback_template_goes_out_after_131047_and_the_result_says_so() {
    let s = sandbox().await;
    s.fail_next_send_to(TO, Fault::WhatsAppError(131047));
    let args = [
        "send",
        "text",
        "--to",
        TO,
        "--reference",
        "f-1",
        "--or-template",
        "parcel_update",
        "--or-template-param",
        "at the depot",
        "Your parcel is at the depot",
    ];
    let out = wab(&s, &args).await;
    assert!(out.status.success(), "{}", said(&out));
    let accepted = stdout_json(&out);
    assert_eq!(
        (
            accepted["sent_as"].as_str(),
            accepted["fallback_reason"].as_str()
        ),
        (Some("fallback"), Some("refused_outside_window")),
        "{accepted}"
    );
    assert_eq!(s.accepted_count("f-1"), 1);
    assert_eq!(s.sent().last().unwrap().kind, "template");
    s.fail_next_send_to(TO, Fault::WhatsAppError(131047));
    let out = wab_human(&s, &args).await;
    assert!(
        said(&out).contains("its fallback template went out: WhatsApp refused the message, 131047"),
        "{}",
        said(&out)
    );
    let out = wab(&s, &args).await;
    assert_eq!(
        stdout_json(&out)["sent_as"],
        "message",
        "no refusal: the message itself"
    );
}

/// `wab check` says what WhatsApp would answer a message, without sending
/// it; `wab sandbox --templates` refuses a registry with a mistake, naming it.
#[tokio::test]
async fn wab_check_judges_a_message_against_the_template_registry() {
    let s = sandbox().await;
    let registry = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sandbox/tests/fixtures/registry.yaml"
    );
    let fits = [
        "check",
        "--templates",
        registry,
        "template",
        "--to",
        TO,
        "--name",
        "order_update",
        "--param",
        "Aroha",
        "--param",
        "on its way",
    ];
    let out = wab(&s, &fits).await;
    assert_eq!(
        out.status.code(),
        Some(5),
        "the header is missing: {}",
        said(&out)
    );
    let failure = stdout_json(&out);
    assert_eq!(failure["error"]["code"], 132000, "{failure}");
    assert!(
        failure["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the header has 1 placeholder")
    );
    let out = wab(
        &s,
        &[
            "check",
            "--templates",
            registry,
            "otp",
            "--to",
            TO,
            "--name",
            "verify_code",
            "--code",
            "482913",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", said(&out));
    let ok = stdout_json(&out);
    assert_eq!(
        (ok["ok"].as_bool(), ok["templates"].as_u64()),
        (Some(true), Some(10)),
        "{ok}"
    );
    assert_eq!(ok["body"]["template"]["name"], "verify_code");
    let out = wab_human(
        &s,
        &[
            "check",
            "--templates",
            registry,
            "template",
            "--to",
            TO,
            "--name",
            "old_promo",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    assert!(said(&out).contains("code: 132016"), "{}", said(&out));
    // Without a registry: the local checks only.
    let out = wab(&s, &["check", "template", "--to", TO, "--name", "anything"]).await;
    assert!(out.status.success(), "{}", said(&out));
    assert!(s.sent().is_empty(), "nothing was sent");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "templates:\n  - { name: t, language: en, category: utility, body: \"{{x}} {{x}}\" }\n",
    )
    .unwrap();
    let out = wab(&s, &["sandbox", "--templates", bad.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(
        said(&out).contains("template t (en): `body`"),
        "{}",
        said(&out)
    );
    assert!(said(&out).contains("named twice"), "{}", said(&out));
}

#[tokio::test]
async fn every_command_prints_for_people_and_with_json_for_programs() {
    let s = sandbox().await;
    // Sources: registered, then listed.
    let out = wab(&s, &["source", "register", "--pin", "123456"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["source"], s.business_number());
    let out = wab(
        &s,
        &[
            "source",
            "register",
            "--number",
            "6421000002",
            "--pin",
            "12345",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "a five-digit PIN: nothing sent");
    let out = wab(&s, &["source", "list"]).await;
    let listed = stdout_json(&out);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["source"] == s.business_number()),
        "{listed}"
    );
    let out = wab_human(&s, &["source", "list"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(s.business_number()), "{text}");
    // Status.
    let out = wab(&s, &["status"]).await;
    assert!(stdout_json(&out)["status"].is_string());
    let out = wab_human(&s, &["status"]).await;
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).starts_with('{'));
    // A send, then the message looked up, both ways.
    let out = wab_human(
        &s,
        &["send", "text", "--to", TO, "--reference", "h-1", "hi"],
    )
    .await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.starts_with("accepted ") && text.trim_end().ends_with("(reference h-1)"),
        "{text}"
    );
    let id = s.sent()[0].id.clone();
    let out = wab_human(&s, &["message", &id]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("id:          {id}")), "{text}");
    // Named template parameters: `name=value`; mixing is refused locally.
    let out = wab(
        &s,
        &[
            "send",
            "template",
            "--to",
            TO,
            "--name",
            "order_shipped",
            "--param",
            "order_id=A-17",
            "--param",
            "first_name=Aroha",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = s.sent().last().unwrap().body.clone();
    assert_eq!(
        body["template"]["components"][0]["parameters"][0],
        serde_json::json!({"type": "text", "text": "A-17", "parameter_name": "order_id"})
    );
    let out = wab(
        &s,
        &[
            "send",
            "template",
            "--to",
            TO,
            "--name",
            "order_shipped",
            "--param",
            "order_id=A-17",
            "--param",
            "Aroha",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        said(&out).contains("name all of them or none"),
        "{}",
        said(&out)
    );
}

#[tokio::test]
async fn failures_print_code_meaning_action_and_exit_distinctly() {
    let s = sandbox().await;
    s.fail_recipient(TO, Fault::WhatsAppError(131047));
    let out = wab_human(&s, &["send", "text", "--to", TO, "late"]).await;
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("code: 131047"), "{err}");
    assert!(
        err.contains("action: send an approved template instead"),
        "{err}"
    );

    s.fail_next([Fault::WhatsAppError(131056)]);
    let out = wab(&s, &["send", "text", "--to", "+64211230000", "again"]).await;
    // Same-recipient rate limit: retried by the client, then accepted.
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = wab(&s, &["send", "text", "--to", "021 555", "x"]).await;
    assert_eq!(out.status.code(), Some(3), "invalid: nothing sent");
    let out = wab(
        &s,
        &[
            "send",
            "interactive",
            "--to",
            TO,
            "--body",
            "b",
            "--button",
            "no-title",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(3));

    let mut command = Command::new(WAB);
    command
        .env_remove("MODICA_USERNAME")
        .env_remove("MODICA_PASSWORD")
        .args(["message", "abc"]);
    assert_eq!(
        output(command).await.status.code(),
        Some(4),
        "no credentials"
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut command = Command::new(WAB);
    command
        .args([
            "--username",
            "u",
            "--password",
            "p",
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .args(["message", "abc"]);
    assert_eq!(output(command).await.status.code(), Some(7), "network");

    let mut command = Command::new(WAB);
    command
        .args([
            "--username",
            "u",
            "--password",
            "wrong",
            "--base-url",
            &s.base_url(),
        ])
        .args(["message", "abc"]);
    let out = output(command).await;
    assert_eq!(
        out.status.code(),
        Some(5),
        "bad credentials: permanent until fixed"
    );
}

#[tokio::test]
async fn media_upload_and_download_through_files() {
    let s = sandbox().await;
    let dir = std::env::temp_dir().join(format!("wab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("photo.jpg");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&input, &data).unwrap();
    let out = wab(&s, &["media", "upload", input.to_str().unwrap()]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout_json(&out)["id"].as_str().unwrap().to_owned();
    let output = dir.join("copy.jpg");
    let out = wab(
        &s,
        &["media", "download", &id, "-o", output.to_str().unwrap()],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["content_type"], "image/jpeg");
    assert_eq!(std::fs::read(&output).unwrap(), data);
    let out = wab(
        &s,
        &["media", "upload", dir.join("missing.png").to_str().unwrap()],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(9),
        "a missing file is a local file error"
    );
    assert!(said(&out).contains("missing.png"), "{}", said(&out));
    std::fs::remove_dir_all(&dir).ok();
}

/// Starts a long-running `wab` command and returns it with its first stdout line.
fn spawn(
    args: &[&str],
) -> (
    std::process::Child,
    BufReader<std::process::ChildStdout>,
    String,
) {
    let mut child = Command::new(WAB)
        .env_remove("MODICA_USERNAME")
        .env_remove("MODICA_PASSWORD")
        .arg("--json")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    if !args.contains(&"listen") {
        reader.read_line(&mut first).unwrap();
    }
    (child, reader, first)
}

#[tokio::test]
async fn wab_sandbox_and_wab_listen_run_as_processes() {
    // `wab listen` on a port we pick; `wab sandbox` calling back into it.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen_addr = free.local_addr().unwrap();
    drop(free);
    let callback = format!("http://hooks:s3cret@{listen_addr}/cb");
    let (mut listener, mut events, _) = spawn(&[
        "listen",
        "--url",
        &callback,
        "--bind",
        &listen_addr.to_string(),
    ]);
    let (mut gateway, _, first) =
        spawn(&["sandbox", "--bind", "127.0.0.1:0", "--dlr-url", &callback]);
    let info: serde_json::Value = serde_json::from_str(&first).unwrap();
    let base = info["base_url"].as_str().unwrap().to_owned();

    // Wait for the listener to accept connections.
    for _ in 0..600 {
        if std::net::TcpStream::connect(listen_addr).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let out = tokio::task::spawn_blocking(move || {
        Command::new(WAB)
            .args([
                "--username",
                "sandbox",
                "--password",
                "sandbox",
                "--base-url",
                &base,
                "--source",
                "6421000001",
            ])
            .args([
                "--json",
                "send",
                "text",
                "--to",
                TO,
                "--reference",
                "cli-1",
                "hello",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = stdout_json(&out)["id"].as_str().unwrap().to_owned();

    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for _ in 0..2 {
            let mut line = String::new();
            events.read_line(&mut line).unwrap();
            lines.push(line);
        }
        lines
    });
    let lines = tokio::time::timeout(Duration::from_secs(20), lines)
        .await
        .unwrap()
        .unwrap();
    listener.kill().ok();
    gateway.kill().ok();
    let statuses: Vec<String> = lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["kind"], "dlr");
            assert_eq!(v["event"]["id"], id.as_str());
            // Which configured URL (and account) it came to, and when.
            assert_eq!(v["account"], "hooks");
            assert_eq!(v["url"], format!("http://{listen_addr}/cb"));
            // RFC 3339, in UTC, to the millisecond.
            let at = v["received_at"].as_str().unwrap();
            assert!(
                chrono::DateTime::parse_from_rfc3339(at).is_ok()
                    && at.ends_with('Z')
                    && at.len() == 24,
                "{at}"
            );
            v["event"]["status"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(statuses, ["sent", "received"]);
}

#[tokio::test]
async fn wab_listen_stops_without_acknowledging_when_its_output_is_closed() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let url = format!("http://hooks:pw@{addr}/cb");
    let (mut child, events, _) = spawn(&["listen", "--url", &url, "--bind", &addr.to_string()]);
    drop(events); // like `wab listen | head -0`
    for _ in 0..600 {
        if std::net::TcpStream::connect(addr).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/cb"))
        .basic_auth("hooks", Some("pw"))
        .body(r#"{"id":"x","status":"sent"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        500,
        "not acknowledged: Modica will redeliver"
    );
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn wab_listen_stops_on_ctrl_c_despite_a_half_sent_request() {
    use std::io::Write as _;
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let url = format!("http://hooks:pw@{addr}/cb");
    let interrupt = |child: &std::process::Child| {
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
    };
    let exits_within = |mut child: std::process::Child, limit: Duration| {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.kill().ok();
        None
    };
    // Once: it stops within its bounds (the half-sent head times out).
    // Twice: it exits at once.
    for (signals, limit) in [(1, Duration::from_secs(20)), (2, Duration::from_secs(3))] {
        let (child, _events, _) = spawn(&["listen", "--url", &url, "--bind", &addr.to_string()]);
        let mut half = None;
        for _ in 0..600 {
            if let Ok(mut s) = std::net::TcpStream::connect(addr) {
                s.write_all(b"POST /cb HTTP/1.1\r\nhost").unwrap();
                half = Some(s);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(half.is_some(), "wab listen did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let exited = tokio::task::spawn_blocking(move || {
            for _ in 0..signals {
                interrupt(&child);
                std::thread::sleep(Duration::from_millis(300));
            }
            exits_within(child, limit)
        })
        .await
        .unwrap();
        assert!(
            exited.is_some(),
            "{signals} Ctrl-C: wab listen still running after {limit:?}"
        );
        drop(half);
    }
}

/// A child process, killed when dropped: a failed assertion leaves none running.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first line `from` gives within `limit`, read on a thread of its own
/// (a line that never comes fails the test instead of hanging it).
fn first_line_within(from: impl std::io::Read + Send + 'static, limit: Duration) -> Option<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(from).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(limit).ok()
}

#[tokio::test]
async fn wab_listen_serves_an_open_url_only_when_told_and_warns_about_plain_http() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let bind = addr.to_string();
    // Without credentials and without the flag: refused, saying why.
    let mut refused = Command::new(WAB);
    refused.args([
        "listen",
        "--url",
        &format!("http://{addr}/open"),
        "--bind",
        &bind,
    ]);
    let refused = output(refused).await;
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(said.contains("no user and password"), "{said}");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing served"
    );

    // With --allow-unauthenticated: served, a POST without credentials handled.
    let mut child = Running(
        Command::new(WAB)
            .args(["--json", "listen", "--allow-unauthenticated"])
            .args(["--url", &format!("http://{addr}/open"), "--bind", &bind])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let events = child.0.stdout.take().unwrap();
    let mut answered = None;
    for _ in 0..600 {
        if let Ok(response) = reqwest::Client::new()
            .post(format!("http://{addr}/open"))
            .body(r#"{"id":"open-1","status":"sent"}"#)
            .send()
            .await
        {
            answered = Some(response.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answered, Some(reqwest::StatusCode::OK));
    let line = first_line_within(events, Duration::from_secs(10));
    assert!(
        line.as_deref().is_some_and(|l| l.contains("open-1")),
        "{line:?}"
    );
    drop(child);

    // Plain http to another host: served (the bind decides where), with a
    // warning that hides the password.
    let mut child = Running(
        Command::new(WAB)
            .args([
                "listen",
                "--url",
                "http://hooks:s3cret@callbacks.example.com/cb",
            ])
            .args(["--bind", &bind])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let said = child.0.stderr.take().unwrap();
    let first = first_line_within(said, Duration::from_secs(10)).unwrap_or_default();
    drop(child);
    assert!(
        first.contains("WARN") && first.contains("plain http"),
        "{first}"
    );
    assert!(!first.contains("s3cret"), "{first}");
}

#[tokio::test]
async fn wab_send_and_broadcast_with_redis_share_one_limiter_across_processes() {
    let Some(redis) = common::redis::RedisServer::start() else {
        return;
    };
    let sandbox = Sandbox::builder().start().await.unwrap();
    // Six processes at once, each with one send, on one limit of 5 msg/s:
    // alone, each would send at once; together they take turns.
    let mut runs = Vec::new();
    for i in 0..6 {
        let to = format!("+6421100{i:04}");
        let url = redis.url();
        let mut command = Command::new(WAB);
        command
            .env("MODICA_BASE_URL", sandbox.base_url())
            .env("MODICA_USERNAME", sandbox.username())
            .env("MODICA_PASSWORD", sandbox.password())
            .env("MODICA_SOURCE", sandbox.business_number())
            .args([
                "--json", "--redis", &url, "--rate", "5", "send", "text", "--to", &to,
            ])
            .arg("paced");
        runs.push(output(command));
    }
    for run in futures_util::future::join_all(runs).await {
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let mut times: Vec<_> = sandbox.sent().iter().map(|m| m.accepted_at).collect();
    times.sort();
    assert_eq!(times.len(), 6);
    // Six slots at 5/s, two of them slack: 0.6 s from first to last (each
    // process alone would send at once: a span of its start-up jitter).
    let span = times[5].duration_since(times[0]).unwrap();
    assert!(span >= Duration::from_millis(400), "6 sends in {span:?}");
    let keys = redis.cli(&["--scan", "--pattern", "modica-wab:pace:source:*"]);
    assert!(keys.contains(sandbox.business_number()), "{keys}");
    // broadcast takes the same flag.
    let broadcast = wab(
        &sandbox,
        &[
            "--redis",
            &redis.url(),
            "broadcast",
            "--to",
            TO,
            "Open at 9",
        ],
    )
    .await;
    assert!(
        broadcast.status.success(),
        "{}",
        String::from_utf8_lossy(&broadcast.stderr)
    );
}

/// A server on 127.0.0.1 that reads each request and answers `answer` (or,
/// with `None`, never answers), counting the requests it read.
fn canned_server(
    answer: Option<&'static [u8]>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let read = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = read.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                // The head, then the body its content-length announces.
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&seen).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if seen.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                match answer {
                    Some(answer) => {
                        let _ = stream.write_all(answer);
                    }
                    None => std::thread::sleep(Duration::from_secs(120)),
                }
            });
        }
    });
    (url, read)
}

/// An HTTP answer with a JSON body, for [`canned_server`].
fn json_answer(status: &str, body: &str) -> &'static [u8] {
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    Box::leak(answer.into_bytes().into_boxed_slice())
}

/// `wab` against `base`, for people or with --json.
fn wab_at(base: &str, json: bool, args: &[&str]) -> Command {
    let mut command = Command::new(WAB);
    command
        .env_remove("RUST_LOG")
        .args(["--username", "u", "--password", "p", "--base-url", base])
        .args(["--source", "6421000001"]);
    if json {
        command.arg("--json");
    }
    command.args(args);
    command
}

/// Defect: a 5xx (or a timeout, or a dropped connection) after a send exited
/// 6, "worth retrying later", so a script retrying on 6 sent twice.
#[tokio::test]
async fn a_send_that_may_have_been_accepted_exits_10_and_says_do_not_resend() {
    let s = sandbox().await;
    for (fault, expected) in [
        (Fault::ServerError(503), 10),
        (Fault::ServerError(500), 10),
        (Fault::DropConnection, 10),
        (Fault::TooManyRequests(Duration::from_secs(300)), 6),
        (Fault::WhatsAppError(131047), 5),
    ] {
        s.fail_recipient(TO, fault.clone());
        let out = wab_human(&s, &["send", "text", "--to", TO, "hi"]).await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(expected), "{fault:?}: {said}");
        if expected == 10 {
            assert!(
                said.contains("may have been accepted") && said.contains("do not send it again"),
                "{said}"
            );
        }
        if expected == 6 {
            assert!(said.contains("nothing was sent"), "{said}");
        }
        // The same, as one JSON object on stdout.
        let out = wab(&s, &["send", "text", "--to", TO, "hi"]).await;
        assert_eq!(out.status.code(), Some(expected), "{fault:?}");
        let error = &stdout_json(&out)["error"];
        assert_eq!(error["exit_code"], expected, "{error}");
        let acceptance = if expected == 10 {
            "may_have_been_accepted"
        } else {
            "not_accepted"
        };
        assert_eq!(error["acceptance"], acceptance, "{error}");
        s.heal_recipient(TO);
    }
    // A timeout after the send went out: the server read it, never answered.
    let (base, read) = canned_server(None);
    let out = output(wab_at(
        &base,
        false,
        &["--timeout", "1", "send", "text", "--to", TO, "hi"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(10), "{}", said(&out));
    assert_eq!(
        read.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "sent once, never again"
    );
    // A 408 after a send: a proxy may have passed it on before timing out.
    let (base, read) = canned_server(Some(json_answer(
        "408 Request Timeout",
        r#"{"error":"timeout"}"#,
    )));
    let out = output(wab_at(&base, false, &["send", "text", "--to", TO, "hi"])).await;
    assert_eq!(out.status.code(), Some(10), "{}", said(&out));
    assert_eq!(
        read.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "never sent again"
    );
    // A timeout as long as the deadline would let no retry start: refused.
    let out = output(wab_at(&base, false, &["--timeout", "90", "status"])).await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(
        said(&out).contains("not shorter than the 90 s deadline"),
        "{}",
        said(&out)
    );
    let mut help = Command::new(WAB);
    help.arg("--help");
    let help = String::from_utf8_lossy(&output(help).await.stdout).into_owned();
    assert!(help.contains("10   may have been accepted"), "{help}");
}

/// Defects: the server's error text reached the terminal raw (escape
/// sequences, C1 controls, bidi overrides), in `error:` lines, in a looked-up
/// message's `content:` line and in `--json` lines.
#[tokio::test]
async fn nothing_from_the_network_drives_the_terminal() {
    let hostile_error = json_answer(
        "400 Bad Request",
        r#"{"error":"x\u001b]0;pwned\u0007\u001b[2J\u001b[31m\u009b2J\u0085\u202eevil","statusCode":400}"#,
    );
    let hostile_record = json_answer(
        "200 OK",
        r#"{"id":"m\u009b1","content":{"text":{"body":"a\u0085b\u202ec\u2028d\u001b[2J"}}}"#,
    );
    let raw = |c: char| c.is_control() && c != '\n' || matches!(c, '\u{202e}' | '\u{2028}');
    let (base, _) = canned_server(Some(hostile_error));
    let out = output(wab_at(&base, false, &["send", "text", "--to", TO, "hi"])).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{said}");
    assert!(!said.chars().any(raw), "{said:?}");
    assert!(said.contains("evil"), "{said}");
    let out = output(wab_at(&base, true, &["send", "text", "--to", TO, "hi"])).await;
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(!line.chars().any(raw), "{line:?}");
    assert!(
        line.contains("\\u009b") && line.contains("\\u202e"),
        "{line}"
    );

    let (base, _) = canned_server(Some(hostile_record));
    for json in [false, true] {
        let out = output(wab_at(&base, json, &["message", "m1"])).await;
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!shown.chars().any(raw), "json={json}: {shown:?}");
        assert!(shown.contains("content"), "{shown}");
    }
}

/// With --json a failure is one JSON object a script can read, and hints
/// name the options a command line user types.
#[tokio::test]
async fn failures_are_json_with_json_and_hints_name_the_options() {
    let s = sandbox().await;
    s.fail_recipient(TO, Fault::WhatsAppError(131026));
    let out = wab(&s, &["send", "text", "--to", TO, "hi"]).await;
    assert_eq!(out.status.code(), Some(5));
    let error = &stdout_json(&out)["error"];
    assert_eq!(error["kind"], "api");
    assert_eq!(error["status"], 400);
    assert_eq!(error["code"], 131026);
    assert_eq!(error["class"], "permanent");
    assert_eq!(error["exit_code"], 5);
    assert!(
        error["action"]
            .as_str()
            .unwrap()
            .contains("check the number")
    );
    // For people: the meaning once on the error line, then the code and action.
    let out = wab_human(&s, &["send", "text", "--to", TO, "hi"]).await;
    let said = String::from_utf8_lossy(&out.stderr);
    let meaning = modica_wab::ErrorCode::MessageUndeliverable.meaning();
    assert_eq!(
        said.matches(meaning).count(),
        2,
        "the error line and the code line: {said}"
    );

    let mut command = Command::new(WAB);
    command
        .env("MODICA_BASE_URL", s.base_url())
        .env("MODICA_USERNAME", s.username())
        .env("MODICA_PASSWORD", s.password())
        .env_remove("MODICA_SOURCE")
        .args(["send", "text", "--to", TO, "hi"]);
    let out = output(command).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains("--source or MODICA_SOURCE") && !said.contains("ClientBuilder"),
        "{said}"
    );

    // A bad --base-url is shown as typed, its credentials masked.
    let out = output(wab_at("http://u:hunter2@bad host/x", false, &["status"])).await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{said}");
    assert!(
        said.contains("http://***@bad host/x") && !said.contains("hunter2"),
        "{said}"
    );

    // `wab sandbox --help` lists what applies to it only.
    let mut command = Command::new(WAB);
    command.args(["sandbox", "--help"]);
    let help = String::from_utf8_lossy(&output(command).await.stdout).into_owned();
    for foreign in ["--base-url", "--redis", "--rate"] {
        assert!(!help.contains(foreign), "{foreign} in: {help}");
    }
    assert!(
        help.contains("--callback-retries") && help.contains("--throughput"),
        "{help}"
    );
}

/// Seen by a new user: `source list` said "no sources"; `"reference":""`
/// printed for no reference; `listen --help` said JSON was the default.
#[tokio::test]
async fn small_things_a_new_user_ran_into() {
    let s = sandbox().await;
    let out = wab_human(&s, &["source", "list"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains(s.business_number()));
    let out = wab(&s, &["send", "text", "--to", TO, "hi"]).await;
    assert!(
        stdout_json(&out)["reference"].is_null(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut command = Command::new(WAB);
    command.args(["listen", "--help"]);
    let help = String::from_utf8_lossy(&output(command).await.stdout).into_owned();
    assert!(
        help.contains("one line for people") && help.contains("--bind only"),
        "{help}"
    );
}

/// `wab media upload` against a port whose server comes up only after the
/// first attempt was refused: the refusal proves nothing was taken, so the
/// upload goes again (it exited 7 while `wab send text` retried). The port is
/// held, bound but not listening, until `wab` says it will retry.
#[tokio::test]
async fn an_upload_goes_again_after_a_refused_connection() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("photo.png");
    std::fs::write(&file, b"PNG").unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let mut child = Running(
        wab_at(
            &format!("http://{addr}"),
            true,
            &["-v", "media", "upload", file.to_str().unwrap()],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap(),
    );
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    let retrying = tokio::task::spawn_blocking(move || {
        stderr
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("retrying"))
    });
    assert!(retrying.await.unwrap(), "wab never said it would retry");
    // Up now: the next attempt reaches it.
    let listener = socket.listen(16).unwrap();
    let answer = json_answer("200 OK", r#"[{"id":"m1"}]"#);
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains("--\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the upload ended early");
            seen.extend_from_slice(&buf[..n]);
        }
        stream.write_all(answer).await.unwrap();
        seen
    });
    let status = tokio::task::spawn_blocking(move || child.0.wait().unwrap())
        .await
        .unwrap();
    let seen = server.await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        String::from_utf8_lossy(&seen).contains("PNG"),
        "the file went out"
    );
}

/// Runs `command`, sends it SIGINT once a line of its stderr holds `line`,
/// and returns its exit code and all it said.
async fn interrupt_after_line(mut command: Command, line: &'static str) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut said = String::new();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        loop {
            let mut next = String::new();
            if stderr.read_line(&mut next).unwrap() == 0 {
                break;
            }
            said.push_str(&next);
            if next.contains(line) {
                Command::new("kill")
                    .args(["-INT", &child.id().to_string()])
                    .status()
                    .unwrap();
            }
        }
        (child.wait().unwrap().code(), said)
    })
    .await
    .unwrap()
}

/// Ctrl-C says what is known: during a retry wait nothing was accepted (exit
/// 130); with a request in flight it may have been (exit 10).
#[tokio::test]
async fn ctrl_c_says_whether_anything_may_have_been_accepted() {
    let interrupt_when = |mut command: Command, ready: Box<dyn Fn() -> bool + Send>| {
        tokio::task::spawn_blocking(move || {
            let mut child = command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let started = std::time::Instant::now();
            while !ready() {
                assert!(started.elapsed() < Duration::from_secs(30), "never ready");
                std::thread::sleep(Duration::from_millis(20));
            }
            Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            let status = child.wait().unwrap();
            let mut stderr = String::new();
            use std::io::Read as _;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            (status.code(), stderr)
        })
    };
    // A 429 asking for 30 s: the send waits to go again, nothing accepted.
    // Interrupted once `wab` says it will retry (-v shows it).
    let s = sandbox().await;
    s.fail_next([Fault::TooManyRequests(Duration::from_secs(30))]);
    let mut command = Command::new(WAB);
    command
        .env("MODICA_BASE_URL", s.base_url())
        .env("MODICA_USERNAME", s.username())
        .env("MODICA_PASSWORD", s.password())
        .env("MODICA_SOURCE", s.business_number())
        .args(["-v", "send", "text", "--to", TO, "hi"]);
    let (code, said) = interrupt_after_line(command, "retrying").await;
    assert_eq!(code, Some(130), "{said}");
    assert!(said.contains("nothing was accepted"), "{said}");
    assert!(s.sent().is_empty());
    // A server that read the send and has not answered: it may have taken it.
    let (base, read) = canned_server(None);
    let (code, said) = interrupt_when(
        wab_at(&base, false, &["send", "text", "--to", TO, "hi"]),
        Box::new(move || read.load(std::sync::atomic::Ordering::SeqCst) > 0),
    )
    .await
    .unwrap();
    assert_eq!(code, Some(10), "{said}");
    assert!(said.contains("may have been accepted"), "{said}");
    // A lookup in flight takes nothing: interrupted, 130.
    let (base, read) = canned_server(None);
    let (code, said) = interrupt_when(
        wab_at(&base, false, &["message", "abc"]),
        Box::new(move || read.load(std::sync::atomic::Ordering::SeqCst) > 0),
    )
    .await
    .unwrap();
    assert_eq!(code, Some(130), "{said}");
}

/// Defect: through a Redis outage every callback got 503 and the operator
/// saw nothing (no log subscriber). Now the start names the store and the
/// lease, the outage is a warning (once per burst), and its end is said.
#[tokio::test]
async fn wab_listen_tells_the_operator_about_its_store() {
    let Some(mut redis) = common::redis::RedisServer::start() else {
        return;
    };
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let mut child = Running(
        Command::new(WAB)
            .env_remove("RUST_LOG")
            .args(["--redis", &redis.url(), "listen"])
            .args([
                "--url",
                &format!("http://hooks:pw@{addr}/cb"),
                "--bind",
                &addr.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let collected = lines.clone();
    let stderr = child.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    let said = |what: &'static str| {
        let lines = lines.clone();
        async move {
            for _ in 0..200 {
                if lines.lock().unwrap().iter().any(|l| l.contains(what)) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("never said {what:?}: {:?}", lines.lock().unwrap());
        }
    };
    said("listening on").await;
    let start = lines.lock().unwrap().join("\n");
    assert!(
        start.contains("RedisDedupStore") && start.contains("claim lease"),
        "{start}"
    );
    assert!(
        !start.contains(redis.password.as_deref().unwrap()),
        "the password is masked: {start}"
    );
    let post = |id: &'static str| async move {
        reqwest::Client::new()
            .post(format!("http://{addr}/cb"))
            .basic_auth("hooks", Some("pw"))
            .body(format!(r#"{{"id":"{id}","status":"sent"}}"#))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    assert_eq!(post("before").await, 200);
    redis.stop();
    assert_eq!(post("during").await, 503);
    assert_eq!(post("during-2").await, 503);
    said("de-duplication store failed").await;
    let warnings = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("store failed"))
        .count();
    assert_eq!(warnings, 1, "once per burst");
    redis.restart();
    let mut status = 0;
    for _ in 0..600 {
        status = post("after").await;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200);
    said("answers again").await;
}

/// An event of a shape no one knows, with controls in it, as `wab listen`
/// prints it for people and with --json.
#[tokio::test]
async fn wab_listen_prints_no_control_characters_from_an_event() {
    for json in [false, true] {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap();
        drop(free);
        let mut command = Command::new(WAB);
        if json {
            command.arg("--json");
        }
        let mut child = Running(
            command
                .args(["listen", "--url", &format!("http://hooks:pw@{addr}/cb")])
                .args(["--bind", &addr.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let events = child.0.stdout.take().unwrap();
        let body = r#"{"weird":"a\u009b2J\u0085b\u202ec\u001b]0;x\u0007"}"#;
        for _ in 0..600 {
            if reqwest::Client::new()
                .post(format!("http://{addr}/cb"))
                .basic_auth("hooks", Some("pw"))
                .body(body)
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let line = first_line_within(events, Duration::from_secs(10)).unwrap_or_default();
        assert!(line.contains("weird"), "json={json}: {line:?}");
        let raw = |c: char| c.is_control() && c != '\n' || c == '\u{202e}';
        assert!(!line.chars().any(raw), "json={json}: {line:?}");
    }
}
