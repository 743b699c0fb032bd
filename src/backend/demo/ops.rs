//! Requests for operations: checked in a fixed order (role, replay, scope, expected live,
//! the target's rules), then recorded and handed to the engine.

use super::engine::{Effect, Job, PlannedStep};
use super::rules::check_role;
use super::world::{OperationRecord, World};
use crate::backend::{
    BackendError, Identity, OperationHandle, OperationRequest, PreconditionCode, RedeployRequest,
};
use crate::domain::{
    Action, EnvRef, LiveCause, LogLevel, LogLine, Operation, OperationId, OperationKind,
    OperationStatus, Scope, Strategy,
};

/// A simulated git push: a new commit at the head of the project, built and deployed.
#[derive(Clone, Debug)]
pub struct Push {
    pub subject: String,
    pub author: String,
    /// The build of this commit fails.
    pub build_fails: bool,
    /// Share of 5xx once it serves.
    pub error_rate: f64,
}

impl Push {
    pub fn new(subject: impl Into<String>, author: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            author: author.into(),
            build_fails: false,
            error_rate: super::scenario::spec::default_error_rate(),
        }
    }
}

impl World {
    /// Rollback or promote.
    pub(crate) fn request_switch(
        &mut self,
        identity: &Identity,
        kind: OperationKind,
        req: &OperationRequest,
    ) -> Result<OperationHandle, BackendError> {
        let action = match kind {
            OperationKind::Rollback => Action::Rollback,
            _ => Action::Promote,
        };
        // The request names the engineer; without one, the credentials' owner acted.
        let mut req = req.clone();
        if req.actor.trim().is_empty() {
            req.actor = identity.actor.clone();
        }
        let req = &req;
        let (p, e) = self.env_index(&req.env)?;
        check_role(identity, action)?;
        let fingerprint = format!("{}|{}|{}", kind.as_str(), req.env, req.target);
        if let Some(handle) = self.replay(&req.idempotency_key, &fingerprint)? {
            return Ok(handle);
        }
        let d = self.deployment_in(&req.env, &req.target)?;
        let strategy = req.strategy.unwrap_or(Strategy::Immediate);
        if let Strategy::MaxUnavailable { percent } = strategy
            && !(1..=100).contains(&percent)
        {
            return Err(BackendError::invalid(format!(
                "max unavailable must be 1–100%, not {percent}%"
            )));
        }
        let machines = self.machines(p, e, d, &req.scope)?;
        self.expected_live_check(p, e, req.expected_live.as_ref())?;
        if req.expected_live.is_some() {
            // A caller that names the live it saw also expects nothing to be moving it; one
            // that names none may overtake a slow switch (which then fails at switch time).
            self.switch_under_way_check(p, e)?;
        }
        match kind {
            OperationKind::Rollback => self.rollback_gate(p, e, d)?,
            _ => self.promote_gate(p, e, d)?,
        }
        let cause = match kind {
            OperationKind::Rollback => LiveCause::Rollback,
            _ => LiveCause::Promote,
        };
        // Promoting the live deployment of an environment it serves whole only confirms the
        // rollback; in a mixed one it moves the rest to it.
        let confirm = self.env(p, e).live == Some(d) && machines.is_empty();
        if machines.is_empty() && !confirm {
            return Err(BackendError::precondition(
                PreconditionCode::AlreadyLive,
                format!(
                    "{} already serves {} in {}",
                    self.label(d),
                    req.scope.describe(),
                    req.env
                ),
            ));
        }
        let plan = if confirm {
            vec![PlannedStep::new(
                "confirm rollback",
                chrono::Duration::zero(),
                Effect::None,
                Effect::ConfirmRollback,
            )]
        } else {
            self.switch_plan(d, strategy, &machines, cause)
        };
        let live_label = self
            .env(p, e)
            .live
            .map_or("nothing".to_owned(), |l| self.label(l).to_owned());
        let scope = if req.scope.is_everything() {
            String::new()
        } else {
            format!(", only {}", req.scope.describe())
        };
        let intro = format!(
            "{} of {} to {} requested by {} (live: {live_label}, strategy: {}{scope})",
            kind.as_str(),
            req.env,
            self.label(d),
            req.actor,
            strategy.describe()
        );
        let o = self.record_operation(
            kind,
            &req.env,
            d,
            req,
            fingerprint,
            plan.as_slice(),
            intro,
            Some(strategy),
        );
        self.start_job(Job {
            op: Some(o),
            project: p,
            env: e,
            target: d,
            actor: req.actor.clone(),
            expected_live: req.expected_live.clone(),
            scope: req.scope.clone(),
            steps: plan,
            cursor: 0,
            step_started: self.now,
        });
        Ok(self.handle(o))
    }

