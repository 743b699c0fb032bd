//! Vercel's error answers, typed once: the kit's status table, in Vercel's words.
//!
//! Vercel answers a missing or invalid token with `403`, the same status as a refusal of a
//! valid token (its CLI reads a `403` from `/v2/user` as "invalid token"); the client tells
//! the two apart with that same look (see `client`).

use super::api::{ApiError, ErrorBody};
use crate::backend::{BackendError, PreconditionCode};
use crate::net::{Replay, error_for_status, parse_retry_after};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// What one API call is for, so an error can say what was refused and why.
#[derive(Clone, Debug)]
pub struct Call {
    /// What the engineer asked for, e.g. `roll back to 9jaeg38me` or `read project shop`.
    pub doing: String,
    /// What the call is about, e.g. `deployment dpl_123`, for "not found".
    pub subject: String,
    /// How the call may be repeated. Vercel takes no idempotency key, so rollback, promote,
    /// creating a deployment and cancelling are `Replay::Once`.
    pub replay: Replay,
}

impl Call {
    pub fn read(doing: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            doing: doing.into(),
            subject: subject.into(),
            replay: Replay::Read,
        }
    }

    pub fn write(doing: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            doing: doing.into(),
            subject: subject.into(),
            replay: Replay::Once,
        }
    }
}

/// Vercel's error body, or an empty one when the answer is not one.
pub fn problem(body: &[u8]) -> ApiError {
    serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_default()
}

/// How long a `429` asks to wait: `Retry-After` (all Vercel's CLI reads), else the
/// `X-RateLimit-Reset` epoch seconds, else the body's `limit.resetMs`.
fn retry_after(headers: &HeaderMap, error: &ApiError, now_ms: i64) -> Option<Duration> {
    if let Some(wait) = parse_retry_after(headers) {
        return Some(wait);
    }
    let reset_ms = headers
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|secs| secs.saturating_mul(1000))
        .or_else(|| error.limit.as_ref()?.reset_ms)?;
    Some(Duration::from_millis(
        u64::try_from(reset_ms.saturating_sub(now_ms)).unwrap_or(0),
    ))
}

/// The error for a non-success answer.
pub fn from_status(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    call: &Call,
) -> BackendError {
    let error = problem(body);
    let detail = [error.message.trim(), error.code.trim()]
        .into_iter()
        .find(|d| !d.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error"))
        .to_owned();
    let code = status.as_u16();
    match code {
        402 => {
            return BackendError::Precondition {
                code: PreconditionCode::Other,
                message: format!(
                    "Vercel's plan does not allow this: it refused to {} ({detail}); a Pro or Enterprise plan lifts the limit",
                    call.doing
                ),
                suggestion: None,
            };
        }
        422 => {
            return BackendError::Precondition {
                code: PreconditionCode::Other,
                message: format!("Vercel refused to {}: {detail}", call.doing),
                suggestion: None,
            };
        }
        429 => {
            return BackendError::RateLimited {
                retry_after: retry_after(headers, &error, chrono::Utc::now().timestamp_millis()),
            };
        }
        _ => {}
    }
    match error_for_status(status, headers, &detail, &call.doing) {
        BackendError::NotFound { .. } => BackendError::not_found(format!(
            "{} does not exist, or the token cannot see it ({detail})",
            call.subject
        )),
        BackendError::Forbidden { action, .. } => BackendError::Forbidden {
            action,
            reason: format!("Vercel answered 403: {detail}"),
        },
        BackendError::Conflict { .. } => BackendError::Conflict {
            live_now: None,
            live_label: None,
            changed_by: None,
            message: format!("Vercel answered 409 to {}: {detail}", call.doing),
        },
        BackendError::Invalid { .. } => {
            BackendError::invalid(format!("Vercel refused to {}: {detail}", call.doing))
        }
        BackendError::Transient { .. } => BackendError::transient(format!(
            "Vercel answered {code} to {} ({detail})",
            call.doing
        )),
        other => other,
    }
}

/// The token was refused outright (a `403` on `/v2/user`).
pub fn bad_token(token_env: &str) -> BackendError {
    BackendError::Unauthorized {
        message: format!(
            "Vercel refused the token from {token_env} (403 on /v2/user): it is missing, invalid, expired or lacks this scope; create one at vercel.com/account/tokens"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Call {
        Call::write("roll back to 9jaeg38me", "deployment dpl_1")
    }

    #[test]
    fn statuses_become_kinds_in_vercels_words() {
        let body = br#"{"error":{"code":"not_found","message":"Deployment not found"}}"#;
        let err = from_status(StatusCode::NOT_FOUND, &HeaderMap::new(), body, &call());
        assert!(
            matches!(&err, BackendError::NotFound { what } if what.contains("dpl_1") && what.contains("Deployment not found")),
            "{err:?}"
        );
        let err = from_status(
            StatusCode::PAYMENT_REQUIRED,
            &HeaderMap::new(),
            b"",
            &call(),
        );
        assert!(
            matches!(&err, BackendError::Precondition { message, .. } if message.contains("Pro")),
            "{err:?}"
        );
        let err = from_status(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>",
            &call(),
        );
        assert!(matches!(err, BackendError::Transient { .. }), "{err:?}");
    }

    #[test]
    fn a_429_waits_for_retry_after_else_the_reset() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", "1700000010".parse().unwrap());
        let error = ApiError::default();
        assert_eq!(
            retry_after(&headers, &error, 1_700_000_000_000),
            Some(Duration::from_secs(10))
        );
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(
            retry_after(&headers, &error, 1_700_000_000_000),
            Some(Duration::from_secs(3))
        );
        let body = br#"{"error":{"code":"rate_limited","message":"slow down","limit":{"remaining":0,"reset":1700000005,"resetMs":1700000005000,"total":100}}}"#;
        let error = problem(body);
        assert_eq!(
            retry_after(&HeaderMap::new(), &error, 1_700_000_000_000),
            Some(Duration::from_secs(5))
        );
    }
}
