//! Fly's refusals, typed: the kit's status table refined with what Fly's answers say (a
//! lease held by someone, a stale nonce, no capacity in a region, an unknown image).

use crate::backend::{BackendError, PreconditionCode};
use crate::net::{error_for_status, excerpt};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// What a call was doing, for the words of its errors.
#[derive(Clone, Debug)]
pub struct Doing {
    /// `list the Machines of shop-web`.
    pub what: String,
    /// The action a refusal names (`deploy shop-web`).
    pub action: String,
}

impl Doing {
    pub fn new(what: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            action: action.into(),
        }
    }

    pub fn read(what: impl Into<String>, app: &str) -> Self {
        Self::new(what, format!("read {app}"))
    }
}

/// The text of an error answer: Fly's `{"error": "..."}`, or the body itself, short.
pub fn detail(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        for key in ["error", "message", "detail"] {
            if let Some(text) = value[key].as_str() {
                return crate::text::inert(text).chars().take(300).collect();
            }
        }
    }
    excerpt(body)
}

/// Who holds a lease, from Fly's 409 text (`… lease currently held by a@b.c, expires …`).
pub fn lease_holder(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("held by ")?;
    let holder: String = rest
        .split([',', ' ', ';'])
        .next()
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    (!holder.is_empty()).then_some(holder)
}

pub fn from_status(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    doing: &Doing,
    token_env: &str,
) -> BackendError {
    let text = detail(body);
    let said = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text.clone()
    };
    match status.as_u16() {
        401 => BackendError::Unauthorized {
            message: format!(
                "Fly refused the token in ${token_env} while trying to {} ({said}); check that it is current",
                doing.what
            ),
        },
        403 => BackendError::Forbidden {
            action: doing.action.clone(),
            reason: format!("the token in ${token_env} may not: {said}"),
        },
        409 if lease_holder(&text).is_some() => BackendError::Conflict {
            live_now: None,
            live_label: None,
            changed_by: lease_holder(&text),
            message: format!(
                "someone else is deploying: the lease is held by {} ({said})",
                lease_holder(&text).unwrap_or_default()
            ),
        },
        409 => BackendError::Conflict {
            live_now: None,
            live_label: None,
            changed_by: None,
            message: format!("{} refused: {said}", doing.what),
        },
        412 => BackendError::precondition(
            PreconditionCode::Other,
            format!(
                "{}: the Machine changed meanwhile or the lease is stale ({said})",
                doing.what
            ),
        ),
        422 => BackendError::invalid(format!("{}: {said}", doing.what)),
        408 => BackendError::transient(format!("{}: Fly's wait ran out ({said})", doing.what)),
        _ => error_for_status(status, headers, &said, &doing.action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_holder_is_read_from_flys_words() {
        assert_eq!(
            lease_holder(
                "machine 148e lease currently held by ana@acme.dev, expires at 2026-01-01"
            ),
            Some("ana@acme.dev".to_owned())
        );
        assert_eq!(lease_holder("no capacity in ams"), None);
    }

    #[test]
    fn a_held_lease_is_a_conflict_naming_the_holder() {
        let doing = Doing::new("lease Machine 148e", "deploy shop");
        let body = br#"{"error":"lease currently held by ana@acme.dev"}"#;
        let error = from_status(
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            body,
            &doing,
            "FLY_API_TOKEN",
        );
        let BackendError::Conflict {
            changed_by,
            message,
            ..
        } = error
        else {
            panic!("{error:?}");
        };
        assert_eq!(changed_by.as_deref(), Some("ana@acme.dev"));
        assert!(message.contains("ana@acme.dev"), "{message}");
    }
}
