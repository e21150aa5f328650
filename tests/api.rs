//! Every operation over HTTP against a local mock: what is sent, what comes back.

use modica_wab_test_support as common;

use common::*;
use modica_wab::{Broadcast, Content, Error, MediaUpload, Message};
use wiremock::matchers::{body_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, Request, ResponseTemplate};

fn no_api_version(req: &Request) -> bool {
    !req.headers.contains_key("api-version")
}

#[tokio::test]
async fn send_posts_exact_json_with_auth_and_decodes_the_202_array() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .and(header("authorization", AUTH))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(no_api_version)
        .and(body_json(serde_json::json!({
            "to": "+64211234567", "type": "text", "source": SOURCE, "reference": "order-42",
            "text": {"body": "Kia ora"}
        })))
        .respond_with(respond(202, "PostMessages.202.json"))
        .expect(1)
        .mount(&server)
        .await;
    let accepted = client(&server)
        .send(&Message::text("+64211234567", "Kia ora").reference("order-42"))
        .await
        .unwrap();
    assert_eq!(accepted.id, "8b7a0f7e-3f0e-4a8e-9d7e-2f0b6c1d4e5a");
    assert_eq!(accepted.status, "accepted");
    assert_eq!(accepted.reference.as_deref(), Some("order-42"));
}

#[tokio::test]
async fn broadcast_posts_destinations_and_returns_one_entry_per_recipient() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages/broadcast"))
        .and(header("authorization", AUTH))
        .and(body_json(serde_json::json!({
            "destination": ["+64211234567", "+64211234568"], "type": "text", "source": "6421000002",
            "text": {"body": "Store opens at 9"}
        })))
        .respond_with(respond(202, "PostMessagesBroadcast.202.json"))
        .expect(1)
        .mount(&server)
        .await;
    let b = Broadcast::new(
        ["+64211234567", "+64211234568"],
        Content::text("Store opens at 9"),
    )
    .source("6421000002");
    let out = client(&server).broadcast(&b).await.unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[1].destination, "+64211234568");
    assert_eq!(out[1].id, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
}

