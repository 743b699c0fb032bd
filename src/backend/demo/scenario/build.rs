//! From a checked scenario to the platform's starting state, with the past derived: who was
//! live when, who is still running, who spun down.

use super::spec::{ScenarioSpec, SpecBuildStatus};
use crate::backend::demo::traffic::{Profile, TrafficLedger};
use crate::backend::demo::world::{
    CommitRecord, DeploymentRecord, EnvState, ProjectState, ScriptedEvent, Settings, World,
};
use crate::domain::{
    Artifact, BuildStatus, Commit, ConfigEntry, Deployment, EnvMode, EnvRef, EnvironmentKind,
    LiveCause, LiveChange, Project, RuntimeState, Timestamp,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

fn duration(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

fn default_rps(kind: EnvironmentKind) -> f64 {
    match kind {
        EnvironmentKind::Production => 40.0,
        EnvironmentKind::Staging => 2.0,
        EnvironmentKind::Preview => 0.0,
        EnvironmentKind::Other => 1.0,
    }
}

fn default_prefix(kind: EnvironmentKind) -> &'static str {
    match kind {
        EnvironmentKind::Production => "v",
        EnvironmentKind::Staging => "stg-",
        EnvironmentKind::Preview => "pr-",
        EnvironmentKind::Other => "d-",
    }
}

/// The platform at `start`, with its whole past.
pub(crate) fn build_world(spec: &ScenarioSpec, start: Timestamp) -> World {
    let s = spec.settings.clone().unwrap_or_default();
    let settings = Settings {
        production_keepalive: duration(s.production_keepalive),
        preview_idle: duration(s.preview_idle),
        cold_start: duration(s.cold_start),
        health_check: duration(s.health_check),
        queue: duration(s.queue),
        build: duration(s.build),
        deploy: duration(s.deploy),
        machines_per_region: s.machines_per_region,
    };
    let mut world = World {
        seed: spec.scenario.seed,
        start,
        now: start,
        settings,
        projects: Vec::new(),
        deployments: Vec::new(),
        by_id: HashMap::new(),
        operations: Vec::new(),
        by_key: HashMap::new(),
        jobs: Vec::new(),
        events: Vec::new(),
        next_event: 0,
        traffic: TrafficLedger {
            accounted: start.timestamp(),
            ..TrafficLedger::default()
        },
        id_counter: 0,
    };
    for (p, project) in spec.projects.iter().enumerate() {
        let commits: Vec<CommitRecord> = project
            .commits
            .iter()
            .map(|c| CommitRecord {
                commit: Arc::new(Commit {
                    sha: c.sha.clone(),
                    subject: c.subject.clone(),
                    branch: c.branch.clone(),
                }),
                author: c.author.clone(),
                build_fails: c.build_fails,
            })
            .collect();
        let commit_index = commits
            .iter()
            .enumerate()
            .map(|(i, c)| (c.commit.sha.clone(), i))
            .collect();
        world.projects.push(ProjectState {
            project: Project {
                id: project.id.as_str().into(),
                name: project.name.clone().unwrap_or_else(|| project.id.clone()),
                components: project.components.clone(),
            },
            image: project.image.clone(),
            regions: project.regions.clone(),
            commits,
            commit_index,
            envs: Vec::new(),
        });
        for (e, env) in project.environments.iter().enumerate() {
            build_env(&mut world, spec, p, e, env);
        }
    }
    world.events = spec
        .events
        .iter()
        .map(|ev| ScriptedEvent {
            at: start + duration(ev.after),
            spec: ev.clone(),
        })
        .collect();
    world.events.sort_by_key(|ev| ev.at);
    world
}

fn build_env(
    world: &mut World,
    spec: &ScenarioSpec,
    p: usize,
    e: usize,
    env: &super::spec::EnvSpec,
) {
    let project_spec = &spec.projects[p];
    let prefix = env
        .label_prefix
        .clone()
        .unwrap_or_else(|| default_prefix(env.kind).to_owned());
    let next_label = env
        .deployments
        .iter()
        .filter_map(|d| d.label.strip_prefix(prefix.as_str())?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    let mut config: BTreeMap<String, String> = env
        .config
        .iter()
        .map(|(k, v)| (k.clone(), World::hash_value(v)))
        .collect();
    let env_ref = EnvRef::new(project_spec.id.as_str(), env.id.as_str());
    world.projects[p].envs.push(EnvState {
        env_ref: env_ref.clone(),
        name: env.name.clone().unwrap_or_else(|| env.id.clone()),
        kind: env.kind,
        mode: EnvMode::Normal,
        live: None,
        branch: env.branch.clone(),
        domains: env
            .domains
            .iter()
            .map(|d| (d.hostname.clone(), d.kind))
            .collect(),
        deployments: Vec::new(),
        live_history: Vec::new(),
        live_history_idx: Vec::new(),
        rps: env.rps.unwrap_or_else(|| default_rps(env.kind)),
        noise_key: crate::backend::demo::noise::hash_str(&env_ref.to_string()),
        label_prefix: prefix,
        next_label,
        config: BTreeMap::new(),
    });
    let start = world.start;
    let mut replaced_at: HashMap<usize, Timestamp> = HashMap::new();
    // One shared copy of each list for every deployment that carries it unchanged.
    let project_regions: Arc<[String]> = project_spec.regions.clone().into();
    let components: Arc<[String]> = project_spec.components.clone().into();
    let mut entries: Arc<[ConfigEntry]> = World::config_entries(&config).into();
    for dep in &env.deployments {
        for (k, v) in &dep.config {
            config.insert(k.clone(), World::hash_value(v));
        }
        for k in &dep.config_removed {
            config.remove(k);
        }
        if !dep.config.is_empty() || !dep.config_removed.is_empty() {
            entries = World::config_entries(&config).into();
        }
        let created_at = start - duration(dep.age);
        let id = world.new_deployment_id();
        let c = world.projects[p].commit_index[&dep.commit];
        let author = dep
            .author
            .clone()
            .unwrap_or_else(|| world.projects[p].commits[c].author.clone());
        let digest = format!(
            "sha256:{:016x}{:016x}{:016x}{:016x}",
            crate::backend::demo::noise::hash_str(id.as_str()),
            crate::backend::demo::noise::mix(world.seed, c as u64, 1),
            crate::backend::demo::noise::mix(world.seed, c as u64, 2),
            crate::backend::demo::noise::mix(world.seed, c as u64, 3)
        );
        let build_status = match dep.status {
            SpecBuildStatus::Ready => BuildStatus::Ready,
            SpecBuildStatus::Failed => BuildStatus::Failed,
            SpecBuildStatus::Canceled => BuildStatus::Canceled,
        };
        let d = world.add_deployment(DeploymentRecord {
            dep: Deployment {
                id: id.clone(),
                label: dep.label.clone(),
                project: env_ref.project.clone(),
                environment: env_ref.environment.clone(),
                artifact: Artifact {
                    image: format!("{}:{}", project_spec.image, dep.label),
                    digest: Some(digest),
                    pruned: dep.pruned,
                },
                commit: Some(world.commit_of(p, c)),
                author: Some(author.clone()),
                created_at,
                build_status,
                runtime_state: RuntimeState::SpunDown,
                regions: dep
                    .regions
                    .clone()
                    .map_or_else(|| project_regions.clone(), Arc::from),
                components: components.clone(),
                config: entries.clone(),
                migrations: dep.migrations.clone(),
                is_rollback: false,
                rolled_back_from: None,
                redeployed_from: None,
                is_live: false,
            },
            project: p,
            env: e,
            commit: Some(c),
            profile: Profile {
                error_rate: dep.error_rate,
                p50_ms: dep.p50_ms,
                p95_ms: dep.p95_ms,
            },
            spin_down_at: None,
            noise_key: 0,
        });
        if build_status == BuildStatus::Ready {
            let state = world.env_mut(p, e);
            if let Some(old) = state.live {
                replaced_at.insert(old, created_at);
            }
            state.live = Some(d);
            state.live_history.push(LiveChange {
                at: created_at,
                deployment: id,
                cause: LiveCause::Deploy,
                actor: Some(author),
            });
            state.live_history_idx.push(d);
        }
    }
    world.env_mut(p, e).config = config;
    // Who is still running at start.
    let live = world.env(p, e).live;
    let keepalive = world.keepalive(p, e);
    let ids: Vec<usize> = world.env(p, e).deployments.clone();
    for d in ids {
        let deadline = if Some(d) == live {
            match world.idle_deadline(p, e, world.deployments[d].dep.created_at) {
                Some(t) => Some(t),
                None => {
                    world.deployments[d].dep.runtime_state = RuntimeState::Running;
                    continue;
                }
            }
        } else {
            replaced_at.get(&d).map(|r| *r + keepalive)
        };
        if let Some(t) = deadline.filter(|t| *t > start) {
            world.deployments[d].dep.runtime_state = RuntimeState::Running;
            world.deployments[d].spin_down_at = Some(t);
        }
    }
}