    pub(crate) fn request_redeploy(
        &mut self,
        identity: &Identity,
        req: &RedeployRequest,
    ) -> Result<OperationHandle, BackendError> {
        let mut req = req.clone();
        if req.actor.trim().is_empty() {
            req.actor = identity.actor.clone();
        }
        let req = &req;
        let (p, e) = self.env_index(&req.env)?;
        check_role(identity, Action::Redeploy)?;
        let fingerprint = format!("redeploy|{}|{}|{}", req.env, req.source, req.rebuild);
        if let Some(handle) = self.replay(&req.idempotency_key, &fingerprint)? {
            return Ok(handle);
        }
        let source = self.deployment_in(&req.env, &req.source)?;
        self.expected_live_check(p, e, req.expected_live.as_ref())?;
        self.redeploy_gate(source, req.rebuild)?;
        let new = self.create_deployment(p, e, source, req.rebuild);
        let plan = self.build_plan(req.rebuild, LiveCause::Redeploy);
        let intro = format!(
            "redeploy of {} in {} as {} ({}) requested by {}",
            self.label(source),
            req.env,
            self.label(new),
            if req.rebuild {
                "rebuild from the commit"
            } else {
                "same artifact"
            },
            req.actor
        );
        let as_switch = OperationRequest {
            env: req.env.clone(),
            target: req.source.clone(),
            expected_live: req.expected_live.clone(),
            idempotency_key: req.idempotency_key.clone(),
            actor: req.actor.clone(),
            strategy: None,
            scope: Scope::default(),
        };
        let o = self.record_operation(
            OperationKind::Redeploy,
            &req.env,
            source,
            &as_switch,
            fingerprint,
            &plan,
            intro,
            None,
        );
        self.operations[o].op.new_deployment = Some(self.deployments[new].dep.id.clone());
        self.start_job(Job {
            op: Some(o),
            project: p,
            env: e,
            target: new,
            actor: req.actor.clone(),
            expected_live: None,
            scope: Scope::default(),
            steps: plan,
            cursor: 0,
            step_started: self.now,
        });
        Ok(self.handle(o))
    }

    /// A git push: a new commit and a deployment going through the whole pipeline.
    pub(crate) fn push(&mut self, env: &EnvRef, push: &Push) -> Result<usize, BackendError> {
        let (p, e) = self.env_index(env)?;
        self.id_counter += 1;
        let sha = format!(
            "{:016x}{:016x}{:08x}",
            super::noise::mix(self.seed, self.id_counter, 7),
            super::noise::mix(self.seed, self.id_counter, 8),
            super::noise::mix(self.seed, self.id_counter, 9) as u32
        );
        let branch = self.projects[p].envs[e]
            .branch
            .clone()
            .or(Some("main".to_owned()));
        self.projects[p].commits.push(super::world::CommitRecord {
            commit: std::sync::Arc::new(crate::domain::Commit {
                sha,
                subject: push.subject.clone(),
                branch,
            }),
            author: push.author.as_str().into(),
            build_fails: push.build_fails,
        });
        let commit = self.projects[p].commits.len() - 1;
        let d = self.new_deployment(p, e, Some(commit), push.error_rate);
        self.deployments[d].dep.author = Some(std::sync::Arc::clone(
            &self.projects[p].commits[commit].author,
        ));
        let plan = self.build_plan(true, LiveCause::Deploy);
        self.start_job(Job {
            op: None,
            project: p,
            env: e,
            target: d,
            actor: push.author.clone(),
            expected_live: None,
            scope: Scope::default(),
            steps: plan,
            cursor: 0,
            step_started: self.now,
        });
        Ok(d)
    }

    /// The same key returns the same operation; a key reused for something else is refused.
    fn replay(
        &self,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<OperationHandle>, BackendError> {
        if key.is_empty() {
            return Ok(None);
        }
        let Some(&o) = self.by_key.get(key) else {
            return Ok(None);
        };
        if self.operations[o].fingerprint != fingerprint {
            return Err(BackendError::invalid(format!(
                "idempotency key `{key}` was already used for a different request ({})",
                self.operations[o].op.id
            )));
        }
        Ok(Some(self.handle(o)))
    }

    fn handle(&self, o: usize) -> OperationHandle {
        let op = &self.operations[o].op;
        OperationHandle {
            id: op.id.clone(),
            kind: op.kind,
            env: op.env.clone(),
            new_deployment: op.new_deployment.clone(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record_operation(
        &mut self,
        kind: OperationKind,
        env: &EnvRef,
        target: usize,
        req: &OperationRequest,
        fingerprint: String,
        plan: &[PlannedStep],
        intro: String,
        strategy: Option<Strategy>,
    ) -> usize {
        let o = self.operations.len();
        let id = OperationId::new(format!("op_{:06}", o + 1));
        let now = self.now;
        self.operations.push(OperationRecord {
            op: Operation {
                id,
                kind,
                env: env.clone(),
                target: self.deployments[target].dep.id.clone(),
                expected_live: req.expected_live.clone(),
                idempotency_key: req.idempotency_key.clone(),
                actor: req.actor.clone(),
                status: OperationStatus::Queued,
                strategy,
                scope: req.scope.clone(),
                steps: World::steps_of(plan),
                log: vec![LogLine {
                    at: now,
                    level: LogLevel::Info,
                    message: intro,
                }],
                created_at: now,
                updated_at: now,
                finished_at: None,
                new_deployment: None,
                error: None,
            },
            fingerprint,
        });
        if !req.idempotency_key.is_empty() {
            self.by_key.insert(req.idempotency_key.clone(), o);
        }
        o
    }
}
