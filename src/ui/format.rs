//! Words and numbers for the screen: ages, percentages, the data age.

use crate::app::state::{DataAge, State};
use crate::domain::DiffDetail;

/// At most `max` lines of platform diff details; past that, the last line says `+N more`.
pub fn diff_details(details: &[DiffDetail], max: usize) -> Vec<String> {
    let max = max.max(1);
    if details.len() <= max {
        return details.iter().map(DiffDetail::describe).collect();
    }
    let mut lines: Vec<String> = details[..max - 1]
        .iter()
        .map(DiffDetail::describe)
        .collect();
    lines.push(format!("+{} more", details.len() - (max - 1)));
    lines
}

pub use crate::text::{age, clock_span, percent, span};

/// How old a stale panel is: `<1m`, `2m`, `3h`.
pub fn stale_span(secs: i64) -> String {
    if secs < 60 {
        "<1m".to_owned()
    } else {
        span(secs)
    }
}

/// An error rate or `no data` (never a fake `0%`).
pub fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "no data".to_owned(), percent)
}

/// How old the header's data is: `loading…`, `polled just now`, `polled 12s ago`.
pub fn data_age(state: &State) -> String {
    match state.data_age() {
        DataAge::Loading => "loading…".to_owned(),
        DataAge::JustNow => "polled just now".to_owned(),
        DataAge::Ago(secs) => format!("polled {} ago", span(secs)),
    }
}

pub use crate::text::fit;

/// `registry/app@sha256:abcdef…` → its last `n` characters, for `…41 → …42` comparisons.
pub fn short_digest(digest: &str) -> String {
    let hex = digest.rsplit(':').next().unwrap_or(digest);
    hex.chars().take(12).collect()
}
