//! `wab`: the command line of modica-wab (feature `cli`).

mod args;
mod compose;
mod listen;
mod output;
mod run;

use clap::Parser;
use modica_wab::{Error, ErrorClass};
use std::process::ExitCode;

/// A failure of the command, with the exit code it maps to.
pub enum Failure {
    Api(Error),
    /// An argument that cannot make a valid request (exit 3, like local validation).
    Invalid(String),
    File(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Api(e)
    }
}

fn exit_code(e: &Error) -> u8 {
    match e {
        Error::InvalidRequest(_) | Error::WindowClosed { .. } => 3,
        Error::Config(_) => 4,
        Error::Transport(_) => 7,
        Error::Unsupported { .. } => 8,
        _ => match e.class() {
            ErrorClass::Transient | ErrorClass::RateLimited => 6,
            _ => 5,
        },
    }
}

fn report(failure: &Failure) -> u8 {
    match failure {
        Failure::Invalid(message) => {
            eprintln!("error: invalid request: {message}");
            3
        }
        Failure::File(message) => {
            eprintln!("error: {message}");
            9
        }
        Failure::Api(e) => {
            eprintln!("error: {e}");
            if let Some(code) = e.code() {
                eprintln!("code: {} ({})", code.code(), code.meaning());
                eprintln!("action: {}", code.action());
            } else if let Error::Api(api) = e {
                eprintln!("class: {}", api.class());
            }
            if let Some(wait) = e.retry_after() {
                eprintln!("retry after: {} s", wait.as_secs());
            }
            exit_code(e)
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match run::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => ExitCode::from(report(&failure)),
    }
}
