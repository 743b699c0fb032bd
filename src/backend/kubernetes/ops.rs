//! Operations this console started, followed like `kubectl rollout status`. Kubernetes keeps
//! no operation objects, so the records live in this process; the log is the workload's, its
//! ReplicaSet's and their pods' events.
//!
//! Following costs one read per round: the workload object, which says where the rollout
//! stands. Every [`EVENTS_EVERY`] a round reads events instead (the pods', the ReplicaSet's,
//! the workload's, in turn), so a rollout that hangs shows why; and the round that sees the end
//! also reads the workload's events, so the log tells what happened. A restart's new
//! ReplicaSet is looked up once, in a round of its own, when the controller has seen the
//! write. Events are always asked for by object (a field selector), never the namespace's all.

use super::status::{Rollout, WaitStep};
use super::workload::{Address, Snapshot, WorkloadKind, selector_string};
use crate::domain::{
    DeploymentId, LogLevel, LogLine, Operation, OperationId, OperationKind, OperationStatus, Step,
    StepStatus, Timestamp,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How often a round reads events instead of the workload, on the backend's clock.
pub const EVENTS_EVERY: Duration = Duration::from_secs(5);

/// What finishing means for this operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The written template is rolled out (rollback, restart, promote).
    RolledOut,
    /// An Argo Rollout acknowledged the abort.
    Aborted,
}

/// What an operation follows, taken from the snapshot the write was made from.
#[derive(Clone, Debug)]
pub struct Followed {
    pub address: Address,
    /// The workload's ReplicaSet selector, to find a restart's new ReplicaSet.
    selector: Option<String>,
    /// The ReplicaSet whose pods the operation brings up, when known.
    revision: Option<String>,
}

impl Followed {
    pub fn new(snap: &Snapshot, revision: Option<String>) -> Self {
        Self {
            address: snap.address.clone(),
            selector: selector_string(snap.owner.raw.pointer("/spec/selector")),
            revision,
        }
    }
}

/// Whose events a round reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// The workload's own (scaling its ReplicaSets).
    Workload,
    /// The ReplicaSet's (creating pods, quota refusals).
    ReplicaSet(String),
    /// The pods of that ReplicaSet (pulls, probes, crash loops): the namespace's pod events,
    /// kept for names `<replicaset>-…`.
    Pods(String),
}

impl EventSource {
    /// The field selector and, for pods, the name prefix kept.
    pub fn selector(&self, address: &Address) -> (String, Option<String>) {
        match self {
            Self::Workload => (
                format!(
                    "involvedObject.kind={},involvedObject.name={}",
                    match address.kind {
                        WorkloadKind::Deployment => "Deployment",
                        WorkloadKind::Rollout => "Rollout",
                    },
                    address.name
                ),
                None,
            ),
            Self::ReplicaSet(rs) => (
                format!("involvedObject.kind=ReplicaSet,involvedObject.name={rs}"),
                None,
            ),
            Self::Pods(rs) => ("involvedObject.kind=Pod".to_owned(), Some(format!("{rs}-"))),
        }
    }
}

/// The one read a round makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    Workload,
    /// The workload's ReplicaSets, with this label selector.
    Revisions(Option<String>),
    Events(EventSource),
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
    /// The workload object as last read (at first, the write's answer).
    owner: Value,
    selector: Option<String>,
    revision: Option<String>,
    /// Events before this moment (the API server's clock, whole seconds) are not this
    /// operation's.
    since: Timestamp,
    /// When a round next reads events, on the backend's clock.
    events_due: Timestamp,
    turn: usize,
    /// The last round listed the ReplicaSets: the next reads the workload whatever it found.
    listed_revisions: bool,
    seen_events: HashSet<String>,
}

impl Record {
    pub fn new(operation: Operation, followed: Followed, written: &Value, goal: Goal) -> Self {
        let since =
            write_time(written).unwrap_or(operation.created_at - chrono::Duration::seconds(1));
        let events_due = operation.created_at + every();
        Self {
            address: followed.address,
            generation: written
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            template: written
                .pointer("/spec/template")
                .cloned()
                .unwrap_or(Value::Null),
            goal,
            owner: written.clone(),
            selector: followed.selector,
            revision: followed.revision,
            since,
            events_due,
            turn: 0,
            listed_revisions: false,
            seen_events: HashSet::new(),
            operation,
        }
    }

    /// The read this round makes at `now`.
    pub fn next_read(&self, now: Timestamp) -> Read {
        if !self.listed_revisions && self.controller_saw_write() {
            let wanted = self.revisions_wanted();
            if wanted != Read::Workload {
                return wanted;
            }
        }
        if now >= self.events_due {
            let sources = match &self.revision {
                Some(rs) => vec![
                    EventSource::Pods(rs.clone()),
                    EventSource::ReplicaSet(rs.clone()),
                    EventSource::Workload,
                ],
                None => vec![EventSource::Workload],
            };
            return Read::Events(sources[self.turn % sources.len()].clone());
        }
        Read::Workload
    }

