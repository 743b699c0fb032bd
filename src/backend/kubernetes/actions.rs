//! Which actions a revision offers, and why not when it does not: RBAC (an access review
//! up front, corrected by 403s), paused Deployments, live or not, Argo or not.

use super::rbac::{self, Permission};
use super::workload::WorkloadKind;
use super::{KubernetesBackend, argo};
use crate::backend::BackendError;
use crate::domain::{Action, ActionAvailability, DeploymentId, EnvRef};
use serde_json::Value;

impl KubernetesBackend {
    pub(super) async fn actions_impl(
        &self,
        env: &EnvRef,
        deployment: &DeploymentId,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        let address = self.check_env(env)?;
        let snap = self.snapshot(&address).await?;
        if snap.find(deployment.as_str()).is_none() {
            return Err(BackendError::not_found(format!(
                "replicaset {deployment} of {}",
                address.describe()
            )));
        }
        let kind = address.kind.api_kind();
        let permission = self
            .rbac
            .check(self.api.client(), &address.namespace, "patch", kind, None)
            .await;
        let is_live = snap
            .live_rs()
            .is_some_and(|rs| rs.name() == deployment.as_str());
        let paused = super::undo::is_paused(&snap.owner);
        let denied = |action| match &permission {
            Permission::Denied { reason } => Some(ActionAvailability::refused(
                action,
                "forbidden",
                format!(
                    "not permitted to {}{}",
                    rbac::need("patch", kind),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {reason}")
                    }
                ),
            )),
            Permission::Allowed => None,
        };
        let argo_canary =
            address.kind == WorkloadKind::Rollout && argo::update_in_progress(&snap.owner.raw);
        let rollback = denied(Action::Rollback).unwrap_or_else(|| {
            if is_live && !argo_canary {
                ActionAvailability::refused(
                    Action::Rollback,
                    "already_live",
                    "this revision is live",
                )
            } else if paused {
                ActionAvailability::refused(Action::Rollback, "paused", super::undo::PAUSED_MESSAGE)
            } else {
                ActionAvailability::allowed(Action::Rollback)
            }
        });
        let promote = match address.kind {
            WorkloadKind::Deployment => ActionAvailability::refused(
                Action::Promote,
                "not_applicable",
                "Kubernetes Deployments have no promote; it needs an Argo Rollout",
            ),
            WorkloadKind::Rollout => denied(Action::Promote).unwrap_or_else(|| {
                let current = argo::stable_and_current(&snap.owner.raw).1;
                let is_canary = snap.find(deployment.as_str()).is_some_and(|rs| {
                    rs.raw
                        .pointer("/metadata/labels/rollouts-pod-template-hash")
                        .and_then(Value::as_str)
                        == current
                });
                if argo_canary && is_canary {
                    ActionAvailability::allowed(Action::Promote)
                } else {
                    ActionAvailability::refused(
                        Action::Promote,
                        "not_applicable",
                        "promote applies to the revision a rollout is updating to",
                    )
                }
            }),
        };
        let redeploy = denied(Action::Redeploy).unwrap_or_else(|| {
            if !is_live {
                ActionAvailability::refused(
                    Action::Redeploy,
                    "not_applicable",
                    "a restart rolls new pods of the live revision only; roll back to this one instead",
                )
                .suggesting(Action::Rollback)
            } else if paused {
                ActionAvailability::refused(Action::Redeploy, "paused", super::restart::PAUSED_MESSAGE)
            } else {
                ActionAvailability::allowed(Action::Redeploy)
            }
        });
        Ok(vec![rollback, promote, redeploy])
    }
}
