//! Reading an app: its releases and Machines as one snapshot, pages of releases, hostnames.

use super::Inner;
use super::api::{self, Release};
use super::mapping::{self, Snapshot};
use crate::backend::{BackendError, Page, PageRequest};
use crate::domain::{Deployment, DeploymentId, EnvRef, ProjectId};

impl Inner {
    /// The app behind an environment of the configured project.
    pub(super) fn app(&self, env: &EnvRef) -> Result<String, BackendError> {
        if env.project.as_str() != self.project {
            return Err(BackendError::not_found(format!(
                "project {} (this Fly backend shows {})",
                crate::text::inert(env.project.as_str()),
                self.project
            )));
        }
        self.apps
            .get(env.environment.as_str())
            .cloned()
            .ok_or_else(|| {
                BackendError::not_found(format!(
                    "environment {} of {} (configured: {})",
                    crate::text::inert(env.environment.as_str()),
                    self.project,
                    self.apps.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            })
    }

    /// The app's releases and Machines as of now (`fresh`) or the shared window.
    pub(super) async fn snapshot(
        &self,
        env: &EnvRef,
        fresh: bool,
    ) -> Result<Snapshot, BackendError> {
        let app = self.app(env)?;
        let (history, machines) = tokio::try_join!(
            self.client.history(&app, fresh),
            self.client.machines(&app, fresh)
        )?;
        Ok(self.snapshot_of(env, app, history, &machines))
    }

    pub(super) fn snapshot_of(
        &self,
        env: &EnvRef,
        app: String,
        history: Vec<Release>,
        machines: &[api::Machine],
    ) -> Snapshot {
        Snapshot::new(
            ProjectId::new(self.project.clone()),
            env.environment.clone(),
            app,
            history,
            machines,
        )
    }

    pub(super) async fn deployments_page(
        &self,
        env: &EnvRef,
        page: PageRequest,
    ) -> Result<Page<Deployment>, BackendError> {
        let snap = self.snapshot(env, false).await?;
        let limit = page.limit.unwrap_or(api::PAGE).clamp(1, 100);
        let listed = self
            .client
            .release_page(&snap.app, limit, page.cursor.as_deref(), false, false)
            .await?;
        Ok(Page {
            items: listed
                .releases
                .iter()
                .map(|r| mapping::deployment(r, &snap))
                .collect(),
            next: listed.next,
        })
    }

    pub(super) async fn deployment(
        &self,
        env: &EnvRef,
        id: &DeploymentId,
    ) -> Result<Deployment, BackendError> {
        let snap = self.snapshot(env, false).await?;
        let release = find(&snap, id)?;
        Ok(mapping::deployment(release, &snap))
    }

    /// `<app>.fly.dev` is always there; the certificates add the rest (a failure to read
    /// them leaves the rest out, logged).
    pub(super) async fn hostnames(&self, app: &str) -> Vec<String> {
        match self.client.hostnames(app).await {
            Ok(hosts) => hosts,
            Err(error) => {
                tracing::warn!(app, %error, "could not read the app's certificates");
                Vec::new()
            }
        }
    }
}

/// The release `id` names in the snapshot's history.
pub fn find<'a>(snap: &'a Snapshot, id: &DeploymentId) -> Result<&'a Release, BackendError> {
    let version = mapping::version_of(id).ok_or_else(|| {
        BackendError::invalid(format!(
            "`{}` is not a Fly release (v30, or 30)",
            crate::text::inert(id.as_str())
        ))
    })?;
    snap.release(version)
        .ok_or_else(|| BackendError::not_found(format!("release v{version} of {}", snap.app)))
}
