//! How one grapheme cluster of platform text is drawn, and how many columns it takes.
//!
//! A cluster is what a reader sees as one character: a letter with its accents, an emoji with
//! its modifiers, a flag. Terminals agree on the width of most clusters and disagree on some:
//! a terminal that measures character by character (the `wcwidth` way) gives an emoji ZWJ
//! sequence the sum of its parts (👨‍👩‍👧 takes 6 columns), one that measures clusters gives it
//! 2. The screen lays out columns before any terminal draws them, so a cluster whose width
//! is disputed is never sent as itself; a stand-in whose width every terminal agrees on is
//! drawn in its place:
//!
//! | cluster | drawn as |
//! | --- | --- |
//! | a control or bidi character (see [`super::inert`]) | its stand-in, one column each |
//! | regional indicators (flags: 🇫🇷) | the ASCII capitals they spell (`FR`) |
//! | halfwidth katakana sound marks U+FF9E, U+FF9F (`ｶﾞ`) | the spacing marks U+309B `゛`, U+309C `゜` (`ｶ゛`) |
//! | a mark or invisible character with nothing before it (a lone combining accent, ZWJ, zero-width space, a variation selector) | `␦` U+2426 |
//! | emoji sequences: ZWJ sequences, skin-tone modifiers, variation selectors VS15/VS16, keycaps, tag sequences; conjoining Hangul jamo; more than 8 characters in one cluster; any cluster whose width as a whole differs from the sum of its characters' widths | its first character alone (👨‍👩‍👧 → 👨, ❤️ → ❤, 👍🏽 → 👍, 1️⃣ → 1), or `␦` when that is not a plain character |
//! | everything else (letters with combining accents, CJK, single emoji) | itself, in the columns `unicode-width` gives it |
//!
//! Characters of East Asian Ambiguous width count as one column, as ratatui counts them:
//! the screen's own frame is drawn with box-drawing characters, which are ambiguous too, so
//! a terminal set to draw them wide mis-draws the whole screen, not only platform text.

use super::inert::{is_unsafe, stand_in};
use std::borrow::Cow;
use unicode_segmentation::{GraphemeIndices, UnicodeSegmentation};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The most characters one cluster may hold and still be drawn as itself; past this it is a
/// pile of marks (a plain letter with a few accents needs three or four).
pub const MAX_CLUSTER_CHARS: usize = 8;

/// Drawn for a cluster that has no plain character to stand for it.
pub const REPLACEMENT: &str = "\u{2426}";

/// One cluster as it is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drawn<'a> {
    /// Where the cluster starts in the text it came from (bytes).
    pub at: usize,
    /// The cluster as the platform wrote it.
    pub raw: &'a str,
    /// What is drawn: `raw` itself, or its stand-in.
    pub text: Cow<'a, str>,
    /// The columns it takes on every terminal.
    pub width: usize,
}

impl Drawn<'_> {
    /// Whether the cluster is drawn as itself.
    pub fn is_itself(&self) -> bool {
        self.text.len() == self.raw.len() && self.text == self.raw
    }
}

/// The clusters of `text`, each as it is drawn. Lazy: a caller that stops early (a cut) has
/// not paid for the rest of the text.
pub fn clusters(text: &str) -> Clusters<'_> {
    Clusters {
        inner: text.grapheme_indices(true),
    }
}

/// See [`clusters`].
pub struct Clusters<'a> {
    inner: GraphemeIndices<'a>,
}

impl<'a> Iterator for Clusters<'a> {
    type Item = Drawn<'a>;

    fn next(&mut self) -> Option<Drawn<'a>> {
        let (at, raw) = self.inner.next()?;
        let (text, width) = settle(raw);
        Some(Drawn {
            at,
            raw,
            text,
            width,
        })
    }
}

/// What `cluster` is drawn as, and its width.
pub fn settle(cluster: &str) -> (Cow<'_, str>, usize) {
    let mut chars = cluster.chars();
    let Some(first) = chars.next() else {
        return (Cow::Borrowed(cluster), 0);
    };
    // The common case: one character that needs nothing.
    if chars.as_str().is_empty()
        && !needs_care(first)
        && let Some(width @ 1..) = first.width()
    {
        return (Cow::Borrowed(cluster), width);
    }
    if is_unsafe(first) {
        // Controls are clusters of their own (CR LF is one): every character shows.
        let text: String = cluster.chars().map(stand_in).collect();
        let width = text.chars().count();
        return (Cow::Owned(text), width);
    }
    // An unsafe character inside a longer cluster (U+FFFD after a prepended mark, before a
    // combining one): the whole cluster is one stand-in.
    if cluster.chars().any(is_unsafe) {
        return (Cow::Borrowed(REPLACEMENT), 1);
    }
    if cluster.chars().any(is_regional_indicator) {
        let text: String = cluster
            .chars()
            .filter(|&c| is_regional_indicator(c))
            .map(letter_of)
            .collect();
        let width = text.len();
        return (Cow::Owned(text), width);
    }
    if cluster.contains(['\u{ff9e}', '\u{ff9f}']) {
        return sound_marks(cluster);
    }
    if !matches!(first.width(), Some(1..)) {
        return (Cow::Borrowed(REPLACEMENT), 1);
    }
    let whole = cluster.width();
    let parts: usize = cluster.chars().map(|c| c.width().unwrap_or(0)).sum();
    let disputed = whole != parts
        || cluster.chars().count() > MAX_CLUSTER_CHARS
        || cluster.chars().any(is_sequence_part);
    if !disputed {
        return (Cow::Borrowed(cluster), whole);
    }
    match first.width() {
        Some(width @ 1..) if !is_sequence_part(first) => {
            (Cow::Borrowed(&cluster[..first.len_utf8()]), width)
        }
        _ => (Cow::Borrowed(REPLACEMENT), 1),
    }
}

