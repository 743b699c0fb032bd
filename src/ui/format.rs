//! Words and numbers for the screen: ages, percentages, the data age.

use crate::app::state::{DataAge, State};
use crate::domain::DiffDetail;
use std::borrow::Cow;

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

/// Cuts `text` to `width` columns, ending in `…` when cut.
pub fn fit(text: &str, width: usize) -> Cow<'_, str> {
    if !text.is_ascii() || text.bytes().any(|b| b.is_ascii_control()) {
        return fit_chars(text, width);
    }
    // One column per character.
    match width {
        _ if text.len() <= width => Cow::Borrowed(text),
        0 => Cow::Borrowed(""),
        _ => Cow::Owned(format!("{}…", &text[..width - 1])),
    }
}

/// `fit` for any text: each character's own width.
fn fit_chars(text: &str, width: usize) -> Cow<'_, str> {
    use unicode_width::UnicodeWidthChar;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

/// `registry/app@sha256:abcdef…` → its last `n` characters, for `…41 → …42` comparisons.
pub fn short_digest(digest: &str) -> String {
    let hex = digest.rsplit(':').next().unwrap_or(digest);
    hex.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_ascii_cuts_where_fitting_by_character_width_does() {
        for text in ["", "a", "abc", "abcdefghij", "add search index"] {
            for width in 0..14 {
                assert_eq!(
                    fit(text, width),
                    fit_chars(text, width),
                    "{text:?} in {width}"
                );
            }
        }
        assert_eq!(fit("abcdefghij", 5), "abcd…");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
    }
}
