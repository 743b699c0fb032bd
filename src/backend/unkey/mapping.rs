//! Unkey's objects in the console's words.

use super::api;
use crate::domain::{
    Artifact, BuildStatus, Commit, ConfigEntry, ConfigKind, Deployment, DeploymentId, EnvRef,
    EnvironmentKind, ProjectId, RuntimeState, Timestamp,
};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// v2 has no human label: the short commit sha, else the image tag, else the id.
pub fn label(deployment: &api::Deployment) -> String {
    if let Some(git) = &deployment.git {
        return git.commit_sha.chars().take(7).collect();
    }
    if let Some(tag) = deployment.docker.as_ref().and_then(|d| image_tag(&d.image)) {
        return tag.to_owned();
    }
    deployment.id.clone()
}

/// `registry:5000/acme/api:v1.2@sha256:…` → `v1.2`; no tag → `None`.
fn image_tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split_once(':')
        .map(|(_, tag)| tag)
        .filter(|t| !t.is_empty())
}

fn image_digest(image: &str) -> Option<String> {
    image.split_once('@').map(|(_, digest)| digest.to_owned())
}

pub fn build_status(status: api::DeploymentStatus) -> BuildStatus {
    use api::DeploymentStatus as S;
    match status {
        S::Pending | S::AwaitingApproval => BuildStatus::Queued,
        S::Starting | S::Building => BuildStatus::Building,
        S::Deploying | S::Network | S::Finalizing => BuildStatus::Deploying,
        // A stopped deployment was ready once; it is spun down, not broken.
        S::Ready | S::Stopped => BuildStatus::Ready,
        S::Failed => BuildStatus::Failed,
        S::Skipped | S::Superseded | S::Cancelled => BuildStatus::Canceled,
    }
}

pub fn runtime_state(status: api::DeploymentStatus) -> RuntimeState {
    use api::DeploymentStatus as S;
    match status {
        S::Ready => RuntimeState::Running,
        S::Deploying | S::Network | S::Finalizing => RuntimeState::Starting,
        _ => RuntimeState::SpunDown,
    }
}

pub fn environment_kind(kind: api::EnvironmentKind) -> EnvironmentKind {
    match kind {
        api::EnvironmentKind::Production => EnvironmentKind::Production,
        api::EnvironmentKind::Preview => EnvironmentKind::Preview,
    }
}

pub fn timestamp(millis: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// The runtime settings as config entries: names and hashes, so drift shows without values.
pub fn runtime_config(deployment: &api::Deployment) -> Vec<ConfigEntry> {
    deployment
        .runtime
        .iter()
        .map(|(name, value)| {
            let mut hasher = DefaultHasher::new();
            value.to_string().hash(&mut hasher);
            ConfigEntry {
                name: format!("runtime.{name}"),
                hash: format!("{:016x}", hasher.finish()),
                kind: ConfigKind::Setting,
            }
        })
        .collect()
}

pub struct MapContext<'a> {
    pub env: &'a EnvRef,
    /// Set when the project has several apps: the app is then shown as a component.
    pub show_app: bool,
    pub redeployed_from: Option<DeploymentId>,
}

pub fn deployment(d: &api::Deployment, ctx: &MapContext<'_>) -> Deployment {
    let artifact = match (&d.docker, &d.git) {
        (Some(docker), _) => Artifact {
            image: docker.image.clone(),
            digest: image_digest(&docker.image),
            pruned: false,
        },
        // Unkey builds git deployments itself and does not publish the image reference.
        (None, Some(git)) => Artifact {
            image: format!(
                "built by Unkey from {}",
                git.commit_sha.chars().take(7).collect::<String>()
            ),
            digest: None,
            pruned: false,
        },
        (None, None) => Artifact {
            image: "unknown".to_owned(),
            digest: None,
            pruned: false,
        },
    };
    Deployment {
        id: DeploymentId::new(d.id.clone()),
        label: label(d),
        project: ProjectId::new(ctx.env.project.as_str()),
        environment: ctx.env.environment.clone(),
        artifact,
        commit: d.git.as_ref().map(|git| {
            std::sync::Arc::new(Commit {
                sha: git.commit_sha.clone(),
                // v2 does not expose the commit message.
                subject: String::new(),
                branch: git.branch.clone(),
            })
        }),
        author: None,
        created_at: timestamp(d.created_at),
        build_status: build_status(d.status),
        runtime_state: runtime_state(d.status),
        regions: d.regions.clone().into(),
        components: if ctx.show_app {
            vec![d.app.clone()].into()
        } else {
            Default::default()
        },
        config: runtime_config(d).into(),
        migrations: Vec::new(),
        is_rollback: false,
        rolled_back_from: None,
        redeployed_from: ctx.redeployed_from.clone(),
        is_live: d.is_current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment_json(extra: serde_json::Value) -> api::Deployment {
        let mut value = serde_json::json!({
            "id": "d_abc123", "status": "ready", "isCurrent": false,
            "environment": "production", "app": "api", "project": "acme",
            "availableActions": [], "regions": [], "runtime": {}, "createdAt": 1_700_000_000_000i64,
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn labels_prefer_sha_then_tag_then_id() {
        let git = deployment_json(serde_json::json!({"git": {"commitSha": "9f2c1a7d3b55"}}));
        assert_eq!(label(&git), "9f2c1a7");
        let image = deployment_json(
            serde_json::json!({"docker": {"image": "registry:5000/acme/api:v1.2.3@sha256:ff"}}),
        );
        assert_eq!(label(&image), "v1.2.3");
        let untagged =
            deployment_json(serde_json::json!({"docker": {"image": "registry:5000/acme/api"}}));
        assert_eq!(label(&untagged), "d_abc123");
    }

    #[test]
    fn stopped_is_ready_but_spun_down() {
        assert_eq!(
            build_status(api::DeploymentStatus::Stopped),
            BuildStatus::Ready
        );
        assert_eq!(
            runtime_state(api::DeploymentStatus::Stopped),
            RuntimeState::SpunDown
        );
        assert_eq!(
            runtime_state(api::DeploymentStatus::Ready),
            RuntimeState::Running
        );
        assert_eq!(
            build_status(api::DeploymentStatus::Superseded),
            BuildStatus::Canceled
        );
    }
}
