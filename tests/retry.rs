//! Error codes, the retry decision table, and retries over HTTP in virtual
//! time (an injected sleeper: no wall-clock seconds, no flakes).

use modica_wab_test_support as common;

use common::*;
use futures_util::StreamExt as _;
use modica_wab::clock::Sleeper;
use modica_wab::message::*;
use modica_wab::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Virtual time: `sleep` returns at once and moves the clock forward.
#[derive(Debug, Default)]
struct VirtualTime {
    nanos: AtomicU64,
    sleeps: Mutex<Vec<Duration>>,
}

impl Sleeper for VirtualTime {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        self.nanos.fetch_add(d.as_nanos() as u64, Ordering::SeqCst);
        self.sleeps.lock().unwrap().push(d);
        Box::pin(async {})
    }
}

fn client_with(server_uri: &str, policy: RetryPolicy) -> (Client, Arc<VirtualTime>) {
    let time = Arc::new(VirtualTime::default());
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server_uri)
        .default_source(SOURCE)
        .retry(policy)
        .sleeper(time.clone())
        .build()
        .unwrap();
    (client, time)
}

fn whatsapp_error(code: i64, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "error": format!("(#{code}) {text}"), "message": "Whatsapp Cloud API error", "statusCode": 400
    }))
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

fn text() -> Message {
    Message::text("+64211234567", "hi")
}

// ---------- over HTTP ----------

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_sent_once_more() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(202, "PostMessages.202.json"))
        .mount(&server)
        .await;
    let (client, time) = client_with(&server.uri(), RetryPolicy::standard());
    let accepted = client.send(&text()).await.unwrap();
    assert_eq!(accepted.status, "accepted");
    assert_eq!(count(&server).await, 2);
    assert!(
        time.now() >= Duration::from_secs(2),
        "waited {:?}",
        time.now()
    );
}

#[tokio::test]
async fn a_503_on_a_post_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    let err = client.send(&text()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.class(), ErrorClass::Transient);
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn a_5xx_whose_text_carries_a_transient_code_is_still_not_resent() {
    // "#2" reads as WhatsApp code 2 (transient), but a 5xx says nothing about
    // whether the message was accepted: the POST must not go out again.
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            serde_json::json!({"error": "upstream #2 timed out", "message": "Internal", "statusCode": 500}),
        ))
        .mount(&server)
        .await;
    let (client, _time) = client_with(&server.uri(), RetryPolicy::standard());
    let err = client.send(&text()).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn a_503_on_a_get_is_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(respond(200, "GetStatus.200.json"))
        .mount(&server)
        .await;
    let (client, time) = client_with(&server.uri(), RetryPolicy::standard());
    assert_eq!(client.status().await.unwrap().status, "ok");
    assert_eq!(count(&server).await, 3);
    assert_eq!(time.sleeps.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn raw_operations_get_the_same_retries() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(respond(200, "GetStatus.200.json"))
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    assert_eq!(client.raw().get_status().await.unwrap().status, "ok");
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn a_read_timeout_on_a_post_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(202, "PostMessages.202.json").set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .timeout(Duration::from_millis(150))
        .sleeper(time)
        .build()
        .unwrap();
    let err = client.send(&text()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout()),
        "{err}"
    );
    assert_eq!(count(&server).await, 1);
}

/// With `retry_ambiguous`, a POST may go again after a 503; if the next
/// attempt is refused, the call still reports the 503: the message may have
/// been taken, and "not accepted" would tell the caller to send it again.
#[tokio::test]
async fn a_refusal_after_an_ambiguous_attempt_reports_the_ambiguous_one() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let policy = RetryPolicy::standard()
        .max_attempts(3)
        .retry_ambiguous(true);
    let (client, _) = client_with(&server.uri(), policy);
    let err = client.send(&text()).await.unwrap_err();
    assert_eq!(count(&server).await, 3);
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(err.acceptance(), error::Acceptance::MayHaveBeenAccepted);
}

#[tokio::test]
async fn connection_refused_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (client, time) = client_with(&uri, RetryPolicy::standard().max_attempts(3));
    let err = client.send(&text()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_connect()),
        "{err}"
    );
    assert_eq!(
        time.sleeps.lock().unwrap().len(),
        2,
        "two retries after the first attempt"
    );
}

