//! What each command does.

use crate::Failure;
use crate::args::{Cli, Command, MediaCommand, SandboxBehaviour, SourceCommand};
use crate::compose::message;
use crate::interrupts::Interrupts;
use crate::listen::{ListenOptions, listen};
use crate::output::{Checked, Downloaded, Out, SandboxInfo};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use modica_wab::media::MediaUpload;
use modica_wab::redis::RedisConfig;
use modica_wab::*;
use modica_wab_sandbox::Sandbox;
use modica_wab_sandbox::templates::Templates;
use tokio::io::AsyncWriteExt;

fn client(cli: &Cli) -> Result<Client, Error> {
    let (Some(user), Some(pass)) = (&cli.username, &cli.password) else {
        return Err(Error::Config(
            "credentials are not set: pass --username and --password, or set MODICA_USERNAME and MODICA_PASSWORD".into(),
        ));
    };
    // The command line knows no service window: a fallback template
    // (--or-template) goes out when WhatsApp refuses the message with 131047.
    let mut builder = Client::builder()
        .credentials(user, pass)
        .fallback_policy(FallbackPolicy::AlsoWhenRefused);
    if let Some(url) = &cli.base_url {
        builder = builder.base_url(url);
    }
    if let Some(source) = &cli.source {
        builder = builder.default_source(source);
    }
    let positive = |flag: &str, seconds: Option<f64>| {
        seconds
            .map(|s| {
                std::time::Duration::try_from_secs_f64(s)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        Error::Config(format!("{flag} {s}: not a positive number of seconds"))
                    })
            })
            .transpose()
    };
    let timeout = positive("--timeout", cli.timeout)?;
    let deadline = positive("--deadline", cli.deadline)?;
    let effective_deadline = deadline.unwrap_or(std::time::Duration::from_secs(90));
    if let Some(timeout) = timeout {
        // A send must be able to end by the deadline: with a timeout as long,
        // no retry and no pacing wait could ever start.
        if timeout >= effective_deadline {
            return Err(Error::Config(format!(
                "--timeout {} s is not shorter than the {} s deadline (--deadline): no retry or pacing wait could start",
                timeout.as_secs_f64(),
                effective_deadline.as_secs_f64()
            )));
        }
        builder = builder.timeout(timeout);
    }
    if let Some(deadline) = deadline {
        builder = builder.retry(RetryPolicy::standard().deadline(deadline));
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

/// Runs the command; `interrupts` is given to those that stop on Ctrl-C
/// themselves (`listen`, `sandbox`).
pub async fn run(cli: Cli, interrupts: Option<Interrupts>) -> Result<(), Failure> {
    let out = Out { json: cli.json };
    match &cli.command {
        Command::Send(send) => {
            let message = message(send)?;
            out.show(&client(&cli)?.send(&message).await?);
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
            out.show(&client(&cli)?.broadcast(&b).await?);
        }
        Command::Message { id } => out.show(&client(&cli)?.message(id).await?),
        Command::Check { templates, message } => check(out, &cli, templates.as_deref(), message)?,
        Command::Status => out.show(&client(&cli)?.status().await?),
        Command::Source(SourceCommand::List) => out.show(&client(&cli)?.sources().await?),
        Command::Source(SourceCommand::Register { number, pin }) => {
            let client = client(&cli)?;
            let Some(number) = number.as_deref().or(client.default_source()) else {
                return Err(Failure::Invalid(
                    "no number to register: pass --number, or set --source or MODICA_SOURCE".into(),
                ));
            };
            let number = number.to_owned();
            out.show(&client.register_source(&number, pin).await?);
        }
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
            out.show(&uploaded?);
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
            out.show(&Downloaded {
                id: id.clone(),
                file: output.clone(),
                bytes: written,
                content_type: download.content_type().map(str::to_owned),
            });
        }
        Command::Listen {
            url,
            bind,
            allow_unauthenticated,
            claim_lease,
            dedup_prefix,
            retention,
        } => {
            let options = ListenOptions {
                allow_unauthenticated: *allow_unauthenticated,
                claim_lease: *claim_lease,
                redis: cli.redis.as_deref(),
                dedup_prefix: dedup_prefix.as_deref(),
                retention_hours: *retention,
            };
            listen(out, url, bind, options, interrupts).await?
        }
        Command::Sandbox {
            bind,
            mo_url,
            dlr_url,
            strict,
            no_chat,
            templates,
            behaviour,
        } => {
            let mut builder = Sandbox::builder()
                .bind(bind)
                .strict(*strict)
                .chat_view(!*no_chat);
            if let Some(file) = templates {
                builder = builder.templates(registry(file)?);
            }
            let builder = configure(builder, behaviour)?;
            sandbox(out, &cli, builder, mo_url, dlr_url, interrupts).await?
        }
    }
    Ok(())
}

