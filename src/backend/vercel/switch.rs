//! Rollback, promote, redeploy and cancel as Vercel's CLI sends them, after the rules are
//! checked and the live deployment compared (Vercel has no compare-and-swap: the check is
//! the adapter's, right before the call).
//!
//! - rollback: `POST /v9/projects/{id}/rollback/{deployment}` with `{}` → `201`, empty body
//! - promote: `POST /v10/projects/{id}/promote/{deployment}` with `{}` → `201`, or `202`
//!   when queued behind an active rolling release
//! - promote of a preview: `POST /v13/deployments` `{deploymentId, name, target:
//!   "production", meta: {action: "promote"}}`, a new production build
//! - redeploy: `POST /v13/deployments?forceNew=1` `{deploymentId, name, target, meta:
//!   {action: "redeploy"}}`
//! - cancel a build: `PATCH /v12/deployments/{id}/cancel`

use super::api;
use super::errors::Call;
use super::mapping::{self, Dep};
use super::operations::{self, BuildWatch, SwitchWatch, Tracked, Watch};
use super::reads::checked;
use super::rules::{self, EnvKind, Plan, Situation};
use super::{VercelBackend, action_of};
use crate::backend::{
    BackendError, OperationHandle, OperationRequest, PreconditionCode, RedeployRequest,
};
use crate::domain::{
    Action, ActionAvailability, DeploymentId, EnvRef, LogLevel, Operation, OperationId,
    OperationKind, OperationStatus, Scope, Strategy, Timestamp,
};
use reqwest::Method;

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
            "Vercel switches a whole project's production; it cannot pick components or regions",
        ));
    }
    match strategy {
        None | Some(Strategy::Immediate) => Ok(()),
        Some(other) => Err(BackendError::invalid(format!(
            "Vercel points every production domain at once; `{}` is not available (rolling releases are configured in the project)",
            other.describe()
        ))),
    }
}

pub fn env_kind(env: &EnvRef) -> EnvKind {
    match env.environment.as_str() {
        "production" => EnvKind::Production,
        "preview" => EnvKind::Preview,
        _ => EnvKind::Custom,
    }
}

fn new_operation(
    kind: OperationKind,
    env: &EnvRef,
    target: &DeploymentId,
    expected_live: Option<DeploymentId>,
    key: &str,
    actor: &str,
    now: Timestamp,
) -> Operation {
    Operation {
        id: OperationId::new(format!("op_{}", uuid::Uuid::new_v4().simple())),
        kind,
        env: env.clone(),
        target: target.clone(),
        expected_live,
        idempotency_key: key.to_owned(),
        actor: actor.to_owned(),
        status: OperationStatus::InProgress,
        strategy: Some(Strategy::Immediate),
        scope: Scope::default(),
        steps: Vec::new(),
        log: Vec::new(),
        created_at: now,
        updated_at: now,
        finished_at: None,
        new_deployment: None,
        error: None,
    }
}

