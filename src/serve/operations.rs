//! Rollback, promote and redeploy over HTTP: role check, idempotency key, then (one
//! operation at a time per environment) the `expected_live` check and the backend call.

use super::ServeState;
use super::extract::ApiPath;
use super::idempotency::{StoredAnswer, valid_key};
use super::problem::ApiError;
use crate::backend::http::wire::{
    IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, PROBLEM_JSON, Problem, RedeployBody, SwitchBody, api_path,
};
use crate::backend::{BackendError, Identity, OperationHandle, Role};
use crate::domain::{Action, DeploymentId, EnvRef, OperationKind, Scope};
use crate::operation::{Parts, Request};
use axum::Extension;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct EnvPath {
    project: String,
    environment: String,
}

pub async fn rollback(
    state: State<ServeState>,
    identity: Extension<Identity>,
    path: ApiPath<EnvPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        state,
        identity,
        path,
        headers,
        body,
        OperationKind::Rollback,
    )
    .await
}

pub async fn promote(
    state: State<ServeState>,
    identity: Extension<Identity>,
    path: ApiPath<EnvPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(state, identity, path, headers, body, OperationKind::Promote).await
}

pub async fn redeploy(
    state: State<ServeState>,
    identity: Extension<Identity>,
    path: ApiPath<EnvPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        state,
        identity,
        path,
        headers,
        body,
        OperationKind::Redeploy,
    )
    .await
}

/// A decoded operation request.
enum Asked {
    Switch(SwitchBody),
    Redeploy(RedeployBody),
}

impl Asked {
    fn parse(kind: OperationKind, body: &[u8]) -> Result<Self, ApiError> {
        let invalid = |error: serde_json::Error| {
            ApiError::custom(
                422,
                "invalid_body",
                "The request body does not fit",
                error.to_string(),
            )
        };
        match kind {
            OperationKind::Redeploy => serde_json::from_slice(body)
                .map(Asked::Redeploy)
                .map_err(invalid),
            _ => serde_json::from_slice(body)
                .map(Asked::Switch)
                .map_err(invalid),
        }
    }

    /// The request in canonical form: a retry must ask for exactly the same thing.
    fn fingerprint(&self, kind: OperationKind) -> String {
        let body = match self {
            Asked::Switch(body) => serde_json::to_string(body),
            Asked::Redeploy(body) => serde_json::to_string(body),
        };
        format!("{}:{}", kind.as_str(), body.unwrap_or_default())
    }

    fn expected_live(&self) -> Option<&DeploymentId> {
        match self {
            Asked::Switch(body) => body.expected_live.as_ref(),
            Asked::Redeploy(body) => body.expected_live.as_ref(),
        }
    }
}

async fn handle(
    State(state): State<ServeState>,
    Extension(identity): Extension<Identity>,
    ApiPath(path): ApiPath<EnvPath>,
    headers: HeaderMap,
    body: Bytes,
    kind: OperationKind,
) -> Response {
    let env = EnvRef::new(path.project.as_str(), path.environment.as_str());
    match prepare(&identity, &headers, &body, kind) {
        Err(error) => error.into_response(),
        Ok((key, asked)) => perform(&state, &identity, &env, &key, asked, kind).await,
    }
}

/// Everything that can be refused before the key is looked at.
fn prepare(
    identity: &Identity,
    headers: &HeaderMap,
    body: &[u8],
    kind: OperationKind,
) -> Result<(String, Asked), ApiError> {
    if identity.role != Role::Deployer {
        return Err(BackendError::Forbidden {
            action: kind.as_str().to_owned(),
            reason: format!(
                "the {} token may look but not {}",
                identity.role.as_str(),
                kind.as_str()
            ),
        }
        .into());
    }
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .filter(|key| valid_key(key))
        .ok_or_else(|| {
            ApiError::bad_request(
                "idempotency_key_missing",
                "an Idempotency-Key header of 1 to 255 visible characters is required",
            )
        })?;
    let asked = Asked::parse(kind, body)?;
    Ok((key.to_owned(), asked))
}

async fn perform(
    state: &ServeState,
    identity: &Identity,
    env: &EnvRef,
    key: &str,
    asked: Asked,
    kind: OperationKind,
) -> Response {
    let fingerprint = asked.fingerprint(kind);
    let slot = state.idempotency.slot(env, key);
    let mut stored = slot.lock().await;
    if let Some(answer) = stored.as_ref() {
        if answer.fingerprint != fingerprint {
            return ApiError::custom(
                422,
                "idempotency_key_reused",
                "The idempotency key was used for another request",
                "this Idempotency-Key was already used with a different request; use a new key",
            )
            .into_response();
        }
        tracing::info!(env = %env, kind = kind.as_str(), "replaying the answer to an idempotency key");
        let mut response = replay(answer);
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        return response;
    }

    let env_lock = state.env_lock(env);
    let _one_at_a_time = env_lock.lock().await;
    let outcome = match check_expected_live(state, env, asked.expected_live()).await {
        Ok(()) => start(state, identity, env, key, asked, kind).await,
        Err(error) => Err(error),
    };
    let answer = answer_of(env, fingerprint, outcome);
    let response = replay(&answer);
    // After a 5xx or a 429 the operation may not have started: let a retry try again.
    if answer.status < 500 && answer.status != 429 {
        *stored = Some(answer);
    }
    response
}

