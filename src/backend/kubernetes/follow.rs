//! Following an operation: the workload read again, judged like `kubectl rollout status`,
//! with its events and its live ReplicaSet's as the log.

use super::KubernetesBackend;
use super::api::Kind;
use super::workload::{self, Address};
use crate::backend::BackendError;
use crate::domain::{EnvRef, Operation, OperationId};
use serde_json::Value;

impl KubernetesBackend {
    pub(super) async fn follow(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let record = {
            let ops = self.ops.lock().expect("operations");
            ops.get(id)
                .filter(|r| &r.operation.env == env)
                .cloned()
                .ok_or_else(|| BackendError::not_found(format!("operation {id}")))?
        };
        if record.operation.status.is_finished() {
            return Ok(record.operation);
        }
        let snap = workload::load(&self.api, &record.address).await?;
        let mut events = self.events_of(&record.address, &record.address.name).await;
        if let Some(target) = snap.live_rs() {
            events.extend(self.events_of(&record.address, target.name()).await);
            events.extend(self.pod_events(&record.address, target.name()).await);
        }
        let mut ops = self.ops.lock().expect("operations");
        let stored = ops
            .get_mut(id)
            .ok_or_else(|| BackendError::not_found(format!("operation {id}")))?;
        stored.advance(&snap, &events, self.clock.now());
        Ok(stored.operation.clone())
    }

    /// Events of the ReplicaSet's pods (named `<replicaset>-<suffix>`): pulls, starts,
    /// failed probes, crash loops.
    async fn pod_events(&self, address: &Address, replicaset: &str) -> Vec<Value> {
        let prefix = format!("{replicaset}-");
        self.api
            .list(
                Kind::Event,
                &address.namespace,
                None,
                Some("involvedObject.kind=Pod"),
            )
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|e| {
                e.pointer("/involvedObject/name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.starts_with(&prefix))
            })
            .collect()
    }

    /// Every event of the namespace: taken before a write, so older ones never enter the
    /// operation's log, whatever their timestamps.
    pub(super) async fn all_events(&self, address: &Address) -> Vec<Value> {
        self.api
            .list(Kind::Event, &address.namespace, None, None)
            .await
            .unwrap_or_default()
    }

    /// Events of one object; none when they cannot be read (the log is a courtesy).
    async fn events_of(&self, address: &Address, name: &str) -> Vec<Value> {
        let selector = format!("involvedObject.name={name}");
        self.api
            .list(Kind::Event, &address.namespace, None, Some(&selector))
            .await
            .unwrap_or_default()
    }
}
