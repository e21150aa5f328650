//! Upload once, send many: a file sent to many customers is uploaded once
//! per business number while the media cache remembers its id, and an id
//! the gateway forgot is uploaded again, once. Against the sandbox on
//! 127.0.0.1, which answers 131053 for a media id it no longer holds.

use modica_wab::media::{MediaCache, MediaFile};
use modica_wab::{Client, Error, ErrorCode, Message};
use modica_wab_sandbox::{Fault, Sandbox};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(24 * 3600);

fn client(sandbox: &Sandbox, cache: Option<MediaCache>) -> Client {
    let mut builder = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number());
    if let Some(cache) = cache {
        builder = builder.media_cache(cache);
    }
    builder.build().unwrap()
}

fn menu() -> MediaFile {
    MediaFile::bytes(
        "menu.pdf",
        "application/pdf",
        &b"%PDF-1.7 this week's menu"[..],
    )
}

fn customer(i: usize) -> String {
    format!("+6421{:07}", 1_000_000 + i)
}

/// The media id each accepted message carried.
fn ids_sent(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .sent()
        .iter()
        .filter_map(|m| m.body.pointer("/document/id")?.as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn a_file_sent_to_many_customers_is_uploaded_once() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let cache = MediaCache::in_memory(DAY);
    let client = client(&sandbox, Some(cache.clone()));
    let file = menu();
    // 40 sends at once: one upload, the others wait for its id.
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (client, file) = (client.clone(), file.clone());
        sends.spawn(async move {
            client
                .send_media(&file, |media| Message::document(customer(i), media))
                .await
        });
    }
    while let Some(sent) = sends.join_next().await {
        sent.unwrap().unwrap();
    }
    assert_eq!(sandbox.uploads(), 1);
    let ids = ids_sent(&sandbox);
    assert_eq!(ids.len(), 40);
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one id for every customer"
    );
    // A replica sharing the cache uploads nothing either.
    let replica = self::client(&sandbox, Some(cache));
    replica
        .send_media(&file, |media| Message::document(customer(41), media))
        .await
        .unwrap();
    assert_eq!(sandbox.uploads(), 1);
    // Other content, or another business number, is another upload.
    let other = MediaFile::bytes("menu.pdf", "application/pdf", &b"%PDF-1.7 next week"[..]);
    client
        .send_media(&other, |media| Message::document(customer(42), media))
        .await
        .unwrap();
    client
        .send_media(&file.clone().source("6421000002"), |media| {
            Message::document(customer(43), media)
        })
        .await
        .unwrap();
    assert_eq!(sandbox.uploads(), 3);
    // Without a cache every send uploads.
    let plain = self::client(&sandbox, None);
    for i in 0..2 {
        plain
            .send_media(&file, |media| Message::document(customer(50 + i), media))
            .await
            .unwrap();
    }
    assert_eq!(sandbox.uploads(), 5);
}

#[tokio::test]
async fn an_id_the_gateway_forgot_is_uploaded_again_once() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox, Some(MediaCache::in_memory(DAY)));
    let file = menu();
    let send = |to: String| {
        let (client, file) = (client.clone(), file.clone());
        async move {
            client
                .send_media(&file, move |media| Message::document(to.clone(), media))
                .await
        }
    };
    send(customer(1)).await.unwrap();
    let first = ids_sent(&sandbox)[0].clone();
    // WhatsApp forgets it (30 days on); the cache still remembers it.
    assert!(sandbox.forget_media(&first));
    send(customer(2)).await.unwrap();
    assert_eq!(sandbox.uploads(), 2, "uploaded again");
    let ids = ids_sent(&sandbox);
    assert_ne!(ids[1], first, "sent with the new id");
    // The new id is remembered.
    send(customer(3)).await.unwrap();
    assert_eq!(sandbox.uploads(), 2);
    assert_eq!(ids_sent(&sandbox)[2], ids[1]);
    // Refused again after the new upload: the error, and no third upload.
    sandbox.fail_next_send_to(&customer(4), Fault::WhatsAppError(131053));
    sandbox.fail_next_send_to(&customer(4), Fault::WhatsAppError(131053));
    let err = send(customer(4)).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::MediaUploadError));
    assert_eq!(sandbox.uploads(), 3, "once, not again and again");
    // A file uploaded just now and refused is not uploaded again.
    let fresh = MediaFile::bytes("new.pdf", "application/pdf", &b"%PDF-1.7 new"[..]);
    sandbox.fail_next_send_to(&customer(5), Fault::WhatsAppError(131053));
    let err = client
        .send_media(&fresh, |media| Message::document(customer(5), media))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::MediaUploadError));
    assert_eq!(sandbox.uploads(), 4);
    // A refusal for another reason is not about the media.
    sandbox.fail_next_send_to(&customer(6), Fault::WhatsAppError(131026));
    let err = send(customer(6)).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::MessageUndeliverable));
    assert_eq!(sandbox.uploads(), 4);
    // Nothing was accepted twice.
    let sent = sandbox.sent();
    let mut to: Vec<&str> = sent.iter().map(|m| m.to.as_str()).collect();
    to.sort_unstable();
    to.dedup();
    assert_eq!(to.len(), sent.len());
}

#[tokio::test]
async fn a_file_that_cannot_be_read_or_changed_is_a_typed_error() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = client(&sandbox, Some(MediaCache::in_memory(DAY)));
    let missing = MediaFile::path("/nonexistent/menu.pdf").await.unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("menu.pdf");
    std::fs::write(&path, b"%PDF-1.7 one").unwrap();
    let file = MediaFile::path(&path).await.unwrap();
    assert_eq!(
        file.clone()
            .content_type("application/pdf")
            .sha256_hex()
            .len(),
        64
    );
    std::fs::write(&path, b"%PDF-1.7 another file").unwrap();
    let err = client
        .send_media(&file, |media| Message::document(customer(1), media))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Io { .. }) && err.to_string().contains("changed"),
        "{err}"
    );
    assert_eq!(
        sandbox.uploads(),
        0,
        "nothing was uploaded for the wrong content"
    );
    // The message goes from the number the media was uploaded for.
    let err = client
        .send_media(&menu(), |media| {
            Message::document(customer(2), media).source("6421000009")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(v) if v.field == "source"),
        "{err}"
    );
}
