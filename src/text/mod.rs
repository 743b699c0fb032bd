//! Numbers and durations in words, the same for the console and the commands.

mod numbers;

pub use numbers::{age, percent, span};
