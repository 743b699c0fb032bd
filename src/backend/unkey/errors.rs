//! Unkey's error answers, typed once: statuses and problem codes become `BackendError`s
//! with the message an engineer sees.

use super::api::Problem;
use crate::backend::{BackendError, PreconditionCode};
use crate::domain::Action;
use crate::net::{Replay, error_for_status};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// What one API call is for, so an error can say what was refused and why.
#[derive(Clone, Debug)]
pub struct CallContext {
    /// `deployments.rollbackDeployment`.
    pub path: &'static str,
    /// What the engineer asked for, e.g. `roll back to d_123`.
    pub doing: String,
    /// The permission Unkey checks, e.g. `environment.*.rollback_deployment`.
    pub permission: &'static str,
    /// What the call is about, e.g. `deployment d_123`.
    pub subject: String,
    /// How the call may be repeated. Unkey takes no idempotency key, so rollback, promote
    /// and createDeployment are `Replay::Once`: never re-sent after a timeout or a `5xx`.
    pub replay: Replay,
}

/// Where a call went and which variable its key came from, for the words of a refused key.
pub struct Origin<'a> {
    pub base_url: &'a str,
    pub token_env: &'a str,
}

/// The problem codes of Unkey's deployment gates (answered with 412).
pub mod codes {
    pub const NOT_READY: &str = "deployment_not_ready";
    pub const NOT_PRODUCTION: &str = "deployment_not_production";
    pub const NO_CURRENT: &str = "deployment_no_current";
    pub const IS_CURRENT: &str = "deployment_is_current";
}

/// The kit's reading of the status (`net::error_for_status`), in Unkey's words: which
/// permission a refusal points at, which variable the key came from, what a gate code means.
pub fn from_status(
    status: StatusCode,
    headers: &HeaderMap,
    problem: Option<&Problem>,
    call: &CallContext,
    origin: &Origin<'_>,
) -> BackendError {
    let Origin {
        base_url,
        token_env,
    } = origin;
    let detail = problem
        .map(|p| {
            if p.detail.trim().is_empty() {
                p.title.trim()
            } else {
                p.detail.trim()
            }
        })
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error"))
        .to_owned();
    let code = status.as_u16();
    match error_for_status(status, headers, &detail, &call.doing) {
        BackendError::Unauthorized { .. } => BackendError::Unauthorized {
            message: format!(
                "Unkey at {base_url} refused the root key in ${token_env} ({detail}); check that it is a current root key"
            ),
        },
        BackendError::Forbidden { action, .. } => BackendError::Forbidden {
            action,
            reason: format!("the root key lacks `{}` ({detail})", call.permission),
        },
        BackendError::NotFound { .. } => BackendError::not_found(format!(
            "{} does not exist, or the root key lacks `{}` for it (Unkey answers both the same way)",
            call.subject, call.permission
        )),
        BackendError::Precondition { .. } => {
            precondition(problem.map(Problem::code).unwrap_or(""), &detail, call)
        }
        BackendError::Conflict { .. } => BackendError::Conflict {
            live_now: None,
            live_label: None,
            changed_by: None,
            message: format!("Unkey answered {code} to {}: {detail}", call.path),
        },
        BackendError::Invalid { .. } => BackendError::invalid(match code {
            400 => format!("Unkey refused to {}: {detail}", call.doing),
            422 => format!(
                "Unkey could not {} within the workspace's limits: {detail}",
                call.doing
            ),
            other => format!("Unkey answered {other} to {}: {detail}", call.path),
        }),
        BackendError::Transient { .. } => {
            BackendError::transient(format!("Unkey answered {code} to {} ({detail})", call.path))
        }
        other => other,
    }
}

fn precondition(code: &str, detail: &str, call: &CallContext) -> BackendError {
    let (kind, message, suggestion) = match code {
        codes::IS_CURRENT => (
            PreconditionCode::AlreadyLive,
            format!("{} is already live", call.subject),
            None,
        ),
        codes::NOT_READY => (
            PreconditionCode::NotReady,
            format!(
                "{} is not ready, or is being spun down, so Unkey will not switch to it; redeploy it to get a fresh copy",
                call.subject
            ),
            Some(Action::Redeploy),
        ),
        codes::NOT_PRODUCTION => (
            PreconditionCode::NotApplicable,
            format!(
                "{} is not in a production environment: Unkey rolls back and promotes production only",
                call.subject
            ),
            None,
        ),
        codes::NO_CURRENT => (
            PreconditionCode::NotApplicable,
            "nothing is live in this environment yet, so there is nothing to switch from"
                .to_owned(),
            None,
        ),
        _ => (
            PreconditionCode::Other,
            format!("Unkey refused to {}: {detail}", call.doing),
            None,
        ),
    };
    BackendError::Precondition {
        code: kind,
        message,
        suggestion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(replay: Replay) -> CallContext {
        CallContext {
            path: "deployments.rollbackDeployment",
            doing: "roll back to d_1".to_owned(),
            permission: "environment.*.rollback_deployment",
            subject: "deployment d_1".to_owned(),
            replay,
        }
    }

    const ORIGIN: Origin<'static> = Origin {
        base_url: "https://api.unkey.test",
        token_env: "UNKEY_ROOT_KEY",
    };

    #[test]
    fn a_refused_key_names_the_url_and_the_variable_and_is_not_unreachable() {
        let problem = Problem {
            detail: "key expired".to_owned(),
            ..Problem::default()
        };
        let err = from_status(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            Some(&problem),
            &call(Replay::Read),
            &ORIGIN,
        );
        let BackendError::Unauthorized { message } = &err else {
            panic!("a 401 is unauthorized, got {err:?}");
        };
        assert!(message.contains("https://api.unkey.test"), "{message}");
        assert!(message.contains("$UNKEY_ROOT_KEY"), "{message}");
        assert!(message.contains("key expired"), "{message}");
        assert!(!err.to_string().contains("unreachable"), "{err}");
    }

    #[test]
    fn unknown_precondition_keeps_unkeys_words() {
        let problem = Problem {
            detail: "spend cap reached".to_owned(),
            kind: "err:unkey:application:spend_cap".to_owned(),
            ..Problem::default()
        };
        let err = from_status(
            StatusCode::PRECONDITION_FAILED,
            &HeaderMap::new(),
            Some(&problem),
            &call(Replay::Once),
            &ORIGIN,
        );
        assert!(matches!(
            err,
            BackendError::Precondition { code: PreconditionCode::Other, ref message, .. }
                if message.contains("spend cap reached")
        ));
    }
}
