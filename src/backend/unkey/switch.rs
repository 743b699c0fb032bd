//! Rollback, promote and redeploy: the client-side check of `expected_live` (Unkey v2 has
//! no compare-and-swap), the call, and the operation record that follows it.

use super::UnkeyBackend;
use super::address::EnvAddress;
use super::api::{self, DeploymentAction, DeploymentStatus};
use super::errors::CallContext;
use super::mapping;
use super::operations::{self, Observation, Tracked};
use crate::backend::{
    BackendError, OperationHandle, OperationRequest, PreconditionCode, RedeployRequest,
};
use crate::domain::{
    Action, DeploymentId, EnvRef, LogLevel, Operation, OperationId, OperationKind, OperationStatus,
    Scope, Strategy,
};
use crate::net::Replay;

fn handle(op: &Operation) -> OperationHandle {
    OperationHandle {
        id: op.id.clone(),
        kind: op.kind,
        env: op.env.clone(),
        new_deployment: op.new_deployment.clone(),
    }
}

fn check_scope(scope: &Scope, strategy: Option<Strategy>) -> Result<(), BackendError> {
    if !scope.is_everything() {
        return Err(BackendError::invalid(
            "Unkey switches a whole environment of one app; it cannot pick components or regions",
        ));
    }
    match strategy {
        None | Some(Strategy::Immediate) => Ok(()),
        Some(other) => Err(BackendError::invalid(format!(
            "Unkey switches routes all at once; `{}` is not available",
            other.describe()
        ))),
    }
}

impl UnkeyBackend {
    /// Refuses when the live deployment is not the one the engineer saw. This is a check
    /// right before the call, not an atomic one: Unkey v2 cannot make the call conditional.
    async fn check_expected_live(
        &self,
        app: &api::App,
        expected: Option<&DeploymentId>,
    ) -> Result<(), BackendError> {
        let Some(expected) = expected else {
            return Ok(());
        };
        let live = app.current_deployment_id.as_deref();
        if live == Some(expected.as_str()) {
            return Ok(());
        }
        // What was kept shows the old live: the next look must see the new one.
        self.client.forget_reads();
        let live_label = match live {
            Some(id) => self
                .fetch_deployment(id)
                .await
                .ok()
                .map(|d| mapping::label(&d)),
            None => None,
        };
        Err(BackendError::Conflict {
            live_now: live.map(DeploymentId::new),
            live_label: live_label.clone(),
            changed_by: None,
            message: format!(
                "the live deployment changed since you looked: {} is live now, not {expected} (Unkey does not say who switched it)",
                live_label
                    .or(live.map(str::to_owned))
                    .unwrap_or_else(|| "nothing".to_owned())
            ),
        })
    }

