//! ReplicaSets as deployments: each revision is a deployment labelled `rev<N>`.
//!
//! Kubernetes has no commit field; by convention we read, on the pod template then on the
//! ReplicaSet:
//! - the commit from annotations named `git-commit`, `git-sha`, `commit-sha`, `commit`,
//!   `vcs-ref` or `org.opencontainers.image.revision` (any prefix, e.g.
//!   `example.com/git-commit`), else from the label `app.kubernetes.io/version` when it is a
//!   hex sha of 7 to 40 characters;
//! - the branch from `git-branch` or `branch` annotations (any prefix);
//! - the subject from `kubernetes.io/change-cause`.

use super::objects::Fetched;
use super::revisions::{CHANGE_CAUSE, REVISION_HISTORY, revision_of};
use super::status::Rollout;
use crate::domain::{
    Artifact, BuildStatus, Commit, ConfigEntry, ConfigKind, Deployment, DeploymentId, EnvRef,
    RuntimeState,
};
use k8s_openapi::api::core::v1::{Container, EnvVar};
use serde_json::Value;

pub const COMMIT_KEYS: [&str; 6] = [
    "git-commit",
    "git-sha",
    "commit-sha",
    "commit",
    "vcs-ref",
    "org.opencontainers.image.revision",
];
pub const BRANCH_KEYS: [&str; 2] = ["git-branch", "branch"];
pub const VERSION_LABEL: &str = "app.kubernetes.io/version";

/// Everything needed to map one revision.
pub struct RevisionView<'a, T> {
    pub env: &'a EnvRef,
    pub revision_key: &'a str,
    pub rs: &'a Fetched<T>,
    pub is_live: bool,
    /// The owner's rollout state, applied to the live revision.
    pub rollout: &'a Rollout,
    pub spec_replicas: i32,
    pub status_replicas: i32,
    pub ready_replicas: i32,
}

pub fn deployment<T>(view: RevisionView<'_, T>) -> Deployment {
    let rs = view.rs;
    let template = rs.template();
    let containers = containers(&template);
    let revision = revision_of(rs, view.revision_key).unwrap_or(0);
    let created_at = rs.created_at().unwrap_or_default();
    let build_status = match (view.is_live, view.rollout) {
        (true, Rollout::Waiting { .. }) => BuildStatus::Deploying,
        (true, Rollout::Failed { .. }) => BuildStatus::Failed,
        _ => BuildStatus::Ready,
    };
    Deployment {
        id: DeploymentId::new(rs.name()),
        label: format!("rev{revision}"),
        project: view.env.project.clone(),
        environment: view.env.environment.clone(),
        artifact: artifact(&containers),
        commit: commit(&template, &rs.raw).map(std::sync::Arc::new),
        author: None,
        created_at,
        build_status,
        runtime_state: runtime_state(
            view.spec_replicas,
            view.status_replicas,
            view.ready_replicas,
        ),
        regions: Default::default(),
        components: Default::default(),
        config: config_entries(&containers).into(),
        migrations: Vec::new(),
        is_rollback: rs
            .annotation(REVISION_HISTORY)
            .is_some_and(|h| !h.trim().is_empty()),
        rolled_back_from: None,
        redeployed_from: None,
        is_live: view.is_live,
    }
}

/// Pods exist: running (starting while fewer are ready than wanted); none wanted and none
/// left: spun down, and switching to it starts pods.
pub fn runtime_state(spec: i32, status: i32, ready: i32) -> RuntimeState {
    if spec > 0 && ready < spec {
        RuntimeState::Starting
    } else if spec > 0 || status > 0 {
        RuntimeState::Running
    } else {
        RuntimeState::SpunDown
    }
}

pub fn containers(template: &Value) -> Vec<Container> {
    template
        .pointer("/spec/containers")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default()
}

/// The first container's image (the main one by convention); its digest when pinned.
fn artifact(containers: &[Container]) -> Artifact {
    let image = containers
        .first()
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    let digest = image.split_once('@').map(|(_, d)| d.to_owned());
    Artifact {
        image,
        digest,
        pruned: false,
    }
}

