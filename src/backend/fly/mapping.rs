//! Fly's releases and Machines in the words of `domain`: a release is a deployment
//! (`v30`), an app is an environment, the Machines say what is live.

use super::api::{Machine, Release};
use super::live::{Distribution, Lineage};
use crate::domain::{
    Artifact, BuildStatus, Deployment, DeploymentId, Domain, DomainKind, EnvMode, Environment,
    EnvironmentId, EnvironmentKind, LivePart, ProjectId, RuntimeState, Scope,
};
use std::sync::Arc;

/// Everything a mapping needs about one app at one moment.
pub struct Snapshot {
    pub app: String,
    pub project: ProjectId,
    pub environment: EnvironmentId,
    /// Newest first.
    pub history: Vec<Release>,
    pub lineage: Lineage,
    pub live: Distribution,
    /// Image digests the Machines report, by image reference.
    pub digests: Vec<(String, String)>,
}

impl Snapshot {
    /// The app `app` of `environment`, from its releases (newest first) and Machines.
    pub fn new(
        project: ProjectId,
        environment: EnvironmentId,
        app: String,
        history: Vec<Release>,
        machines: &[Machine],
    ) -> Self {
        let lineage = Lineage::new(&history);
        let live = Distribution::new(machines, &lineage);
        let mut digests: Vec<(String, String)> = Vec::new();
        for machine in machines {
            if let Some(digest) = machine.image_ref.as_ref().and_then(|r| r.digest.clone())
                && !digests.iter().any(|(image, _)| image == machine.image())
            {
                digests.push((machine.image().to_owned(), digest));
            }
        }
        Self {
            app,
            project,
            environment,
            history,
            lineage,
            live,
            digests,
        }
    }

    pub fn release(&self, version: i64) -> Option<&Release> {
        self.history.iter().find(|r| r.version == version)
    }

    /// The release most Machines run (the deployment that introduced its image).
    pub fn live_version(&self) -> Option<i64> {
        self.live.live()
    }

    /// Who wrote the newest release the live Machines carry.
    pub fn live_author(&self) -> Option<String> {
        let part = self.live.parts.first()?;
        let newest = part.carried.iter().max()?;
        self.release(*newest).and_then(Release::user_name)
    }
}

pub fn id(version: i64) -> DeploymentId {
    DeploymentId::new(version.to_string())
}

pub fn label(version: i64) -> String {
    format!("v{version}")
}

/// `30` or `v30` → 30.
pub fn version_of(id: &DeploymentId) -> Option<i64> {
    let text = id.as_str().trim();
    text.strip_prefix('v').unwrap_or(text).parse().ok()
}

pub fn build_status(status: &str) -> BuildStatus {
    match status {
        "complete" | "succeeded" => BuildStatus::Ready,
        "failed" => BuildStatus::Failed,
        "interrupted" | "cancelled" | "canceled" => BuildStatus::Canceled,
        "running" => BuildStatus::Deploying,
        _ => BuildStatus::Queued,
    }
}

pub fn deployment(release: &Release, snap: &Snapshot) -> Deployment {
    let part = snap.live.part(release.version);
    let origin = snap.lineage.origin(release.version);
    let previous = snap
        .history
        .iter()
        .filter(|r| r.version < release.version)
        .map(|r| r.version)
        .max();
    let (is_rollback, rolled_back_from, redeployed_from) = match previous {
        _ if origin == release.version => (false, None, None),
        Some(prev) if snap.lineage.origin(prev) == origin => (false, None, Some(id(origin))),
        Some(prev) => (true, Some(id(snap.lineage.origin(prev))), None),
        None => (false, None, Some(id(origin))),
    };
    let image = crate::text::inert(release.image()).into_owned();
    let digest = snap
        .digests
        .iter()
        .find(|(reference, _)| *reference == image)
        .map(|(_, digest)| digest.clone());
    Deployment {
        id: id(release.version),
        label: label(release.version),
        project: snap.project.clone(),
        environment: snap.environment.clone(),
        artifact: Artifact {
            image,
            digest,
            pruned: false,
        },
        commit: None,
        author: release
            .user_name()
            .map(|u| Arc::from(crate::text::inert(&u).as_ref())),
        created_at: release.created_at,
        build_status: build_status(&release.status),
        runtime_state: match part {
            Some(part) if part.started > 0 => RuntimeState::Running,
            _ => RuntimeState::SpunDown,
        },
        regions: part
            .map(|p| p.regions.iter().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
            .into(),
        components: part
            .map(|p| p.groups.iter().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
            .into(),
        config: Arc::from(Vec::new()),
        migrations: Vec::new(),
        is_rollback,
        rolled_back_from,
        redeployed_from,
        is_live: snap.live_version() == Some(release.version),
    }
}

pub fn environment_kind(name: &str) -> EnvironmentKind {
    match name {
        "production" | "prod" => EnvironmentKind::Production,
        "staging" => EnvironmentKind::Staging,
        _ => EnvironmentKind::Other,
    }
}

pub fn environment(snap: &Snapshot, hostnames: &[String]) -> Environment {
    let live = snap.live_version().map(id);
    let mut domains = vec![Domain {
        hostname: format!("{}.fly.dev", snap.app),
        kind: DomainKind::Environment,
        deployment: live.clone(),
    }];
    for host in hostnames {
        let hostname = crate::text::inert(host).into_owned();
        if domains.iter().any(|d| d.hostname == hostname) {
            continue;
        }
        domains.push(Domain {
            hostname,
            kind: DomainKind::Custom,
            deployment: live.clone(),
        });
    }
    let mixed = snap
        .live
        .parts
        .iter()
        .skip(1)
        .map(|part| LivePart {
            deployment: id(part.version),
            label: Some(format!(
                "{} on {} Machine{}",
                label(part.version),
                part.machines.len(),
                if part.machines.len() == 1 { "" } else { "s" }
            )),
            scope: Scope {
                components: part.groups.iter().cloned().collect(),
                regions: part.regions.iter().cloned().collect(),
            },
        })
        .collect();
    Environment {
        id: snap.environment.clone(),
        project: snap.project.clone(),
        name: snap.environment.to_string(),
        kind: environment_kind(snap.environment.as_str()),
        live,
        mode: EnvMode::Normal,
        domains,
        branch: None,
        live_label: snap.live.label(),
        mixed,
    }
}
