//! Fly keeps no operation records beyond its client-written releases, so the adapter keeps
//! its own: each operation started here with its steps, log and a way to stop it, for the
//! life of the process.

use crate::domain::{
    EnvRef, LogLevel, LogLine, Operation, OperationId, OperationStatus, StepStatus, Timestamp,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Clone, Debug)]
struct Entry {
    operation: Operation,
    stop: Arc<AtomicBool>,
}

/// Every operation started through this adapter, oldest first.
#[derive(Default)]
pub struct OperationBook {
    entries: Mutex<Vec<Entry>>,
}

impl OperationBook {
    fn lock(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an operation; the flag its rollout watches to stop.
    pub fn insert(&self, operation: Operation) -> Arc<AtomicBool> {
        let stop = Arc::new(AtomicBool::new(false));
        self.lock().push(Entry {
            operation,
            stop: stop.clone(),
        });
        stop
    }

    /// The flag an operation's rollout watches.
    pub fn stop_flag(&self, id: &OperationId) -> Arc<AtomicBool> {
        self.lock()
            .iter()
            .find(|e| &e.operation.id == id)
            .map(|e| e.stop.clone())
            .unwrap_or_default()
    }

    pub fn by_idempotency_key(&self, env: &EnvRef, key: &str) -> Option<Operation> {
        self.lock()
            .iter()
            .find(|e| &e.operation.env == env && e.operation.idempotency_key == key)
            .map(|e| e.operation.clone())
    }

    pub fn get(&self, env: &EnvRef, id: &OperationId) -> Option<Operation> {
        self.lock()
            .iter()
            .find(|e| &e.operation.id == id && &e.operation.env == env)
            .map(|e| e.operation.clone())
    }

    /// Newest first.
    pub fn list(&self, env: &EnvRef) -> Vec<Operation> {
        let mut out: Vec<Operation> = self
            .lock()
            .iter()
            .filter(|e| &e.operation.env == env)
            .map(|e| e.operation.clone())
            .collect();
        out.reverse();
        out
    }

    /// Operations still under way, in every environment.
    pub fn running(&self) -> Vec<Operation> {
        self.lock()
            .iter()
            .filter(|e| !e.operation.status.is_finished())
            .map(|e| e.operation.clone())
            .collect()
    }

    /// Asks a running operation to stop; whether it was still running.
    pub fn ask_to_stop(&self, id: &OperationId) -> bool {
        match self.lock().iter().find(|e| &e.operation.id == id) {
            Some(entry) if !entry.operation.status.is_finished() => {
                entry.stop.store(true, Ordering::SeqCst);
                true
            }
            _ => false,
        }
    }

    /// Changes one record in place.
    pub fn update(&self, id: &OperationId, change: impl FnOnce(&mut Operation)) {
        if let Some(entry) = self.lock().iter_mut().find(|e| &e.operation.id == id) {
            change(&mut entry.operation);
        }
    }

    pub fn log(
        &self,
        id: &OperationId,
        at: Timestamp,
        level: LogLevel,
        message: impl Into<String>,
    ) {
        let message = message.into();
        self.update(id, |op| {
            op.log.push(LogLine { at, level, message });
            op.updated_at = at;
        });
    }

    /// Step `index` moves to `status`.
    pub fn step(&self, id: &OperationId, index: usize, status: StepStatus, at: Timestamp) {
        self.update(id, |op| {
            if let Some(step) = op.steps.get_mut(index) {
                if status == StepStatus::Running {
                    step.started_at = Some(at);
                } else {
                    step.started_at.get_or_insert(at);
                    step.finished_at = Some(at);
                }
                step.status = status;
            }
            if op.status == OperationStatus::Queued {
                op.status = OperationStatus::InProgress;
            }
            op.updated_at = at;
        });
    }

    /// The operation ends: completed, or an exception with `error`; steps not reached are
    /// skipped.
    pub fn finish(&self, id: &OperationId, at: Timestamp, error: Option<String>) {
        self.update(id, |op| {
            for step in &mut op.steps {
                if matches!(step.status, StepStatus::Pending) {
                    step.status = StepStatus::Skipped;
                }
                if matches!(step.status, StepStatus::Running) {
                    step.status = if error.is_some() {
                        StepStatus::Failed
                    } else {
                        StepStatus::Done
                    };
                    step.finished_at = Some(at);
                }
            }
            op.status = if error.is_some() {
                OperationStatus::Exception
            } else {
                OperationStatus::Completed
            };
            op.error = error;
            op.finished_at = Some(at);
            op.updated_at = at;
        });
    }
}
