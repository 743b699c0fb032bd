//! Where a rollout stands, judged as `kubectl rollout status` judges it
//! (`pkg/polymorphichelpers/rollout_status.go`, `DeploymentStatusViewer`).

use k8s_openapi::api::apps::v1::Deployment;

/// The condition reason the controller sets when `progressDeadlineSeconds` ran out.
pub const PROGRESS_DEADLINE_EXCEEDED: &str = "ProgressDeadlineExceeded";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rollout {
    /// Still going; the step name and kubectl's sentence.
    Waiting {
        step: WaitStep,
        message: String,
    },
    Done {
        message: String,
    },
    Failed {
        message: String,
    },
}

/// The four things a rollout waits for, in order; they become the operation's steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStep {
    Observed,
    Updated,
    OldTerminated,
    Available,
}

impl WaitStep {
    pub const ALL: [WaitStep; 4] = [
        WaitStep::Observed,
        WaitStep::Updated,
        WaitStep::OldTerminated,
        WaitStep::Available,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Observed => "controller observed the change",
            Self::Updated => "new replicas created",
            Self::OldTerminated => "old replicas terminated",
            Self::Available => "new replicas available",
        }
    }
}

pub fn rollout(deployment: &Deployment) -> Rollout {
    let name = deployment.metadata.name.as_deref().unwrap_or_default();
    let generation = deployment.metadata.generation.unwrap_or(0);
    let status = deployment.status.clone().unwrap_or_default();
    if generation > status.observed_generation.unwrap_or(0) {
        return Rollout::Waiting {
            step: WaitStep::Observed,
            message: "Waiting for deployment spec update to be observed...".into(),
        };
    }
    let deadline = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some(PROGRESS_DEADLINE_EXCEEDED)
    });
    if deadline {
        return Rollout::Failed {
            message: format!("deployment {name:?} exceeded its progress deadline"),
        };
    }
    let desired = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let waiting = |step, message| Rollout::Waiting { step, message };
    if updated < desired {
        return waiting(
            WaitStep::Updated,
            format!(
                "Waiting for deployment {name:?} rollout to finish: {updated} out of {desired} new replicas have been updated..."
            ),
        );
    }
    if replicas > updated {
        return waiting(
            WaitStep::OldTerminated,
            format!(
                "Waiting for deployment {name:?} rollout to finish: {} old replicas are pending termination...",
                replicas - updated
            ),
        );
    }
    if available < updated {
        return waiting(
            WaitStep::Available,
            format!(
                "Waiting for deployment {name:?} rollout to finish: {available} of {updated} updated replicas are available..."
            ),
        );
    }
    Rollout::Done {
        message: format!("deployment {name:?} successfully rolled out"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(generation: i64, status: serde_json::Value) -> Deployment {
        serde_json::from_value(
            json!({"metadata": {"name": "web", "generation": generation},
            "spec": {"replicas": 3, "selector": {}, "template": {}}, "status": status}),
        )
        .unwrap()
    }

    #[test]
    fn follows_kubectl_order_of_checks() {
        let w = |r: Rollout| match r {
            Rollout::Waiting { step, .. } => Some(step),
            _ => None,
        };
        assert_eq!(
            w(rollout(&d(2, json!({"observedGeneration": 1})))),
            Some(WaitStep::Observed)
        );
        assert_eq!(
            w(rollout(&d(
                2,
                json!({"observedGeneration": 2, "updatedReplicas": 1, "replicas": 4})
            ))),
            Some(WaitStep::Updated)
        );
        assert_eq!(
            w(rollout(&d(
                2,
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 4})
            ))),
            Some(WaitStep::OldTerminated)
        );
        assert_eq!(
            w(rollout(&d(
                2,
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 2})
            ))),
            Some(WaitStep::Available)
        );
        assert!(matches!(
            rollout(&d(
                2,
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3})
            )),
            Rollout::Done { .. }
        ));
    }

    #[test]
    fn progress_deadline_is_a_failure() {
        let r = rollout(&d(
            2,
            json!({"observedGeneration": 2, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        ));
        assert!(matches!(r, Rollout::Failed { .. }));
    }
}