fn commit(template: &Value, rs: &Value) -> Option<Commit> {
    let sources = [
        template.pointer("/metadata/annotations"),
        rs.pointer("/metadata/annotations"),
    ];
    let find = |keys: &[&str]| {
        sources.iter().flatten().find_map(|map| {
            map.as_object()?.iter().find_map(|(k, v)| {
                let short = k.rsplit('/').next().unwrap_or(k);
                keys.contains(&short).then(|| v.as_str()).flatten()
            })
        })
    };
    let sha = find(&COMMIT_KEYS).map(str::to_owned).or_else(|| {
        [template, rs]
            .iter()
            .find_map(|o| {
                o.pointer(&format!(
                    "/metadata/labels/{}",
                    VERSION_LABEL.replace('/', "~1")
                ))
            })
            .and_then(Value::as_str)
            .filter(|v| is_sha(v))
            .map(str::to_owned)
    })?;
    let subject = rs
        .pointer(&format!(
            "/metadata/annotations/{}",
            CHANGE_CAUSE.replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(Commit {
        sha,
        subject,
        branch: find(&BRANCH_KEYS).map(str::to_owned),
    })
}

fn is_sha(v: &str) -> bool {
    (7..=40).contains(&v.len()) && v.chars().all(|c| c.is_ascii_hexdigit())
}

/// Environment variables by name with a hash of the literal value, or of the reference for
/// values from Secrets and ConfigMaps (never their contents).
pub fn config_entries(containers: &[Container]) -> Vec<ConfigEntry> {
    let prefix = containers.len() > 1;
    containers
        .iter()
        .flat_map(|c| {
            c.env.iter().flatten().map(move |e| ConfigEntry {
                name: if prefix {
                    format!("{}/{}", c.name, e.name)
                } else {
                    e.name.clone()
                },
                hash: format!("{:016x}", fnv1a(env_source(e).as_bytes())),
                kind: ConfigKind::EnvVar,
            })
        })
        .collect()
}

/// What an environment variable is set from, safe to show: the literal, or where the
/// reference points.
pub fn env_source(e: &EnvVar) -> String {
    if let Some(from) = &e.value_from {
        if let Some(s) = &from.secret_key_ref {
            return format!("secret {}/{}", s.name, s.key);
        }
        if let Some(c) = &from.config_map_key_ref {
            return format!("configmap {}/{}", c.name, c.key);
        }
        if let Some(f) = &from.field_ref {
            return format!("field {}", f.field_path);
        }
        if let Some(r) = &from.resource_field_ref {
            return format!("resource {}", r.resource);
        }
        return "reference".into();
    }
    format!("value {}", e.value.as_deref().unwrap_or_default())
}

/// FNV-1a: stable across builds, enough to see that a value changed.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn commit_comes_from_a_prefixed_annotation_or_a_sha_version_label() {
        let template =
            json!({"metadata": {"annotations": {"example.com/git-commit": "abc1234def"}}});
        let rs = json!({"metadata": {"annotations": {"kubernetes.io/change-cause": "fix login"}}});
        let c = commit(&template, &rs).unwrap();
        assert_eq!(
            (c.sha.as_str(), c.subject.as_str()),
            ("abc1234def", "fix login")
        );

        let by_label = json!({"metadata": {"labels": {"app.kubernetes.io/version": "0a1b2c3"}}});
        assert_eq!(commit(&by_label, &json!({})).unwrap().sha, "0a1b2c3");
        let semver = json!({"metadata": {"labels": {"app.kubernetes.io/version": "1.4.2"}}});
        assert!(commit(&semver, &json!({})).is_none());
    }

    #[test]
    fn secret_values_never_enter_the_hash_input() {
        let e: EnvVar = serde_json::from_value(json!({"name": "DB", "valueFrom":
            {"secretKeyRef": {"name": "db", "key": "password"}}}))
        .unwrap();
        assert_eq!(env_source(&e), "secret db/password");
    }

    #[test]
    fn replicas_decide_running_or_spun_down() {
        assert_eq!(runtime_state(0, 0, 0), RuntimeState::SpunDown);
        assert_eq!(runtime_state(3, 3, 3), RuntimeState::Running);
        assert_eq!(runtime_state(3, 1, 0), RuntimeState::Starting);
        assert_eq!(runtime_state(0, 2, 2), RuntimeState::Running);
    }
}
