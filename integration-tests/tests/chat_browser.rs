//! The sandbox's chat view in a real browser: headless Chromium driven
//! through WebDriver (Debian's `chromium` and `chromium-driver`; `.ci/run`
//! installs them). Where they are missing the test prints "skipped" and
//! passes, except when `CI` is set.
//!
//! `UPDATE_SCREENSHOT=1 cargo test -p modica-wab-integration-tests --features browser --test chat_browser`
//! also writes the screenshot the README shows (`docs/sandbox-chat.png`).

/// Prints a figure past the test harness's output capture.
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

use modica_wab::callback::{Callback, HandlerError, InboundKind, InboundMessage, Receiver};
use modica_wab::message::*;
use modica_wab::*;
use modica_wab_sandbox::Sandbox;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const CUSTOMER: &str = "+64211234567";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A 96×64 PNG of a parcel (so the screenshot shows a picture).
fn parcel_png() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAGAAAABACAIAAABqVuVZAAAAhElEQVR42u3WUQkAIBBEQYOZyRrWMIZpzGKGQ+RAB16AZb62jFZTWrOHytpZAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBAgQoEOg6NDfAgQIECBAgAC9C+QoetKAAAECBAgQIECAAAECBAgQIECAAAECBAgQIECAAAECBOhqG5wTTZ3Dv2g/AAAAAElFTkSuQmCC")
        .unwrap()
}

/// thirtyfour's HTTP side, on this crate's reqwest (thirtyfour's own would
/// bring a second reqwest).
#[derive(Clone)]
struct Http(reqwest::Client);

#[async_trait::async_trait]
impl thirtyfour::session::http::HttpClient for Http {
    async fn send(
        &self,
        request: http::Request<thirtyfour::session::http::Body<'_>>,
    ) -> WebDriverResult<http::Response<bytes::Bytes>> {
        let (parts, body) = request.into_parts();
        let mut outgoing = self.0.request(parts.method, parts.uri.to_string());
        for (name, value) in &parts.headers {
            outgoing = outgoing.header(name, value);
        }
        if let thirtyfour::session::http::Body::Json(json) = body {
            outgoing = outgoing.json(json);
        }
        let answer = outgoing
            .send()
            .await
            .map_err(|e| WebDriverError::HttpError(e.to_string()))?;
        let mut response = http::Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            response = response.header(name, value);
        }
        let bytes = answer
            .bytes()
            .await
            .map_err(|e| WebDriverError::HttpError(e.to_string()))?;
        response
            .body(bytes)
            .map_err(|e| WebDriverError::HttpError(e.to_string()))
    }

    async fn new(&self) -> Arc<dyn thirtyfour::session::http::HttpClient> {
        Arc::new(Http(reqwest::Client::new()))
    }
}

/// A chromedriver process, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Headless Chromium under WebDriver, or `None` (after saying so) when it is
/// not installed; under `CI` its absence fails the test.
async fn browser() -> Option<(WebDriver, Driver)> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"
        );
        report!("skipped: chromium and chromium-driver are not installed");
        return None;
    }
    let port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--lang=en-NZ",
    ] {
        caps.add_arg(arg).unwrap();
    }
    let web = WebDriver::builder(format!("http://127.0.0.1:{port}"), caps)
        .client(Http(reqwest::Client::new()))
        .await
        .expect("a Chromium session");
    Some((web, driver))
}

/// Waits up to 15 s for `check` to hold; fails with `what` otherwise.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

type Inbound = Arc<Mutex<Vec<InboundMessage>>>;

