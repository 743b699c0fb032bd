//! Starting a rollback or a redeploy: everything that can refuse is checked before
//! anything changes, then the release is created and marked `running`, and every Machine
//! in scope is leased. Whatever fails from there on leaves no lease and no release
//! `running`. The Machines are then updated in the background (`rollout`).

use super::Inner;
use super::actions::{pruned_reason, redeploy_refusal, rollback_refusal};
use super::api::{Machine, NewRelease};
use super::mapping::{self, Snapshot};
use super::plan::{self, Pace};
use super::reads::find;
use super::rollout::{Held, Rollout};
use crate::backend::{
    BackendError, OperationHandle, OperationRequest, PreconditionCode, RedeployRequest,
};
use crate::domain::{
    Action, DeploymentId, EnvRef, LogLevel, Operation, OperationKind, Scope, Strategy,
};
use std::sync::Arc;

/// What was asked, whichever the action.
pub(super) struct Ask {
    pub env: EnvRef,
    pub kind: OperationKind,
    pub target: DeploymentId,
    pub expected_live: Option<DeploymentId>,
    pub key: String,
    pub actor: String,
    pub strategy: Option<Strategy>,
    pub scope: Scope,
}

fn handle(op: &Operation) -> OperationHandle {
    OperationHandle {
        id: op.id.clone(),
        kind: op.kind,
        env: op.env.clone(),
        new_deployment: op.new_deployment.clone(),
    }
}

/// The Machines in `scope`: process groups are components, regions are regions.
pub(super) fn in_scope(machines: &[Machine], scope: &Scope) -> Result<Vec<Machine>, BackendError> {
    let counted: Vec<&Machine> = machines.iter().filter(|m| m.counts()).collect();
    for region in &scope.regions {
        if !counted.iter().any(|m| &m.region == region) {
            return Err(BackendError::invalid(format!(
                "no Machine of this app runs in region {}",
                crate::text::inert(region)
            )));
        }
    }
    for group in &scope.components {
        if !counted.iter().any(|m| &m.group() == group) {
            return Err(BackendError::invalid(format!(
                "this app has no process group {}",
                crate::text::inert(group)
            )));
        }
    }
    Ok(counted
        .into_iter()
        .filter(|m| scope.regions.is_empty() || scope.regions.contains(&m.region))
        .filter(|m| scope.components.is_empty() || scope.components.contains(&m.group()))
        .cloned()
        .collect())
}

impl Inner {
    pub(super) async fn rollback(
        self: &Arc<Self>,
        request: OperationRequest,
    ) -> Result<OperationHandle, BackendError> {
        self.start(Ask {
            env: request.env,
            kind: OperationKind::Rollback,
            target: request.target,
            expected_live: request.expected_live,
            key: request.idempotency_key,
            actor: request.actor,
            strategy: request.strategy,
            scope: request.scope,
        })
        .await
    }

    pub(super) async fn redeploy(
        self: &Arc<Self>,
        request: RedeployRequest,
    ) -> Result<OperationHandle, BackendError> {
        if request.rebuild {
            return Err(BackendError::precondition(
                PreconditionCode::NotApplicable,
                "Fly builds images on the deploying machine (fly deploy in the source tree); switchback redeploys the same image only",
            ));
        }
        self.start(Ask {
            env: request.env,
            kind: OperationKind::Redeploy,
            target: request.source,
            expected_live: request.expected_live,
            key: request.idempotency_key,
            actor: request.actor,
            strategy: None,
            scope: Scope::default(),
        })
        .await
    }

