//! Argo Rollouts (`argoproj.io/v1alpha1 Rollout`): status, and the merge patches of
//! `kubectl argo rollouts promote [--full]` and `abort` (`pkg/kubectl-argo-rollouts/cmd/*`).
//! Status patches go to the `status` subresource first and to the object when the
//! subresource is not served, as the plugin does.

use super::status::{Rollout, WaitStep};
use serde_json::{Value, json};

/// How far a promote goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromoteKind {
    /// The next step (or out of a pause).
    Step,
    /// Skip the remaining steps and analysis.
    Full,
}

/// The spec and status merge patches of a promote, as the plugin computes them; `None`
/// where there is nothing to send.
pub fn promote_patches(rollout: &Value, kind: PromoteKind) -> (Option<Value>, Option<Value>) {
    let paused = rollout.pointer("/spec/paused").and_then(Value::as_bool) == Some(true);
    let spec = paused.then(|| json!({"spec": {"paused": false}}));
    let status = match kind {
        PromoteKind::Full => {
            let current = rollout.pointer("/status/currentPodHash");
            let stable = rollout.pointer("/status/stableRS");
            (current != stable).then(|| json!({"status": {"promoteFull": true}}))
        }
        PromoteKind::Step => {
            let has_pause = rollout
                .pointer("/status/pauseConditions")
                .and_then(Value::as_array)
                .is_some_and(|p| !p.is_empty());
            let steps = rollout
                .pointer("/spec/strategy/canary/steps")
                .and_then(Value::as_array)
                .map(Vec::len);
            if has_pause {
                Some(json!({"status": {"pauseConditions": null}}))
            } else if let Some(steps) = steps {
                let index = rollout
                    .pointer("/status/currentStepIndex")
                    .and_then(Value::as_u64)
                    .unwrap_or(0) as usize;
                let next = if index < steps { index + 1 } else { index };
                Some(json!({"status": {"currentStepIndex": next}}))
            } else {
                None
            }
        }
    };
    (spec, status)
}

/// `{"status":{"abort":true}}`: stop the update, the stable ReplicaSet takes all traffic.
pub fn abort_patch() -> Value {
    json!({"status": {"abort": true}})
}

/// A Rollout's state from its `status.phase` (`Healthy|Degraded|Progressing|Paused`).
pub fn rollout_state(rollout: &Value) -> Rollout {
    let phase = rollout
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Progressing");
    let message = rollout
        .pointer("/status/message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let text = |what: &str| {
        if message.is_empty() {
            what.to_owned()
        } else {
            format!("{what}: {message}")
        }
    };
    match phase {
        "Healthy" => Rollout::Done {
            message: text("rollout healthy"),
        },
        "Degraded" => Rollout::Failed {
            message: text("rollout degraded"),
        },
        "Paused" => Rollout::Waiting {
            step: WaitStep::Updated,
            message: text("rollout paused"),
        },
        _ => Rollout::Waiting {
            step: WaitStep::Updated,
            message: text("rollout progressing"),
        },
    }
}

/// The pod hash of the stable ReplicaSet and of the one being rolled out.
pub fn stable_and_current(rollout: &Value) -> (Option<&str>, Option<&str>) {
    (
        rollout.pointer("/status/stableRS").and_then(Value::as_str),
        rollout
            .pointer("/status/currentPodHash")
            .and_then(Value::as_str),
    )
}

/// Whether an update is under way (the canary differs from stable and was not aborted).
pub fn update_in_progress(rollout: &Value) -> bool {
    let (stable, current) = stable_and_current(rollout);
    let aborted = rollout.pointer("/status/abort").and_then(Value::as_bool) == Some(true);
    current.is_some() && stable != current && !aborted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_promote_clears_pause_conditions_or_advances_the_step() {
        let paused = json!({"spec": {"paused": true, "strategy": {"canary": {"steps": [{}, {}]}}},
                            "status": {"pauseConditions": [{"reason": "CanaryPauseStep"}]}});
        let (spec, status) = promote_patches(&paused, PromoteKind::Step);
        assert_eq!(spec, Some(json!({"spec": {"paused": false}})));
        assert_eq!(status, Some(json!({"status": {"pauseConditions": null}})));

        let stepping = json!({"spec": {"strategy": {"canary": {"steps": [{}, {}, {}]}}},
                              "status": {"currentStepIndex": 1}});
        let (spec, status) = promote_patches(&stepping, PromoteKind::Step);
        assert_eq!(spec, None);
        assert_eq!(status, Some(json!({"status": {"currentStepIndex": 2}})));
    }

    #[test]
    fn full_promote_only_when_the_canary_is_not_stable() {
        let canary = json!({"spec": {}, "status": {"currentPodHash": "b", "stableRS": "a"}});
        assert_eq!(
            promote_patches(&canary, PromoteKind::Full).1,
            Some(json!({"status": {"promoteFull": true}}))
        );
        let settled = json!({"spec": {}, "status": {"currentPodHash": "a", "stableRS": "a"}});
        assert_eq!(promote_patches(&settled, PromoteKind::Full).1, None);
    }

    #[test]
    fn phases_map_to_rollout_states() {
        assert!(matches!(
            rollout_state(&json!({"status": {"phase": "Healthy"}})),
            Rollout::Done { .. }
        ));
        assert!(matches!(
            rollout_state(&json!({"status": {"phase": "Degraded"}})),
            Rollout::Failed { .. }
        ));
        assert!(matches!(
            rollout_state(&json!({"status": {"phase": "Paused"}})),
            Rollout::Waiting { .. }
        ));
    }
}