#[tokio::test]
async fn message_lookup_sends_the_id_as_query() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/messages"))
        .and(query_param("id", "8b7a0f7e-3f0e-4a8e-9d7e-2f0b6c1d4e5a"))
        .and(header("authorization", AUTH))
        .respond_with(respond(200, "GetMessages.200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let m = client(&server)
        .message("8b7a0f7e-3f0e-4a8e-9d7e-2f0b6c1d4e5a")
        .await
        .unwrap();
    assert_eq!(m.direction.as_deref(), Some("mt"));
    assert_eq!(m.destination.as_deref(), Some("+64211234567"));
    assert_eq!(m.kind.as_deref(), Some("text"));
    assert_eq!(m.content.unwrap()["text"]["body"], "Kia ora");
}

fn multipart_with(
    data: &'static [u8],
    filename: &'static str,
    mime: &'static str,
) -> impl Fn(&Request) -> bool {
    move |req: &Request| {
        let ct = req
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(boundary) = ct.strip_prefix("multipart/form-data; boundary=") else {
            return false;
        };
        let mut expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .into_bytes();
        expected.extend_from_slice(data);
        expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        req.body == expected
    }
}

#[tokio::test]
async fn upload_media_sends_multipart_with_source_and_auth() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .and(query_param("source", SOURCE))
        .and(header("authorization", AUTH))
        .and(no_api_version)
        .and(multipart_with(
            b"\x89PNG fake image",
            "parcel.png",
            "image/png",
        ))
        .respond_with(respond(200, "PostMedia.200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let up = MediaUpload::bytes("parcel.png", "image/png", &b"\x89PNG fake image"[..]);
    let media = client(&server).upload_media(up).await.unwrap();
    assert_eq!(media.id, "1234567890123456");
}

#[tokio::test]
async fn upload_media_streams_a_file_from_disk() {
    let server = server().await;
    let dir = std::env::temp_dir().join(format!("modica-wab-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("notes.pdf");
    std::fs::write(&file, b"%PDF-1.4 tiny").unwrap();
    Mock::given(method("POST"))
        .and(path("/media"))
        .and(query_param("source", "6421000009"))
        .and(multipart_with(
            b"%PDF-1.4 tiny",
            "notes.pdf",
            "application/pdf",
        ))
        .respond_with(respond(200, "PostMedia.200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let up = MediaUpload::file(&file).await.unwrap().source("6421000009");
    assert_eq!(
        client(&server).upload_media(up).await.unwrap().id,
        "1234567890123456"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn upload_media_422_keeps_field_errors() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(respond(422, "PostMedia.422.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .upload_media(MediaUpload::bytes("a.png", "image/png", &b"x"[..]))
        .await
        .unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status, 422);
    assert_eq!(api.field_errors[0].field.as_deref(), Some("file"));
    assert_eq!(api.field_errors[0].code.as_deref(), Some("required"));
    assert_eq!(api.message, "The file field is required.");
    assert_eq!(&api.raw_body[..], &fixture("PostMedia.422.json")[..]);
}

#[tokio::test]
async fn download_media_streams_the_body_with_its_content_type() {
    let server = server().await;
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path("/media"))
        .and(query_param("media_id", "abc123"))
        .and(query_param("source", SOURCE))
        .and(header("authorization", AUTH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(data.clone(), "image/jpeg"))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let dl = client.download_media("abc123").await.unwrap();
    assert_eq!(dl.content_type(), Some("image/jpeg"));
    assert_eq!(dl.content_length(), Some(200_000));
    assert_eq!(&dl.bytes().await.unwrap()[..], &data[..]);

    let file = std::env::temp_dir().join(format!("modica-wab-dl-{}.jpg", std::process::id()));
    let written = client
        .download_media_for(SOURCE, "abc123")
        .await
        .unwrap()
        .save(&file)
        .await
        .unwrap();
    assert_eq!(written, 200_000);
    assert_eq!(std::fs::read(&file).unwrap(), data);
    std::fs::remove_file(&file).ok();
}

#[tokio::test]
async fn media_of_an_inbound_message_is_fetched_with_one_call() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/media"))
        .and(query_param("media_id", "1043245123456789"))
        // The business number the MO was sent to, without its `+`.
        .and(query_param("source", "6491234567"))
        .and(header("authorization", AUTH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"JPEG".to_vec(), "image/jpeg"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/callbacks/mo/image.json"
    ))
    .unwrap();
    let mo = modica_wab::callback::parse_mo(&body).unwrap();
    let dl = client.download_inbound_media(&mo).await.unwrap();
    assert_eq!(dl.content_type(), Some("image/jpeg"));
    assert_eq!(&dl.bytes().await.unwrap()[..], b"JPEG");

    let text = modica_wab::callback::parse_mo(
        br#"{"id":"t","source":"+64","content":{"type":"text","text":{"body":"hi"}}}"#,
    )
    .unwrap();
    let err = client.download_inbound_media(&text).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(v) if v.field == "content"),
        "{err}"
    );
}

#[tokio::test]
async fn download_media_rejects_ids_the_spec_forbids_before_sending() {
    let server = server().await;
    let err = client(&server)
        .download_media("../etc/passwd")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(v) if v.field == "media_id"),
        "{err}"
    );
}

#[tokio::test]
async fn source_operations() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/source"))
        .and(header("authorization", AUTH))
        .and(body_json(
            serde_json::json!({"source": "6421000001", "pin": "123456"}),
        ))
        .respond_with(respond(201, "PostSource.201.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/source"))
        .and(header("authorization", AUTH))
        .respond_with(respond(200, "GetSource.200.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let registered = client
        .register_source("6421000001", "123456")
        .await
        .unwrap();
    assert_eq!(registered.status.as_deref(), Some("registered"));
    let all = client.sources().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].source, "6421000002");
    let err = client
        .register_source("6421000001", "12345")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest(v) if v.field == "pin"));
}

#[tokio::test]
async fn status_operation_and_raw_calls_carry_auth() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .and(header("authorization", AUTH))
        .and(header_exists("user-agent"))
        .and(no_api_version)
        .respond_with(respond(200, "GetStatus.200.json"))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(client.status().await.unwrap().status, "ok");
    // The generated client behind the facade gets the same hooks.
    let raw = client.raw().get_status().await.unwrap();
    assert_eq!(raw.status, "ok");
}

#[tokio::test]
async fn bad_request_body_is_an_api_error_that_keeps_status_and_raw_body() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(400, "PostMessages.400.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .send(&Message::text("+64211234567", "hi"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let api = err.api_error().unwrap();
    assert_eq!(api.message, "(#131047) Re-engagement message");
    assert_eq!(&api.raw_body[..], &fixture("PostMessages.400.json")[..]);
}

#[tokio::test]
async fn unauthorized_is_an_api_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(respond(401, "GetStatus.401.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).status().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.api_error().unwrap().message, "Unauthorized");
}

#[tokio::test]
async fn non_json_502_keeps_status_and_text() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(fixture("any.502.html"), "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .send(&Message::text("+64211234567", "hi"))
        .await
        .unwrap_err();
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status, 502);
    assert!(api.message.contains("502 Bad Gateway"), "{}", api.message);
    assert_eq!(&api.raw_body[..], &fixture("any.502.html")[..]);
    assert!(err.to_string().contains("HTTP 502"));
}

