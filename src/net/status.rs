use crate::backend::{BackendError, PreconditionCode};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// The default reading of an HTTP error status: the one table of statuses to kinds.
/// Adapters that know their platform's error bodies refine what it gives (codes, who is live
/// now, the words an engineer sees) rather than restate it.
pub fn error_for_status(
    status: StatusCode,
    headers: &HeaderMap,
    detail: &str,
    action: &str,
) -> BackendError {
    let detail = if detail.is_empty() {
        status.canonical_reason().unwrap_or("error")
    } else {
        detail
    };
    error_for(
        status.as_u16(),
        super::parse_retry_after(headers),
        detail,
        action,
    )
}

/// [`error_for_status`] from the parts: `detail` says what went wrong, `action` what was
/// asked (for `Forbidden`).
pub fn error_for(
    status: u16,
    retry_after: Option<Duration>,
    detail: &str,
    action: &str,
) -> BackendError {
    let detail = detail.to_owned();
    match status {
        401 => BackendError::Unauthorized { message: detail },
        403 => BackendError::Forbidden {
            action: action.to_owned(),
            reason: detail,
        },
        404 => BackendError::NotFound { what: detail },
        409 => BackendError::Conflict {
            live_now: None,
            live_label: None,
            changed_by: None,
            message: detail,
        },
        412 => BackendError::Precondition {
            code: PreconditionCode::Other,
            message: detail,
            suggestion: None,
        },
        429 => BackendError::RateLimited { retry_after },
        408 | 500..=599 => BackendError::Transient {
            message: format!("HTTP {status}: {detail}"),
        },
        _ => BackendError::Invalid {
            message: format!("HTTP {status}: {detail}"),
        },
    }
}

/// Timeouts, refused connections and resets: all worth retrying.
pub fn transport_error(error: reqwest::Error) -> BackendError {
    let message = if error.is_timeout() {
        "timeout".to_owned()
    } else if error.is_connect() {
        "connection refused or unreachable".to_owned()
    } else if error.is_body() || error.is_decode() {
        "connection closed while reading the answer".to_owned()
    } else {
        // reqwest's message can carry the URL; keep it, but never headers (tokens).
        let mut text = error.to_string();
        if let Some(url) = error.url() {
            text = text.replace(url.as_str(), url.path());
        }
        text
    };
    BackendError::Transient { message }
}
