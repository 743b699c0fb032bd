//! Changes of the live pointer. Temps records none, so they are inferred: each finished
//! deployment went live when its pipeline completed (its last job points the environment
//! at it); the rollbacks made from this console are known; and when the live deployment is
//! not the newest finished one, something moved it back, at the environment's last update.

use super::Inner;
use super::api;
use super::client::Fresh;
use super::mapping::{self, millis};
use super::paging::PageQuery;
use crate::backend::BackendError;
use crate::domain::{EnvRef, LiveCause, LiveChange, OperationKind, OperationStatus};

impl Inner {
    pub(super) async fn live_changes(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        let (project, environment) = self.locate(env, Fresh::Shared).await?;
        let list = self
            .raw_deployments(
                &project,
                &environment,
                PageQuery::new(1, api::MAX_PAGE),
                Fresh::Shared,
            )
            .await?;
        let mut changes: Vec<LiveChange> = list
            .deployments
            .iter()
            .filter(|d| d.status.rollback_target())
            .map(|d| LiveChange {
                scope: Default::default(),
                at: millis(d.finished_at.unwrap_or(d.created_at)),
                deployment: mapping::deployment_id(d.id),
                cause: LiveCause::Deploy,
                actor: d.commit_author.as_deref().map(Into::into),
            })
            .collect();
        for tracked in self.book.list(env).into_iter().rev() {
            let op = tracked.operation;
            if op.kind == OperationKind::Rollback && op.status == OperationStatus::Completed {
                changes.push(LiveChange {
                    scope: Default::default(),
                    at: op.finished_at.unwrap_or(op.updated_at),
                    deployment: op.target,
                    cause: LiveCause::Rollback,
                    actor: Some(op.actor.into()),
                });
            }
        }
        changes.sort_by_key(|c| c.at);
        if let Some(live) = environment.current_deployment_id {
            let live_id = mapping::deployment_id(live);
            let last = changes.last().map(|c| &c.deployment);
            if last != Some(&live_id) {
                let at = millis(environment.updated_at)
                    .max(changes.last().map(|c| c.at).unwrap_or_default());
                changes.push(LiveChange {
                    scope: Default::default(),
                    at,
                    deployment: live_id,
                    cause: LiveCause::Rollback,
                    actor: None,
                });
            }
        }
        Ok(changes)
    }
}
