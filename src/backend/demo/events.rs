//! Scripted scenario events: another operator acts, a push lands. They go through the same
//! rules and engine as any caller's request.

use super::ops::Push;
use super::scenario::spec::EventKind;
use super::world::World;
use crate::backend::{Identity, OperationRequest, RedeployRequest, Role};
use crate::domain::{EnvRef, OperationKind, Scope};

impl World {
    pub(crate) fn run_next_event(&mut self) {
        let i = self.next_event;
        self.next_event += 1;
        let spec = self.events[i].spec.clone();
        let env = EnvRef::new(spec.project.as_str(), spec.environment.as_str());
        let identity = Identity {
            actor: spec.actor.clone(),
            role: Role::Deployer,
        };
        let key = format!("scenario-event-{i}");
        let target = spec
            .target
            .as_deref()
            .and_then(|label| self.find_label(&env, label));
        let outcome = match (spec.kind, target) {
            (EventKind::Push, _) => {
                let mut push = Push::new(
                    spec.subject.clone().unwrap_or_else(|| "Update".to_owned()),
                    spec.actor.clone(),
                );
                if let Some(rate) = spec.error_rate {
                    push.error_rate = rate;
                }
                self.push(&env, &push).map(|_| ())
            }
            (EventKind::Rollback | EventKind::Promote, Some(target)) => {
                let kind = if spec.kind == EventKind::Rollback {
                    OperationKind::Rollback
                } else {
                    OperationKind::Promote
                };
                let req = OperationRequest {
                    env,
                    target,
                    expected_live: None,
                    idempotency_key: key,
                    actor: spec.actor.clone(),
                    strategy: None,
                    scope: Scope::default(),
                };
                self.request_switch(&identity, kind, &req).map(|_| ())
            }
            (EventKind::Redeploy, Some(source)) => {
                let req = RedeployRequest {
                    env,
                    source,
                    rebuild: spec.rebuild,
                    expected_live: None,
                    idempotency_key: key,
                    actor: spec.actor.clone(),
                };
                self.request_redeploy(&identity, &req).map(|_| ())
            }
            (_, None) => Err(crate::backend::BackendError::invalid(
                "event target not found",
            )),
        };
        if let Err(why) = outcome {
            tracing::warn!(event = i, "scenario event refused: {why}");
        }
    }

    pub(crate) fn find_label(
        &self,
        env: &EnvRef,
        label: &str,
    ) -> Option<crate::domain::DeploymentId> {
        let (p, e) = self.env_index(env).ok()?;
        self.env(p, e)
            .deployments
            .iter()
            .map(|&d| &self.deployments[d].dep)
            .find(|dep| dep.label == label || dep.id.as_str() == label)
            .map(|dep| dep.id.clone())
    }
}
