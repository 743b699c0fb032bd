//! One environment at the scenario's start: its written-out deployments, then its generated
//! history, with the past derived as they are added: who was live when, who is still
//! running, who spun down.

use super::build::duration;
use super::generate::History;
use super::spec::{DeploymentSpec, EnvSpec, ProjectSpec, SpecBuildStatus};
use crate::backend::demo::noise::{hash_str, mix};
use crate::backend::demo::text::{hex16, push_ascii};
use crate::backend::demo::traffic::Profile;
use crate::backend::demo::world::{DeploymentRecord, EnvState, LiveEntry, World};
use crate::domain::{
    Artifact, BuildStatus, ConfigEntry, Deployment, EnvMode, EnvRef, EnvironmentKind, LiveCause,
    RuntimeState, Timestamp,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Which commit (index into the project's commits) a sha names.
pub(super) struct CommitOf<'a> {
    pub written: HashMap<&'a str, usize>,
    pub history: Option<History<'a>>,
}

impl CommitOf<'_> {
    /// Checked scenarios name only known commits.
    fn index(&self, sha: &str) -> usize {
        if let Some(&c) = self.written.get(sha) {
            return c;
        }
        let i = self
            .history
            .and_then(|h| h.number_of_sha(sha))
            .expect("a checked scenario names known commits");
        self.written.len() + i - 1
    }
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

pub(super) fn build_env(
    world: &mut World,
    project: &ProjectSpec,
    p: usize,
    e: usize,
    env: &EnvSpec,
    commit_of: &CommitOf,
    generated: Option<History>,
) {
    let prefix = env
        .label_prefix
        .clone()
        .unwrap_or_else(|| default_prefix(env.kind).to_owned());
    let written_max = env
        .deployments
        .iter()
        .filter_map(|d| d.label.strip_prefix(prefix.as_str())?.parse::<u64>().ok())
        .max();
    // Generated labels count when they carry this prefix (the newest has the highest).
    let generated_max = generated
        .filter(|h| h.prefix == prefix)
        .map(|h| h.len() as u64);
    let count = env.deployments.len() + generated.map_or(0, |h| h.len());
    let config: BTreeMap<String, String> = env
        .config
        .iter()
        .map(|(k, v)| (k.clone(), World::hash_value(v)))
        .collect();
    let env_ref = EnvRef::new(project.id.as_str(), env.id.as_str());
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
        deployments: Vec::with_capacity(count),
        live_history: Vec::with_capacity(count),
        rps: env.rps.unwrap_or_else(|| default_rps(env.kind)),
        noise_key: hash_str(&env_ref.to_string()),
        label_prefix: prefix,
        next_label: written_max.max(generated_max).unwrap_or(0),
        config: BTreeMap::new(),
        split: Vec::new(),
    });
    let mut builder = EnvBuilder {
        p,
        e,
        env_ref,
        image: &project.image,
        // One shared copy of each list for every deployment that carries it unchanged.
        regions: project.regions.clone().into(),
        components: project.components.clone().into(),
        entries: World::config_entries(&config).into(),
        config,
        keepalive: world.keepalive(p, e),
    };
    for dep in &env.deployments {
        builder.add_written(world, dep, commit_of.index(&dep.commit));
    }
    if let Some(history) = generated {
        // Generated commits follow the written-out ones.
        let first_commit = commit_of.written.len();
        for i in history.numbers() {
            builder.add_generated(world, &history, i, first_commit + i - 1);
        }
    }
    builder.finish(world);
}

/// What the environment's next deployment starts from.
struct EnvBuilder<'s> {
    p: usize,
    e: usize,
    env_ref: EnvRef,
    image: &'s str,
    regions: Arc<[String]>,
    components: Arc<[String]>,
    /// Today's configuration (name → value hash) and its shared entries.
    config: BTreeMap<String, String>,
    entries: Arc<[ConfigEntry]>,
    keepalive: chrono::Duration,
}

/// One deployment as the scenario describes it.
struct Entry<'s> {
    label: String,
    commit: usize,
    age: std::time::Duration,
    status: BuildStatus,
    profile: Profile,
    migrations: Vec<String>,
    pruned: bool,
    regions: Option<&'s [String]>,
    /// Otherwise the commit's author.
    author: Option<&'s str>,
}

