//! The interactive console: state, messages, update, and the run loop.

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
    let _ = setup;
    color_eyre::eyre::bail!("the console is not built yet")
}