    pub(super) async fn switch(
        &self,
        kind: OperationKind,
        request: OperationRequest,
    ) -> Result<OperationHandle, BackendError> {
        check_scope(&request.scope, request.strategy)?;
        if let Some(op) = self
            .book
            .by_idempotency_key(&request.env, &request.idempotency_key)
        {
            return Ok(handle(&op));
        }
        let at = EnvAddress::parse(&request.env)?;
        let app = self.fetch_app_now(&at).await?;
        let target = self
            .fetch_deployment_in(&at, request.target.as_str())
            .await?;
        self.check_expected_live(&app, request.expected_live.as_ref())
            .await?;

        let (path, permission, verb, action) = match kind {
            OperationKind::Rollback => (
                "deployments.rollbackDeployment",
                "environment.*.rollback_deployment",
                "roll back to",
                Action::Rollback,
            ),
            _ => (
                "deployments.promoteDeployment",
                "environment.*.promote_deployment",
                "promote",
                Action::Promote,
            ),
        };
        let call = CallContext {
            path,
            doing: format!("{verb} {}", target.id),
            permission,
            subject: format!("deployment {}", target.id),
            replay: Replay::Once,
        };
        let body = api::DeploymentRef {
            deployment_id: &target.id,
        };
        if let Err(error) = self.client.call::<_, api::Empty>(&call, &body).await {
            return Err(self.refine_refusal(error, &call, action, &target));
        }

        let now = self.clock.now();
        let label = mapping::label(&target);
        let mut operation = Operation {
            id: OperationId::new(format!("op_{}", uuid::Uuid::new_v4().simple())),
            kind,
            env: request.env.clone(),
            target: request.target.clone(),
            expected_live: request.expected_live.clone(),
            idempotency_key: request.idempotency_key.clone(),
            actor: request.actor.clone(),
            status: OperationStatus::InProgress,
            strategy: Some(Strategy::Immediate),
            scope: Scope::default(),
            steps: operations::switch_steps(kind, &label, now),
            log: Vec::new(),
            created_at: now,
            updated_at: now,
            finished_at: None,
            new_deployment: None,
            error: None,
        };
        let from = app.current_deployment_id.as_deref().unwrap_or("nothing");
        operations::log(
            &mut operation,
            now,
            LogLevel::Info,
            format!(
                "{} asked Unkey to {verb} {} ({label}); live was {from}",
                request.actor, target.id
            ),
        );
        let out = handle(&operation);
        self.book.insert(Tracked {
            operation,
            deadline: now + chrono::Duration::from_std(self.switch_timeout).unwrap_or_default(),
            last_poll: None,
            live_before: app.current_deployment_id.clone(),
        });
        Ok(out)
    }

    /// Turns Unkey's refusal into the one the engineer can act on.
    fn refine_refusal(
        &self,
        error: BackendError,
        call: &CallContext,
        action: Action,
        target: &api::Deployment,
    ) -> BackendError {
        match error {
            // The target was just read with this key, so it exists: a 404 from rollback or
            // promote is Unkey's way of saying the key may not do this. (createDeployment
            // answers 403 for that; its 404 means a missing project, app or environment.)
            BackendError::NotFound { .. } if action != Action::Redeploy => {
                let reason = format!(
                    "the root key lacks `{}` (Unkey answers 404 for a missing permission, and deployment {} was readable a moment ago)",
                    call.permission, target.id
                );
                self.deny(action, &reason);
                BackendError::Forbidden {
                    action: call.doing.clone(),
                    reason,
                }
            }
            BackendError::Forbidden {
                action: what,
                reason,
            } => {
                self.deny(action, &reason);
                BackendError::Forbidden {
                    action: what,
                    reason,
                }
            }
            BackendError::Precondition {
                code: PreconditionCode::NotReady,
                ..
            } if target.status == DeploymentStatus::Stopped
                || (target.status == DeploymentStatus::Ready
                    && !target.offers(DeploymentAction::Rollback)
                    && !target.offers(DeploymentAction::Promote)) =>
            {
                BackendError::Precondition {
                    code: PreconditionCode::NotRunning,
                    message: format!(
                        "deployment {} is spun down (or being spun down) and Unkey does not start production deployments for a switch; redeploy it to get a running copy",
                        target.id
                    ),
                    suggestion: Some(Action::Redeploy),
                }
            }
            other => other,
        }
    }

