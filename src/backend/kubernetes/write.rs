//! The write side: rollback (undo, or abort for an Argo canary), promote (Argo only),
//! redeploy (rollout restart), and following what was started.

use super::KubernetesBackend;
use super::api::{self, status_code};
use super::argo;
use super::errors::{self, Call};
use super::ops::{Followed, Goal, Record, initial_steps};
use super::restart::restart_patch;
use super::undo::{UndoStyle, undo_patch};
use super::workload::{self, Address, Snapshot, WorkloadKind};
use crate::backend::{
    BackendError, OperationHandle, OperationRequest, PreconditionCode, RedeployRequest,
};
use crate::domain::{
    DeploymentId, EnvRef, Operation, OperationId, OperationKind, OperationStatus, Strategy,
};
use kube::api::Patch;
use serde_json::Value;

/// What a write is about, for records and messages.
pub(super) struct Intent<'a> {
    pub(super) kind: OperationKind,
    pub(super) env: &'a EnvRef,
    pub(super) target: &'a DeploymentId,
    pub(super) expected_live: Option<&'a DeploymentId>,
    pub(super) idempotency_key: &'a str,
    pub(super) actor: &'a str,
    pub(super) strategy: Option<Strategy>,
}

impl<'a> Intent<'a> {
    /// The intent of a rollback or promote request.
    pub(super) fn of(kind: OperationKind, r: &'a OperationRequest) -> Self {
        Self {
            kind,
            env: &r.env,
            target: &r.target,
            expected_live: r.expected_live.as_ref(),
            idempotency_key: &r.idempotency_key,
            actor: &r.actor,
            strategy: r.strategy,
        }
    }
}

impl KubernetesBackend {
    pub(super) async fn rollback_impl(
        &self,
        r: OperationRequest,
    ) -> Result<OperationHandle, BackendError> {
        let intent = Intent::of(OperationKind::Rollback, &r);
        if let Some(done) = self.replay(&intent) {
            return Ok(done);
        }
        let (address, snap) = self.look(&intent).await?;
        let target = snap
            .find(r.target.as_str())
            .ok_or_else(|| not_a_revision(&r.target, &address))?;
        let rollout_canary = address.kind == WorkloadKind::Rollout
            && argo::update_in_progress(&snap.owner.raw)
            && snap.live_rs().is_some_and(|l| l.name() == target.name());
        if rollout_canary {
            // Back to stable while a canary runs: Argo's abort.
            let followed = target.name().to_owned();
            let written = self.patch_status(&address, argo::abort_patch()).await?;
            return Ok(self.record(
                &intent,
                Followed::new(&snap, Some(followed)),
                &written,
                Goal::Aborted,
                "abort sent",
            ));
        }
        let style = match address.kind {
            WorkloadKind::Deployment => UndoStyle::Deployment,
            WorkloadKind::Rollout => UndoStyle::Rollout,
        };
        let ops = undo_patch(&snap.owner, target, style, true)?;
        let followed = Followed::new(&snap, Some(target.name().to_owned()));
        let note = format!("template of {} restored", target.name());
        let written = self
            .guarded_patch(&address, &snap, api::json_patch(ops)?)
            .await?;
        Ok(self.record(&intent, followed, &written, Goal::RolledOut, &note))
    }

    pub(super) async fn redeploy_impl(
        &self,
        r: RedeployRequest,
    ) -> Result<OperationHandle, BackendError> {
        let intent = Intent {
            kind: OperationKind::Redeploy,
            env: &r.env,
            target: &r.source,
            expected_live: r.expected_live.as_ref(),
            idempotency_key: &r.idempotency_key,
            actor: &r.actor,
            strategy: None,
        };
        if let Some(done) = self.replay(&intent) {
            return Ok(done);
        }
        if r.rebuild {
            return Err(BackendError::precondition(
                PreconditionCode::NotApplicable,
                "Kubernetes cannot rebuild from source; a redeploy restarts the same images",
            ));
        }
        let (address, snap) = self.look(&intent).await?;
        let is_live = snap
            .live_rs()
            .is_some_and(|l| l.name() == r.source.as_str());
        if !is_live {
            return Err(BackendError::Precondition {
                code: PreconditionCode::NotApplicable,
                message: format!(
                    "a restart rolls new pods of the live revision only; {} is not live (roll back to it instead)",
                    r.source
                ),
                suggestion: Some(crate::domain::Action::Rollback),
            });
        }
        let now = self.clock.now();
        // The new ReplicaSet is found once the controller made it.
        let followed = Followed::new(&snap, None);
        let written = match address.kind {
            WorkloadKind::Deployment => {
                let body = restart_patch(&snap.owner, now)?;
                self.patch(&address, Patch::Strategic(body), None).await?
            }
            WorkloadKind::Rollout => {
                // `kubectl argo rollouts restart` sets spec.restartAt.
                let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let body = serde_json::json!({"spec": {"restartAt": stamp}});
                self.patch(&address, Patch::Merge(body), None).await?
            }
        };
        Ok(self.record(
            &intent,
            followed,
            &written,
            Goal::RolledOut,
            "restart requested",
        ))
    }

