//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Talk to Modica's WhatsApp Business Messaging API, receive its callbacks, or
/// run a local sandbox of it.
///
/// Exit codes: 0 ok, 2 usage, 3 invalid request (nothing sent), 4 configuration,
/// 5 API error (permanent: fix the request, the account or the recipient),
/// 6 API error worth retrying later (rate limit, transient), 7 network,
/// 8 operation missing from the spec this build uses, 9 local file error.
#[derive(Debug, Parser)]
#[command(name = "wab", version, propagate_version = true)]
pub struct Cli {
    /// API username.
    #[arg(long, env = "MODICA_USERNAME", global = true)]
    pub username: Option<String>,
    /// API password.
    #[arg(long, env = "MODICA_PASSWORD", hide_env_values = true, global = true)]
    pub password: Option<String>,
    /// Base URL of the API (a white-label host, or a sandbox).
    #[arg(long, env = "MODICA_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Business number messages are sent from.
    #[arg(long, env = "MODICA_SOURCE", global = true)]
    pub source: Option<String>,
    /// Redis shared with other processes: `wab listen` de-duplicates
    /// callbacks there (with its other replicas); `wab send` and `wab
    /// broadcast` pace there (with other senders).
    #[arg(long, env = "MODICA_REDIS_URL", hide_env_values = true, global = true)]
    pub redis: Option<String>,
    /// Pace sends at most this many messages per second per source number
    /// (default with --redis: 80, WhatsApp's default throughput).
    #[arg(long, global = true)]
    pub rate: Option<u32>,
    /// Print results (and `listen`'s events) as one JSON document per line.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send one message.
    #[command(subcommand)]
    Send(Send),
    /// Send one text message to several recipients.
    Broadcast {
        /// A recipient (E.164, e.g. +64211234567); repeat for each.
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// Your reference, echoed in DLRs.
        #[arg(long)]
        reference: Option<String>,
        /// The text.
        body: String,
    },
    /// Look up a sent or received message.
    Message {
        /// The message id.
        id: String,
    },
    /// The gateway's status.
    Status,
    /// Register or list the account's sending numbers.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Upload or download media.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Receive Modica's callbacks and print each as one JSON line.
    Listen {
        /// The callback URL configured at Modica, credentials included
        /// (https://user:pass@host/path); its path and credentials are served.
        #[arg(long, env = "MODICA_CALLBACK_URL", hide_env_values = true)]
        url: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Serve a URL without credentials: anyone who can reach it can post
        /// forged events. Only behind something else that authenticates.
        #[arg(long)]
        allow_unauthenticated: bool,
        /// How long a claim on an event lives without renewal, in seconds: a
        /// replica killed mid-handler frees its events after this (at least 2).
        #[arg(long, value_name = "SECONDS")]
        claim_lease: Option<f64>,
        /// With --redis: the prefix of the de-duplication keys (several
        /// applications on one Redis each keep their own).
        #[arg(long, value_name = "PREFIX")]
        dedup_prefix: Option<String>,
        /// With --redis: how long a handled event is remembered, in hours
        /// (default 168, a week).
        #[arg(long, value_name = "HOURS")]
        retention: Option<f64>,
    },
    /// Run a local emulator of the API (credentials from --username/--password, default sandbox/sandbox).
    Sandbox {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8088")]
        bind: String,
        /// Where to POST inbound messages; repeat for several replicas (each
        /// in turn; a failed delivery is tried on the next).
        #[arg(long)]
        mo_url: Vec<String>,
        /// Where to POST delivery reports; repeat as for --mo-url.
        #[arg(long)]
        dlr_url: Vec<String>,
        /// Refuse what the spec leaves open (an undeclared field in a body).
        #[arg(long)]
        strict: bool,
        /// Do not serve the chat view (the conversations as the customer
        /// sees them, at the address printed on start).
        #[arg(long)]
        no_chat: bool,
    },
}

