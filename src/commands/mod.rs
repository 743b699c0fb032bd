//! The non-interactive commands, for scripts and runbooks: the engine's first front end.
//!
//! Human output goes to stdout, messages and errors to stderr; with `--json`, stdout holds
//! exactly one JSON document. Exit codes are in [`Exit`]. Every command runs under a
//! [`Deadline`]; the network adapters repeat failed reads themselves (the kit's replay rule),
//! so nothing here repeats a call.

pub mod args;
mod briefing;
pub mod confirm;
mod deadline;
mod exit;
mod format;
pub mod list;
pub mod operate;
pub mod paths;
pub mod status;
mod target;
mod wait;

pub use deadline::{DEFAULT_TIMEOUT, Deadline, Phase};
pub use exit::{CommandError, Exit, exit_for};
pub use operate::Report;

use crate::backend::Platform;
use crate::config::Config;

/// What every command works with.
pub struct Context {
    pub backend: Platform,
    /// The backend entry's name (`demo`, `prod-eu`).
    pub backend_name: String,
    pub config: Config,
    /// The command's total deadline. Operation commands mark their phases on it
    /// (`asking`, `sending`, `following`: see [`Deadline`]).
    pub deadline: Deadline,
}

impl Context {
    /// A context with the default deadline, its clock starting now.
    pub fn new(
        backend: impl Into<Platform>,
        backend_name: impl Into<String>,
        config: Config,
    ) -> Self {
        Self {
            backend: backend.into(),
            backend_name: backend_name.into(),
            config,
            deadline: Deadline::default(),
        }
    }

    /// The same context under `deadline` (`--timeout`).
    pub fn with_deadline(self, deadline: Deadline) -> Self {
        Self { deadline, ..self }
    }
}

/// The single JSON document of a `--json` run.
pub(crate) fn print_json(doc: &impl serde::Serialize) {
    match serde_json::to_string_pretty(doc) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("cannot print JSON: {error}"),
    }
}