    /// A request already made with this idempotency key returns its first answer.
    pub(super) fn replay(&self, intent: &Intent<'_>) -> Option<OperationHandle> {
        let ops = self.ops.lock().expect("operations");
        ops.by_key(intent.idempotency_key)
            .map(|r| handle_of(&r.operation))
    }

    /// Reads the workload afresh and refuses when the live revision is not what the engineer
    /// saw.
    pub(super) async fn look(
        &self,
        intent: &Intent<'_>,
    ) -> Result<(Address, Snapshot), BackendError> {
        let address = self.check_env(intent.env)?;
        let snap = self.fresh_snapshot(&address).await?;
        let live = snap.live_rs().map(|rs| rs.name().to_owned());
        if let Some(expected) = intent.expected_live
            && live.as_deref() != Some(expected.as_str())
        {
            // What was kept shows the old live: the next look must read the new one.
            self.recent.forget(&address);
            return Err(conflict(
                &snap,
                format!(
                    "the live revision of {} changed since you looked: expected {expected}, now {}",
                    address.describe(),
                    live.as_deref().unwrap_or("none")
                ),
            ));
        }
        Ok((address, snap))
    }

    /// The workload object read now. Its ReplicaSets come from the snapshot of the last
    /// moment when the object read now is the same one with the same template: the controller
    /// makes a new ReplicaSet or revives an old one only when the template changes, and never
    /// changes a ReplicaSet's template, so which revision is live is then the same. Otherwise
    /// they are listed again. The patch's `test` op holds the write to this template.
    async fn fresh_snapshot(&self, address: &Address) -> Result<Snapshot, BackendError> {
        let now = self.clock.now();
        let raw = self
            .api
            .get(address.kind.api_kind(), &address.namespace, &address.name)
            .await?;
        if let Some(kept) = self.recent.kept(address, now) {
            let uid = raw.pointer("/metadata/uid").and_then(Value::as_str);
            let template = raw.pointer("/spec/template");
            if uid == Some(kept.uid()) && template == Some(&kept.owner.template()) {
                return workload::assemble(address, raw, kept.revisions);
            }
        }
        workload::snapshot(&self.api, address, raw).await
    }

    /// A JSON patch whose first op tests the template we read. A failed test (422) is a
    /// conflict when the template did change; anything else stays what it is.
    async fn guarded_patch(
        &self,
        address: &Address,
        seen: &Snapshot,
        patch: Patch<Value>,
    ) -> Result<Value, BackendError> {
        self.recent.forget(address);
        match self
            .api
            .patch(
                address.kind.api_kind(),
                &address.namespace,
                &address.name,
                patch,
                None,
            )
            .await
        {
            Ok(v) => Ok(v),
            Err(e) if status_code(&e) == Some(422) => {
                let now = workload::load(&self.api, address).await?;
                if now.owner.template() == seen.owner.template() {
                    Err(self.typed_patch_error(address, e))
                } else {
                    Err(conflict(
                        &now,
                        format!(
                            "{} changed since you looked; nothing was written (kubectl would have overwritten it)",
                            address.describe()
                        ),
                    ))
                }
            }
            Err(e) => Err(self.typed_patch_error(address, e)),
        }
    }