#[tokio::test]
async fn re_engagement_131047_is_not_retried_and_says_what_to_do() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(400, "PostMessages.400.json"))
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    let err = client.send(&text()).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ReEngagementRequired));
    assert_eq!(
        err.code().unwrap().action(),
        "send an approved template instead"
    );
    assert!(!err.is_retryable());
    let line = err.to_string();
    assert!(
        line.contains("131047")
            && line.contains("send an approved template instead")
            && !line.contains('\n'),
        "{line}"
    );
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn throughput_130429_is_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(whatsapp_error(130429, "Rate limit hit"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(202, "PostMessages.202.json"))
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    assert!(client.send(&text()).await.is_ok());
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn the_budget_stops_a_storm() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let policy = RetryPolicy::standard()
        .max_attempts(100)
        .deadline(None)
        .budget((3, 0.1));
    let (client, _) = client_with(&server.uri(), policy);
    assert_eq!(client.status().await.unwrap_err().status(), Some(503));
    assert_eq!(
        count(&server).await,
        4,
        "the first attempt and three budgeted retries"
    );
    // The budget is shared: the next call gets no retries at all.
    client.status().await.unwrap_err();
    assert_eq!(count(&server).await, 5);
}

#[tokio::test]
async fn the_deadline_stops_a_storm() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .mount(&server)
        .await;
    let policy = RetryPolicy::standard()
        .max_attempts(100)
        .budget(None)
        .deadline(Duration::from_secs(5));
    let (client, time) = client_with(&server.uri(), policy);
    client.status().await.unwrap_err();
    // A sixth attempt, at 5 s, would start with no time left.
    assert_eq!(count(&server).await, 5, "attempts at 0..=4 s");
    assert!(time.now() <= Duration::from_secs(4));
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_stops_and_exposes_the_wait() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .mount(&server)
        .await;
    let (client, time) = client_with(
        &server.uri(),
        RetryPolicy::standard().max_retry_after(Duration::from_secs(60)),
    );
    let err = client.send(&text()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.class(), ErrorClass::RateLimited);
    assert_eq!(count(&server).await, 1);
    assert_eq!(time.now(), Duration::ZERO);
}

#[tokio::test]
async fn uploads_in_memory_are_retried_and_streamed_ones_are_sent_once() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(respond(200, "PostMedia.200.json"))
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    client
        .upload_media(MediaUpload::bytes("a.png", "image/png", &b"x"[..]))
        .await
        .unwrap();
    assert_eq!(count(&server).await, 2);

    let server = self::server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
        b"streamed",
    ))]);
    let err = client
        .upload_media(MediaUpload::stream("a.png", "image/png", chunks, None))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(count(&server).await, 1, "a stream cannot be replayed");
}

// ---------- pacing ----------

#[tokio::test]
async fn pacing_holds_the_rate_per_source_within_5_percent() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(202, "PostMessages.202.json"))
        .mount(&server)
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .pacing(Pacing::new().per_source(20))
        .sleeper(time.clone())
        .build()
        .unwrap();
    let mut sent = 0u32;
    while time.now() < Duration::from_secs(10) {
        client
            .send(&Message::text(format!("+6421{:07}", sent), "hi"))
            .await
            .unwrap();
        sent += 1;
    }
    let rate = f64::from(sent) / time.now().as_secs_f64();
    assert!(
        (rate - 20.0).abs() / 20.0 <= 0.05,
        "{sent} sends in {:?}: {rate:.2}/s",
        time.now()
    );
}

#[tokio::test]
async fn pacing_spaces_messages_to_one_recipient() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(202, "PostMessages.202.json"))
        .mount(&server)
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .pacing(Pacing::new().per_recipient_interval(Duration::from_secs(6)))
        .sleeper(time.clone())
        .build()
        .unwrap();
    for _ in 0..3 {
        client.send(&text()).await.unwrap();
    }
    client
        .send(&Message::text("+64211230000", "other"))
        .await
        .unwrap();
    assert!(
        time.now() >= Duration::from_secs(12) && time.now() < Duration::from_secs(13),
        "{:?}",
        time.now()
    );
}

