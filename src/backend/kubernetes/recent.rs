//! Reads made in the last moment, shared by every read that arrives while they are fresh.
//!
//! Planning an operation asks for the environment, the deployments, the actions, the diff and
//! the domains, in whatever order its caller likes, and the console asks for several of them at
//! once when it opens an environment. Each needs the workload and its ReplicaSets, and some the
//! namespace's Services, Ingresses and HTTPRoutes. Within [`FRESH_FOR`] they share one read of
//! each; reads that arrive while it is under way wait for it instead of sending their own.
//!
//! A workload object read by any other call (the project list, following a rollout) also
//! stands in for the GET of a snapshot while fresh, so a snapshot then costs only its
//! ReplicaSets.
//!
//! Writes never use what is kept: the check before the patch and the patch itself read afresh,
//! and every write forgets the workload, so a read after a write sees it. A read that was under
//! way when the write was sent is not kept either. The console polls every 2 s, so its polls
//! are not served from here; the reads of one refresh are.

use super::api::{Kind, KubeApi};
use super::workload::{self, Address, Snapshot};
use crate::backend::BackendError;
use crate::domain::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a read answers other reads.
pub const FRESH_FOR: Duration = Duration::from_millis(1500);

/// One value read at a time, with the moment its read began.
struct Slot<T> {
    kept: tokio::sync::Mutex<Option<(Timestamp, T)>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            kept: tokio::sync::Mutex::new(None),
        }
    }
}

impl<T: Clone> Slot<T> {
    /// The kept value while fresh at `now`, else what `read` brings (kept when `keep` says
    /// so once it is back). Callers that arrive while a read is under way wait for it.
    async fn get_or_read<F>(
        &self,
        now: Timestamp,
        read: F,
        keep: impl FnOnce() -> bool,
    ) -> Result<T, BackendError>
    where
        F: Future<Output = Result<T, BackendError>>,
    {
        let mut kept = self.kept.lock().await;
        if let Some((at, value)) = kept.as_ref()
            && is_fresh(*at, now)
        {
            return Ok(value.clone());
        }
        let value = read.await?;
        *kept = keep().then(|| (now, value.clone()));
        Ok(value)
    }
}

fn is_fresh(at: Timestamp, now: Timestamp) -> bool {
    let fresh_for = chrono::Duration::from_std(FRESH_FOR).unwrap_or_default();
    at <= now && now - at < fresh_for
}

/// The lists of a namespace that hostnames come from. Each is read only when needed.
#[derive(Default)]
struct Network {
    services: Slot<Option<Arc<Vec<Value>>>>,
    ingresses: Slot<Option<Arc<Vec<Value>>>>,
    routes: Slot<Option<Arc<Vec<Value>>>>,
}

#[derive(Default)]
struct State {
    /// Writes sent so far: a read begun before a write is not kept.
    writes: u64,
    /// The workload object as some other read brought it, with the moment that read began.
    owners: HashMap<Address, (Timestamp, Value)>,
    snapshots: HashMap<Address, Arc<Slot<Snapshot>>>,
    networks: HashMap<String, Arc<Network>>,
}

#[derive(Default)]
pub struct Recent {
    state: Mutex<State>,
}

impl Recent {
    /// The workload and its revisions as read within [`FRESH_FOR`] before `now` (the
    /// backend's clock), or read now: the object itself only when no other read brought it.
    pub async fn snapshot(
        &self,
        api: &KubeApi,
        address: &Address,
        now: Timestamp,
    ) -> Result<Snapshot, BackendError> {
        let (slot, writes) = {
            let mut state = self.lock();
            let slot = state.snapshots.entry(address.clone()).or_default().clone();
            (slot, state.writes)
        };
        let read = async {
            let owner = self.owner(address, now);
            let snapshot = match owner {
                Some(raw) => workload::snapshot(api, address, raw).await?,
                None => workload::load(api, address).await?,
            };
            Ok(snapshot)
        };
        slot.get_or_read(now, read, || self.writes() == writes)
            .await
    }

    /// The snapshot kept for `address` while fresh at `now`, without reading or waiting for
    /// a read under way.
    pub fn kept(&self, address: &Address, now: Timestamp) -> Option<Snapshot> {
        let slot = self.lock().snapshots.get(address)?.clone();
        let kept = slot.kept.try_lock().ok()?;
        match kept.as_ref() {
            Some((at, snapshot)) if is_fresh(*at, now) => Some(snapshot.clone()),
            _ => None,
        }
    }

    /// Workload objects just read by another call, for the next snapshots to start from.
    /// `writes` is [`Recent::writes`] from before that read was sent, `read_at` the
    /// backend's clock then.
    pub fn saw_owners(
        &self,
        writes: u64,
        read_at: Timestamp,
        owners: impl IntoIterator<Item = (Address, Value)>,
    ) {
        let mut state = self.lock();
        if state.writes != writes {
            return;
        }
        state.owners.retain(|_, (at, _)| is_fresh(*at, read_at));
        for (address, raw) in owners {
            state.owners.insert(address, (read_at, raw));
        }
    }

    /// How many writes were sent so far; taken before a read whose result is handed to
    /// [`Recent::saw_owner`].
    pub fn writes(&self) -> u64 {
        self.lock().writes
    }

    /// Called before every write to `address`: nothing read before it answers after it.
    pub fn forget(&self, address: &Address) {
        let mut state = self.lock();
        state.writes += 1;
        state.owners.remove(address);
        state.snapshots.remove(address);
    }

    /// A list of the namespace that hostnames come from (Services, Ingresses, HTTPRoutes);
    /// `None` when it cannot be read. Writes to workloads leave these alone.
    pub async fn network_list(
        &self,
        api: &KubeApi,
        kind: Kind,
        ns: &str,
        now: Timestamp,
    ) -> Option<Arc<Vec<Value>>> {
        let network = self.network(ns);
        let slot = match kind {
            Kind::Service => &network.services,
            Kind::Ingress => &network.ingresses,
            _ => &network.routes,
        };
        let read = async { Ok(api.list(kind, ns, None, None).await.ok().map(Arc::new)) };
        slot.get_or_read(now, read, || true).await.ok().flatten()
    }

    fn owner(&self, address: &Address, now: Timestamp) -> Option<Value> {
        match self.lock().owners.get(address) {
            Some((at, raw)) if is_fresh(*at, now) => Some(raw.clone()),
            _ => None,
        }
    }

    fn network(&self, ns: &str) -> Arc<Network> {
        self.lock()
            .networks
            .entry(ns.to_owned())
            .or_default()
            .clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
