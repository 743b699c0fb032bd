//! Changes of the live revision, from the ReplicaSets' revision bookkeeping.

use super::KubernetesBackend;
use super::revisions::{REVISION_HISTORY, revision_of};
use crate::backend::BackendError;
use crate::domain::{DeploymentId, EnvRef, LiveCause, LiveChange};
use serde_json::Value;

impl KubernetesBackend {
    /// Revisions in order. A ReplicaSet's first revision dates from its creation; a revision
    /// it took again later (a rollback to it) has no recorded time, so only the current one
    /// is shown, dated by the Deployment's `Progressing` condition.
    pub(super) async fn live_history_impl(
        &self,
        env: &EnvRef,
    ) -> Result<Vec<LiveChange>, BackendError> {
        let address = self.check_env(env)?;
        let snap = self.snapshot(&address).await?;
        let key = address.kind.revision_key();
        let mut changes: Vec<(i64, LiveChange)> = Vec::new();
        for rs in &snap.revisions {
            let id = DeploymentId::new(rs.name());
            let created = rs.created_at();
            let history: Vec<i64> = rs
                .annotation(REVISION_HISTORY)
                .unwrap_or_default()
                .split(',')
                .filter_map(|r| r.trim().parse().ok())
                .collect();
            let current = revision_of(rs, key);
            let first = history.iter().copied().chain(current).min();
            if let (Some(first), Some(at)) = (first, created) {
                changes.push((
                    first,
                    LiveChange {
                        scope: Default::default(),
                        at,
                        deployment: id.clone(),
                        cause: LiveCause::Deploy,
                        actor: None,
                    },
                ));
            }
            let is_live = snap.live_rs().is_some_and(|l| l.name() == rs.name());
            if let (Some(current), true, false) = (current, is_live, history.is_empty()) {
                let at = progressing_time(&snap.owner.raw).or(created);
                if let Some(at) = at {
                    changes.push((
                        current,
                        LiveChange {
                            scope: Default::default(),
                            at,
                            deployment: id,
                            cause: LiveCause::Rollback,
                            actor: None,
                        },
                    ));
                }
            }
        }
        changes.sort_by_key(|(rev, _)| *rev);
        Ok(changes.into_iter().map(|(_, c)| c).collect())
    }
}

fn progressing_time(owner: &Value) -> Option<crate::domain::Timestamp> {
    owner
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Progressing"))
        .and_then(|c| c.get("lastUpdateTime").and_then(Value::as_str))
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}
