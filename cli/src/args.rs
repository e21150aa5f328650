//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Talk to Modica's WhatsApp Business Messaging API, receive its callbacks, or
/// run a local sandbox of it.
#[derive(Debug, Parser)]
#[command(name = "wab", version, propagate_version = true, after_help = EXIT_CODES)]
pub struct Cli {
    /// API username (for `sandbox`: the credentials it expects).
    #[arg(long, env = "MODICA_USERNAME", global = true)]
    pub username: Option<String>,
    /// API password (for `sandbox`: the credentials it expects).
    #[arg(long, env = "MODICA_PASSWORD", hide_env_values = true, global = true)]
    pub password: Option<String>,
    /// Business number messages are sent from (for `sandbox`: the number it plays).
    #[arg(long, env = "MODICA_SOURCE", global = true)]
    pub source: Option<String>,
    /// Base URL of the API (a white-label host, or a sandbox). Before the command.
    #[arg(long, env = "MODICA_BASE_URL")]
    pub base_url: Option<String>,
    /// Redis shared with other processes: `wab listen` de-duplicates
    /// callbacks there (with its other replicas); `wab send` and `wab
    /// broadcast` pace there (with other senders). Before the command.
    #[arg(long, env = "MODICA_REDIS_URL", hide_env_values = true)]
    pub redis: Option<String>,
    /// Pace sends at most this many messages per second per source number
    /// (default with --redis: 80, WhatsApp's default throughput). Before the command.
    #[arg(long)]
    pub rate: Option<u32>,
    /// The longest one attempt of a request may take, in seconds (default
    /// 30; shorter than --deadline); media transfers run on their progress
    /// instead. Before the command.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The time for all attempts, waits and pacing of a request, in seconds
    /// (default 90): a send starts only if its whole --timeout fits before
    /// it. Before the command.
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,
    /// Print results (and `listen`'s events), and failures, as one JSON
    /// document per line on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// More log lines on stderr (-v info, -vv debug, -vvv trace); `RUST_LOG`
    /// overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Fewer log lines on stderr (-q errors only, -qq none).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes, as `wab --help` shows them (and the README's table).
pub const EXIT_CODES: &str = "\
Exit codes:
  0    done
  2    usage error
  3    invalid request, refused locally: nothing sent
  4    configuration (credentials, URLs, options)
  5    the API refused it for good: fix the request, the account or the recipient
  6    not accepted, worth trying again later (429, a throttling code, pacing past
       the deadline): nothing was sent, so sending again is safe
  7    could not connect: nothing sent (for lookups: any network failure)
  8    operation missing from the spec this build uses
  9    local file error
  10   may have been accepted (a timeout, a dropped connection, a 5xx or a
       redirect after a send went out): reconcile by its reference (DLRs,
       `wab message ID`); do not send it again blindly
  130  interrupted (Ctrl-C) while nothing was in flight: nothing accepted";

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
    /// Receive Modica's callbacks and print each: one line for people, or one
    /// JSON document per line with --json.
    Listen {
        /// The callback URL configured at Modica, credentials included
        /// (https://user:pass@host/path); its path and credentials are served.
        /// Its host and port are where Modica posts (a load balancer, say):
        /// this process listens on --bind only.
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
    /// Run a local emulator of the API (credentials from --username/--password,
    /// default sandbox/sandbox; its number from --source, default 6421000001).
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
        /// The business's templates (YAML or JSON): template messages are
        /// then answered as WhatsApp would (132001 unknown, 132000
        /// parameters that do not match, 132012 of the wrong kind, 132015
        /// paused, 132016 disabled) and shown filled in.
        #[arg(long, value_name = "FILE")]
        templates: Option<std::path::PathBuf>,
        #[command(flatten)]
        behaviour: SandboxBehaviour,
    },
    /// Check a message without sending it: the checks `send` makes before
    /// anything leaves, and with --templates the answer WhatsApp would give
    /// a template message (exit 5 with its code when it would refuse it).
    Check {
        /// The business's templates (YAML or JSON), as for `wab sandbox`.
        #[arg(long, value_name = "FILE")]
        templates: Option<std::path::PathBuf>,
        #[command(subcommand)]
        message: Send,
    },
}

/// How the sandbox calls back and what it plays.
#[derive(Debug, Args)]
pub struct SandboxBehaviour {
    /// Attempts per callback before giving up (a receiver restarted meanwhile
    /// still gets it).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub callback_retries: u32,
    /// The first wait between two attempts of a callback, in seconds; it
    /// doubles up to --callback-max-backoff.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub callback_backoff: f64,
    /// The longest wait between two attempts of a callback, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub callback_max_backoff: f64,
    /// Delay before each DLR (`sent`, then the final status), in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 20)]
    pub dlr_delay: u64,
    /// Deliver callbacks again after a delivery was taken, with this
    /// probability (0 to 1), as at-least-once gateways do.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub redeliver: f64,
    /// Deliver a callback twice at once, with this probability (0 to 1).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub concurrent_duplicates: f64,
    /// The seed of those draws (repeatable runs).
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    pub duplicate_seed: u64,
    /// Refuse free-form messages to customers who never wrote (131047), as
    /// WhatsApp does; by default only those whose last message is older than
    /// 24 hours are refused.
    #[arg(long)]
    pub require_service_window: bool,
    /// Answer 130429 (throughput reached) above this many messages a second.
    #[arg(long, value_name = "PER_SECOND")]
    pub throughput: Option<usize>,
}

