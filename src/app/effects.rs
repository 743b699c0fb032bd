//! Carrying out commands against the backend. The run loop spawns these on tokio tasks; test
//! harnesses await them inline. Either way the answer comes back as an owned [`Msg`].

use super::command::{Command, StartRequest};
use super::msg::Msg;
use crate::backend::{Backend, BackendError};
use crate::domain::{
    Action, ActionAvailability, Deployment, DeploymentId, Diff, DomainMove, EnvRef, MetricsQuery,
    MetricsScope, Timestamp,
};

/// The selected deployment against live.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailData {
    pub diff: Result<Diff, BackendError>,
    pub actions: Vec<ActionAvailability>,
    /// Its error rate over its last time live; `None` when it was never live or there was no
    /// traffic.
    pub target_rate: Option<f64>,
}

/// Everything a confirmation modal states, fetched fresh when the key is pressed.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub availability: ActionAvailability,
    pub target: Option<Deployment>,
    pub diff: Option<Diff>,
    pub domains: Vec<DomainMove>,
    /// A new key for this request; a retry of the same request reuses it.
    pub idempotency_key: String,
}

/// The newest earlier deployment that was live and healthy while it was.
#[derive(Clone, Debug, PartialEq)]
pub struct LastGood {
    pub deployment: DeploymentId,
    pub live_from: Timestamp,
    pub live_until: Timestamp,
    pub rate: f64,
    pub threshold: f64,
}

/// Runs one command; `None` for commands the loop handles itself.
pub async fn execute(backend: &dyn Backend, command: Command) -> Option<Msg> {
    match command {
        Command::SetPollTargets(_) | Command::PollNow(_) | Command::Quit => None,
        Command::FetchDetail {
            env,
            target,
            window,
        } => {
            let data = detail(backend, &env, &target, window).await;
            Some(Msg::Detail { env, target, data })
        }
        Command::Prepare {
            action,
            env,
            target,
        } => {
            let result = prepare(backend, action, &env, &target).await.map(Box::new);
            Some(Msg::Prepared {
                action,
                env,
                target,
                result,
            })
        }
        Command::Start(request) => {
            let (action, env) = (request.action(), request.env().clone());
            let target_label = match &request {
                StartRequest::Rollback(r) | StartRequest::Promote(r) => r.target.to_string(),
                StartRequest::Redeploy(r) => r.source.to_string(),
            };
            let result = match request {
                StartRequest::Rollback(r) => backend.rollback(r).await,
                StartRequest::Promote(r) => backend.promote(r).await,
                StartRequest::Redeploy(r) => backend.redeploy(r).await,
            };
            Some(Msg::Started {
                action,
                env,
                target_label,
                result,
            })
        }
        Command::FindLastGood {
            env,
            live,
            threshold,
            now,
        } => {
            let result = last_good(backend, &env, live.as_ref(), threshold, now).await;
            Some(Msg::LastGood { env, result })
        }
    }
}

async fn detail(
    backend: &dyn Backend,
    env: &EnvRef,
    target: &DeploymentId,
    window: Option<(Timestamp, Timestamp)>,
) -> DetailData {
    let diff = backend.diff(env, target).await;
    let actions = backend.actions(env, target).await.unwrap_or_default();
    let mut target_rate = None;
    if let Some((from, to)) = window {
        let query = MetricsQuery {
            env: env.clone(),
            scope: MetricsScope::Deployment(target.clone()),
            from,
            to,
            step_secs: step_for(from, to),
        };
        target_rate = backend
            .error_rate(&query)
            .await
            .ok()
            .and_then(|s| s.overall_error_rate());
    }
    DetailData {
        diff,
        actions,
        target_rate,
    }
}

/// About 60 buckets over the window, at least a minute each.
fn step_for(from: Timestamp, to: Timestamp) -> u32 {
    let secs = (to - from).num_seconds().max(60);
    u32::try_from((secs / 60).max(60)).unwrap_or(u32::MAX)
}

async fn prepare(
    backend: &dyn Backend,
    action: Action,
    env: &EnvRef,
    target: &DeploymentId,
) -> Result<Prepared, BackendError> {
    let actions = backend.actions(env, target).await?;
    let availability = actions
        .into_iter()
        .find(|a| a.action == action)
        .unwrap_or_else(|| {
            ActionAvailability::refused(action, "unsupported", "this platform does not offer it")
        });
    let idempotency_key = uuid::Uuid::new_v4().to_string();
    if !availability.allowed {
        return Ok(Prepared {
            availability,
            target: None,
            diff: None,
            domains: Vec::new(),
            idempotency_key,
        });
    }
    let deployment = backend.get_deployment(env, target).await?;
    let diff = backend.diff(env, target).await.ok();
    let domains = match &diff {
        Some(diff) if !diff.domains.is_empty() => diff.domains.clone(),
        _ => backend
            .domains_to_move(env, target)
            .await
            .unwrap_or_default(),
    };
    Ok(Prepared {
        availability,
        target: Some(deployment),
        diff,
        domains,
        idempotency_key,
    })
}

/// Walks the live history newest first and returns the first earlier deployment whose error
/// rate over its time live stayed under `threshold`.
pub async fn last_good(
    backend: &dyn Backend,
    env: &EnvRef,
    live: Option<&DeploymentId>,
    threshold: f64,
    now: Timestamp,
) -> Result<Option<LastGood>, BackendError> {
    let history = backend.live_history(env).await?;
    for (i, change) in history.iter().enumerate().rev() {
        if Some(&change.deployment) == live {
            continue;
        }
        let until = history.get(i + 1).map(|next| next.at).unwrap_or(now);
        if until <= change.at {
            continue;
        }
        let query = MetricsQuery {
            env: env.clone(),
            scope: MetricsScope::Deployment(change.deployment.clone()),
            from: change.at,
            to: until,
            step_secs: step_for(change.at, until),
        };
        let series = backend.error_rate(&query).await?;
        if let Some(rate) = series.overall_error_rate()
            && rate < threshold
        {
            return Ok(Some(LastGood {
                deployment: change.deployment.clone(),
                live_from: change.at,
                live_until: until,
                rate,
                threshold,
            }));
        }
    }
    Ok(None)
}