    pub(super) async fn redeploy_from(
        &self,
        request: RedeployRequest,
    ) -> Result<OperationHandle, BackendError> {
        if let Some(op) = self
            .book
            .by_idempotency_key(&request.env, &request.idempotency_key)
        {
            return Ok(handle(&op));
        }
        let at = EnvAddress::parse(&request.env)?;
        let source = self
            .fetch_deployment_in(&at, request.source.as_str())
            .await?;
        match (&source.git, &source.docker, request.rebuild) {
            (None, Some(_), true) => {
                return Err(BackendError::invalid(
                    "this deployment runs a prebuilt image: Unkey redeploys the same image and cannot rebuild it",
                ));
            }
            (Some(_), None, false) => {
                return Err(BackendError::invalid(
                    "Unkey rebuilds git deployments from the recorded commit; it cannot reuse the built artifact",
                ));
            }
            _ => {}
        }
        let app = self.fetch_app_now(&at).await?;
        self.check_expected_live(&app, request.expected_live.as_ref())
            .await?;
        let call = CallContext {
            path: "deployments.createDeployment",
            doing: format!("redeploy {}", source.id),
            permission: "environment.*.create_deployment",
            subject: format!("deployment {}", source.id),
            replay: Replay::Once,
        };
        let body = api::CreateDeployment {
            project: &at.project,
            app: &at.app,
            environment: &at.environment,
            deployment: api::DeploymentRef {
                deployment_id: &source.id,
            },
        };
        let created: api::CreatedDeployment = match self.client.call(&call, &body).await {
            Ok(envelope) => envelope.data,
            Err(error) => return Err(self.refine_refusal(error, &call, Action::Redeploy, &source)),
        };
        let now = self.clock.now();
        let new_id = DeploymentId::new(created.deployment_id);
        let mut operation = Operation {
            id: OperationId::new(format!("op_{}", uuid::Uuid::new_v4().simple())),
            kind: OperationKind::Redeploy,
            env: request.env.clone(),
            target: request.source.clone(),
            expected_live: request.expected_live.clone(),
            idempotency_key: request.idempotency_key.clone(),
            actor: request.actor.clone(),
            status: OperationStatus::InProgress,
            strategy: None,
            scope: Scope::default(),
            steps: operations::redeploy_steps(new_id.as_str(), now),
            log: Vec::new(),
            created_at: now,
            updated_at: now,
            finished_at: None,
            new_deployment: Some(new_id.clone()),
            error: None,
        };
        operations::log(
            &mut operation,
            now,
            LogLevel::Info,
            format!(
                "{} asked Unkey to redeploy {} ({}); new deployment {new_id}",
                request.actor,
                source.id,
                mapping::label(&source)
            ),
        );
        let out = handle(&operation);
        self.book.insert(Tracked {
            operation,
            deadline: now + chrono::Duration::from_std(self.redeploy_timeout).unwrap_or_default(),
            last_poll: None,
            live_before: app.current_deployment_id.clone(),
        });
        Ok(out)
    }

    /// The record, moved forward by one look at Unkey when it is unfinished and the last
    /// look is older than the poll interval. Failed looks go to the operation's log; the
    /// deadline still ends it.
    pub(super) async fn follow(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let mut tracked = self.book.get(env, id).ok_or_else(|| {
            BackendError::not_found(format!(
                "operation {id}: this console did not start it (Unkey keeps no operation history)"
            ))
        })?;
        let now = self.clock.now();
        let due = tracked.last_poll.is_none_or(|last| {
            now - last >= chrono::Duration::from_std(self.min_poll).unwrap_or_default()
        });
        if tracked.operation.status.is_finished() || !due {
            return Ok(tracked.operation);
        }
        let at = EnvAddress::parse(env)?;
        let looked = async {
            let app = self.fetch_app_now(&at).await?;
            let deployment = self
                .fetch_deployment_now(tracked.watched().as_str())
                .await?;
            let environment = self.environment_of(&at).await?;
            Ok::<_, BackendError>((app, deployment, environment))
        }
        .await;
        let now = self.clock.now();
        match looked {
            Ok((app, deployment, environment)) => {
                let seen = Observation {
                    app: &app,
                    deployment: &deployment,
                    production: environment.kind == api::EnvironmentKind::Production,
                };
                operations::advance(&mut tracked, &seen, now);
            }
            Err(error) => {
                tracked.last_poll = Some(now);
                operations::log(
                    &mut tracked.operation,
                    now,
                    LogLevel::Warn,
                    format!("could not look at Unkey: {error}"),
                );
                if now >= tracked.deadline {
                    operations::finish(
                        &mut tracked.operation,
                        now,
                        Some(format!(
                            "gave up waiting: the last look at Unkey failed ({error})"
                        )),
                    );
                }
            }
        }
        self.book.replace(tracked.clone());
        Ok(tracked.operation)
    }
}