#[tokio::test]
async fn raw_sends_are_paced_like_the_facade_s() {
    // The generated code's requests come in by the same door: their source
    // and recipients are read back from the body, and paced.
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(202, "PostMessages.202.json"))
        .mount(&server)
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .pacing(Pacing::new().per_recipient_interval(Duration::from_secs(6)))
        .sleeper(time.clone())
        .build()
        .unwrap();
    let body: modica_wab::raw::types::MessageRequest = serde_json::from_value(serde_json::json!({
        "to": "+64211234567", "type": "text", "source": SOURCE, "text": {"body": "hi"},
    }))
    .unwrap();
    for _ in 0..3 {
        client.raw().post_messages(&body).await.unwrap();
    }
    // And the facade's send to the same person waits its turn after them.
    client.send(&text()).await.unwrap();
    assert!(
        time.now() >= Duration::from_secs(18) && time.now() < Duration::from_secs(19),
        "{:?}",
        time.now()
    );
}

/// Defect: pacing waited without limit, then the attempt went out with a
/// 1 ms timeout, so a message the gateway took was reported as failed.
/// Now a send that pacing would hold past the latest time it could start
/// (its whole timeout must fit before the deadline) fails before sending,
/// and one that starts gets its whole timeout: every POST the server read
/// is a success the caller saw, and every failure says nothing was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_send_that_could_not_finish_in_time_is_not_sent() {
    // Timeouts far above what the local server takes, so the verdict never
    // depends on this machine's speed.
    for (timeout, deadline, exactly) in [
        // The timeout is the whole deadline: only an unpaced send can start,
        // however the four are scheduled.
        (Duration::from_secs(30), Duration::from_secs(10), Some(1)),
        // 1.5 s to start in: a second send, paced to 1 s, starts too (how
        // many depends on when each call began; the promise does not).
        (Duration::from_secs(10), Duration::from_millis(11_500), None),
    ] {
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/messages"))
            .respond_with(respond(202, "PostMessages.202.json"))
            .mount(&server)
            .await;
        let client = Client::builder()
            .credentials(USER, PASS)
            .base_url(server.uri())
            .default_source(SOURCE)
            .timeout(timeout)
            .pacing(Pacing::new().per_recipient_interval(Duration::from_secs(1)))
            .retry(RetryPolicy::standard().deadline(deadline))
            .build()
            .unwrap();
        let sends = (0..4).map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&text()).await })
        });
        let results: Vec<_> = futures_util::future::join_all(sends).await;
        let (mut accepted, mut not_sent) = (0, 0);
        for result in results {
            match result.unwrap() {
                Ok(_) => accepted += 1,
                Err(e @ Error::PacedPastDeadline { .. }) => {
                    assert_eq!(e.acceptance(), error::Acceptance::NotAccepted);
                    assert!(e.to_string().contains("nothing was sent"), "{e}");
                    not_sent += 1;
                }
                Err(other) => panic!("timeout {timeout:?}: {other:?}"),
            }
        }
        assert_eq!(
            count(&server).await,
            accepted,
            "every POST read is a success seen"
        );
        assert_eq!(accepted + not_sent, 4);
        assert!(accepted >= 1, "the first send is never paced");
        if let Some(exactly) = exactly {
            assert_eq!(accepted, exactly, "timeout {timeout:?}");
        }
    }
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_understood() {
    let server = server().await;
    let when = std::time::SystemTime::now() + Duration::from_secs(120);
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", httpdate::fmt_http_date(when).as_str()),
        )
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    let wait = client
        .send(&text())
        .await
        .unwrap_err()
        .retry_after()
        .expect("a wait");
    assert!(
        wait > Duration::from_secs(115) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
    assert_eq!(count(&server).await, 1, "beyond the 60 s cap: not retried");
}

// ---------- every attempt judged on its own answer ----------

