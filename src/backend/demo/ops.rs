//! Requests for operations: checked in a fixed order (role, replay, scope, expected live,
//! the target's rules), then recorded and handed to the engine.

use super::engine::{Effect, Job, PlannedStep};
use super::rules::check_role;
use super::world::{DeploymentRecord, OperationRecord, World};
use crate::backend::{BackendError, Identity, OperationHandle, OperationRequest, RedeployRequest};
use crate::domain::{
    Action, Artifact, BuildStatus, Deployment, EnvRef, LiveCause, LogLevel, LogLine, Operation,
    OperationId, OperationKind, OperationStatus, RuntimeState, Scope, Strategy,
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
        let machines = self.machines(p, d, &req.scope)?;
        self.expected_live_check(p, e, req.expected_live.as_ref())?;
        match kind {
            OperationKind::Rollback => self.rollback_gate(p, e, d)?,
            _ => self.promote_gate(p, e, d)?,
        }
        let cause = match kind {
            OperationKind::Rollback => LiveCause::Rollback,
            _ => LiveCause::Promote,
        };
        let confirm = self.env(p, e).live == Some(d);
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
        let intro = format!(
            "{} of {} to {} requested by {} (live: {live_label}, strategy: {})",
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
        let project = &mut self.projects[p];
        project
            .commit_index
            .insert(sha.clone(), project.commits.len());
        project.commits.push(super::world::CommitRecord {
            sha,
            subject: push.subject.clone(),
            author: push.author.clone(),
            branch,
            build_fails: push.build_fails,
        });
        let commit = self.projects[p].commits.len() - 1;
        let d = self.new_deployment(p, e, Some(commit), push.error_rate);
        self.deployments[d].dep.author = Some(push.author.clone());
        let plan = self.build_plan(true, LiveCause::Deploy);
        self.start_job(Job {
            op: None,
            project: p,
            env: e,
            target: d,
            actor: push.author.clone(),
            expected_live: None,
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

    /// The machines an operation touches: components × regions × machines per region.
    fn machines(&self, p: usize, d: usize, scope: &Scope) -> Result<Vec<String>, BackendError> {
        let project = &self.projects[p];
        for c in &scope.components {
            if !project.project.components.contains(c) {
                return Err(BackendError::invalid(format!(
                    "{} has no component `{c}`",
                    project.project.id
                )));
            }
        }
        let dep_regions = &self.deployments[d].dep.regions;
        for r in &scope.regions {
            if !dep_regions.contains(r) {
                return Err(BackendError::invalid(format!(
                    "{} does not run in region `{r}` (it runs in {})",
                    self.label(d),
                    dep_regions.join(", ")
                )));
            }
        }
        let components = if scope.components.is_empty() {
            if project.project.components.is_empty() {
                vec!["app".to_owned()]
            } else {
                project.project.components.clone()
            }
        } else {
            scope.components.clone()
        };
        let regions = if scope.regions.is_empty() {
            dep_regions.clone()
        } else {
            scope.regions.clone()
        };
        let mut machines = Vec::new();
        for c in &components {
            for r in &regions {
                for i in 1..=self.settings.machines_per_region {
                    machines.push(format!("{c}@{r}#{i}"));
                }
            }
        }
        Ok(machines)
    }

    /// Steps of a switch: batches of machines (started first when spun down), a health
    /// check after a cold start, then the atomic domain switch.
    fn switch_plan(
        &self,
        d: usize,
        strategy: Strategy,
        machines: &[String],
        cause: LiveCause,
    ) -> Vec<PlannedStep> {
        let cold = self.deployments[d].dep.runtime_state != RuntimeState::Running;
        let batch = batch_size(strategy, machines.len());
        let batches: Vec<&[String]> = machines.chunks(batch).collect();
        let zero = chrono::Duration::zero();
        let mut plan = Vec::new();
        for (i, names) in batches.iter().enumerate() {
            let verb = if cold { "start" } else { "route" };
            let name = if names.len() == machines.len() {
                format!("{verb} all {} machines", names.len())
            } else {
                format!("{verb} {}", names.join(", "))
            };
            let begin = if cold && i == 0 {
                Effect::Starting
            } else {
                Effect::None
            };
            let duration = if cold { self.settings.cold_start } else { zero };
            plan.push(PlannedStep::new(name, duration, begin, Effect::None));
        }
        if cold {
            plan.push(PlannedStep::new(
                "health check",
                self.settings.health_check,
                Effect::None,
                Effect::Running,
            ));
        }
        plan.push(PlannedStep::new(
            "switch domains",
            zero,
            Effect::None,
            Effect::Switch(cause),
        ));
        plan
    }

    /// Steps of a new deployment: queued → building → deploying → ready, then the domains.
    fn build_plan(&self, rebuild: bool, cause: LiveCause) -> Vec<PlannedStep> {
        let s = &self.settings;
        let mut plan = Vec::new();
        if rebuild {
            plan.push(PlannedStep::new(
                "queued",
                s.queue,
                Effect::Build(BuildStatus::Queued),
                Effect::None,
            ));
            plan.push(PlannedStep::new(
                "build",
                s.build,
                Effect::Build(BuildStatus::Building),
                Effect::BuildResult,
            ));
        }
        plan.push(PlannedStep::new(
            "deploy",
            s.deploy,
            Effect::Build(BuildStatus::Deploying),
            Effect::Build(BuildStatus::Ready),
        ));
        plan.push(PlannedStep::new(
            "switch domains",
            chrono::Duration::zero(),
            Effect::Running,
            Effect::SwitchUnlessRolledBack(cause),
        ));
        plan
    }

    /// The deployment a redeploy makes: same commit, same or rebuilt artifact, today's config.
    fn create_deployment(&mut self, p: usize, e: usize, source: usize, rebuild: bool) -> usize {
        let (commit, profile) = (
            self.deployments[source].commit,
            self.deployments[source].profile,
        );
        let d = self.new_deployment(p, e, commit, profile.error_rate);
        let src = self.deployments[source].dep.clone();
        let rec = &mut self.deployments[d];
        rec.profile = profile;
        rec.dep.redeployed_from = Some(src.id.clone());
        rec.dep.author = src.author.clone();
        rec.dep.regions = src.regions.clone();
        if !rebuild {
            rec.dep.artifact = Artifact {
                pruned: false,
                ..src.artifact
            };
            rec.dep.build_status = BuildStatus::Deploying;
        }
        d
    }

    /// A new deployment record, queued, with the next label and today's configuration.
    fn new_deployment(
        &mut self,
        p: usize,
        e: usize,
        commit: Option<usize>,
        error_rate: f64,
    ) -> usize {
        let id = self.new_deployment_id();
        let env = self.env_mut(p, e);
        env.next_label += 1;
        let label = format!("{}{}", env.label_prefix, env.next_label);
        let config = World::config_entries(&env.config);
        let env_ref = env.env_ref.clone();
        let project = &self.projects[p];
        let digest = format!(
            "sha256:{:016x}{:016x}",
            super::noise::hash_str(id.as_str()),
            super::noise::mix(self.seed, self.id_counter, 3)
        );
        let dep = Deployment {
            id,
            label: label.clone(),
            project: env_ref.project.clone(),
            environment: env_ref.environment.clone(),
            artifact: Artifact {
                image: format!("{}:{label}", project.image),
                digest: Some(digest),
                pruned: false,
            },
            commit: commit.map(|c| self.commit_of(p, c)),
            author: commit.map(|c| project.commits[c].author.clone()),
            created_at: self.now,
            build_status: BuildStatus::Queued,
            runtime_state: RuntimeState::SpunDown,
            regions: project.regions.clone(),
            components: project.project.components.clone(),
            config,
            migrations: Vec::new(),
            is_rollback: false,
            rolled_back_from: None,
            redeployed_from: None,
            is_live: false,
        };
        let profile = super::traffic::Profile {
            error_rate,
            p50_ms: super::scenario::spec::default_p50(),
            p95_ms: super::scenario::spec::default_p95(),
        };
        self.add_deployment(DeploymentRecord {
            dep,
            project: p,
            env: e,
            commit,
            profile,
            spin_down_at: None,
        })
    }
}

fn batch_size(strategy: Strategy, machines: usize) -> usize {
    let n = machines.max(1);
    match strategy {
        Strategy::Immediate => n,
        Strategy::Rolling => 1,
        Strategy::MaxUnavailable { percent } => (n * usize::from(percent.clamp(1, 100)))
            .div_ceil(100)
            .max(1),
    }
}
