//! Following an operation until it finishes, printing its steps and log as they arrive.

use super::CommandError;
use crate::backend::Backend;
use crate::domain::{EnvRef, Operation, OperationId, StepStatus};
use std::time::Duration;

/// Consecutive failed reads of the operation after which the command stops waiting.
const MAX_FAILED_READS: u32 = 10;

/// Prints what is new since the last look.
#[derive(Default)]
pub struct Progress {
    steps: Vec<(String, StepStatus)>,
    log_lines: usize,
    status: Option<crate::domain::OperationStatus>,
}

impl Progress {
    /// The lines to print for what changed in `op` since the last call.
    pub fn news(&mut self, op: &Operation) -> Vec<String> {
        let mut lines = Vec::new();
        if self.status != Some(op.status) {
            lines.push(format!("  status  {}", op.status.as_str()));
            self.status = Some(op.status);
        }
        for step in &op.steps {
            let known = self.steps.iter_mut().find(|(name, _)| name == &step.name);
            let changed = match known {
                Some((_, status)) if *status == step.status => false,
                Some((_, status)) => {
                    *status = step.status;
                    true
                }
                None => {
                    self.steps.push((step.name.clone(), step.status));
                    step.status != StepStatus::Pending
                }
            };
            if changed {
                lines.push(format!(
                    "  step    {} {}",
                    step.name,
                    step_word(step.status)
                ));
            }
        }
        for line in op.log.iter().skip(self.log_lines) {
            let level = format!("{:?}", line.level).to_lowercase();
            lines.push(format!("  {level:<6}  {}", line.message));
        }
        self.log_lines = self.log_lines.max(op.log.len());
        lines
    }
}

fn step_word(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "pending",
        StepStatus::Running => "…",
        StepStatus::Done => "done",
        StepStatus::Failed => "FAILED",
        StepStatus::Skipped => "skipped",
    }
}

pub enum Waited {
    Finished(Box<Operation>),
    /// Ctrl-C: the operation goes on at the backend.
    Interrupted,
}

/// Polls the operation every `interval` until it is completed or in exception.
pub async fn until_finished(
    backend: &dyn Backend,
    env: &EnvRef,
    id: &OperationId,
    interval: Duration,
    mut on_news: impl FnMut(&[String]),
) -> Result<Waited, CommandError> {
    let mut progress = Progress::default();
    let mut failures = 0;
    loop {
        match backend.operation(env, id).await {
            Ok(op) => {
                failures = 0;
                on_news(&progress.news(&op));
                if op.status.is_finished() {
                    return Ok(Waited::Finished(Box::new(op)));
                }
            }
            Err(error) if error.is_retryable() && failures < MAX_FAILED_READS => {
                failures += 1;
                tracing::warn!(%error, operation = %id, "reading the operation failed; retrying");
            }
            Err(error) => return Err(CommandError::Backend(error)),
        }
        let pause = tokio::time::sleep(interval);
        tokio::select! {
            _ = pause => {}
            _ = tokio::signal::ctrl_c() => return Ok(Waited::Interrupted),
        }
    }
}