impl<'s> EnvBuilder<'s> {
    fn add_written(&mut self, world: &mut World, dep: &'s DeploymentSpec, commit: usize) {
        for (k, v) in &dep.config {
            self.config.insert(k.clone(), World::hash_value(v));
        }
        for k in &dep.config_removed {
            self.config.remove(k);
        }
        if !dep.config.is_empty() || !dep.config_removed.is_empty() {
            self.entries = World::config_entries(&self.config).into();
        }
        let status = match dep.status {
            SpecBuildStatus::Ready => BuildStatus::Ready,
            SpecBuildStatus::Failed => BuildStatus::Failed,
            SpecBuildStatus::Canceled => BuildStatus::Canceled,
        };
        self.add(
            world,
            Entry {
                label: dep.label.clone(),
                commit,
                age: dep.age,
                status,
                profile: Profile {
                    error_rate: dep.error_rate,
                    p50_ms: dep.p50_ms,
                    p95_ms: dep.p95_ms,
                },
                migrations: dep.migrations.clone(),
                pruned: dep.pruned,
                regions: dep.regions.as_deref(),
                author: dep.author.as_deref(),
            },
        );
    }

    fn add_generated(&mut self, world: &mut World, history: &History, i: usize, commit: usize) {
        let status = if history.fails(i) {
            BuildStatus::Failed
        } else {
            BuildStatus::Ready
        };
        self.add(
            world,
            Entry {
                label: history.label(i),
                commit,
                age: history.age(i),
                status,
                profile: Profile {
                    error_rate: history.error_rate(i),
                    p50_ms: history.p50_ms(i),
                    p95_ms: history.p95_ms(i),
                },
                migrations: history.migrations(i),
                pruned: history.pruned(i),
                regions: None,
                author: None,
            },
        );
    }

    fn add(&mut self, world: &mut World, entry: Entry) {
        let (p, e, c) = (self.p, self.e, entry.commit);
        let created_at = world.start - duration(entry.age);
        let id = world.new_deployment_id();
        // The live history keeps the author shared with the commit's when it is that one.
        let actor: Arc<str> = match entry.author {
            Some(author) => author.into(),
            None => Arc::clone(&world.projects[p].commits[c].author),
        };
        // `sha256:` and four 16-digit hex numbers: the id's, then three of the commit's.
        let mut hex = [0u8; 64];
        let (seed, commit) = (world.seed, c as u64);
        let parts = [
            hash_str(id.as_str()),
            mix(seed, commit, 1),
            mix(seed, commit, 2),
            mix(seed, commit, 3),
        ];
        for (digits, part) in hex.chunks_exact_mut(16).zip(parts) {
            digits.copy_from_slice(&hex16(part));
        }
        let mut digest = String::with_capacity(7 + hex.len());
        digest.push_str("sha256:");
        push_ascii(&mut digest, &hex);
        let mut image = String::with_capacity(self.image.len() + 1 + entry.label.len());
        image.push_str(self.image);
        image.push(':');
        image.push_str(&entry.label);
        let dep = Deployment {
            id: id.clone(),
            label: entry.label,
            project: self.env_ref.project.clone(),
            environment: self.env_ref.environment.clone(),
            artifact: Artifact {
                image,
                digest: Some(digest),
                pruned: entry.pruned,
            },
            commit: Some(world.commit_of(p, c)),
            author: Some(Arc::clone(&actor)),
            created_at,
            build_status: entry.status,
            runtime_state: RuntimeState::SpunDown,
            regions: entry
                .regions
                .map_or_else(|| self.regions.clone(), Arc::from),
            components: self.components.clone(),
            config: self.entries.clone(),
            migrations: entry.migrations,
            is_rollback: false,
            rolled_back_from: None,
            redeployed_from: None,
            is_live: false,
        };
        let d = world.add_deployment(DeploymentRecord::new(dep, p, e, Some(c), entry.profile));
        if entry.status == BuildStatus::Ready {
            let replaced = world.env(p, e).live;
            if let Some(old) = replaced {
                // A replaced deployment keeps running for a while.
                running_until(world, old, created_at + self.keepalive);
            }
            let state = world.env_mut(p, e);
            state.live = Some(d);
            state.live_history.push(LiveEntry {
                at: created_at,
                deployment: d,
                cause: LiveCause::Deploy,
                actor: Some(actor),
                part: None,
            });
        }
    }

    /// Who is live at the start runs on, unless it is an idle preview.
    fn finish(self, world: &mut World) {
        let (p, e) = (self.p, self.e);
        world.env_mut(p, e).config = self.config;
        let Some(live) = world.env(p, e).live else {
            return;
        };
        match world.idle_deadline(p, e, world.deployments[live].dep.created_at) {
            Some(deadline) => running_until(world, live, deadline),
            None => world.deployments[live].dep.runtime_state = RuntimeState::Running,
        }
    }
}

/// Deployment `d` is still running at the start when `deadline` is later.
fn running_until(world: &mut World, d: usize, deadline: Timestamp) {
    if deadline > world.start {
        world.deployments[d].dep.runtime_state = RuntimeState::Running;
        world.set_spin_down(d, Some(deadline));
    }
}