    async fn start(self: &Arc<Self>, ask: Ask) -> Result<OperationHandle, BackendError> {
        if let Some(op) = self.book.by_idempotency_key(&ask.env, &ask.key) {
            return Ok(handle(&op));
        }
        let action = match ask.kind {
            OperationKind::Redeploy => Action::Redeploy,
            _ => Action::Rollback,
        };
        let app = self.app(&ask.env)?;
        self.may_deploy(&app, action).await?;
        // One look at the releases (with their definitions) and the Machines, as of now.
        let (history, machines) = tokio::try_join!(
            self.client.history_with(&app, true, true),
            self.client.machines(&app, true)
        )?;
        let snap = self.snapshot_of(&ask.env, app.clone(), history, &machines);
        let target = find(&snap, &ask.target)?.clone();
        let refused = match ask.kind {
            OperationKind::Redeploy => redeploy_refusal(&snap, &target),
            _ => rollback_refusal(&snap, &target),
        };
        if let Some((code, message)) = refused {
            return Err(BackendError::precondition(code, message));
        }
        check_expected(&snap, ask.expected_live.as_ref())?;
        let image = target.image().to_owned();
        let Some(found) = self.client.image(&app, &image).await? else {
            return Err(BackendError::precondition(
                PreconditionCode::ArtifactPruned,
                pruned_reason(&target),
            ));
        };
        let scoped = in_scope(&machines, &ask.scope)?;
        let to_update: Vec<Machine> = match ask.kind {
            OperationKind::Redeploy => scoped,
            // Machines already on the target stay as they are ("roll the rest back").
            _ => scoped
                .into_iter()
                .filter(|m| {
                    m.release_version().map(|v| snap.lineage.origin(v)) != Some(target.version)
                        || m.image() != image
                })
                .collect(),
        };
        if to_update.is_empty() {
            return Err(BackendError::precondition(
                PreconditionCode::AlreadyLive,
                format!(
                    "every Machine in scope ({}) already runs {}",
                    ask.scope.describe(),
                    mapping::label(target.version)
                ),
            ));
        }
        let pace = Pace::of(ask.strategy, self.max_unavailable);
        let definition = snap
            .live_version()
            .and_then(|v| snap.release(v))
            .and_then(|r| r.config_definition.clone())
            .or_else(|| target.config_definition.clone())
            .unwrap_or_else(|| serde_json::json!({}));
        let release = match self
            .client
            .create_release(&app, &image, pace.release_strategy(), definition)
            .await
        {
            Ok(release) => release,
            Err(error) => {
                self.close_lost_release(&app, &image, &snap).await;
                return Err(error);
            }
        };
        if let Err(error) = self
            .client
            .set_release_status(&app, &release.id, "running", None)
            .await
        {
            self.fail_release(
                &app,
                &release,
                &format!("could not mark it running: {error}"),
            )
            .await;
            return Err(error);
        }
        let leases = match self.lease_all(&app, &to_update).await {
            Ok(leases) => leases,
            Err(error) => {
                self.fail_release(&app, &release, &format!("not started: {error}"))
                    .await;
                return Err(match error {
                    BackendError::Conflict {
                        changed_by,
                        message,
                        ..
                    } => BackendError::Conflict {
                        live_now: snap.live_version().map(mapping::id),
                        live_label: snap.live.label(),
                        changed_by,
                        message: format!("{message}; no Machine was changed"),
                    },
                    other => other,
                });
            }
        };
        let batches = plan::batches(&to_update, pace);
        let op = self.operation(&ask, &snap, &target, &release, &to_update, &batches, pace);
        self.book.insert(op.clone());
        self.book.log(
            &op.id,
            self.clock.now(),
            LogLevel::Info,
            format!(
                "the image {} is in the registry ({})",
                crate::text::inert(&image),
                crate::text::inert(&found.digest)
            ),
        );
        let stop = self.book.stop_flag(&op.id);
        let rollout = Rollout {
            inner: self.clone(),
            app,
            op: op.id.clone(),
            release,
            image,
            target: target.version,
            batches,
            pace,
            leases,
            stop,
            first_batch_step: FIRST_BATCH_STEP + usize::from(pace.canary()),
            done: Vec::new(),
            untouched: to_update.iter().map(|m| m.id.clone()).collect(),
        };
        tokio::spawn(rollout.run());
        Ok(handle(&op))
    }

    /// Every Machine's lease, in order; on a refusal the ones taken are given back.
    async fn lease_all(&self, app: &str, machines: &[Machine]) -> Result<Vec<Held>, BackendError> {
        let mut held: Vec<Held> = Vec::new();
        for machine in machines {
            match self
                .client
                .lease(app, &machine.id, self.lease_ttl_secs, None)
                .await
            {
                Ok(lease) => held.push(Held {
                    machine: machine.id.clone(),
                    nonce: lease.nonce,
                    taken_at: self.clock.now(),
                }),
                Err(error) => {
                    for lease in &held {
                        if let Err(e) = self
                            .client
                            .release_lease(app, &lease.machine, &lease.nonce)
                            .await
                        {
                            tracing::warn!(app, machine = %lease.machine, error = %e, "could not give a lease back");
                        }
                    }
                    return Err(error);
                }
            }
        }
        Ok(held)
    }

    /// Marks a release that will not go on `failed`, with the reason.
    pub(super) async fn fail_release(&self, app: &str, release: &NewRelease, reason: &str) {
        if let Err(error) = self
            .client
            .set_release_status(app, &release.id, "failed", Some(reason))
            .await
        {
            tracing::error!(app, release = release.version, %error, "could not mark the release failed");
        }
    }

    /// After a creation whose answer was lost: a release of `image` newer than the
    /// snapshot, still unmarked, is ours; it is marked failed so it never stays open.
    async fn close_lost_release(&self, app: &str, image: &str, snap: &Snapshot) {
        let newest = snap.history.iter().map(|r| r.version).max().unwrap_or(0);
        let Ok(page) = self.client.release_page(app, 5, None, false, true).await else {
            return;
        };
        for release in page.releases {
            let unmarked = !matches!(
                release.status.as_str(),
                "complete" | "failed" | "interrupted"
            );
            if release.version > newest && release.image() == image && unmarked {
                let lost = NewRelease {
                    id: release.id.clone(),
                    version: release.version,
                };
                self.fail_release(
                    app,
                    &lost,
                    "the answer to its creation was lost; nothing was deployed",
                )
                .await;
            }
        }
    }
}

/// The steps before the first batch: check, release, leases.
pub const FIRST_BATCH_STEP: usize = 3;

/// The engineer saw `expected` live; refused as a conflict when the Machines say otherwise.
pub(super) fn check_expected(
    snap: &Snapshot,
    expected: Option<&DeploymentId>,
) -> Result<(), BackendError> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let live = snap.live_version();
    if mapping::version_of(expected).is_some() && mapping::version_of(expected) == live {
        return Ok(());
    }
    Err(BackendError::Conflict {
        live_now: live.map(mapping::id),
        live_label: snap.live.label(),
        changed_by: snap.live_author(),
        message: format!(
            "live changed since you looked: you saw {}, the Machines now run {}{}",
            mapping::version_of(expected)
                .map(mapping::label)
                .unwrap_or_else(|| crate::text::inert(expected.as_str()).into_owned()),
            snap.live.label().unwrap_or_else(|| "nothing".to_owned()),
            snap.live_author()
                .map(|who| format!(" (deployed by {})", crate::text::inert(&who)))
                .unwrap_or_default()
        ),
    })
}
