//! Vercel answers a rollback or promote with `201` (`202` when queued) and no operation id,
//! so the adapter keeps its own record of each operation (id, steps, log) and moves it
//! forward from what it sees: the project's alias request, alias by alias, or a build.

use super::api;
use crate::domain::{
    DeploymentId, EnvRef, LogLevel, LogLine, Operation, OperationId, OperationStatus, Step,
    StepStatus, Timestamp,
};
use std::sync::Mutex;

/// Lines of build output kept in an operation's log.
pub const MAX_EVENT_LINES: usize = 200;

/// An operation and what following it needs.
#[derive(Clone, Debug)]
pub struct Tracked {
    pub operation: Operation,
    /// Vercel's project id.
    pub project_id: String,
    pub watch: Watch,
    pub deadline: Timestamp,
    pub last_poll: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub enum Watch {
    Switch(SwitchWatch),
    Build(BuildWatch),
}

/// A rollback or promote: the project's alias request that carries it.
#[derive(Clone, Debug)]
pub struct SwitchWatch {
    pub rollback: bool,
    /// The project's last alias request before this one was sent: ours is the next.
    pub before: Option<api::LastAliasRequest>,
    /// Accepted with `202`: waiting behind the active rolling release.
    pub queued: bool,
    /// Live when it was sent.
    pub from: Option<String>,
    pub target_label: String,
    /// Where the alias steps start (the last step is the mode).
    pub aliases_at: usize,
}

/// A build: a redeploy, or a preview promoted by building it for production.
#[derive(Clone, Debug)]
pub struct BuildWatch {
    pub deployment: String,
    pub label: String,
    /// Built for production (it should get the production domains when ready).
    pub production: bool,
    /// `created` of the newest build event logged.
    pub events_since: Option<i64>,
    pub events_logged: usize,
}

/// Every operation started through this adapter, oldest first. Kept for the life of the
/// process: Vercel keeps only the last alias request.
#[derive(Default)]
pub struct OperationBook {
    entries: Mutex<Vec<Tracked>>,
}

impl OperationBook {
    pub fn insert(&self, tracked: Tracked) {
        self.entries.lock().expect("book lock").push(tracked);
    }

    pub fn by_idempotency_key(&self, env: &EnvRef, key: &str) -> Option<Operation> {
        self.entries
            .lock()
            .expect("book lock")
            .iter()
            .find(|t| &t.operation.env == env && t.operation.idempotency_key == key)
            .map(|t| t.operation.clone())
    }

    pub fn get(&self, env: &EnvRef, id: &OperationId) -> Option<Tracked> {
        self.entries
            .lock()
            .expect("book lock")
            .iter()
            .find(|t| &t.operation.id == id && &t.operation.env == env)
            .cloned()
    }

    pub fn replace(&self, tracked: Tracked) {
        let mut entries = self.entries.lock().expect("book lock");
        if let Some(slot) = entries
            .iter_mut()
            .find(|t| t.operation.id == tracked.operation.id)
        {
            *slot = tracked;
        }
    }

    /// Newest first.
    pub fn list(&self, env: &EnvRef) -> Vec<Tracked> {
        let entries = self.entries.lock().expect("book lock");
        entries
            .iter()
            .rev()
            .filter(|t| &t.operation.env == env)
            .cloned()
            .collect()
    }

    /// Every operation of any environment, oldest first.
    pub fn all(&self) -> Vec<Tracked> {
        self.entries.lock().expect("book lock").clone()
    }