/// A template registry file, read (its mistakes are a configuration failure
/// naming the template and the field).
fn registry(file: &std::path::Path) -> Result<Templates, Failure> {
    Templates::from_file(file).map_err(|e| Failure::Api(Error::Config(e.to_string())))
}

/// `wab check`: what `send` would post, checked, and what a template
/// registry would answer; nothing is sent.
fn check(
    out: Out,
    cli: &Cli,
    templates: Option<&std::path::Path>,
    send: &crate::args::Send,
) -> Result<(), Failure> {
    let registry = templates.map(registry).transpose()?;
    let message = message(send)?;
    // A source is needed to build the body; the check does not depend on it.
    let source = cli.source.as_deref().unwrap_or("6421000001");
    let body = message.to_json(Some(source)).map_err(Error::from)?;
    if let Some(registry) = &registry {
        registry.check(&body).map_err(|r| Failure::Refused {
            code: r.code,
            detail: r.detail.clone(),
        })?;
    }
    out.show(&Checked {
        ok: true,
        message_type: message.content().type_name(),
        templates: registry.as_ref().map(Templates::len),
        body,
    });
    Ok(())
}

/// A number of seconds from the command line, as a duration.
fn seconds(flag: &str, value: f64) -> Result<std::time::Duration, Failure> {
    std::time::Duration::try_from_secs_f64(value)
        .map_err(|_| Failure::Invalid(format!("{flag} {value}: not a number of seconds")))
}

/// How the sandbox calls back and what it plays, from its flags.
fn configure(
    builder: modica_wab_sandbox::SandboxBuilder,
    how: &SandboxBehaviour,
) -> Result<modica_wab_sandbox::SandboxBuilder, Failure> {
    let probability = |flag: &str, p: f64| {
        if (0.0..=1.0).contains(&p) {
            Ok(p)
        } else {
            Err(Failure::Invalid(format!(
                "{flag} {p}: a probability is between 0 and 1"
            )))
        }
    };
    let redeliver = probability("--redeliver", how.redeliver)?;
    let concurrent = probability("--concurrent-duplicates", how.concurrent_duplicates)?;
    let mut builder = builder
        .callback_retries(
            how.callback_retries,
            seconds("--callback-backoff", how.callback_backoff)?,
        )
        .callback_max_backoff(seconds("--callback-max-backoff", how.callback_max_backoff)?)
        .dlr_delay(std::time::Duration::from_millis(how.dlr_delay))
        .require_service_window(how.require_service_window);
    if redeliver > 0.0 || concurrent > 0.0 {
        builder = builder.duplicate_callbacks(redeliver, concurrent, how.duplicate_seed);
    }
    if let Some(per_second) = how.throughput {
        builder = builder.throughput(per_second);
    }
    Ok(builder)
}

async fn sandbox(
    out: Out,
    cli: &Cli,
    mut builder: modica_wab_sandbox::SandboxBuilder,
    mo_urls: &[String],
    dlr_urls: &[String],
    interrupts: Option<Interrupts>,
) -> Result<(), Failure> {
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
    out.show(&SandboxInfo {
        base_url: sandbox.base_url(),
        username: sandbox.username().to_owned(),
        password: sandbox.password().to_owned(),
        business_number: sandbox.business_number().to_owned(),
        chat_url: sandbox.chat_url(),
    });
    // The chat view's address is in what `show` printed, once.
    eprintln!("sandbox running on {}; Ctrl-C stops it", sandbox.base_url());
    match interrupts {
        Some(mut interrupts) => interrupts.next().await,
        None => std::future::pending().await,
    }
    Ok(())
}
