//! The live history of production, pieced together: Vercel keeps no history of its
//! production pointer, only each deployment's substate and the project's last alias
//! request.
//!
//! - Each ready production deployment that served production (not `STAGED`) went live when
//!   it became ready (automatic assignment).
//! - The last rollback or promote went live when it was requested; for a promote it
//!   replaces the ready time of its deployment (it went live then, not when built).
//! - The switches made from this console, when they completed.

use super::VercelBackend;
use super::api;
use super::mapping::{Dep, State, timestamp};
use super::operations::Watch;
use crate::backend::BackendError;
use crate::domain::{EnvRef, LiveCause, LiveChange, OperationKind, OperationStatus};
use std::sync::Arc;

/// The changes from the listing and the project, oldest first.
pub fn changes(project: &api::Project, listing: &[Dep]) -> Vec<LiveChange> {
    let request = project
        .last_alias_request
        .as_ref()
        .filter(|r| r.job_status == "succeeded");
    let mut out: Vec<LiveChange> = listing
        .iter()
        .filter(|d| d.state == State::Ready && !d.is_staged())
        // A promoted deployment went live when promoted; a rollback's target was live
        // before too, when it was built.
        .filter(|d| request.is_none_or(|r| r.is_rollback() || r.to_deployment_id != d.uid))
        .map(|d| LiveChange {
            scope: Default::default(),
            at: timestamp(d.ready_at.unwrap_or(d.created)),
            deployment: crate::domain::DeploymentId::new(d.uid.clone()),
            cause: if d.source.as_deref() == Some("redeploy") {
                LiveCause::Redeploy
            } else {
                LiveCause::Deploy
            },
            actor: super::mapping::author(d).map(Arc::from),
        })
        .collect();
    if let Some(r) = request {
        out.push(LiveChange {
            scope: Default::default(),
            at: timestamp(r.requested_at),
            deployment: crate::domain::DeploymentId::new(r.to_deployment_id.clone()),
            cause: if r.is_rollback() {
                LiveCause::Rollback
            } else {
                LiveCause::Promote
            },
            actor: None,
        });
    }
    out.sort_by_key(|c| c.at);
    out
}

impl VercelBackend {
    pub(super) async fn live_changes(&self, env: &EnvRef) -> Result<Vec<LiveChange>, BackendError> {
        let mut out = Vec::new();
        if env.environment.as_str() == "production" {
            let project = self.project(env.project.as_str()).await?;
            // The first page the listing shares: the recent past is what the console marks.
            let list = self
                .deployments_page(&project.id, "production", api::MAX_PAGE, None)
                .await?;
            let deps: Vec<Dep> = list.deployments.iter().map(Dep::from_listed).collect();
            out = changes(&project, &deps);
            // Switches made here, as they completed (with who made them).
            for tracked in self.book.all() {
                let op = tracked.operation;
                if &op.env != env || op.status != OperationStatus::Completed {
                    continue;
                }
                let (deployment, cause) = match (&tracked.watch, op.kind) {
                    (Watch::Switch(_), OperationKind::Rollback) => {
                        (op.target.clone(), LiveCause::Rollback)
                    }
                    (Watch::Switch(_), _) => (op.target.clone(), LiveCause::Promote),
                    (Watch::Build(b), kind) if b.production => match &op.new_deployment {
                        Some(new) => (
                            new.clone(),
                            if kind == OperationKind::Promote {
                                LiveCause::Promote
                            } else {
                                LiveCause::Redeploy
                            },
                        ),
                        None => continue,
                    },
                    _ => continue,
                };
                // Vercel's own record of the same switch keeps its time (when it was
                // requested: the domains start moving then) and gains who asked.
                if let Some(same) = out
                    .iter_mut()
                    .find(|c| c.deployment == deployment && c.cause == cause)
                {
                    same.actor = Some(op.actor.into());
                    continue;
                }
                out.push(LiveChange {
                    scope: Default::default(),
                    at: op.finished_at.unwrap_or(op.updated_at),
                    deployment,
                    cause,
                    actor: Some(op.actor.into()),
                });
            }
            out.sort_by_key(|c| c.at);
            // The list ends with what is live now, whatever the pieces say.
            if let Some(live) = project.live_id()
                && out.last().is_none_or(|c| c.deployment.as_str() != live)
                && let Some(d) = deps.iter().find(|d| d.uid == live)
            {
                let at = timestamp(d.ready_at.unwrap_or(d.created))
                    .max(out.last().map(|c| c.at).unwrap_or_default());
                out.push(LiveChange {
                    scope: Default::default(),
                    at,
                    deployment: crate::domain::DeploymentId::new(live),
                    cause: LiveCause::Deploy,
                    actor: None,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(uid: &str, ready: i64, substate: &str) -> Dep {
        Dep::from_listed(
            &serde_json::from_value(serde_json::json!({
                "uid": uid, "name": "shop", "url": format!("shop-{uid}-acme.vercel.app"),
                "created": ready - 60_000, "ready": ready, "type": "LAMBDAS",
                "creator": {"uid": "u"}, "inspectorUrl": null, "readyState": "READY",
                "readySubstate": substate, "target": "production",
            }))
            .unwrap(),
        )
    }

    #[test]
    fn deploys_then_the_last_request_staged_builds_never() {
        let project: api::Project = serde_json::from_value(serde_json::json!({
            "id": "prj_1", "name": "shop",
            "lastAliasRequest": {"fromDeploymentId": "v3", "toDeploymentId": "v1",
                "jobStatus": "succeeded", "requestedAt": 500_000, "type": "rollback"},
        }))
        .unwrap();
        let listing = [
            dep("v4", 600_000, "STAGED"),
            dep("v3", 300_000, "PROMOTED"),
            dep("v2", 200_000, "PROMOTED"),
            dep("v1", 100_000, "PROMOTED"),
        ];
        let list = changes(&project, &listing);
        let seen: Vec<(&str, LiveCause, i64)> = list
            .iter()
            .map(|c| (c.deployment.as_str(), c.cause, c.at.timestamp_millis()))
            .collect();
        assert_eq!(
            seen,
            [
                ("v1", LiveCause::Deploy, 100_000),
                ("v2", LiveCause::Deploy, 200_000),
                ("v3", LiveCause::Deploy, 300_000),
                ("v1", LiveCause::Rollback, 500_000),
            ]
        );
    }
}