#[derive(Debug, Args)]
pub struct Common {
    /// The recipient: a phone number (E.164, e.g. +64211234567) or a
    /// customer's business-scoped user id (NZ.13491208655302741918).
    #[arg(long)]
    pub to: String,
    /// Your reference, echoed in DLRs.
    #[arg(long)]
    pub reference: Option<String>,
    /// Reply to this message id (shows as a quote).
    #[arg(long)]
    pub reply_to: Option<String>,
    /// A template to send instead if WhatsApp refuses the message with
    /// 131047 (the customer has not written for 24 hours); the result says
    /// which went out.
    #[arg(long, value_name = "NAME")]
    pub or_template: Option<String>,
    /// The fallback template's language.
    #[arg(
        long,
        value_name = "CODE",
        default_value = "en",
        requires = "or_template"
    )]
    pub or_template_language: String,
    /// A body parameter of the fallback template; repeat in order.
    #[arg(long, value_name = "VALUE", requires = "or_template")]
    pub or_template_param: Vec<String>,
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
        /// A button's parameter as INDEX:KIND:VALUE, KIND one of
        /// quick_reply (VALUE the payload), url (the URL's suffix), flow
        /// (the flow token) or copy_code (the coupon code); repeat for each.
        #[arg(long = "button", value_name = "INDEX:KIND:VALUE")]
        buttons: Vec<String>,
    },
    /// An authentication template carrying a one-time code (to a phone
    /// number only).
    Otp {
        #[command(flatten)]
        common: Common,
        /// Template name.
        #[arg(long)]
        name: String,
        /// Language code.
        #[arg(long, default_value = "en")]
        language: String,
        /// The code (at most 15 characters).
        #[arg(long)]
        code: String,
    },
    /// A carousel template: 2 to 10 cards with the same parts.
    Carousel {
        #[command(flatten)]
        common: Common,
        /// Template name.
        #[arg(long)]
        name: String,
        /// Language code.
        #[arg(long, default_value = "en")]
        language: String,
        /// A parameter of the message body (text); repeat in order.
        #[arg(long = "param")]
        params: Vec<String>,
        /// A card as `image=LINK` or `video=LINK` (or `image-id=ID`,
        /// `video-id=ID`), then `;text=VALUE` body parameters, and
        /// `;quick_reply=PAYLOAD` or `;url=SUFFIX` buttons (indexes in
        /// order); repeat for each card.
        #[arg(long = "card", required = true)]
        cards: Vec<String>,
    },
    /// A button that opens a WhatsApp Flow.
    Flow {
        #[command(flatten)]
        common: Common,
        /// The text above the button.
        #[arg(long)]
        body: String,
        /// The button's label (at most 20 characters, no emoji).
        #[arg(long)]
        cta: String,
        /// The flow's id.
        #[arg(
            long,
            conflicts_with = "flow_name",
            required_unless_present = "flow_name"
        )]
        flow_id: Option<String>,
        /// The flow's name.
        #[arg(long)]
        flow_name: Option<String>,
        /// A token of yours that comes back in the flow's reply.
        #[arg(long)]
        token: Option<String>,
        /// The screen to open.
        #[arg(long, conflicts_with = "data_exchange")]
        screen: Option<String>,
        /// Data for the first screen, a JSON object (with --screen).
        #[arg(long, value_name = "JSON", requires = "screen")]
        data: Option<String>,
        /// Let your flow endpoint choose the first screen.
        #[arg(long)]
        data_exchange: bool,
        /// Send the flow's draft.
        #[arg(long)]
        draft: bool,
        /// Header text.
        #[arg(long)]
        header: Option<String>,
        /// Footer text.
        #[arg(long)]
        footer: Option<String>,
    },
    /// Ask the customer to share their location.
    LocationRequest {
        #[command(flatten)]
        common: Common,
        /// The text above the "Send location" button.
        #[arg(long)]
        body: String,
    },
    /// One product of a catalog.
    Product {
        #[command(flatten)]
        common: Common,
        /// The catalog's id.
        #[arg(long)]
        catalog: String,
        /// The product's retailer id (SKU).
        #[arg(long)]
        product: String,
        /// Body text.
        #[arg(long)]
        body: Option<String>,
        /// Footer text.
        #[arg(long)]
        footer: Option<String>,
    },
    /// Up to 30 products of a catalog, in sections.
    ProductList {
        #[command(flatten)]
        common: Common,
        /// The catalog's id.
        #[arg(long)]
        catalog: String,
        /// Header text (required by WhatsApp).
        #[arg(long)]
        header: String,
        /// Body text.
        #[arg(long)]
        body: String,
        /// A section as TITLE=SKU,SKU,…; repeat for each (one untitled
        /// section: just SKU,SKU).
        #[arg(long = "section", required = true)]
        sections: Vec<String>,
        /// Footer text.
        #[arg(long)]
        footer: Option<String>,
    },
    /// A voice note (an OGG file with the OPUS codec).
    Voice {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        media: MediaRef,
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

impl Command {
    /// Whether it sends something the API may take (a POST): a failure
    /// after it went out may mean it was accepted.
    pub fn sends(&self) -> bool {
        matches!(
            self,
            Command::Send(_)
                | Command::Broadcast { .. }
                | Command::Source(SourceCommand::Register { .. })
                | Command::Media(MediaCommand::Upload { .. })
        )
    }
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