#[tokio::test]
async fn a_redirected_post_is_never_sent_again() {
    // reqwest would follow a 303 with a GET; a 429 (or a refused port) there
    // once made the retry loop POST the message again, four times in all.
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}/gone")
    };
    for location in ["/elsewhere".to_owned(), refused] {
        for status in [301, 302, 303, 307, 308] {
            let server = server().await;
            Mock::given(method("POST"))
                .and(path("/messages"))
                .respond_with(
                    ResponseTemplate::new(status).insert_header("Location", location.as_str()),
                )
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/elsewhere"))
                .respond_with(ResponseTemplate::new(429))
                .expect(0)
                .mount(&server)
                .await;
            let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
            let err = client.send(&text()).await.unwrap_err();
            assert_eq!(err.status(), Some(status), "{status} to {location}");
            assert!(matches!(err, Error::Api(_)), "{err}");
            assert_eq!(
                count(&server).await,
                1,
                "{status} to {location}: one POST, nothing else"
            );
        }
    }
}

#[tokio::test]
async fn a_redirect_is_not_retried_even_with_a_throttling_code_in_its_body() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", "/x")
                .set_body_json(serde_json::json!({"error": "(#130429) Rate limit hit"})),
        )
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    assert_eq!(client.send(&text()).await.unwrap_err().status(), Some(302));
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn no_server_answer_and_no_builder_value_makes_the_retry_arithmetic_panic() {
    for retry_after in [
        "18446744073709551615",
        "99999999999999999999999",
        "-1",
        "soon",
        "",
    ] {
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/messages"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", retry_after))
            .mount(&server)
            .await;
        let policy = RetryPolicy::standard()
            .max_retry_after(Duration::MAX)
            .backoff(Duration::MAX, Duration::MAX)
            .max_attempts(u32::MAX)
            .budget((u32::MAX, f64::NAN));
        let (client, _) = client_with(&server.uri(), policy);
        let err = client.send(&text()).await.unwrap_err();
        assert_eq!(err.status(), Some(429), "Retry-After {retry_after:?}");
    }
}

#[tokio::test]
async fn a_success_body_over_the_limit_is_a_typed_error_and_not_a_resend() {
    let server = server().await;
    let huge = format!(
        r#"[{{"id":"{}","status":"accepted"}}]"#,
        "x".repeat(5 << 20)
    );
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(202).set_body_raw(huge.clone(), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
        .mount(&server)
        .await;
    let (client, _) = client_with(&server.uri(), RetryPolicy::standard());
    let err = client.send(&text()).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { status: 202, limit } if limit == ClientBuilder::DEFAULT_MAX_RESPONSE_BODY),
        "{err}"
    );
    assert_eq!(count(&server).await, 1);
    // The limit is the builder's, and raw calls keep it too.
    let small = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .max_response_body(1024)
        .build()
        .unwrap();
    assert!(matches!(
        small.status().await,
        Err(Error::ResponseTooLarge { limit: 1024, .. })
    ));
    assert!(small.raw().get_status().await.is_err());
}

/// A stream of `n` chunks, one every `every`.
fn trickle(
    n: usize,
    every: Duration,
) -> impl futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + Sync + 'static
{
    futures_util::stream::unfold(0usize, move |i| async move {
        if i == n {
            return None;
        }
        tokio::time::sleep(every).await;
        Some((Ok(bytes::Bytes::from(vec![b'x'; 1024])), i + 1))
    })
}

