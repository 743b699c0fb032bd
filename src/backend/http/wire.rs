//! The JSON shapes of the HTTP contract (`docs/openapi.yaml`) that are not domain types:
//! request bodies, list envelopes and problem details. Shared by the client adapter and
//! `switchback serve`, so both ends speak exactly the same shapes.

use crate::backend::{BackendError, PreconditionCode};
use crate::domain::{Action, DeploymentId, Scope, Strategy};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The media type of error bodies (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";
/// The header that makes an operation request safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on an answer that replays an earlier one for the same idempotency key.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// `/v1/` followed by `segments`, each percent-encoded (project ids hold `/`).
pub fn api_path(segments: &[&str]) -> String {
    let mut url = reqwest::Url::parse("http://localhost/").expect("static URL");
    url.path_segments_mut()
        .expect("http URL has a path")
        .clear()
        .push("v1")
        .extend(segments);
    url.path().to_owned()
}

/// A list that is not paginated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// `POST .../rollback` and `POST .../promote`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchBody {
    pub target: DeploymentId,
    /// The live deployment the caller saw; `null` when it saw none.
    pub expected_live: Option<DeploymentId>,
    /// Who asks, as shown in history; defaults to the token's actor.
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub strategy: Option<Strategy>,
    #[serde(default)]
    pub scope: Option<Scope>,
}

/// `POST .../redeploy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedeployBody {
    pub source: DeploymentId,
    /// `true`: rebuild the same commit; `false`: reuse the same artifact.
    #[serde(default)]
    pub rebuild: bool,
    pub expected_live: Option<DeploymentId>,
    #[serde(default)]
    pub actor: Option<String>,
}

/// An error body (RFC 9457) with the contract's extension members.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type", default = "Problem::blank")]
    pub problem_type: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub detail: String,
    /// The kind (`conflict`, `forbidden`, ...) or, on 412, the `PreconditionCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_now: Option<DeploymentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<Action>,
    /// Seconds to wait before trying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    fn blank() -> String {
        "about:blank".to_owned()
    }

    /// The problem type URI of a kind or code.
    pub fn type_uri(code: &str) -> String {
        format!("urn:switchback:problem:{code}")
    }

    /// The body the contract gives a typed backend error, with its HTTP status.
    pub fn from_error(error: &BackendError) -> Problem {
        let (status, title) = status_of(error);
        let mut problem = Problem {
            problem_type: Problem::type_uri(error.kind()),
            title: title.to_owned(),
            status,
            detail: error.to_string(),
            code: Some(error.kind().to_owned()),
            ..Problem::default()
        };
        match error {
            BackendError::Forbidden { reason, .. } => problem.detail = reason.clone(),
            BackendError::NotFound { what } => problem.detail = what.clone(),
            BackendError::Unauthorized { message } | BackendError::Invalid { message } => {
                problem.detail = message.clone()
            }
            BackendError::Precondition {
                code,
                message,
                suggestion,
            } => {
                problem.problem_type = Problem::type_uri(code.as_str());
                problem.code = Some(code.as_str().to_owned());
                problem.detail = message.clone();
                problem.suggestion = *suggestion;
            }
            BackendError::Conflict {
                live_now,
                live_label,
                changed_by,
                message,
            } => {
                problem.detail = message.clone();
                problem.live_now = live_now.clone();
                problem.live_label = live_label.clone();
                problem.changed_by = changed_by.clone();
            }
            BackendError::RateLimited { retry_after } => {
                problem.retry_after = retry_after.map(|d| d.as_secs().max(1));
            }
            BackendError::Transient { message } => {
                problem.detail = message.clone();
                problem.retry_after = Some(1);
            }
            _ => {}
        }
        problem
    }

    /// The typed error a problem body stands for: the kit's status table
    /// (`net::error_for`), refined with the contract's members. `status` is the HTTP status
    /// of the answer (the body's own `status` member is advisory), `retry_after` its
    /// header, `action` names what was asked.
    pub fn into_error(
        self,
        status: u16,
        retry_after: Option<Duration>,
        action: &str,
    ) -> BackendError {
        let detail = if self.detail.is_empty() {
            self.title.as_str()
        } else {
            self.detail.as_str()
        };
        match crate::net::error_for(status, retry_after, detail, action) {
            BackendError::Conflict { message, .. } => BackendError::Conflict {
                live_now: self.live_now,
                live_label: self.live_label,
                changed_by: self.changed_by,
                message,
            },
            BackendError::Precondition { message, .. } => BackendError::Precondition {
                code: self
                    .code
                    .as_deref()
                    .map(parse_precondition_code)
                    .unwrap_or(PreconditionCode::Other),
                message,
                suggestion: self.suggestion,
            },
            BackendError::RateLimited { retry_after: None } => BackendError::RateLimited {
                retry_after: self.retry_after.map(Duration::from_secs),
            },
            other => other,
        }
    }
}