async fn start(
    state: &ServeState,
    identity: &Identity,
    env: &EnvRef,
    key: &str,
    asked: Asked,
    kind: OperationKind,
) -> Result<OperationHandle, BackendError> {
    let actor = |named: Option<String>| recorded_actor(named.as_deref(), identity);
    let parts = match asked {
        Asked::Switch(body) => Parts {
            action: if kind == OperationKind::Rollback {
                Action::Rollback
            } else {
                Action::Promote
            },
            env: env.clone(),
            target: body.target,
            expected_live: body.expected_live,
            idempotency_key: key.to_owned(),
            actor: actor(body.actor),
            strategy: body.strategy,
            scope: body.scope.unwrap_or_default(),
            rebuild: false,
        },
        Asked::Redeploy(body) => Parts {
            action: Action::Redeploy,
            env: env.clone(),
            target: body.source,
            expected_live: body.expected_live,
            idempotency_key: key.to_owned(),
            actor: actor(body.actor),
            strategy: None,
            scope: Scope::default(),
            rebuild: body.rebuild,
        },
    };
    Request::new(parts).send(state.backend.as_ref()).await
}

/// The longest actor name recorded, in characters.
pub const MAX_ACTOR_CHARS: usize = 64;

/// Who the history records: the name the request gives (its engineer), made inert and cut
/// to [`MAX_ACTOR_CHARS`]; the token's own name when it gives none. The name only labels
/// the operation: what the caller may do is the token's role, whatever it is called.
pub fn recorded_actor(named: Option<&str>, identity: &Identity) -> String {
    let name: String = named
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            name.chars()
                .filter(|c| !c.is_control())
                .take(MAX_ACTOR_CHARS)
                .collect()
        })
        .unwrap_or_default();
    if name.trim().is_empty() {
        identity.actor.clone()
    } else {
        name
    }
}

/// Refuses with a `Conflict` naming who made what live when the caller's view is stale.
async fn check_expected_live(
    state: &ServeState,
    env: &EnvRef,
    expected: Option<&DeploymentId>,
) -> Result<(), BackendError> {
    let environment = state.backend.get_environment(env).await?;
    if environment.live.as_ref() == expected {
        return Ok(());
    }
    let live_label = match &environment.live {
        Some(id) => state
            .backend
            .get_deployment(env, id)
            .await
            .map(|d| d.label)
            .ok(),
        None => None,
    };
    let changed_by = state
        .backend
        .live_history(env)
        .await
        .ok()
        .and_then(|history| {
            let change = history.last()?;
            change.actor.as_deref().map(str::to_owned)
        });
    let now = live_label
        .clone()
        .or_else(|| environment.live.as_ref().map(|id| id.to_string()))
        .unwrap_or_else(|| "nothing".to_owned());
    let seen = expected.map_or("nothing".to_owned(), |id| id.to_string());
    let by = changed_by
        .as_deref()
        .map(|who| format!(" (changed by {who})"))
        .unwrap_or_default();
    Err(BackendError::Conflict {
        live_now: environment.live.clone(),
        live_label,
        changed_by,
        message: format!("{now} is live now{by}, not {seen} as you saw; look again before acting"),
    })
}

fn answer_of(
    env: &EnvRef,
    fingerprint: String,
    outcome: Result<OperationHandle, BackendError>,
) -> StoredAnswer {
    match outcome {
        Ok(handle) => StoredAnswer {
            fingerprint,
            status: StatusCode::ACCEPTED.as_u16(),
            content_type: "application/json",
            body: Bytes::from(crate::text::to_inert_vec(&handle).unwrap_or_default()),
            location: Some(api_path(&[
                "projects",
                env.project.as_str(),
                "environments",
                env.environment.as_str(),
                "operations",
                handle.id.as_str(),
            ])),
        },
        Err(error) => {
            let problem = Problem::from_error(&error);
            StoredAnswer {
                fingerprint,
                status: problem.status,
                content_type: PROBLEM_JSON,
                body: Bytes::from(crate::text::to_inert_vec(&problem).unwrap_or_default()),
                location: None,
            }
        }
    }
}

fn replay(answer: &StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    if let Some(location) = answer
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(LOCATION, location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_actor_is_recorded_bounded_and_inert() {
        let token = Identity {
            actor: "deployer".into(),
            role: Role::Deployer,
        };
        assert_eq!(recorded_actor(Some("dana"), &token), "dana");
        assert_eq!(recorded_actor(Some("  "), &token), "deployer");
        assert_eq!(recorded_actor(None, &token), "deployer");
        assert_eq!(recorded_actor(Some("da\u{1b}[2Jna"), &token), "da[2Jna");
        let long = "x".repeat(500);
        assert_eq!(
            recorded_actor(Some(&long), &token).chars().count(),
            MAX_ACTOR_CHARS
        );
    }
}
