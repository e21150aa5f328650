//! What each command does.

use crate::Failure;
use crate::args::{Cli, Command, Common, MediaArgs, MediaCommand, MediaRef, Send};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use modica_wab::callback::{Callback, HandlerError, Receiver, RedisDedupStore};
use modica_wab::media::MediaUpload;
use modica_wab::message::{Contact, Interactive, Location, Parameter, ReplyButton, Template};
use modica_wab::redis::RedisConfig;
use modica_wab::sandbox::Sandbox;
use modica_wab::*;
use serde::Serialize;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Writes one JSON line to stdout. Fails (rather than panicking, as `println!`
/// would) when stdout is closed, e.g. `wab listen | head -1`.
fn print(value: &impl Serialize) -> std::io::Result<()> {
    use std::io::Write as _;
    let line = serde_json::to_string(value).map_err(std::io::Error::other)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// For results: a closed stdout is not worth failing the command over.
fn show(value: &impl Serialize) {
    let _ = print(value);
}

fn client(cli: &Cli) -> Result<Client, Error> {
    let (Some(user), Some(pass)) = (&cli.username, &cli.password) else {
        return Err(Error::Config(
            "credentials are not set: pass --username and --password, or set MODICA_USERNAME and MODICA_PASSWORD".into(),
        ));
    };
    let mut builder = Client::builder().credentials(user, pass);
    if let Some(url) = &cli.base_url {
        builder = builder.base_url(url);
    }
    if let Some(source) = &cli.source {
        builder = builder.default_source(source);
    }
    let rate = match (&cli.redis, cli.rate) {
        (_, Some(rate)) => Some(rate),
        (Some(_), None) => Some(80),
        (None, None) => None,
    };
    if let Some(rate) = rate {
        let mut pacing = Pacing::new().per_source(rate);
        if let Some(url) = &cli.redis {
            pacing = pacing.on_redis(&RedisConfig::new(url)?);
        }
        builder = builder.pacing(pacing);
    }
    builder.build()
}

fn bar(len: Option<u64>) -> ProgressBar {
    let bar = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if let Ok(style) =
        ProgressStyle::with_template("{bytes}/{total_bytes} [{bar:30}] {bytes_per_sec} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub async fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Send(send) => {
            let message = message(send)?;
            show(&client(&cli)?.send(&message).await?);
        }
        Command::Broadcast {
            to,
            reference,
            body,
        } => {
            let mut b = Broadcast::new(to.clone(), Content::text(body.clone()));
            if let Some(r) = reference {
                b = b.reference(r.clone());
            }
            show(&client(&cli)?.broadcast(&b).await?);
        }
        Command::Message { id } => show(&client(&cli)?.message(id).await?),
        Command::Media(MediaCommand::Upload { file, content_type }) => {
            let client = client(&cli)?;
            let mut upload = MediaUpload::file(file)
                .await
                .map_err(|e| Failure::File(e.to_string()))?;
            if let Some(ct) = content_type {
                upload = upload.content_type(ct.clone());
            }
            let len = std::fs::metadata(file).ok().map(|m| m.len());
            let progress = bar(len);
            let p = progress.clone();
            let upload = upload.on_progress(move |sent| p.set_position(sent));
            let uploaded = client.upload_media(upload).await;
            progress.finish_and_clear();
            show(&uploaded?);
        }
        Command::Media(MediaCommand::Download { id, output }) => {
            let mut download = client(&cli)?.download_media(id).await?;
            let progress = bar(download.content_length());
            let mut file = tokio::fs::File::create(output)
                .await
                .map_err(|e| Failure::File(format!("{}: {e}", output.display())))?;
            let mut written = 0u64;
            while let Some(chunk) = download.next().await {
                let chunk = chunk?;
                file.write_all(&chunk)
                    .await
                    .map_err(|e| Failure::File(format!("{}: {e}", output.display())))?;
                written += chunk.len() as u64;
                progress.set_position(written);
            }
            file.flush()
                .await
                .map_err(|e| Failure::File(format!("{}: {e}", output.display())))?;
            progress.finish_and_clear();
            show(&serde_json::json!({
                "id": id, "file": output, "bytes": written, "content_type": download.content_type(),
            }));
        }
        Command::Listen {
            url,
            bind,
            allow_unauthenticated,
            claim_lease,
        } => {
            let options = ListenOptions {
                allow_unauthenticated: *allow_unauthenticated,
                claim_lease: *claim_lease,
                redis: cli.redis.as_deref(),
            };
            listen(url, bind, options).await?
        }
        Command::Sandbox {
            bind,
            mo_url,
            dlr_url,
            strict,
        } => sandbox(&cli, bind, mo_url, dlr_url, *strict).await?,
    }
    Ok(())
}

fn with_common(mut m: Message, common: &Common) -> Message {
    if let Some(r) = &common.reference {
        m = m.reference(r.clone());
    }
    if let Some(id) = &common.reply_to {
        m = m.reply_to(id.clone());
    }
    m
}

fn media(r: &MediaRef) -> Media {
    match (&r.id, &r.link) {
        (Some(id), _) => Media::id(id.clone()),
        (None, Some(link)) => Media::link(link.clone()),
        // clap requires one of the two.
        (None, None) => Media::id(String::new()),
    }
}

fn media_message(make: fn(String, Media) -> Message, args: &MediaArgs) -> Message {
    let mut m = make(args.common.to.clone(), media(&args.media));
    if let Some(c) = &args.caption {
        m = m.caption(c.clone());
    }
    if let Some(f) = &args.filename {
        m = m.filename(f.clone());
    }
    with_common(m, &args.common)
}

fn message(send: &Send) -> Result<Message, Failure> {
    Ok(match send {
        Send::Text {
            common,
            preview_url,
            body,
        } => {
            let mut m = Message::text(common.to.clone(), body.clone());
            if *preview_url {
                m = m.preview_url(true);
            }
            with_common(m, common)
        }
        Send::Template {
            common,
            name,
            language,
            params,
            header_image,
        } => {
            let mut t = Template::new(name.clone(), language.clone());
            if let Some(link) = header_image {
                t = t.header(Parameter::image(Media::link(link.clone())));
            }
            if !params.is_empty() {
                t = t.body(params.iter().map(|p| Parameter::text(p.clone())));
            }
            with_common(Message::template(common.to.clone(), t), common)
        }
        Send::Image(a) => media_message(Message::image, a),
        Send::Video(a) => media_message(Message::video, a),
        Send::Audio(a) => media_message(Message::audio, a),
        Send::Document(a) => media_message(Message::document, a),
        Send::Sticker(a) => media_message(Message::sticker, a),
        Send::Location {
            common,
            latitude,
            longitude,
            name,
            address,
        } => {
            let mut l = Location::new(*latitude, *longitude);
            if let Some(n) = name {
                l = l.name(n.clone());
            }
            if let Some(a) = address {
                l = l.address(a.clone());
            }
            with_common(Message::location(common.to.clone(), l), common)
        }
        Send::Contacts {
            common,
            name,
            phones,
            emails,
        } => {
            let mut card = Contact::new(name.clone());
            if let Some(first) = name.split_whitespace().next() {
                card = card.first_name(first);
            }
            for p in phones {
                card = card.phone(p.clone(), None);
            }
            for e in emails {
                card = card.email(e.clone(), None);
            }
            with_common(Message::contacts(common.to.clone(), [card]), common)
        }
        Send::Interactive {
            common,
            body,
            buttons,
            footer,
        } => {
            let mut parsed = Vec::new();
            for (i, b) in buttons.iter().enumerate() {
                let Some((id, title)) = b.split_once('=') else {
                    return Err(Failure::Invalid(format!(
                        "button[{i}]: {b:?} is not ID=TITLE"
                    )));
                };
                parsed.push(ReplyButton::new(id, title));
            }
            let mut i = Interactive::buttons(body.clone(), parsed);
            if let Some(f) = footer {
                i = i.footer(f.clone());
            }
            with_common(Message::interactive(common.to.clone(), i), common)
        }
        Send::Reaction {
            common,
            message_id,
            emoji,
        } => with_common(
            Message::reaction(common.to.clone(), message_id.clone(), emoji.clone()),
            common,
        ),
    })
}

/// How `wab listen` receives.
struct ListenOptions<'a> {
    allow_unauthenticated: bool,
    claim_lease: Option<f64>,
    redis: Option<&'a str>,
}

