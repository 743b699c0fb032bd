//! Carrying out commands against the backend. The run loop spawns these on tokio tasks; test
//! harnesses await them inline. Either way the answer comes back as an owned [`Msg`].

use super::command::Command;
use super::msg::Msg;
use crate::backend::{BackendError, Platform};
use crate::domain::{
    ActionAvailability, DeploymentId, Diff, EnvRef, MetricsQuery, MetricsScope, Timestamp,
};
use crate::operation::{self, last_good::step_for};

/// The selected deployment against live.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailData {
    pub diff: Result<Diff, BackendError>,
    pub actions: Vec<ActionAvailability>,
    /// Its error rate over its last time live; `None` when it was never live or there was no
    /// traffic.
    pub target_rate: Option<f64>,
}

/// Runs one command; `None` for commands the loop handles itself.
pub async fn execute(backend: &Platform, command: Command) -> Option<Msg> {
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
        Command::Plan { intent, context } => {
            let (action, env, target) = (intent.action, intent.env.clone(), intent.target.clone());
            let result = operation::plan(&**backend, intent, &context)
                .await
                .map(Box::new);
            Some(Msg::Planned {
                action,
                env,
                target,
                result,
            })
        }
        Command::Start(request) => {
            let (action, env) = (request.action(), request.env().clone());
            let target_label = request.target().to_string();
            let result = request.send(&**backend).await;
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
            let result = operation::last_good(backend, &env, live.as_ref(), threshold, now).await;
            Some(Msg::LastGood { env, result })
        }
    }
}

async fn detail(
    backend: &Platform,
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
