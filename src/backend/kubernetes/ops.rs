//! Operations this console started, followed like `kubectl rollout status`. Kubernetes keeps
//! no operation objects, so the records live in this process; the log is the workload's
//! and its ReplicaSets' events.

use super::status::{Rollout, WaitStep};
use super::workload::{Address, Snapshot};
use crate::domain::{
    DeploymentId, LogLevel, LogLine, Operation, OperationId, OperationKind, OperationStatus, Step,
    StepStatus, Timestamp,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// What finishing means for this operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The written template is rolled out (rollback, restart, promote).
    RolledOut,
    /// An Argo Rollout acknowledged the abort.
    Aborted,
}

#[derive(Clone, Debug)]
pub struct Record {
    pub operation: Operation,
    pub address: Address,
    /// The owner's generation right after our write.
    pub generation: i64,
    /// The template we wrote, to tell our rollout from a later one.
    pub template: Value,
    pub goal: Goal,
    seen_events: HashSet<String>,
}

impl Record {
    /// `prior` are the events that existed before the write: never part of this log.
    pub fn new(
        operation: Operation,
        address: Address,
        written: &Value,
        goal: Goal,
        prior: &[Value],
    ) -> Self {
        Self {
            operation,
            address,
            generation: written
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            template: written
                .pointer("/spec/template")
                .cloned()
                .unwrap_or(Value::Null),
            goal,
            seen_events: prior.iter().map(event_key).collect(),
        }
    }

    /// Brings the operation up to date with the cluster.
    pub fn advance(&mut self, snap: &Snapshot, events: &[Value], now: Timestamp) {
        if self.operation.status.is_finished() {
            return;
        }
        self.add_events(events);
        let generation = snap
            .owner
            .raw
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let superseded = self.goal == Goal::RolledOut
            && generation > self.generation
            && !super::objects::templates_equal(&snap.owner.template(), &self.template);
        let state = if superseded {
            Rollout::Failed {
                message: format!(
                    "superseded: {} changed again (generation {generation}) before this rollout finished",
                    self.address.describe()
                ),
            }
        } else if self.goal == Goal::Aborted {
            match snap.owner.raw.pointer("/status/abortedAt") {
                Some(_) => Rollout::Done {
                    message: "rollout aborted; the stable ReplicaSet serves all traffic".into(),
                },
                None => Rollout::Waiting {
                    step: WaitStep::Observed,
                    message: "waiting for the controller to abort".into(),
                },
            }
        } else {
            snap.rollout.clone()
        };
        // A restart's new ReplicaSet exists once the controller made it.
        if self.operation.kind == OperationKind::Redeploy
            && self.operation.new_deployment.is_none()
            && let Some(live) = snap.live_rs()
            && super::objects::templates_equal(&live.template(), &self.template)
        {
            self.operation.new_deployment = Some(DeploymentId::new(live.name()));
        }
        self.apply(state, now);
    }

    fn apply(&mut self, state: Rollout, now: Timestamp) {
        let op = &mut self.operation;
        let (current, status, message, level) = match &state {
            Rollout::Waiting { step, message } => (
                Some(*step),
                OperationStatus::InProgress,
                message,
                LogLevel::Info,
            ),
            Rollout::Done { message } => {
                (None, OperationStatus::Completed, message, LogLevel::Info)
            }
            Rollout::Failed { message } => (
                op.steps
                    .iter()
                    .skip(1)
                    .position(|s| s.status != StepStatus::Done)
                    .map(|i| WaitStep::ALL[i.min(WaitStep::ALL.len() - 1)]),
                OperationStatus::Exception,
                message,
                LogLevel::Error,
            ),
        };
        let current_index = current.and_then(|c| WaitStep::ALL.iter().position(|s| *s == c));
        // The first step, the write itself, is done before any follow-up.
        for (i, step) in op.steps.iter_mut().skip(1).enumerate() {
            let new = match (status, current_index) {
                (OperationStatus::Completed, _) => StepStatus::Done,
                (_, Some(c)) if i < c => StepStatus::Done,
                (OperationStatus::Exception, Some(c)) if i == c => StepStatus::Failed,
                (OperationStatus::Exception, _) => StepStatus::Skipped,
                (_, Some(c)) if i == c => StepStatus::Running,
                _ => StepStatus::Pending,
            };
            if new != step.status {
                if matches!(new, StepStatus::Running) && step.started_at.is_none() {
                    step.started_at = Some(now);
                }
                if matches!(new, StepStatus::Done | StepStatus::Failed) {
                    step.started_at.get_or_insert(now);
                    step.finished_at = Some(now);
                }
                step.status = new;
            }
        }
        if op.log.last().map(|l| &l.message) != Some(message) {
            op.log.push(LogLine {
                at: now,
                level,
                message: message.clone(),
            });
        }
        op.status = status;
        op.updated_at = now;
        if status.is_finished() {
            op.finished_at = Some(now);
            if status == OperationStatus::Exception {
                op.error = Some(message.clone());
            }
        }
    }