#[tokio::test]
async fn an_upload_that_progresses_outlives_the_overall_timeout() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(respond(200, "PostMedia.200.json"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    // 1.2 s of steady progress: four times the overall timeout.
    let upload = MediaUpload::stream(
        "slow.bin",
        "application/octet-stream",
        trickle(12, Duration::from_millis(100)),
        None,
    );
    client.upload_media(upload).await.unwrap();
    // In memory too: an upload is never cut by the overall deadline.
    let server2 = self::server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(respond(200, "PostMedia.200.json").set_delay(Duration::from_millis(600)))
        .mount(&server2)
        .await;
    let client2 = Client::builder()
        .credentials(USER, PASS)
        .base_url(server2.uri())
        .default_source(SOURCE)
        .timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    client2
        .upload_media(MediaUpload::bytes("a.png", "image/png", &b"x"[..]))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_upload_that_stalls_fails_after_the_read_timeout() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(respond(200, "PostMedia.200.json"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let stalls =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"start"))])
            .chain(futures_util::stream::pending());
    let started = std::time::Instant::now();
    let err = client
        .upload_media(MediaUpload::stream(
            "stuck.bin",
            "application/octet-stream",
            stalls,
            None,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout()),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_read_failure_of_what_is_uploaded_is_an_io_error_not_the_network_s() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/media"))
        .respond_with(respond(200, "PostMedia.200.json"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .build()
        .unwrap();
    // The caller's stream fails after its first chunk (a disk, a pipe).
    let failing = futures_util::stream::iter([
        Ok(bytes::Bytes::from_static(b"start")),
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the disk said no",
        )),
    ]);
    let err = client
        .upload_media(MediaUpload::stream(
            "report.pdf",
            "application/pdf",
            failing,
            None,
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Io { path, source } => {
            assert_eq!(path, "report.pdf");
            assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied);
            assert!(source.to_string().contains("the disk said no"), "{source}");
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

#[tokio::test]
async fn no_attempt_outlasts_the_overall_deadline() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/status"))
        .respond_with(respond(200, "GetStatus.200.json").set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .retry(RetryPolicy::standard().deadline(Duration::from_millis(300)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.status().await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.is_timeout()),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A one-connection server on 127.0.0.1: reads a request (head and
/// `content-length` body, at `read_rate` bytes per second when given), then
/// writes `answer` and waits for `hold`.
async fn scripted_once(
    answer: &'static [u8],
    read_rate: Option<usize>,
    hold: Duration,
) -> (String, tokio::task::JoinHandle<usize>) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut reader = tokio::io::BufReader::new(stream);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut read = 0;
        let mut buf = vec![0u8; 16 * 1024];
        while read < length {
            let want = (length - read).min(buf.len());
            let n = reader.read(&mut buf[..want]).await.unwrap();
            read += n;
            if let Some(rate) = read_rate {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
        }
        let _ = reader.get_mut().write_all(answer).await;
        tokio::time::sleep(hold).await;
        read
    });
    (base, task)
}

#[tokio::test]
async fn an_upload_whose_answer_stalls_fails_after_the_read_timeout() {
    for answer in [
        &b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"[..],
        &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"[..],
    ] {
        let (base, _server) = scripted_once(answer, None, Duration::from_secs(30)).await;
        let client = Client::builder()
            .credentials(USER, PASS)
            .base_url(base)
            .default_source(SOURCE)
            .read_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let err = client
            .upload_media(MediaUpload::bytes("a.png", "image/png", &b"PNG"[..]))
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Transport(t) if t.is_timeout()), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    }
}

#[tokio::test]
async fn an_in_memory_upload_that_progresses_slowly_is_not_cut_off() {
    // 6 MiB, more than the kernel's buffers hold, read at 1.5 MiB/s (4 s)
    // with a 1.5 s read timeout: one chunk in memory once looked like no
    // progress at all. A 64 KiB piece takes about 40 ms to read, far within
    // the timeout, so a busy machine does not make progress look like a stall.
    let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n[{\"id\":\"m1\"}]";
    let (base, server) = scripted_once(answer, Some(3 << 19), Duration::ZERO).await;
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(base)
        .default_source(SOURCE)
        .read_timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let upload = MediaUpload::bytes("big.bin", "application/octet-stream", vec![1u8; 6 << 20]);
    let uploaded = client.upload_media(upload).await.unwrap();
    assert_eq!(uploaded.id, "m1");
    assert!(
        server.await.unwrap() > 6 << 20,
        "the whole body, with its length"
    );
}

#[tokio::test]
async fn no_retry_starts_with_too_little_time_left() {
    // A 429 asking for 1 s with 1.3 s of deadline: a retry would get 300 ms
    // for an answer that takes 400 ms, and report a timeout after the
    // gateway took the message. The 429 is the answer instead.
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(respond(202, "PostMessages.202.json").set_delay(Duration::from_millis(400)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .credentials(USER, PASS)
        .base_url(server.uri())
        .default_source(SOURCE)
        .retry(RetryPolicy::standard().deadline(Duration::from_millis(1300)))
        .build()
        .unwrap();
    let err = client.send(&text()).await.unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    assert_eq!(count(&server).await, 1);
}
