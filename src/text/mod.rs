//! Text for a terminal: platform strings made inert, numbers and durations in words, the
//! same for the console and the commands.

mod inert;
mod numbers;

pub use inert::{inert, inert_lines, is_unsafe, stand_in};
pub use numbers::{age, clock_span, percent, span};
