//! Measuring and cutting platform text for a terminal: one primitive for every renderer.
//!
//! Everything here works on the text as it is drawn ([`super::cluster`]): controls as their
//! stand-ins, disputed clusters replaced, widths per cluster. A cut always falls between
//! clusters and ends in `…`; the result is never wider than asked, on any terminal.
//!
//! A cut looks at no more of the text than it can show: at most [`SCAN_PER_COLUMN`] bytes a
//! column, so a commit message of a megabyte costs what its first line costs.

use super::cluster::{Drawn, clusters};
use std::borrow::Cow;

/// The most bytes of text a cut looks at for each column it fills. A plain cluster holds at
/// most 8 characters of at most 4 bytes and takes at least one column.
pub const SCAN_PER_COLUMN: usize = 32;

/// The text as it is drawn, whole: controls and disputed clusters replaced.
pub fn clean(text: &str) -> Cow<'_, str> {
    if is_plain_ascii(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut copied = 0;
    for d in clusters(text) {
        if !d.is_itself() {
            out.push_str(&text[copied..d.at]);
            out.push_str(&d.text);
            copied = d.at + d.raw.len();
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The columns `text` takes once drawn, cluster by cluster.
pub fn width(text: &str) -> usize {
    if is_plain_ascii(text) {
        return text.len();
    }
    clusters(text).map(|d| d.width).sum()
}

/// `text` as it is drawn in at most `width` columns: whole when it fits, else cut between
/// clusters and ended with `…` (which takes the last column).
pub fn fit(text: &str, width: usize) -> Cow<'_, str> {
    let whole = head(text, width);
    if whole.whole {
        return whole.text;
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut cut = head(text, width - 1).text.into_owned();
    cut.push('…');
    Cow::Owned(cut)
}

/// The longest start of a text that fits in some columns, as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head<'a> {
    pub text: Cow<'a, str>,
    /// The columns it takes.
    pub width: usize,
    /// Whether it is the whole text.
    pub whole: bool,
}

/// The longest start of `text`, as drawn, that fits in `width` columns; no `…` is added.
pub fn head(text: &str, width: usize) -> Head<'_> {
    if is_plain_ascii(text) {
        let n = text.len().min(width);
        return Head {
            text: Cow::Borrowed(&text[..n]),
            width: n,
            whole: n == text.len(),
        };
    }
    let limit = width
        .saturating_add(2)
        .saturating_mul(SCAN_PER_COLUMN)
        .min(text.len());
    let scan = &text[..floor_boundary(text, limit)];
    let capped = scan.len() < text.len();
    let mut parts = clusters(scan).peekable();
    let mut out: Option<String> = None;
    let mut end = 0;
    let mut used = 0;
    let mut whole = !capped;
    while let Some(d) = parts.next() {
        // The last cluster of a text cut short may be missing its marks: not drawn.
        if capped && parts.peek().is_none() {
            break;
        }
        if used + d.width > width {
            whole = false;
            break;
        }
        push(&mut out, text, end, &d);
        end = d.at + d.raw.len();
        used += d.width;
    }
    let text = match out {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(&text[..end]),
    };
    Head {
        text,
        width: used,
        whole,
    }
}

/// Adds `d` to what is drawn so far: the text stays borrowed until a cluster differs.
fn push(out: &mut Option<String>, text: &str, end: usize, d: &Drawn<'_>) {
    match out {
        Some(out) => out.push_str(&d.text),
        None if d.is_itself() => {}
        None => {
            let mut owned = text[..end].to_owned();
            owned.push_str(&d.text);
            *out = Some(owned);
        }
    }
}

/// Printable ASCII only: one column per byte, nothing to replace.
fn is_plain_ascii(text: &str) -> bool {
    text.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// The largest char boundary of `text` at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_between_clusters_and_end_in_an_ellipsis() {
        assert_eq!(fit("abcdefghij", 5), "abcd…");
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
        assert_eq!(fit("日本語", 6), "日本語");
        assert_eq!(fit("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        assert_eq!(fit("👨\u{200d}👩\u{200d}👧 family", 4), "👨 …");
        assert_eq!(fit("v41\u{1b}[2J", 6), "v41␛[…");
        assert_eq!(width("v41\u{1b}[2J"), 7);
        assert_eq!(width("🇫🇷"), 2);
    }

    #[test]
    fn plain_text_is_not_copied() {
        assert!(matches!(fit("v42", 10), Cow::Borrowed(_)));
        assert!(matches!(fit("José Müller", 20), Cow::Borrowed(_)));
        assert!(matches!(head("José Müller", 4).text, Cow::Borrowed("José")));
        assert!(matches!(clean("日本語 é"), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{7}b🇫🇷"), "a␇bFR");
    }

    #[test]
    fn a_huge_text_is_read_only_as_far_as_it_can_show() {
        // A megabyte of combining marks after a letter is one cluster: only a bounded
        // start of it is ever segmented.
        let pile = format!("x{}", "\u{301}".repeat(500_000));
        let cut = fit(&pile, 20);
        assert_eq!(cut, "…");
        let long = "é".repeat(500_000);
        let cut = head(&long, 80);
        assert_eq!(cut.width, 80);
        assert!(!cut.whole);
        assert_eq!(fit(&long, 3), "éé…");
    }
}
