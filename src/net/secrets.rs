//! The credentials this process sends, kept so that nothing it prints, logs or reports
//! carries them back out: a platform may quote the token in an error (an echoed
//! `Authorization` header, a 401 that names the key it refused).

use std::borrow::Cow;
use std::sync::RwLock;

/// What stands in for a credential.
pub const REDACTED: &str = "[redacted]";

/// Shorter values are not taken for credentials: hiding them would garble ordinary words.
const MIN_SECRET_CHARS: usize = 8;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers `secret` (a token as sent, without `Bearer `) for [`redact`].
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.chars().count() < MIN_SECRET_CHARS {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    if !secrets.iter().any(|s| s == secret) {
        secrets.push(secret.to_owned());
        // The longest first, so a token holding another is hidden whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Why a token variable gave no token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAbsent {
    Missing,
    Empty,
}

/// The token in `variable`, trimmed and remembered for [`redact`]: the one way every adapter
/// reads its credential.
pub fn read_token(variable: &str) -> Result<String, TokenAbsent> {
    match std::env::var(variable) {
        Ok(value) if value.trim().is_empty() => Err(TokenAbsent::Empty),
        Ok(value) => {
            register(&value);
            Ok(value.trim().to_owned())
        }
        Err(_) => Err(TokenAbsent::Missing),
    }
}

/// `text` with every registered credential replaced by [`REDACTED`].
pub fn redact(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    Cow::Owned(out)
}

/// [`redact`] in place.
pub fn redact_in_place(text: &mut String) {
    if let Cow::Owned(clean) = redact(text) {
        *text = clean;
    }
}

/// Wraps the panic hook installed so far: a panic whose message holds a credential or a
/// control character is reported with the credential hidden and the text inert (and without
/// the rest of the report, which would print the message whole).
pub fn hide_in_panic_reports() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("");
        match redacted_panic(message, info.location()) {
            Some(words) => eprintln!("{words}"),
            None => report(info),
        }
    }));
}

/// The words of a panic whose message holds a credential or a character a terminal would
/// obey (a platform's text in an assertion): hidden and made inert. `None` when the message
/// is plain, for the usual report.
fn redacted_panic(message: &str, location: Option<&std::panic::Location<'_>>) -> Option<String> {
    let redacted = redact(message);
    let unsafe_char = message
        .chars()
        .any(|c| c != '\n' && crate::text::is_unsafe(c));
    if matches!(redacted, Cow::Borrowed(_)) && !unsafe_char {
        return None;
    }
    let at = location
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    Some(crate::text::inert_lines(&format!("switchback panicked{at}: {redacted}")).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_token_is_hidden_wherever_it_appears() {
        register("tok-secrets-unit-3f9a1c");
        let text = "Authorization: Bearer tok-secrets-unit-3f9a1c (tok-secrets-unit-3f9a1c)";
        assert_eq!(
            redact(text),
            "Authorization: Bearer [redacted] ([redacted])"
        );
        assert!(matches!(redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_panic_quoting_a_token_is_reported_without_it() {
        register("tok-secrets-panic-8d2e4b");
        let words = redacted_panic("answer was `Bearer tok-secrets-panic-8d2e4b`", None).unwrap();
        assert_eq!(words, "switchback panicked: answer was `Bearer [redacted]`");
        assert_eq!(redacted_panic("index out of bounds", None), None);
    }

    #[test]
    fn a_panic_quoting_a_platforms_escapes_is_reported_inert() {
        let words = redacted_panic("bad label v41\u{1b}]0;owned\u{7}\u{9b}2J", None).unwrap();
        assert!(!words.chars().any(crate::text::is_unsafe), "{words:?}");
        assert!(
            words.starts_with("switchback panicked: bad label v41"),
            "{words}"
        );
    }

    #[test]
    fn short_values_are_not_taken_for_tokens() {
        register("abc");
        assert_eq!(redact("abc abc"), "abc abc");
    }
}
