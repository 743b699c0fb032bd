//! The platform's state: projects, environments, deployments, operations, and lookups.

use super::engine::Job;
use super::noise;
use super::traffic::{Profile, TrafficLedger};
use crate::backend::BackendError;
use crate::domain::{
    Commit, ConfigEntry, Deployment, DeploymentId, Domain, DomainKind, EnvMode, EnvRef,
    Environment, EnvironmentKind, LiveCause, LiveChange, LivePart, Operation, Project, Scope,
    Timestamp,
};
use chrono::Duration;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Platform timings (see `spec::SettingsSpec`).
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub production_keepalive: Duration,
    pub preview_idle: Duration,
    pub cold_start: Duration,
    pub health_check: Duration,
    pub queue: Duration,
    pub build: Duration,
    pub deploy: Duration,
    pub machines_per_region: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct CommitRecord {
    /// Handed out as is to every deployment built from it.
    pub commit: Arc<Commit>,
    /// Shared: a generated history has a handful of authors for thousands of commits.
    pub author: Arc<str>,
    pub build_fails: bool,
}

pub(crate) struct ProjectState {
    pub project: Project,
    pub image: String,
    pub regions: Vec<String>,
    /// The linear history, oldest first.
    pub commits: Vec<CommitRecord>,
    pub envs: Vec<EnvState>,
}

pub(crate) struct EnvState {
    pub env_ref: EnvRef,
    pub name: String,
    pub kind: EnvironmentKind,
    pub mode: EnvMode,
    pub live: Option<usize>,
    pub branch: Option<String>,
    /// The hostnames that move on a switch.
    pub domains: Vec<(String, DomainKind)>,
    /// Deployments in creation order (indexes into `World::deployments`).
    pub deployments: Vec<usize>,
    /// Oldest first.
    pub live_history: Vec<LiveEntry>,
    pub rps: f64,
    /// Seeds this environment's request noise.
    pub noise_key: u64,
    pub label_prefix: String,
    pub next_label: u64,
    /// Today's configuration: name → value hash.
    pub config: BTreeMap<String, String>,
    /// Units (see [`World::units`]) served by another deployment than `live`, after a
    /// switch limited to some components or regions; empty when `live` serves everything.
    pub split: Vec<(usize, usize)>,
}

/// One change of the live pointer as the platform keeps it: callers get a `LiveChange`.
/// Compact, since a generated history has one per ready deployment: the deployment by
/// index, the actor shared with its commit record.
pub(crate) struct LiveEntry {
    pub at: Timestamp,
    /// Index into `World::deployments`.
    pub deployment: usize,
    pub cause: LiveCause,
    pub actor: Option<Arc<str>>,
    /// A switch limited to some components or regions: what it moved, and who served what
    /// afterwards. `None` for a switch of everything (the common case costs nothing).
    pub part: Option<Box<PartSwitch>>,
}

/// What a limited switch moved and the split it left.
pub(crate) struct PartSwitch {
    pub scope: Scope,
    /// The environment's live pointer after it (the entry's deployment is the target).
    pub live: usize,
    /// Units served by another deployment than `live`, after it.
    pub split: Vec<(usize, usize)>,
}

pub(crate) struct DeploymentRecord {
    pub dep: Deployment,
    pub project: usize,
    pub env: usize,
    pub commit: Option<usize>,
    pub profile: Profile,
    /// Seeds this deployment's error and latency noise.
    pub noise_key: u64,
}

impl DeploymentRecord {
    pub fn new(
        dep: Deployment,
        project: usize,
        env: usize,
        commit: Option<usize>,
        profile: Profile,
    ) -> Self {
        Self {
            noise_key: noise::hash_str(dep.id.as_str()),
            dep,
            project,
            env,
            commit,
            profile,
        }
    }
}

pub(crate) struct OperationRecord {
    pub op: Operation,
    /// What the idempotency key was first used for.
    pub fingerprint: String,
}

pub(crate) struct ScriptedEvent {
    pub at: Timestamp,
    pub spec: super::scenario::spec::EventSpec,
}

pub(crate) struct World {
    pub seed: u64,
    pub start: Timestamp,
    /// Everything up to here has happened.
    pub now: Timestamp,
    pub settings: Settings,
    pub projects: Vec<ProjectState>,
    pub deployments: Vec<DeploymentRecord>,
    pub by_id: HashMap<DeploymentId, usize>,
    pub operations: Vec<OperationRecord>,
    pub by_key: HashMap<String, usize>,
    pub jobs: Vec<Job>,
    pub events: Vec<ScriptedEvent>,
    pub next_event: usize,
    pub traffic: TrafficLedger,
    pub id_counter: u64,
    /// When a deployment spins down unless something needs it first, for the few that
    /// will, and the same by time: the next one is found without looking at every
    /// deployment (a generated history has many thousands).
    spin_down_at: HashMap<usize, Timestamp>,
    spin_downs: BTreeSet<(Timestamp, usize)>,
}

impl World {
    /// Nothing yet: no projects, deployments or operations.
    pub fn new(seed: u64, start: Timestamp, settings: Settings) -> World {
        World {
            seed,
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
            spin_down_at: HashMap::new(),
            spin_downs: BTreeSet::new(),
        }
    }

