//! Following an operation until it finishes, telling its steps and log as they arrive, each
//! once and in order: a status change while it runs, the steps, the log, and the final
//! status last.

use super::CommandError;
use crate::backend::Backend;
use crate::domain::{EnvRef, LogLine, Operation, OperationId, OperationStatus, StepStatus};
use serde_json::{Value, json};
use std::time::Duration;

/// Consecutive failed reads of the operation after which the command stops waiting.
const MAX_FAILED_READS: u32 = 10;

/// Something that happened to an operation since the last look.
#[derive(Clone, Debug, PartialEq)]
pub enum News {
    Status(OperationStatus),
    Step { name: String, status: StepStatus },
    Log(LogLine),
}

impl News {
    /// The line a person reads.
    pub fn text(&self) -> String {
        match self {
            Self::Status(status) => format!("  status  {}", status.as_str()),
            Self::Step { name, status } => format!("  step    {name} {}", step_word(*status)),
            Self::Log(line) => {
                let level = format!("{:?}", line.level).to_lowercase();
                format!("  {level:<6}  {}", line.message)
            }
        }
    }

    /// The `--output jsonl` event.
    pub fn json(&self, operation: &OperationId) -> Value {
        let fields = match self {
            Self::Status(status) => ("status", json!({ "status": status })),
            Self::Step { name, status } => ("step", json!({ "name": name, "status": status })),
            Self::Log(line) => (
                "log",
                json!({ "at": line.at, "level": line.level, "message": line.message }),
            ),
        };
        let mut event = super::event(fields.0, fields.1);
        event["operation_id"] = json!(operation);
        event
    }
}

/// What was already told about one operation.
#[derive(Default)]
pub struct Progress {
    steps: Vec<(String, StepStatus)>,
    log_lines: usize,
    status: Option<OperationStatus>,
}

impl Progress {
    /// What changed in `op` since the last call, in telling order.
    pub fn news(&mut self, op: &Operation) -> Vec<News> {
        let mut news = Vec::new();
        let status_changed = self.status != Some(op.status);
        // A running status first; the final one after the steps and log that led to it.
        if status_changed && !op.status.is_finished() {
            news.push(News::Status(op.status));
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
                news.push(News::Step {
                    name: step.name.clone(),
                    status: step.status,
                });
            }
        }
        news.extend(op.log.iter().skip(self.log_lines).cloned().map(News::Log));
        self.log_lines = self.log_lines.max(op.log.len());
        if status_changed && op.status.is_finished() {
            news.push(News::Status(op.status));
        }
        self.status = Some(op.status);
        news
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
    /// Ctrl-C: this command stopped waiting.
    Interrupted,
}

/// Polls the operation every `interval` until it is completed or in exception. `progress`
/// holds what was already told (a command that showed the operation first passes it on).
pub async fn until_finished(
    backend: &dyn Backend,
    env: &EnvRef,
    id: &OperationId,
    interval: Duration,
    progress: &mut Progress,
    mut on_news: impl FnMut(&[News]),
) -> Result<Waited, CommandError> {
    let mut failures = 0;
    let mut interrupt = super::Interrupt::new();
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
            () = interrupt.pressed() => return Ok(Waited::Interrupted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{LogLevel, OperationKind, Step};

    fn op(status: OperationStatus, steps: &[(&str, StepStatus)], log: &[&str]) -> Operation {
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        Operation {
            id: OperationId::new("op_1"),
            kind: OperationKind::Redeploy,
            env: EnvRef::new("p", "e"),
            target: "d1".into(),
            expected_live: None,
            idempotency_key: "k".into(),
            actor: "alice".into(),
            status,
            strategy: None,
            scope: Default::default(),
            steps: steps
                .iter()
                .map(|(name, status)| Step {
                    name: (*name).to_owned(),
                    status: *status,
                    started_at: None,
                    finished_at: None,
                    expected_secs: None,
                })
                .collect(),
            log: log
                .iter()
                .map(|message| LogLine {
                    at,
                    level: LogLevel::Info,
                    message: (*message).to_owned(),
                })
                .collect(),
            created_at: at,
            updated_at: at,
            finished_at: None,
            new_deployment: None,
            error: None,
        }
    }

    fn texts(news: &[News]) -> Vec<String> {
        news.iter().map(News::text).collect()
    }

    #[test]
    fn the_final_status_comes_after_the_steps_and_log_that_led_to_it() {
        use StepStatus::*;
        let mut progress = Progress::default();
        let first = progress.news(&op(
            OperationStatus::InProgress,
            &[("queued", Running), ("build", Pending)],
            &["requested"],
        ));
        assert_eq!(
            texts(&first),
            [
                "  status  in progress",
                "  step    queued …",
                "  info    requested"
            ]
        );
        let last = progress.news(&op(
            OperationStatus::Completed,
            &[("queued", Done), ("build", Done)],
            &["requested", "queued: done", "build: done"],
        ));
        assert_eq!(
            texts(&last),
            [
                "  step    queued done",
                "  step    build done",
                "  info    queued: done",
                "  info    build: done",
                "  status  completed",
            ]
        );
        // Nothing new: nothing told twice.
        let again = progress.news(&op(
            OperationStatus::Completed,
            &[("queued", Done), ("build", Done)],
            &["requested", "queued: done", "build: done"],
        ));
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn events_name_the_operation() {
        let news = News::Step {
            name: "build".into(),
            status: StepStatus::Done,
        };
        let event = news.json(&OperationId::new("op_9"));
        assert_eq!(event["event"], "step");
        assert_eq!(event["operation_id"], "op_9");
        assert_eq!(event["status"], "done");
    }
}
