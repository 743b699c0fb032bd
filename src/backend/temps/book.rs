//! Temps keeps no operation records (a rollback makes no job and no new deployment; a
//! redeploy's pipeline answers without a deployment id), so the adapter keeps its own: id,
//! steps and log of every operation started here, for the life of the process.

use crate::domain::{
    EnvRef, LogLevel, LogLine, Operation, OperationId, OperationStatus, Step, StepStatus, Timestamp,
};
use std::collections::HashMap;
use std::sync::Mutex;

/// An operation and what following it needs.
#[derive(Clone, Debug)]
pub struct Tracked {
    pub operation: Operation,
    pub deadline: Timestamp,
    pub last_poll: Option<Timestamp>,
    /// The newest deployment of the environment before a redeploy was asked for.
    pub newest_before: Option<i32>,
    /// A redeploy's jobs: the status last seen and the log lines already copied.
    pub jobs_seen: HashMap<String, String>,
    pub log_lines_seen: HashMap<String, i64>,
}

impl Tracked {
    pub fn new(operation: Operation, deadline: Timestamp) -> Self {
        Self {
            operation,
            deadline,
            last_poll: None,
            newest_before: None,
            jobs_seen: HashMap::new(),
            log_lines_seen: HashMap::new(),
        }
    }
}

/// Every operation started through this adapter, oldest first.
#[derive(Default)]
pub struct OperationBook {
    entries: Mutex<Vec<Tracked>>,
}

impl OperationBook {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Tracked>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn insert(&self, tracked: Tracked) {
        self.lock().push(tracked);
    }

    pub fn by_idempotency_key(&self, env: &EnvRef, key: &str) -> Option<Operation> {
        self.lock()
            .iter()
            .find(|t| &t.operation.env == env && t.operation.idempotency_key == key)
            .map(|t| t.operation.clone())
    }

    pub fn get(&self, env: &EnvRef, id: &OperationId) -> Option<Tracked> {
        self.lock()
            .iter()
            .find(|t| &t.operation.id == id && &t.operation.env == env)
            .cloned()
    }

    /// Changes one record in place.
    pub fn update(&self, id: &OperationId, change: impl FnOnce(&mut Tracked)) {
        if let Some(tracked) = self.lock().iter_mut().find(|t| &t.operation.id == id) {
            change(tracked);
        }
    }

    pub fn replace(&self, tracked: Tracked) {
        self.update(&tracked.operation.id.clone(), |slot| *slot = tracked);
    }

    /// Forgets an operation Temps refused before doing anything.
    pub fn remove(&self, id: &OperationId) {
        self.lock().retain(|t| &t.operation.id != id);
    }

    /// Newest first.
    pub fn list(&self, env: &EnvRef) -> Vec<Tracked> {
        self.lock()
            .iter()
            .rev()
            .filter(|t| &t.operation.env == env)
            .cloned()
            .collect()
    }
}

pub fn new_id() -> OperationId {
    OperationId::new(format!("op_{}", uuid::Uuid::new_v4().simple()))
}

pub fn step(name: impl Into<String>, status: StepStatus, now: Timestamp) -> Step {
    Step {
        expected_secs: None,
        name: name.into(),
        status,
        started_at: matches!(status, StepStatus::Running | StepStatus::Done).then_some(now),
        finished_at: (status == StepStatus::Done).then_some(now),
    }
}

/// Adds a line unless it repeats the last one (looks repeat themselves).
pub fn log(operation: &mut Operation, now: Timestamp, level: LogLevel, message: impl Into<String>) {
    let message = message.into();
    if operation.log.last().map(|l| &l.message) == Some(&message) {
        return;
    }
    operation.log.push(LogLine {
        at: now,
        level,
        message,
    });
    operation.updated_at = now;
}

/// Moves step `index` to `status`; the next pending step starts when one is done.
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
    if status == StepStatus::Done
        && let Some(next) = operation.steps.get_mut(index + 1)
        && next.status == StepStatus::Pending
    {
        next.status = StepStatus::Running;
        next.started_at = Some(now);
    }
}

/// Ends the operation: completed, or in exception with `error` (also logged).
pub fn finish(operation: &mut Operation, now: Timestamp, error: Option<String>) {
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
    for step in &mut operation.steps {
        if step.status == StepStatus::Pending {
            step.status = StepStatus::Skipped;
        }
    }
    operation.status = if error.is_some() {
        OperationStatus::Exception
    } else {
        OperationStatus::Completed
    };
    operation.finished_at = Some(now);
    operation.updated_at = now;
    operation.error = error;
}
