//! Temps' error answers, typed once. Most are `application/problem+json` `{title, detail,
//! …}` with extension fields flattened to the top (`required_permission`, `user_role`); path
//! and query parse errors and the stats endpoint's are `text/plain`. The status decides the
//! kind; `detail` (or the text) is what the engineer reads.

use super::api::Problem;
use crate::backend::BackendError;
use crate::net::error_for_status;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// At most this many characters of a platform's error text are kept.
const DETAIL_CHARS: usize = 300;

/// What one API call is for, so an error can say what was refused and why.
#[derive(Clone, Debug)]
pub struct CallContext {
    /// What the engineer asked for, e.g. `roll back production to d7`.
    pub doing: String,
    /// The permission Temps checks, e.g. `deployments:create`.
    pub permission: &'static str,
    /// What the call is about, e.g. `deployment 7`.
    pub subject: String,
}

/// The words of an error answer: problem+json's `detail` (else `title`), or the text.
pub fn detail(status: StatusCode, content_type: &str, body: &[u8]) -> (String, Option<Problem>) {
    let problem = if content_type.contains("json") {
        serde_json::from_slice::<Problem>(body).ok()
    } else {
        None
    };
    let from_problem = problem.as_ref().and_then(|p| {
        [p.detail.as_deref(), p.title.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|d| !d.is_empty())
            .map(str::to_owned)
    });
    let text = from_problem.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() || content_type.contains("json") {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            text.to_owned()
        }
    });
    (bounded(&text), problem)
}

fn bounded(text: &str) -> String {
    let mut out: String = text.chars().take(DETAIL_CHARS).collect();
    if text.chars().count() > DETAIL_CHARS {
        out.push('…');
    }
    out
}

/// The kit's reading of the status, in Temps' words.
pub fn from_status(
    status: StatusCode,
    headers: &HeaderMap,
    detail: &str,
    problem: Option<&Problem>,
    call: &CallContext,
    token_env: &str,
) -> BackendError {
    let code = status.as_u16();
    match error_for_status(status, headers, detail, &call.doing) {
        BackendError::Unauthorized { .. } => BackendError::Unauthorized {
            message: format!(
                "Temps refused the API key from {token_env} ({detail}); check that it is a current key"
            ),
        },
        BackendError::Forbidden { action, .. } => BackendError::Forbidden {
            action,
            reason: forbidden_reason(problem, call.permission, detail),
        },
        BackendError::NotFound { .. } => {
            BackendError::not_found(format!("{} ({detail})", call.subject))
        }
        BackendError::Invalid { .. } => BackendError::invalid(format!(
            "Temps refused to {} ({code}): {detail}",
            call.doing
        )),
        BackendError::Transient { .. } => {
            BackendError::transient(format!("Temps answered {code} to {}: {detail}", call.doing))
        }
        other => other,
    }
}

/// `the key's role `reader` lacks `deployments:create``, from the 403's own fields when it
/// has them.
pub fn forbidden_reason(problem: Option<&Problem>, permission: &str, detail: &str) -> String {
    let required = problem
        .and_then(|p| p.required_permission.as_deref())
        .unwrap_or(permission);
    match problem.and_then(|p| p.user_role.as_deref()) {
        Some(role) => format!("the key's role `{role}` lacks `{required}` ({detail})"),
        None => format!("the key lacks `{required}` ({detail})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallContext {
        CallContext {
            doing: "roll back production to d2".to_owned(),
            permission: "deployments:create",
            subject: "deployment 2".to_owned(),
        }
    }

    #[test]
    fn a_403_names_the_permission_and_role_temps_gave() {
        let body = br#"{"detail":"This operation requires the deployments:create permission","required_permission":"deployments:create","title":"Insufficient Permissions","user_role":"reader"}"#;
        let (text, problem) = detail(StatusCode::FORBIDDEN, "application/problem+json", body);
        let err = from_status(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            &text,
            problem.as_ref(),
            &call(),
            "TEMPS_API_TOKEN",
        );
        let BackendError::Forbidden { reason, .. } = err else {
            panic!("{err:?}");
        };
        assert!(
            reason.contains("`reader` lacks `deployments:create`"),
            "{reason}"
        );
    }

    #[test]
    fn plain_text_errors_are_read_as_text() {
        let body = b"Invalid URL: Cannot parse value at index 1 with value `abc` to a `i32`";
        let (text, problem) = detail(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", body);
        assert!(problem.is_none());
        assert!(text.starts_with("Invalid URL"), "{text}");
        let err = from_status(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            &text,
            None,
            &call(),
            "TEMPS_API_TOKEN",
        );
        assert_eq!(err.kind(), "invalid");
        assert!(err.to_string().contains("Invalid URL"), "{err}");
    }

    #[test]
    fn a_5xx_keeps_the_platforms_words_and_a_401_names_the_variable() {
        let body = br#"{"detail":"Failed to create mark complete job: Job validation failed: queue is required","title":"Internal Server Error"}"#;
        let (text, problem) = detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "application/problem+json",
            body,
        );
        let err = from_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            &HeaderMap::new(),
            &text,
            problem.as_ref(),
            &call(),
            "TEMPS_API_TOKEN",
        );
        assert!(err.is_retryable());
        assert!(err.to_string().contains("queue is required"), "{err}");
        let err = from_status(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            "You must be authenticated to access this resource",
            None,
            &call(),
            "MY_TEMPS_KEY",
        );
        assert!(err.to_string().contains("MY_TEMPS_KEY"), "{err}");
    }
}