    pub(super) async fn patch(
        &self,
        address: &Address,
        patch: Patch<Value>,
        subresource: Option<&str>,
    ) -> Result<Value, BackendError> {
        self.recent.forget(address);
        self.api
            .patch(
                address.kind.api_kind(),
                &address.namespace,
                &address.name,
                patch,
                subresource,
            )
            .await
            .map_err(|e| self.typed_patch_error(address, e))
    }

    /// Argo's status patches: the `status` subresource, or the object when that is not
    /// served (404), as the plugin does.
    pub(super) async fn patch_status(
        &self,
        address: &Address,
        body: Value,
    ) -> Result<Value, BackendError> {
        self.recent.forget(address);
        let kind = address.kind.api_kind();
        match self
            .api
            .patch(
                kind,
                &address.namespace,
                &address.name,
                Patch::Merge(body.clone()),
                Some("status"),
            )
            .await
        {
            Err(e) if status_code(&e) == Some(404) => {
                self.patch(address, Patch::Merge(body), None).await
            }
            other => other.map_err(|e| self.typed_patch_error(address, e)),
        }
    }

    fn typed_patch_error(&self, address: &Address, e: kube::Error) -> BackendError {
        let kind = address.kind.api_kind();
        let resource = kind.rbac_name();
        let object = address.describe();
        let err = errors::map(
            Call {
                verb: "patch",
                resource: &resource,
                object: &object,
            },
            e,
        );
        if let BackendError::Forbidden { reason, .. } = &err {
            self.rbac
                .record_denied(&address.namespace, "patch", kind, reason.clone());
        }
        err
    }

    pub(super) fn record(
        &self,
        intent: &Intent<'_>,
        followed: Followed,
        written: &Value,
        goal: Goal,
        note: &str,
    ) -> OperationHandle {
        let now = self.clock.now();
        let operation = Operation {
            id: OperationId::new(format!("k8s-{}", uuid::Uuid::new_v4())),
            kind: intent.kind,
            env: intent.env.clone(),
            target: intent.target.clone(),
            expected_live: intent.expected_live.cloned(),
            idempotency_key: intent.idempotency_key.to_owned(),
            actor: intent.actor.to_owned(),
            status: OperationStatus::InProgress,
            strategy: intent.strategy,
            scope: Default::default(),
            steps: initial_steps(now),
            log: vec![crate::domain::LogLine {
                at: now,
                level: crate::domain::LogLevel::Info,
                message: format!("{}: {note}", followed.address.describe()),
            }],
            created_at: now,
            updated_at: now,
            finished_at: None,
            new_deployment: None,
            error: None,
        };
        let handle = handle_of(&operation);
        self.ops
            .lock()
            .expect("operations")
            .insert(Record::new(operation, followed, written, goal));
        handle
    }
}

fn handle_of(op: &Operation) -> OperationHandle {
    OperationHandle {
        id: op.id.clone(),
        kind: op.kind,
        env: op.env.clone(),
        new_deployment: op.new_deployment.clone(),
    }
}

pub(super) fn not_a_revision(id: &DeploymentId, address: &Address) -> BackendError {
    BackendError::not_found(format!(
        "replicaset {id} is not a revision of {}",
        address.describe()
    ))
}

/// A conflict naming what is live now and, from `managedFields`, who wrote last.
fn conflict(snap: &Snapshot, message: String) -> BackendError {
    let live = snap.live_rs();
    let key = snap.address.kind.revision_key();
    let changed_by = snap
        .owner
        .raw
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .and_then(|fields| {
            fields
                .iter()
                .filter(|f| f.get("subresource").is_none())
                // The controller writes the revision annotation after every change; the
                // person or pipeline before it is the news.
                .filter(|f| {
                    f.get("manager").and_then(Value::as_str) != Some("kube-controller-manager")
                })
                .max_by_key(|f| {
                    f.get("time")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                })
        })
        .and_then(|f| {
            let manager = f.get("manager").and_then(Value::as_str)?;
            let time = f.get("time").and_then(Value::as_str).unwrap_or_default();
            Some(if time.is_empty() {
                manager.to_owned()
            } else {
                format!("{manager} at {time}")
            })
        });
    BackendError::Conflict {
        live_now: live.map(|l| DeploymentId::new(l.name())),
        live_label: live
            .and_then(|l| super::revisions::revision_of(l, key))
            .map(|r| format!("rev{r}")),
        changed_by,
        message,
    }
}
