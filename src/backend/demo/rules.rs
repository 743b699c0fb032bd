//! The platform's rules for rollback, promote and redeploy: who may, and which targets.
//! `actions` answers from the very same checks the operations run, so the two never disagree.

use super::world::World;
use crate::backend::{BackendError, Identity, PreconditionCode, Role};
use crate::domain::{
    Action, ActionAvailability, BuildStatus, DeploymentId, EnvMode, OperationKind,
};

pub(crate) fn check_role(identity: &Identity, action: Action) -> Result<(), BackendError> {
    match identity.role {
        Role::Deployer => Ok(()),
        Role::ReadOnly => Err(BackendError::Forbidden {
            action: action.as_str().to_owned(),
            reason: format!(
                "{} has a read-only role; only a deployer may {}",
                identity.actor,
                match action {
                    Action::Rollback => "roll back",
                    Action::Promote => "promote",
                    Action::Redeploy => "redeploy",
                }
            ),
        }),
    }
}

fn refuse(code: PreconditionCode, message: String, suggestion: Option<Action>) -> BackendError {
    BackendError::Precondition {
        code,
        message,
        suggestion,
    }
}

impl World {
    /// Rollback: an earlier ready deployment of this environment, not live, with its artifact.
    pub(crate) fn rollback_gate(&self, p: usize, e: usize, d: usize) -> Result<(), BackendError> {
        let env = self.env(p, e);
        let dep = &self.deployments[d].dep;
        if dep.build_status != BuildStatus::Ready {
            return Err(refuse(
                PreconditionCode::NotReady,
                format!(
                    "{} never became ready (build {}); only a ready deployment can take traffic",
                    dep.label,
                    dep.build_status.as_str()
                ),
                None,
            ));
        }
        let Some(live) = env.live else {
            return Err(refuse(
                PreconditionCode::NotApplicable,
                format!("{} has no live deployment to roll back from", env.env_ref),
                None,
            ));
        };
        if live == d {
            return Err(refuse(
                PreconditionCode::AlreadyLive,
                format!("{} is already live in {}", dep.label, env.env_ref),
                None,
            ));
        }
        if self.deployments[live].dep.created_at <= dep.created_at {
            return Err(refuse(
                PreconditionCode::NotApplicable,
                format!(
                    "{} is newer than the live {}; a rollback goes back in time, promote it instead",
                    dep.label,
                    self.label(live)
                ),
                Some(Action::Promote),
            ));
        }
        self.artifact_gate(d)
    }

    /// Promote: a ready deployment; the live one only to confirm a rollback.
    pub(crate) fn promote_gate(&self, p: usize, e: usize, d: usize) -> Result<(), BackendError> {
        let env = self.env(p, e);
        let dep = &self.deployments[d].dep;
        if dep.build_status != BuildStatus::Ready {
            return Err(refuse(
                PreconditionCode::NotReady,
                format!(
                    "{} is not ready (build {})",
                    dep.label,
                    dep.build_status.as_str()
                ),
                None,
            ));
        }
        if env.live == Some(d) {
            if env.mode == EnvMode::RolledBack || !env.split.is_empty() {
                // Confirms the rollback (back to normal mode), and moves what another
                // deployment serves back to it.
                return Ok(());
            }
            return Err(refuse(
                PreconditionCode::AlreadyLive,
                format!(
                    "{} is already live and {} is in normal mode",
                    dep.label, env.env_ref
                ),
                None,
            ));
        }
        self.artifact_gate(d)
    }

    /// Redeploy from the artifact (needs it) or rebuild from the commit (needs one).
    pub(crate) fn redeploy_gate(&self, d: usize, rebuild: bool) -> Result<(), BackendError> {
        let rec = &self.deployments[d];
        if rebuild {
            if rec.commit.is_none() {
                return Err(refuse(
                    PreconditionCode::NotApplicable,
                    format!("{} has no commit to rebuild", rec.dep.label),
                    None,
                ));
            }
            return Ok(());
        }
        if rec.dep.build_status != BuildStatus::Ready {
            return Err(refuse(
                PreconditionCode::NotReady,
                format!(
                    "{} has no artifact (build {}); rebuild it from its commit instead",
                    rec.dep.label,
                    rec.dep.build_status.as_str()
                ),
                Some(Action::Redeploy),
            ));
        }
        if rec.dep.artifact.pruned {
            return Err(refuse(
                PreconditionCode::ArtifactPruned,
                format!(
                    "the artifact of {} was pruned by retention; redeploy it with a rebuild from source instead",
                    rec.dep.label
                ),
                Some(Action::Redeploy),
            ));
        }
        Ok(())
    }

