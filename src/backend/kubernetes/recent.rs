//! Workload snapshots read in the last moment, shared by the reads of one command.
//!
//! `switchback rollback` asks for the environment, the deployments, the actions, the diff and
//! the domains before it writes, and each needs the workload and its ReplicaSets. Within
//! [`FRESH_FOR`] they share one read. Writes never use it: the precondition, the patch and
//! following the rollout read afresh, and every write forgets what was kept, so a read after a
//! write sees it. The console polls every 2 s, so its reads are never served from here.

use super::api::KubeApi;
use super::workload::{self, Address, Snapshot};
use crate::backend::BackendError;
use crate::domain::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long a snapshot answers reads.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct RecentSnapshots {
    kept: Mutex<HashMap<Address, (Timestamp, Snapshot)>>,
}

impl RecentSnapshots {
    /// The workload as read within [`FRESH_FOR`] before `now` (the backend's clock), or
    /// read now.
    pub async fn load(
        &self,
        api: &KubeApi,
        address: &Address,
        now: Timestamp,
    ) -> Result<Snapshot, BackendError> {
        if let Some(snapshot) = self.fresh(address, now) {
            return Ok(snapshot);
        }
        let snapshot = workload::load(api, address).await?;
        self.lock().insert(address.clone(), (now, snapshot.clone()));
        Ok(snapshot)
    }

    /// Called before every write to `address`.
    pub fn forget(&self, address: &Address) {
        self.lock().remove(address);
    }

    fn fresh(&self, address: &Address, now: Timestamp) -> Option<Snapshot> {
        let fresh_for = chrono::Duration::from_std(FRESH_FOR).unwrap_or_default();
        let mut kept = self.lock();
        match kept.get(address) {
            Some((at, snapshot)) if *at <= now && now - *at < fresh_for => Some(snapshot.clone()),
            Some(_) => {
                kept.remove(address);
                None
            }
            None => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Address, (Timestamp, Snapshot)>> {
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
