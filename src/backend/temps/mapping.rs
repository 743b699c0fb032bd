//! Temps' records in switchback's words.

use super::api;
use crate::domain::{
    Artifact, BuildStatus, Commit, ConfigEntry, ConfigKind, Deployment, DeploymentId, Domain,
    DomainKind, EnvMode, Environment, EnvironmentId, EnvironmentKind, ProjectId, RuntimeState,
    Timestamp,
};
use std::sync::Arc;

/// Presets whose projects Temps serves as static files: a rollback repoints the environment
/// and nothing has to start (`temps-presets`, `ProjectType::Static`).
const STATIC_PRESETS: [&str; 4] = ["vite", "docusaurus", "react-app", "rsbuild"];

/// A project as the adapter keeps it: its id for the URLs, its slug for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectRef {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub preset: Option<String>,
}

impl ProjectRef {
    pub fn from_api(project: &api::Project) -> Self {
        Self {
            id: project.id,
            slug: project.slug.clone(),
            name: project.name.clone(),
            preset: project.preset.clone(),
        }
    }

    /// Served as files: a switch is instant, and every finished build can serve.
    pub fn is_static(&self) -> bool {
        self.preset
            .as_deref()
            .is_some_and(|p| STATIC_PRESETS.contains(&p))
    }
}

/// What mapping a deployment needs besides the record.
pub struct Context<'a> {
    pub project: &'a ProjectRef,
    /// The environment's `current_deployment_id`.
    pub live: Option<i32>,
}

