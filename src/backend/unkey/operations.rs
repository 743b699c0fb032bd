//! Unkey answers rollback and promote with `202` and no operation id, so the adapter keeps
//! its own record of each operation (id, steps, log) and moves it forward by looking at the
//! app's live pointer and the target deployment.

use super::api::{self, DeploymentStatus};
use crate::domain::{
    DeploymentId, EnvRef, LogLevel, LogLine, Operation, OperationId, OperationKind,
    OperationStatus, Step, StepStatus, Timestamp,
};
use std::sync::Mutex;

/// An operation and what following it needs.
#[derive(Clone, Debug)]
pub struct Tracked {
    pub operation: Operation,
    pub deadline: Timestamp,
    pub last_poll: Option<Timestamp>,
    /// The live deployment when the operation was accepted.
    pub live_before: Option<String>,
}

impl Tracked {
    /// The deployment to watch: the target, or the one a redeploy created.
    pub fn watched(&self) -> &DeploymentId {
        self.operation
            .new_deployment
            .as_ref()
            .unwrap_or(&self.operation.target)
    }
}

/// Every operation started through this adapter, oldest first. Kept for the life of the
/// process: Unkey has no operation history to read back.
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
    // Polls repeat themselves; the log keeps one line per change.
    if operation.log.last().map(|l| &l.message) == Some(&message) {
        return;
    }
    operation.log.push(LogLine {
        at: now,
        level,
        message,
    });
}

fn set_step(operation: &mut Operation, index: usize, status: StepStatus, now: Timestamp) {
    if let Some(step) = operation.steps.get_mut(index) {
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
    }
    // The next pending step starts when one finishes.
    if status == StepStatus::Done
        && let Some(next) = operation.steps.get_mut(index + 1)
        && next.status == StepStatus::Pending
    {
        next.status = StepStatus::Running;
        next.started_at = Some(now);
    }
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
        let running = operation
            .steps
            .iter()
            .position(|s| s.status == StepStatus::Running);
        if let Some(index) = running {
            set_step(operation, index, StepStatus::Failed, now);
        }
        log(operation, now, LogLevel::Error, message.clone());
    }
    operation.error = error;
}

/// Steps of a switch: the first two are done when Unkey accepts it.
pub fn switch_steps(kind: OperationKind, target_label: &str, now: Timestamp) -> Vec<Step> {
    let mode = match kind {
        OperationKind::Rollback => "environment enters rolled-back mode",
        _ => "environment returns to normal mode",
    };
    vec![
        step(
            "check the live deployment is the one you saw",
            StepStatus::Done,
            now,
        ),
        step(
            format!("Unkey accepts the {}", kind.as_str()),
            StepStatus::Done,
            now,
        ),
        step(
            format!("live moves to {target_label}"),
            StepStatus::Running,
            now,
        ),
        step(mode, StepStatus::Pending, now),
    ]
}

pub fn redeploy_steps(new_label: &str, now: Timestamp) -> Vec<Step> {
    vec![
        step("Unkey creates the deployment", StepStatus::Done, now),
        step(
            format!("build and start {new_label}"),
            StepStatus::Running,
            now,
        ),
        step(format!("{new_label} goes live"), StepStatus::Pending, now),
    ]
}

/// What one poll saw.
pub struct Observation<'a> {
    pub app: &'a api::App,
    /// The target (rollback, promote) or the new deployment (redeploy).
    pub deployment: &'a api::Deployment,
    pub production: bool,
}

/// Moves the record forward from what Unkey shows now.
pub fn advance(tracked: &mut Tracked, seen: &Observation<'_>, now: Timestamp) {
    tracked.last_poll = Some(now);
    let op = &mut tracked.operation;
    if op.status.is_finished() {
        return;
    }
    op.status = OperationStatus::InProgress;
    op.updated_at = now;
    match op.kind {
        OperationKind::Rollback | OperationKind::Promote => {
            advance_switch(op, tracked.live_before.as_deref(), seen, now)
        }
        OperationKind::Redeploy => advance_redeploy(op, seen, now),
    }
    if !op.status.is_finished() && now >= tracked.deadline {
        let live = seen
            .app
            .current_deployment_id
            .as_deref()
            .unwrap_or("nothing");
        finish(
            op,
            now,
            Some(format!(
                "gave up waiting: {live} is still live; Unkey may still finish the {} (its workflow keeps running)",
                op.kind.as_str()
            )),
        );
    }
}

fn advance_switch(
    op: &mut Operation,
    live_before: Option<&str>,
    seen: &Observation<'_>,
    now: Timestamp,
) {
    let target = op.target.as_str().to_owned();
    let target = target.as_str();
    let current = seen.app.current_deployment_id.as_deref();
    if current == Some(target) {
        set_step(op, 2, StepStatus::Done, now);
        log(op, now, LogLevel::Info, format!("{target} is live"));
        let want_rolled_back = op.kind == OperationKind::Rollback;
        if seen.app.is_rolled_back == want_rolled_back {
            set_step(op, 3, StepStatus::Done, now);
            let mode = if want_rolled_back {
                "rolled back"
            } else {
                "normal"
            };
            log(op, now, LogLevel::Info, format!("environment is {mode}"));
            finish(op, now, None);
        }
        return;
    }
    if current.is_some() && current != live_before {
        let other = current.unwrap_or_default();
        finish(
            op,
            now,
            Some(format!(
                "live moved to {other} instead: someone else switched this environment meanwhile"
            )),
        );
        return;
    }
    let status = seen.deployment.status;
    if status != DeploymentStatus::Ready {
        finish(
            op,
            now,
            Some(format!(
                "{target} is now {} and Unkey did not switch to it",
                status.as_str()
            )),
        );
        return;
    }
    log(
        op,
        now,
        LogLevel::Info,
        format!("waiting for Unkey to point live at {target}"),
    );
}

fn advance_redeploy(op: &mut Operation, seen: &Observation<'_>, now: Timestamp) {
    let d = seen.deployment;
    match d.status {
        DeploymentStatus::Ready => {
            set_step(op, 1, StepStatus::Done, now);
            if seen.app.current_deployment_id.as_deref() == Some(d.id.as_str()) {
                set_step(op, 2, StepStatus::Done, now);
                log(
                    op,
                    now,
                    LogLevel::Info,
                    format!("{} is ready and live", d.id),
                );
                finish(op, now, None);
                return;
            }
            let why = if !seen.production {
                "previews do not move the environment's live pointer"
            } else if seen.app.is_rolled_back {
                "the environment is rolled back: promote it to send it traffic"
            } else {
                // Unkey moves live right after ready in a normal production environment.
                log(
                    op,
                    now,
                    LogLevel::Info,
                    format!("{} is ready; waiting for it to go live", d.id),
                );
                return;
            };
            set_step(op, 2, StepStatus::Skipped, now);
            log(
                op,
                now,
                LogLevel::Warn,
                format!("{} is ready but not live: {why}", d.id),
            );
            finish(op, now, None);
        }
        status if status.is_terminal() => {
            let why = d
                .error
                .as_ref()
                .map(|e| format!("{} failed at {}: {} ({})", d.id, e.step, e.message, e.code))
                .unwrap_or_else(|| format!("{} ended {}", d.id, status.as_str()));
            finish(op, now, Some(why));
        }
        status => log(
            op,
            now,
            LogLevel::Info,
            format!("{} is {}", d.id, status.as_str()),
        ),
    }
}
