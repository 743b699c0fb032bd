//! Promote: Argo Rollouts only, with the plugin's patches (`promote`, or `promote --full`
//! when the request asks for the `immediate` strategy).

use super::KubernetesBackend;
use super::argo::{self, PromoteKind};
use super::ops::Goal;
use super::workload::WorkloadKind;
use super::write::{Intent, not_a_revision};
use crate::backend::{BackendError, OperationHandle, OperationRequest, PreconditionCode};
use crate::domain::{OperationKind, Strategy};
use kube::api::Patch;
use serde_json::Value;

impl KubernetesBackend {
    pub(super) async fn promote_impl(
        &self,
        r: OperationRequest,
    ) -> Result<OperationHandle, BackendError> {
        let intent = Intent::of(OperationKind::Promote, &r);
        if let Some(done) = self.replay(&intent) {
            return Ok(done);
        }
        let address = self.check_env(&r.env)?;
        if address.kind == WorkloadKind::Deployment {
            return Err(BackendError::precondition(
                PreconditionCode::NotApplicable,
                "Kubernetes Deployments have no promote; it needs an Argo Rollout",
            ));
        }
        let (address, snap) = self.look(&intent).await?;
        let target = snap
            .find(r.target.as_str())
            .ok_or_else(|| not_a_revision(&r.target, &address))?;
        let current = argo::stable_and_current(&snap.owner.raw).1;
        let is_canary = target
            .raw
            .pointer("/metadata/labels/rollouts-pod-template-hash")
            .and_then(Value::as_str)
            == current;
        if !argo::update_in_progress(&snap.owner.raw) || !is_canary {
            return Err(BackendError::precondition(
                PreconditionCode::NotApplicable,
                format!(
                    "{} is not the revision {} is updating to",
                    target.name(),
                    address.describe()
                ),
            ));
        }
        // `immediate` means `promote --full`: skip the remaining steps.
        let kind = match r.strategy {
            Some(Strategy::Immediate) => PromoteKind::Full,
            _ => PromoteKind::Step,
        };
        let (spec, status) = argo::promote_patches(&snap.owner.raw, kind);
        let followed = super::ops::Followed::new(&snap, Some(target.name().to_owned()));
        let mut written = snap.owner.raw.clone();
        if let Some(spec) = spec {
            written = self.patch(&address, Patch::Merge(spec), None).await?;
        }
        if let Some(status) = status {
            written = self.patch_status(&address, status).await?;
        }
        let note = match kind {
            PromoteKind::Full => "full promote sent",
            PromoteKind::Step => "promote sent",
        };
        Ok(self.record(&intent, followed, &written, Goal::RolledOut, note))
    }
}
