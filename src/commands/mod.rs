//! The non-interactive commands, for scripts and runbooks: the engine's first front end.
//!
//! Human output goes to stdout, messages and errors to stderr; with `--json`, stdout holds
//! exactly one JSON document. Exit codes are in [`Exit`].

pub mod args;
mod briefing;
pub mod confirm;
mod exit;
mod format;
pub mod list;
pub mod operate;
pub mod paths;
mod retry;
pub mod status;
mod target;
mod wait;

pub use exit::{CommandError, Exit, exit_for};
pub use operate::Report;
pub use retry::Retrying;

use crate::backend::Backend;
use crate::config::Config;
use std::sync::Arc;

/// What every command works with.
pub struct Context {
    pub backend: Arc<dyn Backend>,
    /// The backend entry's name (`demo`, `prod-eu`).
    pub backend_name: String,
    pub config: Config,
}

/// The single JSON document of a `--json` run.
pub(crate) fn print_json(doc: &impl serde::Serialize) {
    match serde_json::to_string_pretty(doc) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("cannot print JSON: {error}"),
    }
}
