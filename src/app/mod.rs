//! The console's model: state, messages, the pure update and the effects it asks for.
//!
//! One writer: only the loop (`crate::console`) changes [`State`], through the pure
//! [`update`]. Backend calls run on tokio tasks and come back as owned [`Msg`]s; render
//! (`crate::ui`) is a pure view of the state. Nothing here knows the terminal or the screen.

pub mod command;
pub mod effects;
pub mod figures;
pub mod history;
pub mod list;
pub mod message;
pub mod msg;
mod others;
pub mod progress;
pub mod state;
mod update;

pub use command::Command;
pub use msg::Msg;
pub use state::State;
pub use update::{live_window, poll_targets, update};
