//! The interactive console: state, messages, update, and the run loop.
//!
//! One writer: only the loop changes [`State`], through the pure [`update`]. Backend calls
//! run on tokio tasks and come back as owned [`Msg`]s; render is a pure view of the state.

pub mod command;
pub mod effects;
pub mod history;
pub mod list;
pub mod msg;
mod run_loop;
pub mod state;
pub mod terminal;
mod update;

pub use command::Command;
pub use msg::Msg;
pub use state::State;
pub use update::{list_rows, live_window, poll_targets, update};

use crate::backend::Backend;
use crate::config::Config;
use std::sync::Arc;

/// Everything the console needs to start, resolved by the CLI from flags and config.
pub struct Setup {
    pub backend: Arc<dyn Backend>,
    /// The backend entry's name, shown in the title bar (`demo`, `shared`, `prod-eu`).
    pub backend_name: String,
    pub config: Config,
    /// `--theme NAME`; overrides the config's `theme`.
    pub theme: Option<String>,
}

/// Runs the console until the engineer quits.
pub async fn run(setup: Setup) -> color_eyre::Result<()> {
    run_loop::run(setup).await
}