impl VercelBackend {
    /// The situation the rules judge, for a deployment of `env` in `project`.
    pub(super) async fn situation<'a>(
        &self,
        env: &'a EnvRef,
        project: &'a api::Project,
        d: &'a Dep,
        with_previous: bool,
    ) -> Result<(Situation<'a>, Option<(String, String)>), BackendError> {
        let kind = env_kind(env);
        let plan = Plan::parse(
            project
                .production()
                .and_then(|t| t.plan.as_deref())
                .or(d.plan.as_deref()),
        );
        let previous = if with_previous && plan == Plan::Hobby && kind == EnvKind::Production {
            self.hobby_previous(project).await?
        } else {
            None
        };
        Ok((
            Situation {
                env: kind,
                env_name: env.environment.as_str(),
                deployment: d,
                live: if kind == EnvKind::Production {
                    project.live_id()
                } else {
                    None
                },
                rolled_back: super::views::rolled_back(project),
                plan,
                previous: None,
            },
            previous,
        ))
    }

    /// On Hobby, the one deployment a rollback may go to: the one live just before the
    /// current. After a rollback or promote that is where it came from; otherwise the
    /// newest production deployment older than live that served production.
    async fn hobby_previous(
        &self,
        project: &api::Project,
    ) -> Result<Option<(String, String)>, BackendError> {
        let Some(live) = project.live_id() else {
            return Ok(None);
        };
        let list = self
            .deployments_page(&project.id, "production", api::MAX_PAGE, None)
            .await?;
        let deps: Vec<Dep> = list.deployments.iter().map(Dep::from_listed).collect();
        let label = |uid: &str| {
            deps.iter()
                .find(|d| d.uid == uid)
                .map_or_else(|| uid.to_owned(), mapping::label)
        };
        if let Some(request) = &project.last_alias_request
            && request.to_deployment_id == live
            && request.job_status == "succeeded"
        {
            let from = request.from_deployment_id.clone();
            return Ok(Some((from.clone(), label(&from))));
        }
        let Some(live_created) = deps.iter().find(|d| d.uid == live).map(|d| d.created) else {
            return Ok(None);
        };
        Ok(deps
            .iter()
            .filter(|d| d.created < live_created && d.state == mapping::State::Ready)
            .find(|d| !d.is_staged() && !d.removed)
            .map(|d| (d.uid.clone(), mapping::label(d))))
    }

    pub(super) async fn action_list(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        let (project, d) = self.deployment_in(env, deployment.as_str()).await?;
        let (mut situation, previous) = self.situation(env, &project, &d, true).await?;
        situation.previous = previous
            .as_ref()
            .map(|(id, label)| (id.as_str(), label.as_str()));
        let mut denied = std::collections::HashMap::new();
        for action in Action::ALL {
            if let Some(reason) = self.denial(action).await {
                denied.insert(action, reason);
            }
        }
        Ok(rules::availability(&situation, &|a| {
            denied.get(&a).cloned()
        }))
    }

    /// Refuses when production does not point at the deployment the engineer saw. A check
    /// right before the call, not an atomic one: Vercel cannot make the call conditional.
    async fn check_expected_live(
        &self,
        project: &api::Project,
        expected: Option<&DeploymentId>,
    ) -> Result<(), BackendError> {
        let Some(expected) = expected else {
            return Ok(());
        };
        let live = project.live_id();
        if live == Some(expected.as_str()) {
            return Ok(());
        }
        Err(self.live_moved(project, Some(expected.as_str())).await)
    }

    /// A conflict naming what is live now (read before, or just read again).
    async fn live_moved(&self, project: &api::Project, expected: Option<&str>) -> BackendError {
        // What was kept shows the old live: the next look must see the new one.
        self.client.forget_reads();
        let live = project.live_id();
        let live_label = match live {
            Some(id) => Some(self.label_of(id).await),
            None => None,
        };
        let by = project
            .last_alias_request
            .as_ref()
            .filter(|r| Some(r.to_deployment_id.as_str()) == live)
            .map(|r| format!(" (by a {} Vercel does not attribute)", r.kind))
            .unwrap_or_default();
        BackendError::Conflict {
            live_now: live.map(DeploymentId::new),
            live_label: live_label.clone(),
            changed_by: None,
            message: format!(
                "production changed since you looked: {} is live now{}{by}",
                live_label.unwrap_or_else(|| "nothing".to_owned()),
                expected.map(|e| format!(", not {e}")).unwrap_or_default()
            ),
        }
    }

    /// Turns Vercel's refusal of a write into the one the engineer can act on.
    async fn refusal_of(
        &self,
        error: BackendError,
        action: Action,
        project_id: &str,
    ) -> BackendError {
        match error {
            BackendError::Forbidden {
                action: what,
                reason,
            } => {
                let reason = self.refused(action, &reason).await;
                BackendError::Forbidden {
                    action: what,
                    reason,
                }
            }
            // Vercel's 409: the project changed under the request. Say what is live now.
            BackendError::Conflict { message, .. } => match self.project_now(project_id).await {
                Ok(project) => match self.live_moved(&project, None).await {
                    BackendError::Conflict {
                        live_now,
                        live_label,
                        changed_by,
                        message: now,
                    } => BackendError::Conflict {
                        live_now,
                        live_label,
                        changed_by,
                        message: format!("{message}; {now}"),
                    },
                    other => other,
                },
                Err(_) => BackendError::Conflict {
                    live_now: None,
                    live_label: None,
                    changed_by: None,
                    message,
                },
            },
            other => other,
        }
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
        let env = &request.env;
        let rollback = kind == OperationKind::Rollback;
        let action = action_of(kind);
        let project = self.project_now(env.project.as_str()).await?;
        let (_, d) = self.deployment_in(env, request.target.as_str()).await?;
        if env_kind(env) == EnvKind::Production {
            self.check_expected_live(&project, request.expected_live.as_ref())
                .await?;
        }
        let (mut situation, previous) = self.situation(env, &project, &d, rollback).await?;
        situation.previous = previous
            .as_ref()
            .map(|(id, label)| (id.as_str(), label.as_str()));
        let refusal = if rollback {
            rules::rollback(&situation)
        } else {
            rules::promote(&situation)
        };
        if let Some(refusal) = refusal {
            return Err(refusal.into_error());
        }
        if !rollback && env_kind(env) != EnvKind::Production {
            return self.promote_by_build(&request, &project, &d).await;
        }

        let label = mapping::label(&d);
        let path = if rollback {
            format!(
                "/v9/projects/{}/rollback/{}",
                checked(&project.id, "project")?,
                checked(&d.uid, "deployment")?
            )
        } else {
            format!(
                "/v10/projects/{}/promote/{}",
                checked(&project.id, "project")?,
                checked(&d.uid, "deployment")?
            )
        };
        let call = Call::write(
            format!(
                "{} {label}",
                if rollback { "roll back to" } else { "promote" }
            ),
            format!("deployment {}", d.uid),
        );
        // The body Vercel's CLI sends: an empty object (required).
        let body = serde_json::json!({});
        let answer = match self
            .client
            .write(&call, Method::POST, &path, Vec::new(), Some(&body))
            .await
        {
            Ok(answer) => answer,
            Err(error) => return Err(self.refusal_of(error, action, &project.id).await),
        };
        let queued = answer.status == 202;

        let now = self.clock.now();
        let live = project.live_id().map(str::to_owned);
        let live_label = match &live {
            Some(id) if id == &d.uid => label.clone(),
            Some(id) => self.label_of(id).await,
            None => "nothing".to_owned(),
        };
        let (steps, aliases_at) =
            operations::switch_steps(rollback, queued, &live_label, &label, now);
        let mut operation = new_operation(
            kind,
            env,
            &request.target,
            request.expected_live.clone(),
            &request.idempotency_key,
            &request.actor,
            now,
        );
        operation.steps = steps;
        if queued {
            operation.status = OperationStatus::Queued;
        }
        operations::log(
            &mut operation,
            now,
            LogLevel::Info,
            format!(
                "{} asked Vercel to {} {label} ({}); production was {live_label}",
                request.actor,
                if rollback { "roll back to" } else { "promote" },
                d.uid
            ),
        );
        if queued {
            operations::log(
                &mut operation,
                now,
                LogLevel::Warn,
                "queued: a rolling release is active; Vercel promotes when it completes",
            );
        }
        let out = handle(&operation);
        self.book.insert(Tracked {
            operation,
            project_id: project.id.clone(),
            watch: Watch::Switch(SwitchWatch {
                rollback,
                before: project.last_alias_request.clone(),
                queued,
                from: live,
                target_label: label,
                aliases_at,
            }),
            deadline: now + chrono::Duration::from_std(self.switch_timeout).unwrap_or_default(),
            last_poll: None,
        });
        Ok(out)
    }

    /// A preview (or custom environment) deployment cannot be promoted directly: Vercel
    /// builds a new production deployment from it, as its CLI does.
    async fn promote_by_build(
        &self,
        request: &OperationRequest,
        project: &api::Project,
        d: &Dep,
    ) -> Result<OperationHandle, BackendError> {
        let body = serde_json::json!({
            "deploymentId": d.uid,
            "name": project.name,
            "target": "production",
            "meta": {"action": "promote"},
        });
        let call = Call::write(
            format!(
                "promote {} by building it for production",
                mapping::label(d)
            ),
            format!("deployment {}", d.uid),
        );
        let created = match self
            .client
            .write(
                &call,
                Method::POST,
                "/v13/deployments",
                Vec::new(),
                Some(&body),
            )
            .await
        {
            Ok(answer) => {
                crate::net::decode_json::<api::FullDeployment>(&answer.body, "/v13/deployments")
                    .map_err(|e| {
                        crate::net::Replay::Once
                            .outcome(e, &format!("the request to {}", call.doing))
                    })?
            }
            Err(error) => return Err(self.refusal_of(error, Action::Promote, &project.id).await),
        };
        let operation = new_operation(
            OperationKind::Promote,
            &request.env,
            &request.target,
            request.expected_live.clone(),
            &request.idempotency_key,
            &request.actor,
            self.clock.now(),
        );
        self.track_build(
            operation,
            &project.id,
            &created,
            true,
            true,
            format!(
                "{} asked Vercel to promote {} from {}: it builds a new production deployment",
                request.actor,
                mapping::label(d),
                request.env.environment
            ),
        )
    }

    /// Records `operation` as the build of `created` and follows it from now on.
    fn track_build(
        &self,
        mut operation: Operation,
        project_id: &str,
        created: &api::FullDeployment,
        production: bool,
        promote: bool,
        first_line: String,
    ) -> Result<OperationHandle, BackendError> {
        let now = self.clock.now();
        let new = Dep::from_full(created);
        let label = mapping::label(&new);
        operation.strategy = None;
        operation.new_deployment = Some(DeploymentId::new(new.uid.clone()));
        operation.steps = operations::build_steps(&label, production, promote, now);
        operations::log(&mut operation, now, LogLevel::Info, first_line);
        operations::log(
            &mut operation,
            now,
            LogLevel::Info,
            format!("new deployment {label} ({})", new.uid),
        );
        let out = handle(&operation);
        self.book.insert(Tracked {
            operation,
            project_id: project_id.to_owned(),
            watch: Watch::Build(BuildWatch {
                deployment: new.uid.clone(),
                label,
                production,
                events_since: None,
                events_logged: 0,
            }),
            deadline: now + chrono::Duration::from_std(self.redeploy_timeout).unwrap_or_default(),
            last_poll: None,
        });
        Ok(out)
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
        if !request.rebuild {
            return Err(BackendError::invalid(
                "Vercel redeploys by building the deployment's source again; it cannot reuse a build (rebuild it)",
            ));
        }
        let env = &request.env;
        let (project, d) = self.deployment_in(env, request.source.as_str()).await?;
        let (situation, _) = self.situation(env, &project, &d, false).await?;
        if let Some(refusal) = rules::redeploy(&situation) {
            return Err(refusal.into_error());
        }
        let project = self.project_now(env.project.as_str()).await?;
        if env_kind(env) == EnvKind::Production {
            self.check_expected_live(&project, request.expected_live.as_ref())
                .await?;
        }
        let mut body = serde_json::json!({
            "deploymentId": d.uid,
            "name": project.name,
            "meta": {"action": "redeploy"},
        });
        match env_kind(env) {
            EnvKind::Production => body["target"] = serde_json::json!("production"),
            EnvKind::Custom => {
                body["customEnvironmentSlugOrId"] = serde_json::json!(env.environment.as_str())
            }
            EnvKind::Preview => {}
        }
        let label = mapping::label(&d);
        let call = Call::write(format!("redeploy {label}"), format!("deployment {}", d.uid));
        let query = vec![("forceNew", "1".to_owned())];
        let created = match self
            .client
            .write(&call, Method::POST, "/v13/deployments", query, Some(&body))
            .await
        {
            Ok(answer) => {
                crate::net::decode_json::<api::FullDeployment>(&answer.body, "/v13/deployments")
                    .map_err(|e| {
                        crate::net::Replay::Once
                            .outcome(e, &format!("the request to {}", call.doing))
                    })?
            }
            Err(error) => return Err(self.refusal_of(error, Action::Redeploy, &project.id).await),
        };
        let production = env_kind(env) == EnvKind::Production;
        let operation = new_operation(
            OperationKind::Redeploy,
            env,
            &request.source,
            request.expected_live.clone(),
            &request.idempotency_key,
            &request.actor,
            self.clock.now(),
        );
        self.track_build(
            operation,
            &project.id,
            &created,
            production,
            false,
            format!(
                "{} asked Vercel to redeploy {label} ({}): a new build of the same source",
                request.actor, d.uid
            ),
        )
    }

    /// Cancels a build this console started, while it is still building.
    pub(super) async fn cancel_build(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let tracked = self.book.get(env, id).ok_or_else(|| {
            BackendError::not_found(format!("operation {id}: this console did not start it"))
        })?;
        let Watch::Build(build) = tracked.watch.clone() else {
            return Err(BackendError::invalid(
                "Vercel cannot cancel a rollback or promote once accepted; roll back or promote again instead",
            ));
        };
        if tracked.operation.status.is_finished() {
            return Err(BackendError::precondition(
                PreconditionCode::NotApplicable,
                format!(
                    "the operation already ended ({}); there is nothing to cancel",
                    tracked.operation.status.as_str()
                ),
            ));
        }
        let path = format!(
            "/v12/deployments/{}/cancel",
            checked(&build.deployment, "deployment")?
        );
        let call = Call::write(
            format!("cancel the build of {}", build.label),
            format!("deployment {}", build.deployment),
        );
        if let Err(error) = self
            .client
            .write(&call, Method::PATCH, &path, Vec::new(), None)
            .await
        {
            return Err(self
                .refusal_of(
                    error,
                    action_of(tracked.operation.kind),
                    &tracked.project_id,
                )
                .await);
        }
        let mut tracked = tracked;
        let now = self.clock.now();
        operations::log(
            &mut tracked.operation,
            now,
            LogLevel::Warn,
            format!("cancel of the build of {} requested", build.label),
        );
        // The next look sees what Vercel made of it.
        tracked.last_poll = None;
        self.book.replace(tracked);
        self.follow(env, id).await
    }
}