    pub fn redeployed_from(&self, deployment: &str) -> Option<DeploymentId> {
        self.entries
            .lock()
            .expect("book lock")
            .iter()
            .find(|t| t.operation.new_deployment.as_ref().map(|d| d.as_str()) == Some(deployment))
            .map(|t| t.operation.target.clone())
    }
}

pub fn step(name: impl Into<String>, status: StepStatus, now: Timestamp) -> Step {
    let started = matches!(status, StepStatus::Running | StepStatus::Done).then_some(now);
    Step {
        expected_secs: None,
        name: name.into(),
        status,
        started_at: started,
        finished_at: (status == StepStatus::Done).then_some(now),
    }
}

pub fn log(operation: &mut Operation, now: Timestamp, level: LogLevel, message: impl Into<String>) {
    let message = message.into();
    // Looks repeat themselves; the log keeps one line per change.
    if operation.log.last().map(|l| &l.message) == Some(&message) {
        return;
    }
    operation.updated_at = now;
    operation.log.push(LogLine {
        at: now,
        level,
        message,
    });
}

pub fn set_step(operation: &mut Operation, index: usize, status: StepStatus, now: Timestamp) {
    let Some(step) = operation.steps.get_mut(index) else {
        return;
    };
    if step.status == status {
        return;
    }
    if step.started_at.is_none() && status != StepStatus::Pending {
        step.started_at = Some(now);
    }
    if matches!(
        status,
        StepStatus::Done | StepStatus::Failed | StepStatus::Skipped
    ) {
        step.finished_at = Some(now);
    }
    step.status = status;
    operation.updated_at = now;
}

pub fn finish(operation: &mut Operation, now: Timestamp, error: Option<String>) {
    operation.status = if error.is_some() {
        OperationStatus::Exception
    } else {
        OperationStatus::Completed
    };
    operation.finished_at = Some(now);
    operation.updated_at = now;
    if let Some(message) = &error {
        for index in 0..operation.steps.len() {
            if operation.steps[index].status == StepStatus::Running {
                set_step(operation, index, StepStatus::Failed, now);
            }
        }
        log(operation, now, LogLevel::Error, message.clone());
    }
    operation.error = error;
}

/// Steps of a rollback or promote, and where the alias steps start.
pub fn switch_steps(
    rollback: bool,
    queued: bool,
    live_label: &str,
    target_label: &str,
    now: Timestamp,
) -> (Vec<Step>, usize) {
    let what = if rollback { "rollback" } else { "promote" };
    let mut steps = vec![step(
        format!("check production still points at {live_label}"),
        StepStatus::Done,
        now,
    )];
    if queued {
        steps.push(step(
            "Vercel queues the promote behind the rolling release",
            StepStatus::Done,
            now,
        ));
        steps.push(step(
            "the rolling release completes",
            StepStatus::Running,
            now,
        ));
    } else {
        steps.push(step(
            format!("Vercel accepts the {what}"),
            StepStatus::Done,
            now,
        ));
    }
    let aliases_at = steps.len();
    steps.push(step(
        format!("production domains move to {target_label}"),
        if queued {
            StepStatus::Pending
        } else {
            StepStatus::Running
        },
        now,
    ));
    steps.push(step(
        if rollback {
            "production enters rolled-back mode"
        } else {
            "production returns to normal mode"
        },
        StepStatus::Pending,
        now,
    ));
    (steps, aliases_at)
}

fn alias_status(status: &str) -> StepStatus {
    match status {
        "completed" => StepStatus::Done,
        "in-progress" => StepStatus::Running,
        "failed" => StepStatus::Failed,
        "skipped" => StepStatus::Skipped,
        _ => StepStatus::Pending,
    }
}

/// The alias steps from Vercel's statuses: one step per hostname, in Vercel's order. Returns
/// the hostnames that finished (completed or failed) since the last look.
pub fn set_aliases(
    operation: &mut Operation,
    aliases_at: usize,
    aliases: &[api::AliasStatus],
    target_label: &str,
    now: Timestamp,
) -> Vec<(String, StepStatus)> {
    if aliases.is_empty() {
        return Vec::new();
    }
    let end = operation.steps.len().saturating_sub(1).max(aliases_at);
    let old: Vec<Step> = operation.steps.drain(aliases_at..end).collect();
    let mut news = Vec::new();
    let mut fresh = Vec::with_capacity(aliases.len());
    for alias in aliases {
        let name = format!("{} → {target_label}", alias.alias.alias);
        let status = alias_status(&alias.status);
        let before = old.iter().find(|s| s.name == name);
        let mut s = before
            .cloned()
            .unwrap_or_else(|| step(name.clone(), StepStatus::Pending, now));
        if s.status != status {
            if matches!(status, StepStatus::Done | StepStatus::Failed) {
                news.push((alias.alias.alias.clone(), status));
            }
            if s.started_at.is_none() && status != StepStatus::Pending {
                s.started_at = Some(now);
            }
            if matches!(
                status,
                StepStatus::Done | StepStatus::Failed | StepStatus::Skipped
            ) {
                s.finished_at = Some(now);
            }
            s.status = status;
        }
        fresh.push(s);
    }
    operation.steps.splice(aliases_at..aliases_at, fresh);
    operation.updated_at = now;
    news
}

/// Marks every alias step still open as `status` (all done when Vercel says succeeded).
pub fn close_aliases(
    operation: &mut Operation,
    aliases_at: usize,
    status: StepStatus,
    now: Timestamp,
) {
    let last = operation.steps.len().saturating_sub(1);
    for index in aliases_at..last {
        if matches!(
            operation.steps[index].status,
            StepStatus::Pending | StepStatus::Running
        ) {
            set_step(operation, index, status, now);
        }
    }
}

pub fn build_steps(label: &str, production: bool, promote: bool, now: Timestamp) -> Vec<Step> {
    let last = if promote {
        format!("{label} gets the production domains")
    } else if production {
        format!("{label} goes live")
    } else {
        format!("{label} is ready")
    };
    vec![
        step(format!("Vercel creates {label}"), StepStatus::Done, now),
        step(format!("build {label}"), StepStatus::Running, now),
        step(last, StepStatus::Pending, now),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OperationKind, Scope};

    fn operation(steps: Vec<Step>) -> Operation {
        let now = Timestamp::default();
        Operation {
            id: OperationId::new("op_1"),
            kind: OperationKind::Rollback,
            env: EnvRef::new("prj_1", "production"),
            target: DeploymentId::new("dpl_old"),
            expected_live: None,
            idempotency_key: "k".into(),
            actor: "alice".into(),
            status: OperationStatus::InProgress,
            strategy: None,
            scope: Scope::default(),
            steps,
            log: Vec::new(),
            created_at: now,
            updated_at: now,
            finished_at: None,
            new_deployment: None,
            error: None,
        }
    }

    fn alias(host: &str, status: &str) -> api::AliasStatus {
        serde_json::from_value(serde_json::json!({
            "alias": {"alias": host, "deploymentId": "dpl_old"}, "id": host, "status": status
        }))
        .unwrap()
    }

    #[test]
    fn aliases_replace_the_placeholder_and_report_what_finished() {
        let now = Timestamp::default();
        let (steps, at) = switch_steps(true, false, "live1234", "old12345", now);
        let mut op = operation(steps);
        assert_eq!(op.steps.len(), 4);
        let news = set_aliases(
            &mut op,
            at,
            &[
                alias("a.example", "completed"),
                alias("b.example", "in-progress"),
            ],
            "old12345",
            now,
        );
        assert_eq!(news, [("a.example".to_owned(), StepStatus::Done)]);
        let names: Vec<&str> = op.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "check production still points at live1234",
                "Vercel accepts the rollback",
                "a.example → old12345",
                "b.example → old12345",
                "production enters rolled-back mode"
            ]
        );
        let news = set_aliases(
            &mut op,
            at,
            &[
                alias("a.example", "completed"),
                alias("b.example", "failed"),
            ],
            "old12345",
            now,
        );
        assert_eq!(news, [("b.example".to_owned(), StepStatus::Failed)]);
        assert_eq!(op.steps.len(), 5);
        assert_eq!(op.steps[3].status, StepStatus::Failed);
    }

    #[test]
    fn a_queued_promote_waits_for_the_rolling_release_first() {
        let (steps, at) = switch_steps(false, true, "live1234", "new12345", Timestamp::default());
        assert_eq!(at, 3);
        assert_eq!(steps[2].status, StepStatus::Running);
        assert_eq!(steps[3].status, StepStatus::Pending);
        assert_eq!(steps[4].name, "production returns to normal mode");
    }
}