async fn listen(url: &str, bind: &str, options: ListenOptions<'_>) -> Result<(), Failure> {
    // When stdout closes, the event is not acknowledged (Modica will redeliver
    // it) and the command ends.
    let stdout_closed = std::sync::Arc::new(tokio::sync::Notify::new());
    let closed = stdout_closed.clone();
    let mut builder = Receiver::builder().url(url);
    if options.allow_unauthenticated {
        builder = builder.allow_unauthenticated();
    }
    if let Some(seconds) = options.claim_lease {
        let lease = Duration::try_from_secs_f64(seconds)
            .map_err(|e| Failure::Invalid(format!("--claim-lease {seconds}: {e}")))?;
        builder = builder.claim_lease(lease);
    }
    if let Some(url) = options.redis {
        builder = builder.dedup_store(RedisDedupStore::new(&RedisConfig::new(url)?)?);
    }
    let receiver = builder
        .handler(move |event: Callback| {
            let closed = closed.clone();
            async move {
                let kind = match &event {
                    Callback::Mo(_) => "mo",
                    Callback::Dlr(_) => "dlr",
                    Callback::Malformed { .. } => "malformed",
                    _ => "unknown",
                };
                let mut line = serde_json::json!({ "kind": kind, "event": event });
                if let Callback::Malformed { error, .. } = &event {
                    line["error"] = serde_json::json!(error.to_string());
                }
                print(&line).map_err(|e| {
                    closed.notify_one();
                    HandlerError::from(e)
                })
            }
        })
        .build()
        .map_err(|e| Failure::Api(Error::Config(e.to_string())))?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| Failure::Api(Error::Config(format!("cannot listen on {bind}: {e}"))))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Api(Error::Config(e.to_string())))?;
    let paths: Vec<&str> = receiver.paths().collect();
    eprintln!("listening on http://{addr} for {paths:?}; Ctrl-C stops it");
    // The first Ctrl-C (or a closed stdout) stops accepting and lets the
    // answers in flight finish; a second one exits at once.
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                eprintln!("stopping: finishing the callbacks in flight (Ctrl-C again to exit now)");
                tokio::spawn(async {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        std::process::exit(130);
                    }
                });
            }
            _ = stdout_closed.notified() => {}
        }
    };
    receiver.serve(listener, stop).await;
    Ok(())
}

async fn sandbox(
    cli: &Cli,
    bind: &str,
    mo_urls: &[String],
    dlr_urls: &[String],
    strict: bool,
) -> Result<(), Failure> {
    let mut builder = Sandbox::builder().bind(bind).strict(strict);
    if let (Some(u), Some(p)) = (&cli.username, &cli.password) {
        builder = builder.credentials(u.clone(), p.clone());
    }
    if let Some(source) = &cli.source {
        builder = builder.business_number(source.clone());
    }
    for u in mo_urls {
        builder = builder.mo_url(u);
    }
    for u in dlr_urls {
        builder = builder.dlr_url(u);
    }
    let sandbox = builder
        .start()
        .await
        .map_err(|e| Failure::Api(Error::Config(e.to_string())))?;
    show(&serde_json::json!({
        "base_url": sandbox.base_url(),
        "username": sandbox.username(),
        "password": sandbox.password(),
        "business_number": sandbox.business_number(),
    }));
    eprintln!("sandbox running on {}; Ctrl-C stops it", sandbox.base_url());
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}
