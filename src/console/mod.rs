//! The console itself: the terminal, the run loop that owns the state, and the wiring of
//! the model (`crate::app`) to the view (`crate::ui`). The only layer that knows all three.

mod run_loop;
pub mod terminal;
mod theme_problem;

pub use run_loop::PANIC_VAR;

use crate::app::Msg;
use crate::backend::Platform;
use crate::config::Config;

/// Everything the console needs to start, resolved by the CLI from flags and config.
pub struct Setup {
    pub backend: Platform,
    /// The backend entry's name, shown in the title bar (`demo`, `shared`, `prod-eu`).
    pub backend_name: String,
    pub config: Config,
    /// `--theme NAME`; overrides the config's `theme`.
    pub theme: Option<String>,
    /// The config file read, when there was one: problems with its values name it.
    pub config_path: Option<std::path::PathBuf>,
}

/// A problem found before the terminal is touched (a bad theme, no terminal), in words for
/// the engineer: reported plainly on stderr with exit code 2, never as a program's report.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartProblem(pub String);

/// How the console ended.
#[derive(Debug, Default)]
pub struct Ended {
    /// The operation this console started that was still running when it quit.
    pub in_flight: Option<InFlight>,
    /// Operations the adapter drove itself and stopped on the way out.
    pub stopped: Vec<crate::domain::Operation>,
}

/// An operation left running at the platform.
#[derive(Debug)]
pub struct InFlight {
    pub id: crate::domain::OperationId,
    pub env: crate::domain::EnvRef,
}

/// Runs the console until the engineer quits.
pub async fn run(setup: Setup) -> color_eyre::Result<Ended> {
    run_loop::run(setup).await
}

/// What the frame just drawn could not show (rows of the detail pane and of the open
/// overlay): the model keeps its scrolls within it.
pub fn measured(
    state: &crate::app::State,
    width: u16,
    height: u16,
    theme: &crate::theme::Theme,
) -> Msg {
    let (detail_hidden, overlay_hidden) = crate::ui::measure(
        ratatui::layout::Rect::new(0, 0, width, height),
        state,
        theme,
    );
    Msg::Measured {
        detail_hidden,
        overlay_hidden,
    }
}

/// The message for a terminal of this size: the list's height comes with it, from the
/// layout, so the model never asks the view.
pub fn resized(width: u16, height: u16) -> Msg {
    Msg::Resize {
        width,
        height,
        list_rows: crate::ui::layout::list_rows(width, height),
    }
}