    fn artifact_gate(&self, d: usize) -> Result<(), BackendError> {
        let dep = &self.deployments[d].dep;
        if dep.artifact.pruned {
            return Err(refuse(
                PreconditionCode::ArtifactPruned,
                format!(
                    "the artifact of {} ({}) was pruned by retention and cannot be started; redeploy from source instead (rebuilds commit {})",
                    dep.label,
                    dep.artifact.image,
                    dep.short_commit()
                ),
                Some(Action::Redeploy),
            ));
        }
        Ok(())
    }

    /// Compare-and-swap on the live pointer: refuse when it moved since the caller looked.
    pub(crate) fn expected_live_check(
        &self,
        p: usize,
        e: usize,
        expected: Option<&DeploymentId>,
    ) -> Result<(), BackendError> {
        let Some(expected) = expected else {
            return Ok(());
        };
        let env = self.env(p, e);
        let live = env.live.map(|d| &self.deployments[d].dep);
        if live.map(|l| &l.id) == Some(expected) {
            return Ok(());
        }
        let change = self.last_change(p, e);
        let changed_by = change.and_then(|c| c.actor.as_deref().map(str::to_owned));
        let expected_label = self
            .by_id
            .get(expected)
            .map_or(expected.to_string(), |d| self.label(*d).to_owned());
        let message = match (live, change) {
            (Some(l), Some(c)) => format!(
                "{} changed meanwhile: you expected {expected_label} live, but {} ({}) is live since a {} by {} at {}",
                env.env_ref,
                l.label,
                l.id,
                c.cause.as_str(),
                c.actor.as_deref().unwrap_or("an unknown actor"),
                c.at.format("%H:%M:%S UTC")
            ),
            _ => format!(
                "{} has no live deployment; you expected {expected_label}",
                env.env_ref
            ),
        };
        Err(BackendError::Conflict {
            live_now: live.map(|l| l.id.clone()),
            live_label: live.map(|l| l.label.clone()),
            changed_by,
            message,
        })
    }

    /// A switch while another is under way in the environment would race it to the live
    /// pointer: refused, naming the operation under way and what is live meanwhile.
    pub(crate) fn switch_under_way_check(&self, p: usize, e: usize) -> Result<(), BackendError> {
        let Some((job, rec)) = self.jobs.iter().find_map(|job| {
            let rec = &self.operations[job.op?];
            let switch = matches!(
                rec.op.kind,
                OperationKind::Rollback | OperationKind::Promote
            );
            (switch && job.project == p && job.env == e).then_some((job, rec))
        }) else {
            return Ok(());
        };
        let live = self.env(p, e).live.map(|d| &self.deployments[d].dep);
        let live_text = live.map_or("nothing".to_owned(), |l| l.label.clone());
        Err(BackendError::Conflict {
            live_now: live.map(|l| l.id.clone()),
            live_label: live.map(|l| l.label.clone()),
            changed_by: self
                .last_change(p, e)
                .and_then(|c| c.actor.as_deref().map(str::to_owned)),
            message: format!(
                "{} to {} by {} already under way ({}); {live_text} stays live until it ends",
                rec.op.kind.as_str(),
                self.label(job.target),
                job.actor,
                rec.op.id
            ),
        })
    }

    /// Every action on `d`, from the same checks the operations run.
    pub(crate) fn actions(
        &self,
        identity: &Identity,
        p: usize,
        e: usize,
        d: usize,
    ) -> Vec<ActionAvailability> {
        Action::ALL
            .iter()
            .map(|&action| {
                let verdict = check_role(identity, action).and_then(|()| match action {
                    Action::Rollback => self.rollback_gate(p, e, d),
                    Action::Promote => self.promote_gate(p, e, d),
                    Action::Redeploy => self.redeploy_gate(d, self.redeploy_needs_rebuild(d)),
                });
                availability(action, verdict)
            })
            .collect()
    }

    /// A redeploy rebuilds when the artifact cannot be reused.
    pub(crate) fn redeploy_needs_rebuild(&self, d: usize) -> bool {
        let dep = &self.deployments[d].dep;
        dep.artifact.pruned || dep.build_status != BuildStatus::Ready
    }
}

fn availability(action: Action, verdict: Result<(), BackendError>) -> ActionAvailability {
    match verdict {
        Ok(()) => ActionAvailability::allowed(action),
        Err(BackendError::Precondition {
            code,
            message,
            suggestion,
        }) => ActionAvailability {
            action,
            allowed: false,
            reason: Some(message),
            code: Some(code.as_str().to_owned()),
            suggestion,
        },
        Err(other) => ActionAvailability::refused(action, other.kind(), other.to_string()),
    }
}
