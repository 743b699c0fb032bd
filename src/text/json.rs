//! JSON for a terminal or a script: serde leaves DEL, C1 and bidi controls raw inside
//! strings, where a terminal may act on them; here they are written as `\u` escapes, which
//! mean the same character to any parser, so the document stays lossless.

use std::borrow::Cow;

/// Serialized JSON with the characters serde leaves raw escaped; they can only stand inside
/// strings, where `\uXXXX` means the same character (every unsafe character is in the
/// Basic Multilingual Plane, so one escape each).
pub fn escape_json(json: &str) -> Cow<'_, str> {
    if !json.chars().any(super::is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // The document's own line breaks are layout, not text.
        if super::is_unsafe(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `value` as compact JSON with every unsafe character escaped.
pub fn to_inert_vec<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let text = serde_json::to_string(value)?;
    Ok(escape_json(&text).into_owned().into_bytes())
}
