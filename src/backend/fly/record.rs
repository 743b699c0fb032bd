//! The operation record of a rollout as it starts: its steps (the checks, the release, the
//! leases, one per batch with its expected time, the leases back, the final mark) and the
//! first line of its log.

use super::Inner;
use super::api::{Machine, NewRelease, Release};
use super::mapping::{self, Snapshot};
use super::plan::{self, Pace};
use super::switch::Ask;
use crate::domain::{
    LogLevel, LogLine, Operation, OperationId, OperationKind, OperationStatus, Step, StepStatus,
};

fn done_step(name: impl Into<String>, at: crate::domain::Timestamp) -> Step {
    Step {
        name: name.into(),
        status: StepStatus::Done,
        started_at: Some(at),
        finished_at: Some(at),
        expected_secs: None,
    }
}

fn pending_step(name: impl Into<String>, expected_secs: Option<u64>) -> Step {
    Step {
        name: name.into(),
        status: StepStatus::Pending,
        started_at: None,
        finished_at: None,
        expected_secs,
    }
}

impl Inner {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn operation(
        &self,
        ask: &Ask,
        snap: &Snapshot,
        target: &Release,
        release: &NewRelease,
        machines: &[Machine],
        batches: &[plan::Batch],
        pace: Pace,
    ) -> Operation {
        let now = self.clock.now();
        let mut steps = vec![
            done_step(
                format!(
                    "check the image of {} and {} Machine{}",
                    mapping::label(target.version),
                    machines.len(),
                    if machines.len() == 1 { "" } else { "s" }
                ),
                now,
            ),
            done_step(
                format!("create release v{} (running)", release.version),
                now,
            ),
            done_step(format!("lease {} Machines", machines.len()), now),
        ];
        if pace.canary() {
            let groups: Vec<&str> = {
                let mut g: Vec<&str> = batches.iter().map(|b| b.group.as_str()).collect();
                g.dedup();
                g
            };
            steps.push(pending_step(
                format!("canary Machine per group ({})", groups.join(", ")),
                Some(plan::CANARY_SECS * groups.len() as u64),
            ));
        }
        let per_batch = match pace {
            Pace::Immediate => plan::IMMEDIATE_SECS,
            Pace::BlueGreen => plan::BLUEGREEN_SECS,
            Pace::Rolling { .. } => plan::MACHINE_SECS,
        };
        for (i, batch) in batches.iter().enumerate() {
            steps.push(pending_step(
                format!("batch {}/{}: {}", i + 1, batches.len(), batch.describe()),
                Some(per_batch),
            ));
        }
        steps.push(pending_step("give the leases back", None));
        steps.push(pending_step(
            format!("mark release v{} complete", release.version),
            None,
        ));
        let what = match ask.kind {
            OperationKind::Redeploy => format!("redeploy of {}", mapping::label(target.version)),
            _ => format!("rollback to {}", mapping::label(target.version)),
        };
        Operation {
            id: OperationId::new(format!("fly-{}-v{}", snap.app, release.version)),
            kind: ask.kind,
            env: ask.env.clone(),
            target: ask.target.clone(),
            expected_live: ask.expected_live.clone(),
            idempotency_key: ask.key.clone(),
            actor: ask.actor.clone(),
            status: OperationStatus::InProgress,
            strategy: ask.strategy,
            scope: ask.scope.clone(),
            steps,
            log: vec![LogLine {
                at: now,
                level: LogLevel::Info,
                message: format!(
                    "{what} as release v{} of {}: {} Machines, {}",
                    release.version,
                    snap.app,
                    machines.len(),
                    pace.release_strategy().to_lowercase()
                ),
            }],
            created_at: now,
            updated_at: now,
            finished_at: None,
            new_deployment: (ask.kind == OperationKind::Redeploy)
                .then(|| mapping::id(release.version)),
            error: None,
        }
    }
}