#[derive(Debug, Args)]
pub struct Common {
    /// The recipient (E.164, e.g. +64211234567).
    #[arg(long)]
    pub to: String,
    /// Your reference, echoed in DLRs.
    #[arg(long)]
    pub reference: Option<String>,
    /// Reply to this message id (shows as a quote).
    #[arg(long)]
    pub reply_to: Option<String>,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct MediaRef {
    /// An uploaded media id.
    #[arg(long)]
    pub id: Option<String>,
    /// A public https link.
    #[arg(long)]
    pub link: Option<String>,
}

#[derive(Debug, Args)]
pub struct MediaArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub media: MediaRef,
    /// Caption (image, video, document).
    #[arg(long)]
    pub caption: Option<String>,
    /// File name shown (document).
    #[arg(long)]
    pub filename: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Send {
    /// A text message.
    Text {
        #[command(flatten)]
        common: Common,
        /// Render a preview of the first link.
        #[arg(long)]
        preview_url: bool,
        /// The text (up to 4096 characters).
        body: String,
    },
    /// An approved template.
    Template {
        #[command(flatten)]
        common: Common,
        /// Template name.
        #[arg(long)]
        name: String,
        /// Language code.
        #[arg(long, default_value = "en")]
        language: String,
        /// A body parameter (text); repeat in order. `name=value` fills the
        /// named placeholder `{{name}}` (name every parameter or none).
        #[arg(long = "param")]
        params: Vec<String>,
        /// An image link for the header.
        #[arg(long)]
        header_image: Option<String>,
    },
    /// An image.
    Image(MediaArgs),
    /// A video.
    Video(MediaArgs),
    /// An audio file.
    Audio(MediaArgs),
    /// A document.
    Document(MediaArgs),
    /// A sticker.
    Sticker(MediaArgs),
    /// A location pin.
    Location {
        #[command(flatten)]
        common: Common,
        /// Latitude.
        #[arg(long, allow_hyphen_values = true)]
        latitude: f64,
        /// Longitude.
        #[arg(long, allow_hyphen_values = true)]
        longitude: f64,
        /// Place name.
        #[arg(long)]
        name: Option<String>,
        /// Address.
        #[arg(long)]
        address: Option<String>,
    },
    /// A contact card.
    Contacts {
        #[command(flatten)]
        common: Common,
        /// Full name on the card.
        #[arg(long)]
        name: String,
        /// A phone number; repeat for more.
        #[arg(long = "phone")]
        phones: Vec<String>,
        /// An e-mail address; repeat for more.
        #[arg(long = "email")]
        emails: Vec<String>,
    },
    /// Reply buttons under a text.
    Interactive {
        #[command(flatten)]
        common: Common,
        /// The text above the buttons.
        #[arg(long)]
        body: String,
        /// A button as ID=TITLE; one to three.
        #[arg(long = "button", required = true)]
        buttons: Vec<String>,
        /// Footer text.
        #[arg(long)]
        footer: Option<String>,
    },
    /// A reaction to a message.
    Reaction {
        #[command(flatten)]
        common: Common,
        /// The message reacted to.
        #[arg(long)]
        message_id: String,
        /// The emoji (empty removes the reaction).
        #[arg(long)]
        emoji: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Register a business number as a sending source.
    Register {
        /// The number (default: --source / MODICA_SOURCE).
        #[arg(long)]
        number: Option<String>,
        /// Its six-digit two-step verification PIN.
        #[arg(long)]
        pin: String,
    },
    /// List the account's sources.
    List,
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Upload a file; prints its media id.
    Upload {
        /// The file.
        file: PathBuf,
        /// MIME type (guessed from the extension if not given).
        #[arg(long = "type")]
        content_type: Option<String>,
    },
    /// Download media to a file.
    Download {
        /// The media id.
        id: String,
        /// Where to write it.
        #[arg(short, long)]
        output: PathBuf,
    },
}
