//! Properties of the sanitizer over arbitrary and hostile text.

use super::*;
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Pieces a hostile platform would send: escapes, C1, bidi, emoji sequences, flags, marks,
/// halfwidth sound marks, jamo, invisible characters.
const HOSTILE: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}]0;x\u{7}",
    "\u{9b}31m",
    "\u{7f}",
    "\r\n",
    "\t",
    "\0",
    "\u{85}",
    "\u{202e}",
    "\u{2066}",
    "\u{200f}",
    "\u{61c}",
    "\u{2028}",
    "\u{200b}",
    "\u{feff}",
    "\u{200d}",
    "👨\u{200d}👩\u{200d}👧",
    "🇫🇷",
    "\u{1f1e6}",
    "\u{2764}\u{fe0f}",
    "\u{231a}\u{fe0e}",
    "\u{fe0f}",
    "👍🏽",
    "\u{1f3fd}",
    "1\u{fe0f}\u{20e3}",
    "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}",
    "\u{301}",
    "e\u{301}\u{302}\u{303}",
    "ｶﾞ",
    "\u{ff9e}",
    "\u{ff9f}",
    "\u{1100}\u{1161}\u{11a8}",
    "\u{1161}",
    "日本",
    "a",
    " ",
    "…",
    "\u{fffd}",
    "ﾟ",
    "\u{0600}",
    "\u{094d}",
];

pub(crate) fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        proptest::sample::select(HOSTILE).prop_map(str::to_owned),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![hostile(), ".*"]
}

/// What ratatui counts when it draws: each grapheme's width.
fn drawn_width(text: &str) -> usize {
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

proptest! {
    #[test]
    fn a_fitted_text_is_never_wider_than_asked(text in text(), budget in 0usize..30) {
        let out = fit(&text, budget);
        prop_assert!(width(&out) <= budget, "{out:?} in {budget}");
        prop_assert!(drawn_width(&out) <= budget, "{out:?} in {budget}");
        prop_assert!(!out.chars().any(is_unsafe));
        let whole = clean(&text);
        if width(&whole) <= budget {
            prop_assert_eq!(&out, &whole);
        } else if budget == 0 {
            prop_assert_eq!(&out, "");
        } else {
            let start = out.strip_suffix('…');
            prop_assert!(start.is_some_and(|s| whole.starts_with(s)), "{out:?} from {whole:?}");
        }
    }

    #[test]
    fn the_width_is_what_is_drawn(text in text()) {
        let whole = clean(&text);
        prop_assert_eq!(width(&text), width(&whole));
        prop_assert_eq!(width(&whole), drawn_width(&whole), "{:?}", whole);
        prop_assert_eq!(fit(&text, width(&text)), whole.clone());
    }

    #[test]
    fn clean_text_stays_as_it_is(text in text()) {
        let once = clean(&text).into_owned();
        prop_assert!(!once.chars().any(is_unsafe));
        prop_assert_eq!(clean(&once), once.as_str());
        prop_assert!(clusters(&once).all(|d| d.is_itself()), "{:?}", once);
    }

    #[test]
    fn settled_text_is_only_made_inert(text in "[ -~é日本ａ\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}]{0,40}") {
        prop_assert_eq!(clean(&text), inert(&text));
    }
}