/// Epoch milliseconds (Temps' deployment, project, environment and job times).
pub fn millis(ms: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// `d7`: Temps numbers deployments and has no version label.
pub fn label(id: i32) -> String {
    format!("d{id}")
}

/// A deployment id as the console writes it: Temps' integer.
pub fn deployment_id(id: i32) -> DeploymentId {
    DeploymentId::new(id.to_string())
}

/// The image Temps builds for a deployment, by its naming rule (`temps-<project>:<id>`);
/// the API does not return it.
pub fn image(project: &ProjectRef, id: i32) -> String {
    format!("temps-{}:{id}", project.slug)
}

pub fn build_status(status: &api::DeploymentStatus) -> BuildStatus {
    use api::DeploymentStatus as S;
    match status {
        S::Pending => BuildStatus::Queued,
        S::Running | S::Building | S::Built => BuildStatus::Building,
        S::Deploying => BuildStatus::Deploying,
        S::Completed | S::Deployed | S::Paused | S::Stopped => BuildStatus::Ready,
        S::Failed => BuildStatus::Failed,
        S::Cancelled => BuildStatus::Canceled,
        S::Other(_) => BuildStatus::Queued,
    }
}

/// Only the live deployment of a container project has containers: Temps removes every
/// other deployment's when one goes live, though they stay `completed`. A static project's
/// finished builds are files the proxy serves at once.
pub fn runtime(d: &api::Deployment, context: &Context<'_>) -> RuntimeState {
    if context.live == Some(d.id) {
        return RuntimeState::Running;
    }
    if context.project.is_static() && d.status.rollback_target() {
        return RuntimeState::Running;
    }
    if matches!(d.status, api::DeploymentStatus::Deploying) {
        return RuntimeState::Starting;
    }
    RuntimeState::SpunDown
}

pub fn deployment(d: &api::Deployment, context: &Context<'_>) -> Deployment {
    let commit = d.commit_hash.as_ref().map(|sha| {
        Arc::new(Commit {
            sha: sha.clone(),
            subject: d
                .commit_message
                .as_deref()
                .map(|m| m.lines().next().unwrap_or("").to_owned())
                .unwrap_or_default(),
            branch: d.branch.clone(),
        })
    });
    Deployment {
        id: deployment_id(d.id),
        label: label(d.id),
        project: ProjectId::new(context.project.slug.clone()),
        environment: EnvironmentId::new(d.environment.slug.clone()),
        artifact: Artifact {
            image: image(context.project, d.id),
            digest: None,
            pruned: false,
        },
        commit,
        author: d.commit_author.as_deref().map(Arc::from),
        created_at: millis(d.created_at),
        build_status: build_status(&d.status),
        runtime_state: runtime(d, context),
        regions: Arc::from(Vec::new()),
        components: Arc::from(Vec::new()),
        config: Arc::from(config(d)),
        migrations: Vec::new(),
        // Temps declares `isRollback` but never sets it: a rollback makes no new record.
        is_rollback: false,
        rolled_back_from: None,
        redeployed_from: None,
        is_live: context.live == Some(d.id),
    }
}

/// The deployment's settings snapshot (CPU, memory, replicas, port, flags), each value
/// hashed so drift shows without the value.
pub fn config(d: &api::Deployment) -> Vec<ConfigEntry> {
    let mut entries: Vec<ConfigEntry> = d
        .deployment_config
        .iter()
        .flatten()
        .map(|(name, value)| ConfigEntry {
            name: name.clone(),
            hash: short_hash(&value.to_string()),
            kind: ConfigKind::Setting,
        })
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

/// FNV-1a, hex: stable across runs and builds.
fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

pub fn environment_kind(env: &api::Environment) -> EnvironmentKind {
    if env.is_preview {
        return EnvironmentKind::Preview;
    }
    match env.slug.as_str() {
        "production" | "prod" => EnvironmentKind::Production,
        "staging" | "stage" => EnvironmentKind::Staging,
        _ => EnvironmentKind::Other,
    }
}

/// `http://shop-production.example.com` → `shop-production.example.com`.
pub fn hostname(url: &str) -> String {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .trim_end_matches('/');
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// The hostnames that follow the environment's live pointer: its URL and active custom
/// domains (as Temps lists them on each deployment), then the domains added to it.
pub fn environment_hosts(
    listed: &[String],
    added: &[api::EnvironmentDomain],
) -> Vec<(String, DomainKind)> {
    let mut hosts: Vec<(String, DomainKind)> = Vec::new();
    for (i, url) in listed.iter().enumerate() {
        // Temps puts the environment's own URL first, its custom domains after.
        let kind = if i == 0 {
            DomainKind::Environment
        } else {
            DomainKind::Custom
        };
        hosts.push((hostname(url), kind));
    }
    for domain in added {
        hosts.push((hostname(&domain.domain), DomainKind::Environment));
    }
    let mut seen = std::collections::HashSet::new();
    hosts.retain(|(host, _)| !host.is_empty() && seen.insert(host.clone()));
    hosts
}

pub fn environment(
    project: &ProjectRef,
    env: &api::Environment,
    hosts: &[(String, DomainKind)],
) -> Environment {
    let live = env.current_deployment_id.map(deployment_id);
    Environment {
        mixed: Vec::new(),
        live_label: None,
        id: EnvironmentId::new(env.slug.clone()),
        project: ProjectId::new(project.slug.clone()),
        name: env.name.clone(),
        kind: environment_kind(env),
        live: live.clone(),
        // Temps has no rolled-back mode: a later deploy goes live as usual.
        mode: EnvMode::Normal,
        domains: hosts
            .iter()
            .map(|(hostname, kind)| Domain {
                hostname: hostname.clone(),
                kind: *kind,
                deployment: live.clone(),
            })
            .collect(),
        branch: env.branch.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> api::Deployment {
        serde_json::from_str(json).unwrap()
    }

    const OLD: &str = r#"{"id":2,"project_id":1,"environment_id":1,"environment":{"id":1,"name":"production","slug":"production","domains":["http://switchback-demo-production.localho.st"]},"status":"completed","url":"http://switchback-demo-2.localho.st","commit_hash":"858a06c1258023796d3f09a9f74b13682de214a5","commit_message":null,"branch":"main","tag":null,"created_at":1796404319439,"finished_at":1796404322144,"commit_author":null,"is_current":false,"cancelled_reason":null,"deployment_config":{"cpuRequest":500000,"replicas":1}}"#;

    fn project(preset: &str) -> ProjectRef {
        ProjectRef {
            id: 1,
            slug: "switchback-demo".into(),
            name: "switchback-demo".into(),
            preset: Some(preset.into()),
        }
    }

    #[test]
    fn times_are_epoch_milliseconds_and_completed_does_not_mean_running() {
        let d = record(OLD);
        let demo = project("dockerfile");
        let mapped = deployment(
            &d,
            &Context {
                project: &demo,
                live: Some(4),
            },
        );
        assert_eq!(
            mapped.created_at.to_rfc3339(),
            "2026-12-04T17:11:59.439+00:00"
        );
        assert_eq!(mapped.build_status, BuildStatus::Ready);
        assert_eq!(mapped.runtime_state, RuntimeState::SpunDown);
        assert!(!mapped.is_live);
        assert_eq!(mapped.label, "d2");
        assert_eq!(mapped.artifact.image, "temps-switchback-demo:2");
        let live = deployment(
            &d,
            &Context {
                project: &demo,
                live: Some(2),
            },
        );
        assert_eq!(live.runtime_state, RuntimeState::Running);
        let files = project("vite");
        let static_site = deployment(
            &d,
            &Context {
                project: &files,
                live: Some(4),
            },
        );
        assert_eq!(static_site.runtime_state, RuntimeState::Running);
    }

    #[test]
    fn hosts_follow_the_environment_without_schemes_or_repeats() {
        let listed = vec![
            "http://shop-production.localho.st".to_owned(),
            "https://shop.example.com/".to_owned(),
        ];
        let added = vec![api::EnvironmentDomain {
            domain: "shop.example.com".into(),
        }];
        let hosts = environment_hosts(&listed, &added);
        assert_eq!(
            hosts,
            [
                (
                    "shop-production.localho.st".to_owned(),
                    DomainKind::Environment
                ),
                ("shop.example.com".to_owned(), DomainKind::Custom),
            ]
        );
    }
}