    /// Room for this many more deployments, so a long history is not copied as it grows.
    pub fn reserve_deployments(&mut self, additional: usize) {
        self.deployments.reserve_exact(additional);
        self.by_id.reserve(additional);
    }

    /// When deployment `d` spins down, or `None` for not on its own.
    pub fn set_spin_down(&mut self, d: usize, at: Option<Timestamp>) {
        let old = match at {
            Some(at) => self.spin_down_at.insert(d, at),
            None => self.spin_down_at.remove(&d),
        };
        if let Some(old) = old {
            self.spin_downs.remove(&(old, d));
        }
        if let Some(at) = at {
            self.spin_downs.insert((at, d));
        }
    }

    pub fn spin_down_at(&self, d: usize) -> Option<Timestamp> {
        self.spin_down_at.get(&d).copied()
    }

    /// The earliest pending spin-down.
    pub fn next_spin_down(&self) -> Option<(Timestamp, usize)> {
        self.spin_downs.first().copied()
    }

    pub fn env_index(&self, env: &EnvRef) -> Result<(usize, usize), BackendError> {
        let p = self
            .projects
            .iter()
            .position(|p| p.project.id == env.project)
            .ok_or_else(|| BackendError::not_found(format!("project {}", env.project)))?;
        let e = self.projects[p]
            .envs
            .iter()
            .position(|e| e.env_ref.environment == env.environment)
            .ok_or_else(|| BackendError::not_found(format!("environment {env}")))?;
        Ok((p, e))
    }

    pub fn env(&self, p: usize, e: usize) -> &EnvState {
        &self.projects[p].envs[e]
    }

    pub fn env_mut(&mut self, p: usize, e: usize) -> &mut EnvState {
        &mut self.projects[p].envs[e]
    }

    /// A deployment of this environment; `NotFound` when it belongs nowhere, a
    /// `WrongEnvironment` refusal when it belongs to another environment.
    pub fn deployment_in(&self, env: &EnvRef, id: &DeploymentId) -> Result<usize, BackendError> {
        let (p, e) = self.env_index(env)?;
        let d = *self
            .by_id
            .get(id)
            .ok_or_else(|| BackendError::not_found(format!("deployment {id}")))?;
        let rec = &self.deployments[d];
        if rec.project != p || rec.env != e {
            return Err(BackendError::precondition(
                crate::backend::PreconditionCode::WrongEnvironment,
                format!(
                    "{} belongs to {} · {}, not to {env}",
                    rec.dep.label, rec.dep.project, rec.dep.environment
                ),
            ));
        }
        Ok(d)
    }

    /// A deployment as callers see it (with `is_live`).
    pub fn deployment_view(&self, d: usize) -> Deployment {
        let rec = &self.deployments[d];
        let mut dep = rec.dep.clone();
        dep.is_live = self.env(rec.project, rec.env).live == Some(d);
        dep
    }

    pub fn environment_view(&self, p: usize, e: usize) -> Environment {
        let env = self.env(p, e);
        let live_id = env.live.map(|d| self.deployments[d].dep.id.clone());
        let mut domains: Vec<Domain> = env
            .domains
            .iter()
            .map(|(hostname, kind)| Domain {
                hostname: hostname.clone(),
                kind: *kind,
                deployment: live_id.clone(),
            })
            .collect();
        if let Some(d) = env.live {
            domains.push(Domain {
                hostname: self.deployment_url(d),
                kind: DomainKind::Deployment,
                deployment: live_id.clone(),
            });
        }
        Environment {
            id: env.env_ref.environment.clone(),
            project: env.env_ref.project.clone(),
            name: env.name.clone(),
            kind: env.kind,
            live: live_id,
            mode: env.mode,
            domains,
            branch: env.branch.clone(),
            live_label: env.live.map(|d| self.label(d).to_owned()),
            mixed: self.mixed_parts(p, &env.split),
        }
    }

    /// The units of a project's environments: every component (one unnamed when the project
    /// has none) in every region, component-major.
    pub fn units(&self, p: usize) -> (Vec<String>, Vec<String>) {
        let project = &self.projects[p];
        (project.project.components.clone(), project.regions.clone())
    }

    pub fn unit_count(&self, p: usize) -> usize {
        let (components, regions) = self.units(p);
        components.len().max(1) * regions.len().max(1)
    }

    /// The units a scope names (empty lists: all), in order.
    pub fn units_in(&self, p: usize, scope: &Scope) -> Vec<usize> {
        let (components, regions) = self.units(p);
        let r_count = regions.len().max(1);
        (0..self.unit_count(p))
            .filter(|u| {
                let (c, r) = (u / r_count, u % r_count);
                let c_ok = scope.components.is_empty()
                    || components
                        .get(c)
                        .is_some_and(|n| scope.components.contains(n));
                let r_ok = scope.regions.is_empty()
                    || regions.get(r).is_some_and(|n| scope.regions.contains(n));
                c_ok && r_ok
            })
            .collect()
    }