    fn add_events(&mut self, events: &[Value]) {
        let since = self.operation.created_at;
        let mut fresh: Vec<(Timestamp, LogLine)> = Vec::new();
        for e in events {
            let at = event_time(e).unwrap_or(since);
            // Event times have whole seconds: compare at that precision.
            let floor = since - chrono::Duration::seconds(1);
            if at < floor || !self.seen_events.insert(event_key(e)) {
                continue;
            }
            let object = e
                .pointer("/involvedObject/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let reason = e.get("reason").and_then(Value::as_str).unwrap_or_default();
            let message = e.get("message").and_then(Value::as_str).unwrap_or_default();
            let level = if e.get("type").and_then(Value::as_str) == Some("Warning") {
                LogLevel::Warn
            } else {
                LogLevel::Info
            };
            fresh.push((
                at,
                LogLine {
                    at,
                    level,
                    message: format!("{object}: {reason}: {message}"),
                },
            ));
        }
        fresh.sort_by_key(|(at, _)| *at);
        self.operation.log.extend(fresh.into_iter().map(|(_, l)| l));
    }
}

/// An event is new when its uid or its count is (the API server bumps `count` on repeats).
fn event_key(e: &Value) -> String {
    format!(
        "{}#{}",
        e.pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        e.get("count").and_then(Value::as_i64).unwrap_or(1)
    )
}

fn event_time(e: &Value) -> Option<Timestamp> {
    [
        "lastTimestamp",
        "eventTime",
        "firstTimestamp",
        "metadata/creationTimestamp",
    ]
    .iter()
    .find_map(|p| e.pointer(&format!("/{p}")).and_then(Value::as_str))
    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    .map(|t| t.with_timezone(&chrono::Utc))
}

/// The steps every followed operation shows.
pub fn initial_steps(now: Timestamp) -> Vec<Step> {
    let mut steps = vec![Step {
        expected_secs: None,
        name: "patch sent".into(),
        status: StepStatus::Done,
        started_at: Some(now),
        finished_at: Some(now),
    }];
    steps.extend(WaitStep::ALL.iter().map(|s| Step {
        expected_secs: None,
        name: s.name().into(),
        status: StepStatus::Pending,
        started_at: None,
        finished_at: None,
    }));
    steps
}

/// All records, by id and by idempotency key.
#[derive(Default)]
pub struct Store {
    by_id: HashMap<OperationId, Record>,
    by_key: HashMap<String, OperationId>,
    order: Vec<OperationId>,
}

impl Store {
    pub fn by_key(&self, key: &str) -> Option<&Record> {
        self.by_key.get(key).and_then(|id| self.by_id.get(id))
    }

    pub fn insert(&mut self, record: Record) {
        let id = record.operation.id.clone();
        self.by_key
            .insert(record.operation.idempotency_key.clone(), id.clone());
        self.order.push(id.clone());
        self.by_id.insert(id, record);
    }

    pub fn get(&self, id: &OperationId) -> Option<&Record> {
        self.by_id.get(id)
    }

    pub fn get_mut(&mut self, id: &OperationId) -> Option<&mut Record> {
        self.by_id.get_mut(id)
    }

    /// Newest first.
    pub fn all(&self) -> impl Iterator<Item = &Record> {
        self.order.iter().rev().filter_map(|id| self.by_id.get(id))
    }
}
