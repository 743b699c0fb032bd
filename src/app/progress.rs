//! How far an operation has come: the step it is on, how long it has run, and when it
//! should end. Pure, so the ETA can be checked on a virtual clock.

use crate::domain::{Operation, StepStatus, Timestamp};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The step under way (1-based); `of` when every step is over.
    pub step: usize,
    pub of: usize,
    /// The name of the step under way.
    pub current: Option<String>,
    /// Seconds since the operation was created (to its end, once over).
    pub elapsed_secs: u64,
    /// Seconds left, when it can be told: from the platform's expected step durations,
    /// else from the plan's estimate, else from the pace of the steps done so far.
    pub eta_secs: Option<u64>,
}

pub fn progress(op: &Operation, now: Timestamp, estimate_secs: Option<u64>) -> Progress {
    let of = op.steps.len();
    let current = op
        .steps
        .iter()
        .position(|s| s.status == StepStatus::Running)
        .or_else(|| {
            op.steps
                .iter()
                .position(|s| s.status == StepStatus::Pending)
        });
    let end = op.finished_at.unwrap_or(now);
    let elapsed_secs = (end - op.created_at).num_seconds().max(0) as u64;
    let finished = op.status.is_finished();
    let eta_secs = if finished {
        None
    } else {
        from_steps(op, now)
            .or_else(|| estimate_secs.map(|e| e.saturating_sub(elapsed_secs)))
            .or_else(|| from_pace(op))
    };
    Progress {
        step: current.map_or(of, |i| i + 1),
        of,
        current: current.map(|i| op.steps[i].name.clone()),
        elapsed_secs,
        eta_secs,
    }
}

/// The rest of the running step and every pending one, when the platform said how long
/// each takes.
fn from_steps(op: &Operation, now: Timestamp) -> Option<u64> {
    let mut left = 0u64;
    for step in &op.steps {
        match step.status {
            StepStatus::Running => {
                let expected = step.expected_secs?;
                let ran = step
                    .started_at
                    .map_or(0, |at| (now - at).num_seconds().max(0) as u64);
                left += expected.saturating_sub(ran);
            }
            StepStatus::Pending => left += step.expected_secs?,
            _ => {}
        }
    }
    Some(left)
}

/// The steps left at the pace of those done.
fn from_pace(op: &Operation) -> Option<u64> {
    let done: Vec<i64> = op
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Done)
        .filter_map(|s| Some((s.finished_at? - s.started_at?).num_seconds().max(0)))
        .collect();
    if done.is_empty() {
        return None;
    }
    let pace = done.iter().sum::<i64>() as u64 / done.len() as u64;
    let left = op
        .steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Pending | StepStatus::Running))
        .count() as u64;
    Some(pace * left)
}