async fn receiver() -> (String, Inbound) {
    let inbound: Inbound = Arc::default();
    let seen = inbound.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://hooks:pw@{}/wab", listener.local_addr().unwrap());
    let receiver = Receiver::builder()
        .url(&url)
        .handler(move |event: Callback| {
            let seen = seen.clone();
            async move {
                if let Callback::Mo(mo) = event {
                    seen.lock().unwrap().push(*mo);
                }
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .unwrap();
    tokio::spawn(async move { receiver.serve(listener, std::future::pending()).await });
    (url, inbound)
}

// The page swaps its regions in as events come: read and click through
// the page's own script in one step, and retry a click that met a region
// being replaced.

async fn count(web: &WebDriver, css: &str) -> usize {
    texts(web, css).await.len()
}

/// The text of every element `css` selects, read at one instant.
async fn texts(web: &WebDriver, css: &str) -> Vec<String> {
    let script = "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);";
    match web.execute(script, vec![serde_json::json!(css)]).await {
        Ok(ret) => serde_json::from_value(ret.json().clone()).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// An attribute of the first element `css` selects.
async fn attribute(web: &WebDriver, css: &str, name: &str) -> Option<String> {
    let script =
        "const e = document.querySelector(arguments[0]); return e && e.getAttribute(arguments[1]);";
    let ret = web
        .execute(
            script,
            vec![serde_json::json!(css), serde_json::json!(name)],
        )
        .await
        .ok()?;
    ret.json().as_str().map(str::to_owned)
}

/// Clicks the first element `css` selects, as a person would, and waits
/// for the page its form posts to (every button here submits a form, and
/// the answer is a redirect to a new page): an element found before that
/// page has loaded belongs to the old one, and input given to it is lost.
async fn click(web: &WebDriver, css: &str) {
    let started = Instant::now();
    // A mark on this document: the next one does not carry it.
    let _ = web
        .execute("window.__beforeClick = true;", Vec::new())
        .await;
    loop {
        if let Ok(element) = web.find(By::Css(css)).await
            && element.click().await.is_ok()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "cannot click {css}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    until("the page the click led to has loaded", || async {
        let script =
            "return window.__beforeClick === undefined && document.readyState === 'complete';";
        web.execute(script, Vec::new())
            .await
            .is_ok_and(|ret| ret.json().as_bool() == Some(true))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_view_shows_the_conversation_and_answers_it() {
    let Some((web, _driver)) = browser().await else {
        return;
    };
    let (url, inbound) = receiver().await;
    let sandbox = Sandbox::builder()
        .mo_url(&url)
        .dlr_url(&url)
        .dlr_delay(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .credentials(sandbox.username(), sandbox.password())
        .base_url(sandbox.base_url())
        .default_source(sandbox.business_number())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();

    // The customer writes first; the service answers with every kind of message.
    sandbox.inject_text(CUSTOMER, "Kia ora, is my parcel on its way?");
    let first = {
        let inbound = inbound.clone();
        until("the first MO", || {
            let inbound = inbound.clone();
            async move { !inbound.lock().unwrap().is_empty() }
        })
        .await;
        inbound.lock().unwrap()[0].clone()
    };
    let png = parcel_png();
    let photo = client
        .upload_media(MediaUpload::bytes("parcel.png", "image/png", png))
        .await
        .unwrap();
    let slots = Choices::new("slot")
        .choice("am", "Morning", "am")
        .choice("pm", "Afternoon", "pm");
    let hostile_name = r#""><img src=x onerror="window.__xss=1">.pdf"#;
    let messages = vec![
        Message::reply(
            &first,
            Content::text("Yes! Track it at https://example.com/t/42"),
        )
        .preview_url(true),
        Message::text(CUSTOMER, "<script>window.__xss=2</script>"),
        Message::template(
            CUSTOMER,
            Template::new("order_shipped", "en")
                .header(Parameter::image(Media::link("https://example.com/h.jpg")))
                .body([
                    Parameter::text("Aroha").named("first_name"),
                    Parameter::text("A-1017").named("order_id"),
                ])
                .quick_reply_button(0, slots.payload("am")),
        ),
        Message::image(CUSTOMER, Media::id(&photo.id)).caption("Your parcel"),
        Message::video(CUSTOMER, Media::link("https://example.com/unboxing.mp4")),
        Message::audio(CUSTOMER, Media::id("445566")),
        Message::document(CUSTOMER, Media::link("https://example.com/i.pdf"))
            .filename(hostile_name),
        Message::sticker(CUSTOMER, Media::id(&photo.id)),
        Message::location(
            CUSTOMER,
            Location::new(-36.8485, 174.7633).name("Sky Tower"),
        ),
        Message::contacts(
            CUSTOMER,
            [Contact::new("Aroha Smith")
                .first_name("Aroha")
                .phone("+6495551234", None)],
        ),
        Message::interactive(CUSTOMER, slots.buttons("When shall we deliver?")),
        Message::interactive(CUSTOMER, slots.list("Or pick a slot", "Slots")),
        Message::interactive(
            CUSTOMER,
            Interactive::cta_url("Track your parcel", "Track", "https://example.com/t/42"),
        ),
        Message::react(&first, "👍"),
    ];
    for m in &messages {
        client.send(m).await.unwrap();
    }

    let chat = sandbox.chat_url().expect("the chat view is on by default");
    web.goto(&chat).await.unwrap();
    // Every message but the reaction is a bubble; the reaction sits on the
    // customer's first message.
    until("every outbound message shown", || async {
        count(&web, "li.msg.business").await == messages.len() - 1
    })
    .await;
    for kind in [
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
    ] {
        assert!(
            count(&web, &format!(r#"li.msg.business[data-kind="{kind}"]"#)).await >= 1,
            "{kind} not shown"
        );
    }
    let page = web.source().await.unwrap();
    assert!(page.contains("Sky Tower") && page.contains("Aroha Smith"));
    assert!(
        page.contains(r#"title="{{first_name}}">Aroha"#),
        "named parameter filled in"
    );
    assert_eq!(texts(&web, "li.msg.customer .reaction").await, ["👍"]);
    let quotes = texts(&web, "li.msg.business blockquote.quote").await;
    assert!(quotes[0].contains("is my parcel on its way?"), "{quotes:?}");
    // The uploaded photo is shown from the sandbox.
    let src = attribute(&web, r#"li[data-kind="image"] img"#, "src")
        .await
        .unwrap();
    assert!(src.contains(&photo.id), "{src}");

    // Markup sent as text is text: nothing ran, both strings are shown as typed.
    let ran = web
        .execute("return typeof window.__xss;", Vec::new())
        .await
        .unwrap();
    assert_eq!(ran.json(), &serde_json::json!("undefined"), "a script ran");
    let shown = texts(&web, "p.text").await;
    assert!(
        shown.iter().any(|t| t == "<script>window.__xss=2</script>"),
        "{shown:?}"
    );
    let files = texts(&web, r#"li[data-kind="document"] a.file"#).await;
    assert!(files[0].contains(hostile_name), "{files:?}");
    assert_eq!(count(&web, "img[onerror]").await, 0);

    // Ticks follow the DLRs, live: a message sent now appears, then goes ✓ to ✓✓.
    let late = client
        .send(&Message::text(CUSTOMER, "One more thing"))
        .await
        .unwrap();
    let tick = format!(r#"li[data-id="{}"] .tick"#, late.id);
    until("the new message appears without a reload", || async {
        count(&web, &tick).await == 1
    })
    .await;
    until("its tick reaches received", || async {
        attribute(&web, &tick, "data-state").await.as_deref() == Some("received")
    })
    .await;

    // The customer answers: types a reply…
    let before = inbound.lock().unwrap().len();
    let input = web
        .find(By::Css("form.compose input[name=text]"))
        .await
        .unwrap();
    input.send_keys("See you in the morning").await.unwrap();
    click(&web, "form.compose button").await;
    // …taps a reply button…
    until("the page is back", || async {
        count(&web, r#"button.choice[data-choice="slot:am"]"#).await >= 1
    })
    .await;
    click(
        &web,
        r#"li[data-kind="interactive"] button.choice[data-choice="slot:pm"]"#,
    )
    .await;
    // …reacts to a message, and sends a file.
    let react = format!(r#"li[data-id="{}"] form.react button"#, late.id);
    until("the page is back", || async {
        count(&web, &react).await >= 1
    })
    .await;
    click(&web, &react).await;
    until("the page is back", || async {
        count(&web, "form.upload input").await == 1
    })
    .await;
    let upload = std::env::temp_dir().join(format!("doorstep-{}.png", std::process::id()));
    std::fs::write(&upload, parcel_png()).unwrap();
    web.find(By::Css("form.upload input[type=file]"))
        .await
        .unwrap()
        .send_keys(upload.to_string_lossy().as_ref())
        .await
        .unwrap();
    click(&web, "form.upload button").await;
    {
        let inbound = inbound.clone();
        until("four MOs from the page", || {
            let inbound = inbound.clone();
            async move { inbound.lock().unwrap().len() >= before + 4 }
        })
        .await;
    }
    let from_page: Vec<InboundMessage> = inbound.lock().unwrap()[before..].to_vec();
    let InboundKind::Text(reply) = &from_page[0].content.kind else {
        panic!("{:?}", from_page[0].content.kind)
    };
    assert_eq!(reply.body, "See you in the morning");
    assert_eq!(
        slots.picked(&from_page[1]),
        Some(&"pm"),
        "the tapped button's id"
    );
    let InboundKind::Reaction(reaction) = &from_page[2].content.kind else {
        panic!("{:?}", from_page[2].content.kind)
    };
    assert_eq!(reaction.emoji.as_deref(), Some("👍"));
    assert!(
        from_page
            .iter()
            .all(|m| m.source.as_deref() == Some(CUSTOMER))
    );
    let image = from_page[3].media().expect("a media MO");
    let mut download = client.download_inbound_media(&from_page[3]).await.unwrap();
    let mut bytes = Vec::new();
    use futures_util::StreamExt as _;
    while let Some(chunk) = download.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(bytes, parcel_png(), "media {}", image.id);
    std::fs::remove_file(&upload).ok();

    // A fault clicked in the page reaches the client as the right error.
    until("the page is back", || async {
        count(&web, r#"button[data-fault="131047"]"#).await == 1
    })
    .await;
    click(&web, r#"button[data-fault="131047"]"#).await;
    until("the fault is shown waiting", || async {
        count(&web, r#"p.queued[data-fault="131047"]"#).await == 1
    })
    .await;
    let err = client
        .send(&Message::text(CUSTOMER, "Are you there?"))
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(131047), "{err}");
    until("the fault is gone once played", || async {
        count(&web, "p.queued").await == 0
    })
    .await;
    click(&web, r#"button[data-fault="503"]"#).await;
    until("the fault is shown waiting", || async {
        count(&web, r#"p.queued[data-fault="503"]"#).await == 1
    })
    .await;
    let err = client
        .send(&Message::text(CUSTOMER, "Hello?"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");

    // The callbacks the sandbox POSTed are listed, with their answers.
    until("the callback log", || async {
        count(&web, "#log tr.ok").await >= 10
    })
    .await;

    let png = web.screenshot_as_png().await.unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = root.join("target/sandbox-chat.png");
    std::fs::write(&target, &png).unwrap();
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        let docs = root.join("docs/sandbox-chat.png");
        std::fs::write(docs, &png).unwrap();
    }
    report!(
        "chat view: {} outbound messages shown in Chromium, 4 customer actions delivered as MOs, 2 faults clicked through",
        messages.len() + 1
    );
    web.quit().await.unwrap();
}
