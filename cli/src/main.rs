//! `wab`: the command line of modica-wab (feature `cli`).

mod args;
mod compose;
mod interrupts;
mod listen;
mod logs;
mod output;
mod report;
mod run;

use args::Command;
use clap::Parser;
pub use report::Failure;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let long_running = matches!(
        cli.command,
        Command::Listen { .. } | Command::Sandbox { .. }
    );
    let attempts = logs::install(&logs::default_directive(
        long_running,
        cli.verbose,
        cli.quiet,
    ));
    let sends = cli.command.sends();
    let json = cli.json;
    let mut interrupts = match interrupts::Interrupts::listen() {
        Ok(interrupts) => interrupts,
        Err(e) => {
            eprintln!("error: cannot listen for Ctrl-C: {e}");
            return ExitCode::from(1);
        }
    };
    // `listen` and `sandbox` stop on Ctrl-C themselves; any other command
    // ends at once, saying whether a request was in flight (asked before the
    // command is dropped, which ends its attempt).
    let result = if long_running {
        run::run(cli, Some(interrupts)).await
    } else {
        let interrupted = async {
            interrupts.next().await;
            attempts.in_flight()
        };
        tokio::select! {
            // A command that is done wins over a Ctrl-C in the same instant.
            biased;
            result = run::run(cli, None) => result,
            in_flight = interrupted => Err(Failure::Interrupted { in_flight }),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => ExitCode::from(report::report(&failure, sends, json)),
    }
}
