//! The non-interactive commands, for scripts and runbooks: the engine's first front end.
//!
//! Human output goes to stdout, messages and errors to stderr; with `--json`, stdout holds
//! exactly one JSON document. Exit codes are in [`Exit`].

mod briefing;
pub mod confirm;
mod exit;
mod format;
mod list;
pub mod operate;
pub mod paths;
mod retry;
mod status;
mod target;
mod wait;

pub use exit::{CommandError, Exit, exit_for};
pub use operate::Report;
pub use retry::Retrying;

use crate::backend::Backend;
use crate::cli::Command;
use crate::config::Config;
use std::sync::Arc;

/// What every command works with.
pub struct Context {
    pub backend: Arc<dyn Backend>,
    /// The backend entry's name (`demo`, `prod-eu`).
    pub backend_name: String,
    pub config: Config,
}

/// Runs one command against the backend. `paths` is handled before a backend is built.
pub async fn run(ctx: &Context, command: &Command) -> Result<Exit, CommandError> {
    match command {
        Command::List(args) => list::run(ctx, args).await,
        Command::Status(args) => status::run(ctx, args).await,
        Command::Rollback(args) => {
            operate::run(
                ctx,
                operate::Kind::Rollback,
                &args.to,
                &args.at,
                &args.confirm,
            )
            .await
        }
        Command::Promote(args) => {
            operate::run(
                ctx,
                operate::Kind::Promote,
                &args.deployment,
                &args.at,
                &args.confirm,
            )
            .await
        }
        Command::Redeploy(args) => {
            let kind = operate::Kind::Redeploy {
                rebuild: args.rebuild,
            };
            operate::run(ctx, kind, &args.deployment, &args.at, &args.confirm).await
        }
        Command::Paths(_) => Err(CommandError::usage("`paths` needs no backend")),
        Command::Serve(_) => Err(CommandError::usage("`serve` runs its own platform")),
    }
}

/// The single JSON document of a `--json` run.
pub(crate) fn print_json(doc: &impl serde::Serialize) {
    match serde_json::to_string_pretty(doc) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("cannot print JSON: {error}"),
    }
}