fn parse_precondition_code(code: &str) -> PreconditionCode {
    serde_json::from_value(serde_json::Value::String(code.to_owned()))
        .unwrap_or(PreconditionCode::Other)
}

/// The HTTP status and title of each kind of error.
pub fn status_of(error: &BackendError) -> (u16, &'static str) {
    match error {
        BackendError::Unauthorized { .. } => (401, "Unauthorized"),
        BackendError::Forbidden { .. } => (403, "Forbidden"),
        BackendError::NotFound { .. } => (404, "Not found"),
        BackendError::Precondition { .. } => (412, "Refused by the platform"),
        BackendError::Conflict { .. } => (409, "The live deployment changed"),
        BackendError::RateLimited { .. } => (429, "Too many requests"),
        BackendError::Transient { .. } => (503, "Temporarily unavailable"),
        BackendError::MayHaveHappened { .. } => (504, "The platform gave no clear answer"),
        BackendError::Invalid { .. } => (400, "Invalid request"),
        BackendError::Decode { .. } => (502, "The platform answered badly"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(error: BackendError) -> BackendError {
        let problem = Problem::from_error(&error);
        let status = problem.status;
        let json = serde_json::to_vec(&problem).unwrap();
        let back: Problem = serde_json::from_slice(&json).unwrap();
        back.into_error(status, None, "rollback")
    }

    #[test]
    fn typed_errors_survive_the_wire() {
        let cases = [
            BackendError::Conflict {
                live_now: Some("d-43".into()),
                live_label: Some("v43".into()),
                changed_by: Some("bob".into()),
                message: "v43 is live now (bob)".into(),
            },
            BackendError::Precondition {
                code: PreconditionCode::ArtifactPruned,
                message: "pruned".into(),
                suggestion: Some(Action::Redeploy),
            },
            BackendError::Forbidden {
                action: "rollback".into(),
                reason: "read-only token".into(),
            },
            BackendError::not_found("deployment d-9"),
            BackendError::RateLimited {
                retry_after: Some(Duration::from_secs(4)),
            },
        ];
        for error in cases {
            assert_eq!(round_trip(error.clone()), error);
        }
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(
            api_path(&["projects", "acme/storefront", "environments", "prod env"]),
            "/v1/projects/acme%2Fstorefront/environments/prod%20env"
        );
    }

    #[test]
    fn unknown_precondition_codes_are_other() {
        let problem = Problem {
            code: Some("quota_exceeded".into()),
            detail: "no".into(),
            ..Problem::default()
        };
        assert!(matches!(
            problem.into_error(412, None, "promote"),
            BackendError::Precondition {
                code: PreconditionCode::Other,
                ..
            }
        ));
    }

    #[test]
    fn transient_errors_map_to_503_and_back() {
        let problem = Problem::from_error(&BackendError::transient("db down"));
        assert_eq!(problem.status, 503);
        assert!(problem.into_error(503, None, "list").is_retryable());
    }
}
