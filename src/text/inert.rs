//! Text from a platform made inert for a terminal: no control character, C0, DEL or C1, and
//! no bidi control ever reaches a terminal as itself. Each becomes a visible stand-in:
//!
//! | what | becomes |
//! | --- | --- |
//! | C0 controls U+0000–U+001F (ESC, BEL, BS, CR, LF, TAB, …) | the Control Pictures `␀`…`␟` (U+2400–U+241F): ESC shows as `␛` |
//! | DEL U+007F | `␡` (U+2421) |
//! | C1 controls U+0080–U+009F, bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), line and paragraph separators (U+2028, U+2029), and U+FFFD itself | `␦` (U+2426, drawn one column wide by every terminal; some emulators drop U+FFFD and shift the row) |
//!
//! Everything else passes unchanged, so ordinary text costs a scan and no copy.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{fffd}')
}

/// The visible stand-in for an unsafe character (see the module's table).
pub fn stand_in(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{2426}'),
        '\u{7f}' => '\u{2421}',
        _ => '\u{2426}',
    }
}

/// `text` with every unsafe character replaced by its stand-in.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_unsafe(c) { stand_in(c) } else { c })
            .collect(),
    )
}

/// [`inert`] line by line: the line breaks of a message written by switchback itself stay,
/// every other control character is replaced.
pub fn inert_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.split('\n').map(inert).collect::<Vec<_>>().join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        assert_eq!(inert("v41\u{1b}]0;owned\u{7}"), "v41␛]0;owned␇");
        assert_eq!(inert("a\u{1b}[2Jb"), "a␛[2Jb");
        assert_eq!(inert("x\u{9b}31m\u{7f}"), "x\u{2426}31m␡");
        assert_eq!(inert("\u{202e}14v"), "\u{2426}14v");
        assert_eq!(inert("a\u{fffd}b"), "a\u{2426}b");
        assert_eq!(inert("a\r\nb\tc\0"), "a␍␊b␉c␀");
        assert!(matches!(
            inert("plain v41 · ünïcödé 日本"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn only_switchbacks_own_line_breaks_survive_line_by_line() {
        assert_eq!(
            inert_lines("refused: a\u{1b}[1A\n  try: x"),
            "refused: a␛[1A\n  try: x"
        );
    }

    proptest::proptest! {
        #[test]
        fn nothing_unsafe_survives(text in ".*") {
            let out = inert(&text);
            proptest::prop_assert!(!out.chars().any(is_unsafe));
            proptest::prop_assert_eq!(out.chars().count(), text.chars().count());
        }
    }
}