    /// A restart whose new ReplicaSet is not known yet wants the ReplicaSets listed.
    pub fn revisions_wanted(&self) -> Read {
        let restart = self.operation.kind == OperationKind::Redeploy;
        if restart && self.operation.new_deployment.is_none() {
            Read::Revisions(self.selector.clone())
        } else {
            Read::Workload
        }
    }

    /// The workload as read now.
    pub fn saw_workload(&mut self, raw: Value) {
        self.owner = raw;
        self.listed_revisions = false;
    }

    /// The workload's ReplicaSets as read now: a restart's new one is the one with the
    /// template we wrote.
    pub fn saw_revisions(&mut self, list: &[Value]) {
        self.listed_revisions = true;
        let found = list.iter().find(|rs| {
            let owned = rs
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| {
                    refs.iter().any(|r| {
                        r.get("uid") == self.owner.pointer("/metadata/uid")
                            && r.get("controller").and_then(Value::as_bool) == Some(true)
                    })
                });
            let template = rs.pointer("/spec/template").unwrap_or(&Value::Null);
            owned && super::objects::templates_equal(template, &self.template)
        });
        if let Some(name) = found.and_then(|rs| rs.pointer("/metadata/name")?.as_str()) {
            self.operation.new_deployment = Some(DeploymentId::new(name));
            self.revision = Some(name.to_owned());
        }
    }

    /// A round read events in place of the workload.
    pub fn read_events(&mut self, now: Timestamp) {
        self.turn += 1;
        self.events_due = now + every();
    }

    /// Whether the workload as last read shows the operation at its end.
    pub fn at_end(&self) -> bool {
        !matches!(self.state(), Rollout::Waiting { .. })
    }

    /// Brings the operation up to date with what was read.
    pub fn advance(&mut self, events: &[Value], now: Timestamp) {
        if self.operation.status.is_finished() {
            return;
        }
        self.add_events(events);
        let state = self.state();
        self.apply(state, now);
    }

    /// Whether the controller has acted on our write (`observedGeneration`; a string in
    /// some Argo Rollouts versions).
    fn controller_saw_write(&self) -> bool {
        let observed = self.owner.pointer("/status/observedGeneration");
        let observed = match observed {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        observed.is_some_and(|o| o >= self.generation)
    }

    fn state(&self) -> Rollout {
        let generation = self
            .owner
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let template = self
            .owner
            .pointer("/spec/template")
            .cloned()
            .unwrap_or(Value::Null);
        let superseded = self.goal == Goal::RolledOut
            && generation > self.generation
            && !super::objects::templates_equal(&template, &self.template);
        if superseded {
            return Rollout::Failed {
                message: format!(
                    "superseded: {} changed again (generation {generation}) before this rollout finished",
                    self.address.describe()
                ),
            };
        }
        if self.goal == Goal::Aborted {
            return match self.owner.pointer("/status/abortedAt") {
                Some(_) => Rollout::Done {
                    message: "rollout aborted; the stable ReplicaSet serves all traffic".into(),
                },
                None => Rollout::Waiting {
                    step: WaitStep::Observed,
                    message: "waiting for the controller to abort".into(),
                },
            };
        }
        match self.address.kind {
            WorkloadKind::Deployment => {
                match serde_json::from_value::<k8s_openapi::api::apps::v1::Deployment>(
                    self.owner.clone(),
                ) {
                    Ok(typed) => super::status::rollout(&typed),
                    Err(e) => Rollout::Waiting {
                        step: WaitStep::Observed,
                        message: format!("cannot read {}: {e}", self.address.describe()),
                    },
                }
            }
            WorkloadKind::Rollout => super::argo::rollout_state(&self.owner),
        }
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
        let since = self.since;
        let mut fresh: Vec<(Timestamp, LogLine)> = Vec::new();
        for e in events {
            let at = event_time(e).unwrap_or(since);
            if at < since || !self.seen_events.insert(event_key(e)) {
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

fn every() -> chrono::Duration {
    chrono::Duration::from_std(EVENTS_EVERY).unwrap_or_default()
}

/// When the API server applied our write: the newest `managedFields` time of our field
/// manager (whole seconds, the server's clock, so a skewed local clock loses no events).
fn write_time(written: &Value) -> Option<Timestamp> {
    written
        .pointer("/metadata/managedFields")?
        .as_array()?
        .iter()
        .filter(|f| f.get("manager").and_then(Value::as_str) == Some(super::api::FIELD_MANAGER))
        .filter_map(|f| f.get("time").and_then(Value::as_str))
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .max()
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