/// A character that may change how its cluster is drawn.
fn needs_care(c: char) -> bool {
    is_unsafe(c)
        || is_regional_indicator(c)
        || is_sequence_part(c)
        || matches!(c, '\u{ff9e}' | '\u{ff9f}')
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c, '\u{1f1e6}'..='\u{1f1ff}')
}

/// `🇫` → `F`.
fn letter_of(c: char) -> char {
    char::from(b'A' + (u32::from(c) - 0x1f1e6) as u8)
}

/// Parts of emoji sequences and conjoining jamo: what terminals draw in different widths.
fn is_sequence_part(c: char) -> bool {
    matches!(c,
        '\u{200d}'                      // zero width joiner
        | '\u{fe00}'..='\u{fe0f}'       // variation selectors (VS15, VS16, …)
        | '\u{e0100}'..='\u{e01ef}'     // variation selectors supplement
        | '\u{1f3fb}'..='\u{1f3ff}'     // skin-tone modifiers
        | '\u{20e3}'                    // combining enclosing keycap
        | '\u{e0020}'..='\u{e007f}'     // tags
        | '\u{1160}'..='\u{11ff}'       // Hangul vowel and final jamo
        | '\u{d7b0}'..='\u{d7ff}')
}

/// `ｶﾞ` → `ｶ゛`: the halfwidth sound marks, which some terminals join to the letter before and
/// some draw in a column of their own, become the spacing marks every terminal draws alike.
fn sound_marks(cluster: &str) -> (Cow<'_, str>, usize) {
    let spaced: String = cluster
        .chars()
        .map(|c| match c {
            '\u{ff9e}' => '\u{309b}',
            '\u{ff9f}' => '\u{309c}',
            c => c,
        })
        .collect();
    let mut text = String::with_capacity(spaced.len());
    let mut width = 0;
    for part in spaced.graphemes(true) {
        let (drawn, w) = settle(part);
        text.push_str(&drawn);
        width += w;
    }
    (Cow::Owned(text), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn(text: &str) -> (String, usize) {
        let parts: Vec<Drawn> = clusters(text).collect();
        (
            parts.iter().map(|d| d.text.as_ref()).collect(),
            parts.iter().map(|d| d.width).sum(),
        )
    }

    #[test]
    fn plain_text_is_drawn_as_itself() {
        for text in [
            "v42",
            "José",
            "e\u{301}te\u{301}",
            "日本語",
            "🚀 ship",
            "Ελλάδα",
            "ｶﾀｶﾅ",
        ] {
            let (out, width) = drawn(text);
            assert_eq!(out, text);
            assert_eq!(width, text.width(), "{text}");
            assert!(clusters(text).all(|d| d.is_itself()));
        }
    }

    #[test]
    fn disputed_clusters_get_stand_ins_of_agreed_width() {
        // Family (ZWJ sequence), flag, VS16, VS15, skin tone, keycap.
        assert_eq!(drawn("👨\u{200d}👩\u{200d}👧"), ("👨".to_owned(), 2));
        assert_eq!(drawn("🇫🇷 ok"), ("FR ok".to_owned(), 5));
        assert_eq!(drawn("\u{1f1e6}"), ("A".to_owned(), 1));
        assert_eq!(drawn("\u{2764}\u{fe0f}"), ("\u{2764}".to_owned(), 1));
        assert_eq!(drawn("\u{231a}\u{fe0e}"), ("\u{231a}".to_owned(), 2));
        assert_eq!(drawn("👍🏽"), ("👍".to_owned(), 2));
        assert_eq!(drawn("1\u{fe0f}\u{20e3}"), ("1".to_owned(), 1));
        // A lone mark at the start, a zero-width space, a lone joiner.
        assert_eq!(drawn("\u{301}x"), ("\u{2426}x".to_owned(), 2));
        assert_eq!(drawn("a\u{200b}b"), ("a\u{2426}b".to_owned(), 3));
        assert_eq!(drawn("\u{200d}"), ("\u{2426}".to_owned(), 1));
        assert_eq!(drawn("\u{600}\u{fffd}x"), ("\u{2426}x".to_owned(), 2));
        // Halfwidth sound marks, joined or alone.
        assert_eq!(drawn("ｶﾞ"), ("ｶ\u{309b}".to_owned(), 3));
        assert_eq!(drawn("\u{ff9f}"), ("\u{309c}".to_owned(), 2));
        // A pile of marks keeps its letter.
        assert_eq!(
            drawn(&format!("a{}", "\u{301}".repeat(40))),
            ("a".to_owned(), 1)
        );
        // Controls, CR LF included, show every character.
        assert_eq!(drawn("a\r\nb\u{1b}"), ("a␍␊b␛".to_owned(), 5));
    }

    #[test]
    fn clusters_know_where_they_start() {
        let at: Vec<usize> = clusters("aé日").map(|d| d.at).collect();
        assert_eq!(at, vec![0, 1, 3]);
    }
}
