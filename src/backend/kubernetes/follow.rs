//! Following an operation: one read per round (see `ops`), judged like `kubectl rollout
//! status`, with events of the workload, its ReplicaSet and their pods as the log.

use super::KubernetesBackend;
use super::api::Kind;
use super::ops::{EventSource, Read};
use super::workload::Address;
use crate::backend::BackendError;
use crate::domain::{EnvRef, Operation, OperationId};
use serde_json::Value;

impl KubernetesBackend {
    pub(super) async fn follow(
        &self,
        env: &EnvRef,
        id: &OperationId,
    ) -> Result<Operation, BackendError> {
        let mut record = {
            let ops = self.ops.lock().expect("operations");
            ops.get(id)
                .filter(|r| &r.operation.env == env)
                .cloned()
                .ok_or_else(|| BackendError::not_found(format!("operation {id}")))?
        };
        if record.operation.status.is_finished() {
            return Ok(record.operation);
        }
        let now = self.clock.now();
        let address = record.address.clone();
        let mut events = Vec::new();
        let read = record.next_read(now);
        let mut workload = None;
        let mut revisions = None;
        match &read {
            Read::Workload => {
                let writes = self.recent.writes();
                let raw = self
                    .api
                    .get(address.kind.api_kind(), &address.namespace, &address.name)
                    .await?;
                // The next snapshot (the screen's, or the command's last look) starts from it.
                self.recent
                    .saw_owners(writes, now, [(address.clone(), raw.clone())]);
                record.saw_workload(raw.clone());
                if record.at_end() {
                    // The round that sees the end tells how it got there, and finds a
                    // restart's ReplicaSet if no round did.
                    if let Read::Revisions(selector) = record.revisions_wanted() {
                        revisions = Some(self.revisions(&address, selector.as_deref()).await?);
                    }
                    events = self.events(&address, &EventSource::Workload).await;
                }
                workload = Some(raw);
            }
            Read::Revisions(selector) => {
                revisions = Some(self.revisions(&address, selector.as_deref()).await?);
            }
            Read::Events(source) => events = self.events(&address, source).await,
        }
        // Applied to the stored record, so rounds that overlap add up.
        let mut ops = self.ops.lock().expect("operations");
        let stored = ops
            .get_mut(id)
            .ok_or_else(|| BackendError::not_found(format!("operation {id}")))?;
        if let Some(raw) = workload {
            stored.saw_workload(raw);
        }
        if let Some(list) = revisions {
            stored.saw_revisions(&list);
        }
        if matches!(read, Read::Events(_)) {
            stored.read_events(now);
        }
        stored.advance(&events, self.clock.now());
        Ok(stored.operation.clone())
    }

    async fn revisions(
        &self,
        address: &Address,
        selector: Option<&str>,
    ) -> Result<Vec<Value>, BackendError> {
        self.api
            .list(Kind::ReplicaSet, &address.namespace, selector, None)
            .await
    }

    /// Events of one source, by field selector; none when they cannot be read (the log is a
    /// courtesy).
    async fn events(&self, address: &Address, source: &EventSource) -> Vec<Value> {
        let (fields, prefix) = source.selector(address);
        let listed = self
            .api
            .list(Kind::Event, &address.namespace, None, Some(&fields))
            .await
            .unwrap_or_default();
        match prefix {
            None => listed,
            Some(prefix) => listed
                .into_iter()
                .filter(|e| {
                    e.pointer("/involvedObject/name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.starts_with(&prefix))
                })
                .collect(),
        }
    }
}