    /// Who serves each unit of (p, e) now.
    pub fn serving(&self, p: usize, e: usize) -> Vec<Option<usize>> {
        let env = self.env(p, e);
        let mut units = vec![env.live; self.unit_count(p)];
        for &(u, d) in &env.split {
            units[u] = Some(d);
        }
        units
    }

    /// A split as callers see it: per deployment other than live, the components and
    /// regions it serves, named as briefly as the units allow.
    fn mixed_parts(&self, p: usize, split: &[(usize, usize)]) -> Vec<LivePart> {
        let mut by_dep: Vec<(usize, Vec<usize>)> = Vec::new();
        for &(u, d) in split {
            match by_dep.iter_mut().find(|(x, _)| *x == d) {
                Some((_, units)) => units.push(u),
                None => by_dep.push((d, vec![u])),
            }
        }
        let (components, regions) = self.units(p);
        let r_count = regions.len().max(1);
        let mut parts = Vec::new();
        for (d, mut units) in by_dep {
            units.sort_unstable();
            let cs: Vec<usize> = dedup(units.iter().map(|u| u / r_count));
            let rs: Vec<usize> = dedup(units.iter().map(|u| u % r_count));
            let rectangle = cs.len() * rs.len() == units.len();
            let names = |all: &[String], chosen: &[usize]| -> Vec<String> {
                if chosen.len() >= all.len() {
                    Vec::new()
                } else {
                    chosen.iter().filter_map(|i| all.get(*i).cloned()).collect()
                }
            };
            let label = Some(self.label(d).to_owned());
            let id = self.deployments[d].dep.id.clone();
            if rectangle {
                parts.push(LivePart {
                    deployment: id,
                    label,
                    scope: Scope {
                        components: names(&components, &cs),
                        regions: names(&regions, &rs),
                    },
                });
            } else {
                // Not a rectangle: one part per component.
                for c in cs {
                    let rs: Vec<usize> = units
                        .iter()
                        .filter(|u| *u / r_count == c)
                        .map(|u| u % r_count)
                        .collect();
                    parts.push(LivePart {
                        deployment: id.clone(),
                        label: label.clone(),
                        scope: Scope {
                            components: names(&components, &[c]),
                            regions: names(&regions, &rs),
                        },
                    });
                }
            }
        }
        parts
    }

    /// The deployment's own URL: never moves.
    pub fn deployment_url(&self, d: usize) -> String {
        let rec = &self.deployments[d];
        let slug = rec.dep.project.as_str().replace('/', "-");
        format!(
            "{slug}-{}.deploy.example.com",
            rec.dep.id.as_str().replace('_', "-")
        )
    }

    pub fn label(&self, d: usize) -> &str {
        &self.deployments[d].dep.label
    }

    /// A fresh deterministic deployment id: `dep_` and ten hex digits.
    pub fn new_deployment_id(&mut self) -> DeploymentId {
        let mut text = String::with_capacity(14);
        loop {
            self.id_counter += 1;
            let h = noise::mix(self.seed, self.id_counter, 0x1d);
            text.clear();
            text.push_str("dep_");
            super::text::push_hex(&mut text, h & 0xff_ffff_ffff, 10);
            let id = DeploymentId::from(text.as_str());
            if !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    pub fn commit_of(&self, p: usize, c: usize) -> Arc<Commit> {
        Arc::clone(&self.projects[p].commits[c].commit)
    }

    pub fn config_entries(config: &BTreeMap<String, String>) -> Vec<ConfigEntry> {
        config
            .iter()
            .map(|(name, hash)| ConfigEntry {
                name: name.clone(),
                hash: hash.clone(),
                kind: crate::domain::ConfigKind::EnvVar,
            })
            .collect()
    }

    /// Who changed the live pointer last, and how, for conflict messages.
    pub fn last_change(&self, p: usize, e: usize) -> Option<&LiveEntry> {
        self.env(p, e).live_history.last()
    }

    /// The live pointer's history as callers see it, oldest first.
    pub fn live_changes(&self, p: usize, e: usize) -> Vec<LiveChange> {
        self.env(p, e)
            .live_history
            .iter()
            .map(|entry| LiveChange {
                at: entry.at,
                deployment: self.deployments[entry.deployment].dep.id.clone(),
                cause: entry.cause,
                actor: entry.actor.clone(),
                scope: entry
                    .part
                    .as_ref()
                    .map(|part| part.scope.clone())
                    .unwrap_or_default(),
            })
            .collect()
    }

    pub fn add_deployment(&mut self, rec: DeploymentRecord) -> usize {
        let d = self.deployments.len();
        self.by_id.insert(rec.dep.id.clone(), d);
        let (p, e) = (rec.project, rec.env);
        self.deployments.push(rec);
        self.env_mut(p, e).deployments.push(d);
        d
    }

    /// Hash of a configuration value: lets drift be seen without the value.
    pub fn hash_value(value: &str) -> String {
        format!("{:012x}", noise::hash_str(value) & 0xffff_ffff_ffff)
    }
}

/// The distinct values, sorted.
fn dedup(values: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out: Vec<usize> = values.collect();
    out.sort_unstable();
    out.dedup();
    out
}
