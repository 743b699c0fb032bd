//! What may be done to a release, and why not, decided before anything is sent: the
//! token's right to deploy the app, the release's status, its image still in the registry,
//! and whether it is already live on every Machine.

use super::Inner;
use super::api::Release;
use super::mapping::{self, Snapshot};
use crate::backend::{BackendError, PreconditionCode};
use crate::domain::{Action, ActionAvailability};

/// Why the token may not deploy `app`, asked of Fly once per app and kept.
impl Inner {
    pub(super) async fn refusal(&self, app: &str) -> Result<Option<String>, BackendError> {
        if let Some(known) = self
            .access
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(app)
        {
            return Ok(known.clone());
        }
        let refusal = self.client.write_refusal(app).await?.map(|why| {
            format!(
                "the token in ${} cannot deploy {app} (Fly says: {why})",
                self.token_env
            )
        });
        self.access
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(app.to_owned(), refusal.clone());
        Ok(refusal)
    }

    /// A refusal of a write, as the error every write path returns.
    pub(super) async fn may_deploy(&self, app: &str, action: Action) -> Result<(), BackendError> {
        match self.refusal(app).await? {
            Some(reason) => Err(BackendError::Forbidden {
                action: format!("{} {app}", action.as_str()),
                reason,
            }),
            None => Ok(()),
        }
    }

    pub(super) async fn availability(
        &self,
        snap: &Snapshot,
        release: &Release,
    ) -> Result<Vec<ActionAvailability>, BackendError> {
        let refusal = self.refusal(&snap.app).await?;
        let image_gone = match rollback_refusal(snap, release) {
            Some(_) => false,
            None => self
                .client
                .image(&snap.app, release.image())
                .await?
                .is_none(),
        };
        let mut out = Vec::new();
        for action in Action::ALL {
            let verdict = if action == Action::Promote {
                ActionAvailability::refused(
                    action,
                    PreconditionCode::NotApplicable.as_str(),
                    "Fly has no promote: every hostname routes to every Machine; roll back or redeploy instead",
                )
            } else if let Some(reason) = &refusal {
                ActionAvailability::refused(action, "forbidden", reason.clone())
            } else {
                let refused = match action {
                    Action::Rollback => rollback_refusal(snap, release),
                    _ => redeploy_refusal(snap, release),
                };
                match refused {
                    Some((code, reason)) => {
                        ActionAvailability::refused(action, code.as_str(), reason)
                    }
                    None if image_gone => ActionAvailability::refused(
                        action,
                        PreconditionCode::ArtifactPruned.as_str(),
                        pruned_reason(release),
                    ),
                    None => ActionAvailability::allowed(action),
                }
            };
            out.push(verdict);
        }
        Ok(out)
    }
}

pub fn pruned_reason(release: &Release) -> String {
    format!(
        "the image of {} ({}) is no longer in the registry; build it again from source (fly deploy in its source tree)",
        mapping::label(release.version),
        crate::text::inert(release.image())
    )
}

/// Why `release` cannot be rolled back to, from what is already known.
pub fn rollback_refusal(snap: &Snapshot, release: &Release) -> Option<(PreconditionCode, String)> {
    let version = release.version;
    if release.image().is_empty() {
        return Some((
            PreconditionCode::NotApplicable,
            format!("{} names no image", mapping::label(version)),
        ));
    }
    if snap.lineage.origin(version) != version {
        return Some((
            PreconditionCode::NotApplicable,
            format!(
                "{} deployed the image of {} again: roll back to {} itself",
                mapping::label(version),
                mapping::label(snap.lineage.origin(version)),
                mapping::label(snap.lineage.origin(version))
            ),
        ));
    }
    if mapping::build_status(&release.status) != crate::domain::BuildStatus::Ready {
        return Some((
            PreconditionCode::NotReady,
            format!(
                "{} is {}, not complete: its image never ran everywhere",
                mapping::label(version),
                crate::text::inert(&release.status)
            ),
        ));
    }
    if snap.live_version() == Some(version) && !snap.live.is_mixed() {
        return Some((
            PreconditionCode::AlreadyLive,
            format!(
                "{} is already live on every Machine",
                mapping::label(version)
            ),
        ));
    }
    None
}

/// A redeploy runs the live image again on every Machine with a new release.
pub fn redeploy_refusal(snap: &Snapshot, release: &Release) -> Option<(PreconditionCode, String)> {
    if snap.live_version() != Some(release.version) {
        return Some((
            PreconditionCode::NotApplicable,
            format!(
                "{} is not live: a redeploy runs the live image again; roll back to run an earlier one",
                mapping::label(release.version)
            ),
        ));
    }
    if snap.live.is_mixed() {
        return Some((
            PreconditionCode::NotApplicable,
            "Machines run different releases: finish or undo the last rollout first".to_owned(),
        ));
    }
    None
}
