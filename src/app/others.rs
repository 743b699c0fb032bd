//! Other people: what changed at the platform that this console did not do is announced
//! with who, what and when, on the bottom line and in the operations log.

use super::message::{change_text, clock};
use super::state::{Level, LogEntry, State, Toast};
use crate::domain::Action;
use crate::domain::{LiveCause, LiveChange, Operation, OperationKind, OperationStatus, Timestamp};
use crate::operation::verb;

/// New operations read from the platform: another engineer's that started or ended since
/// the last read are announced. The first read of an environment only learns what exists.
pub fn on_operations(state: &mut State, operations: Vec<Operation>) {
    if !state.view.operations_loaded {
        state.view.operations_loaded = true;
        state.view.operations = operations;
        state.dirty = true;
        return;
    }
    let mut news = Vec::new();
    for op in &operations {
        if state.is_own(op) {
            continue;
        }
        let before = state.view.operations.iter().find(|o| o.id == op.id);
        let finished = op.status.is_finished();
        match (before, finished) {
            (None, false) => news.push(started(state, op)),
            (None, true) => news.push(ended(state, op)),
            (Some(b), true) if !b.status.is_finished() => news.push(ended(state, op)),
            _ => {}
        }
    }
    if operations != state.view.operations {
        state.view.operations = operations;
        state.dirty = true;
    }
    for (level, text, op) in news {
        announce(state, level, text, Some(op));
    }
}

/// A new live history: changes by others that no operation explains (a push, a platform
/// without operations) are announced.
pub fn on_history(state: &mut State, before_last: Option<Timestamp>) {
    if !state.view.history_loaded {
        state.view.history_loaded = true;
        return;
    }
    let fresh: Vec<LiveChange> = state
        .view
        .live_history
        .as_slice()
        .iter()
        .filter(|c| before_last.is_none_or(|at| c.at > at))
        .cloned()
        .collect();
    for change in fresh {
        if explained(state, &change) {
            continue;
        }
        let text = match change.cause {
            LiveCause::Deploy | LiveCause::Redeploy => format!(
                "{} is live: {}",
                state.label_of(&change.deployment),
                change_text(state, &change)
            ),
            _ => change_text(state, &change),
        };
        announce(state, Level::Info, text, None);
    }
}

/// An operation (this console's or another's) that moved live to this deployment.
fn explained(state: &State, change: &LiveChange) -> bool {
    state.view.operations.iter().any(|op| {
        let moved = match op.kind {
            OperationKind::Redeploy => op.new_deployment.as_ref() == Some(&change.deployment),
            _ => op.target == change.deployment,
        };
        moved && op.created_at <= change.at
    }) || state.active.as_ref().is_some_and(|a| {
        a.operation
            .as_ref()
            .is_some_and(|o| o.target == change.deployment)
    })
}

/// `roll back to v41 (web only)`, or as a noun, `rollback to v41 (web only)`.
fn what(state: &State, op: &Operation, noun: bool) -> String {
    let label = state.label_of(&op.target);
    let part = if op.scope.is_everything() {
        String::new()
    } else {
        format!(" ({} only)", op.scope.describe())
    };
    let what = match (op.kind, noun) {
        (OperationKind::Rollback, false) => format!("{} to {label}", verb(Action::Rollback)),
        (OperationKind::Rollback, true) => format!("rollback to {label}"),
        (OperationKind::Promote, false) => format!("promote {label}"),
        (OperationKind::Promote, true) => format!("promotion of {label}"),
        (OperationKind::Redeploy, false) => format!("redeploy {label}"),
        (OperationKind::Redeploy, true) => format!("redeploy of {label}"),
    };
    format!("{what}{part}")
}

fn started(state: &State, op: &Operation) -> (Level, String, Operation) {
    let text = format!(
        "{} started to {} at {}",
        op.actor,
        what(state, op, false),
        clock(op.created_at, state.settings.local_offset)
    );
    (Level::Warn, text, op.clone())
}

fn ended(state: &State, op: &Operation) -> (Level, String, Operation) {
    let at = clock(
        op.finished_at.unwrap_or(op.updated_at),
        state.settings.local_offset,
    );
    let (level, how) = match op.status {
        OperationStatus::Completed => (Level::Info, "completed".to_owned()),
        _ => (
            Level::Warn,
            format!(
                "failed: {}",
                op.error.as_deref().unwrap_or("no reason given")
            ),
        ),
    };
    let text = format!("{}'s {} {how} at {at}", op.actor, what(state, op, true));
    (level, text, op.clone())
}

/// On the bottom line and in the log, naming the operation so `Enter` opens it.
fn announce(state: &mut State, level: Level, text: String, op: Option<Operation>) {
    state.log.push(LogEntry {
        at: state.now,
        level,
        text: text.clone(),
        env: state.env.clone(),
        operation: op.map(|o| o.id),
        detail: None,
    });
    // A message the engineer has not seen yet about their own action stays: the news is
    // in the log, and on the bottom line only when it matters as much.
    let keeps = state
        .toast
        .as_ref()
        .is_some_and(|t| rank(t.level) > rank(level));
    if !keeps {
        state.toast = Some(Toast {
            level,
            keep_from: text.len(),
            text,
            more: false,
        });
    }
    state.dirty = true;
}

fn rank(level: Level) -> u8 {
    match level {
        Level::Info => 0,
        Level::Ok => 1,
        Level::Warn => 2,
        Level::Error => 3,
    }
}