#[tokio::test]
async fn a_200_where_the_spec_says_202_is_still_decoded() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(200, "PostMessages.202.json"))
        .expect(1)
        .mount(&server)
        .await;
    let accepted = client(&server)
        .send(&Message::text("+64211234567", "hi"))
        .await
        .unwrap();
    assert_eq!(accepted.id, "8b7a0f7e-3f0e-4a8e-9d7e-2f0b6c1d4e5a");
}

#[tokio::test]
async fn undecodable_success_body_keeps_status_and_bytes() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("not json", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).status().await.unwrap_err() {
        Error::UndecodableResponse { status, body, .. } => {
            assert_eq!(status, 200);
            assert_eq!(&body[..], b"not json");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn an_undecodable_answer_names_the_shape_not_the_value() {
    // A message record whose recipient is a number where the spec says a
    // string: the reason says what was wrong, never the value.
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"id":"m1","destination":64211234567,"content":"private words"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let err = client(&server).message("m1").await.unwrap_err();
    let shown = err.to_string();
    assert!(
        matches!(err, Error::UndecodableResponse { status: 200, .. }),
        "{err:?}"
    );
    assert!(shown.contains("an integer, expected a string"), "{shown}");
    assert!(!shown.contains("64211234567"), "{shown}");
}

#[tokio::test]
async fn connection_refused_is_a_connect_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = modica_wab::Client::builder()
        .credentials(USER, PASS)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(modica_wab::RetryPolicy::disabled())
        .build()
        .unwrap();
    match client.status().await.unwrap_err() {
        Error::Transport(t) => assert!(t.is_connect(), "{t}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn debug_never_shows_the_password() {
    let builder = modica_wab::Client::builder().credentials(USER, PASS);
    assert!(!format!("{builder:?}").contains(PASS));
    let client = builder.build().unwrap();
    let shown = format!("{client:?} {:?}", client.raw());
    assert!(
        !shown.contains(PASS) && !shown.contains(&AUTH[6..]),
        "{shown}"
    );
    assert!(shown.contains("<redacted>"));
}

#[test]
fn builder_rejects_bad_settings_with_a_reason() {
    let no_creds = modica_wab::Client::builder().build().unwrap_err();
    assert!(no_creds.to_string().contains("credentials"));
    let bad_url = modica_wab::Client::builder()
        .credentials("u", "p")
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(bad_url.to_string().contains("ftp://x"));
    // A token in the base URL would be shown and the paths appended after it.
    let query = modica_wab::Client::builder()
        .credentials("u", "p")
        .base_url("https://api.example.com/v1?token=S3CRET")
        .build()
        .unwrap_err();
    assert!(
        matches!(&query, Error::Config(m) if !m.contains("S3CRET")),
        "{query}"
    );
    // A password with a `/` spills out of the user info: the host would be
    // `u` and the password go out in the path.
    let spilt = modica_wab::Client::builder()
        .credentials("u", "p")
        .base_url("https://u:12/34@api.example.com/v1")
        .build()
        .unwrap_err();
    assert!(
        matches!(&spilt, Error::Config(m) if m.contains("percent-encoded") && !m.contains("34@")),
        "{spilt}"
    );
    let bad_source = modica_wab::Client::builder()
        .credentials("u", "p")
        .default_source("0abc")
        .build()
        .unwrap_err();
    // A setting of the builder: a configuration error, not a bad request.
    assert!(
        matches!(&bad_source, Error::Config(m) if m.contains("default_source")),
        "{bad_source}"
    );
}

#[test]
fn from_env_reads_the_modica_variables() {
    // SAFETY: this is the only test in this binary that touches these variables.
    unsafe {
        std::env::set_var("MODICA_USERNAME", "env-user");
        std::env::set_var("MODICA_PASSWORD", "env-pass");
        std::env::set_var("MODICA_BASE_URL", "http://127.0.0.1:9/rest/wab/v1/");
        std::env::set_var("MODICA_SOURCE", "6421000003");
    }
    let client = modica_wab::Client::from_env().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:9/rest/wab/v1");
    assert_eq!(client.default_source(), Some("6421000003"));
    unsafe { std::env::remove_var("MODICA_PASSWORD") };
    assert!(
        modica_wab::Client::from_env()
            .unwrap_err()
            .to_string()
            .contains("MODICA_PASSWORD")
    );
}
