//! The scenario file format: what a TOML scenario may say. Every table refuses unknown keys.

use crate::domain::{DomainKind, EnvironmentKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub scenario: MetaSpec,
    /// Platform timings; an extending scenario inherits its base's when it has none.
    #[serde(default)]
    pub settings: Option<SettingsSpec>,
    #[serde(default)]
    pub faults: Option<FaultSpec>,
    #[serde(default)]
    pub projects: Vec<ProjectSpec>,
    #[serde(default)]
    pub events: Vec<EventSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seeds the traffic noise and the ids: the same seed gives the same platform.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// A built-in scenario this one starts from: its projects, settings and events, plus
    /// this file's projects, events and faults.
    #[serde(default)]
    pub extends: Option<String>,
}

fn default_seed() -> u64 {
    42
}

/// Platform timings. Defaults follow Unkey Deploy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SettingsSpec {
    /// How long a replaced production deployment keeps running.
    #[serde(with = "humantime_serde")]
    pub production_keepalive: Duration,
    /// How long a preview deployment runs without requests before it spins down.
    #[serde(with = "humantime_serde")]
    pub preview_idle: Duration,
    /// Starting one batch of machines of a spun-down deployment.
    #[serde(with = "humantime_serde")]
    pub cold_start: Duration,
    #[serde(with = "humantime_serde")]
    pub health_check: Duration,
    #[serde(with = "humantime_serde")]
    pub queue: Duration,
    #[serde(with = "humantime_serde")]
    pub build: Duration,
    #[serde(with = "humantime_serde")]
    pub deploy: Duration,
    pub machines_per_region: u32,
}

impl Default for SettingsSpec {
    fn default() -> Self {
        Self {
            production_keepalive: Duration::from_secs(30 * 60),
            preview_idle: Duration::from_secs(60 * 60),
            cold_start: Duration::from_secs(20),
            health_check: Duration::from_secs(5),
            queue: Duration::from_secs(5),
            build: Duration::from_secs(90),
            deploy: Duration::from_secs(20),
            machines_per_region: 2,
        }
    }
}

/// A deterministic pattern of slow and failing calls.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Every Nth call sleeps `slow_for` first (0 = never).
    #[serde(default)]
    pub slow_every: u64,
    #[serde(with = "humantime_serde", default = "default_slow")]
    pub slow_for: Duration,
    /// Every Nth call fails with `Transient` (0 = never).
    #[serde(default)]
    pub transient_every: u64,
}

fn default_slow() -> Duration {
    Duration::from_millis(1500)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Image repository, e.g. `registry.example.com/acme/storefront`.
    pub image: String,
    #[serde(default = "default_regions")]
    pub regions: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    /// The linear commit history, oldest first.
    #[serde(default)]
    pub commits: Vec<CommitSpec>,
    #[serde(default)]
    pub environments: Vec<EnvSpec>,
    /// Generate a long history instead of writing it out.
    #[serde(default)]
    pub generate: Option<GenerateSpec>,
}

fn default_regions() -> Vec<String> {
    vec!["us-east-1".to_owned()]
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitSpec {
    pub sha: String,
    pub subject: String,
    pub author: String,
    #[serde(default)]
    pub branch: Option<String>,
    /// Builds of this commit fail.
    #[serde(default)]
    pub build_fails: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub kind: EnvironmentKind,
    /// Requests per second the environment receives (defaults by kind).
    #[serde(default)]
    pub rps: Option<f64>,
    /// Labels of new deployments: prefix + number (`v` → `v43`).
    #[serde(default)]
    pub label_prefix: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub domains: Vec<DomainSpec>,
    /// Configuration every deployment starts from: name → value (only a hash is kept).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Oldest first; each ready one took the domains when it was created.
    #[serde(default)]
    pub deployments: Vec<DeploymentSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSpec {
    pub hostname: String,
    pub kind: DomainKind,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    pub label: String,
    /// A sha from the project's commits.
    pub commit: String,
    /// How long before the scenario starts it was created (and, when ready, went live).
    #[serde(with = "humantime_serde")]
    pub age: Duration,
    #[serde(default = "default_status")]
    pub status: SpecBuildStatus,
    /// Share of requests answered 5xx while it serves.
    #[serde(default = "default_error_rate")]
    pub error_rate: f64,
    #[serde(default = "default_p50")]
    pub p50_ms: f64,
    #[serde(default = "default_p95")]
    pub p95_ms: f64,
    #[serde(default)]
    pub migrations: Vec<String>,
    /// Configuration set from this deployment on: name → value.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Configuration removed from this deployment on.
    #[serde(default)]
    pub config_removed: Vec<String>,
    /// Retention removed the artifact.
    #[serde(default)]
    pub pruned: bool,
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    #[serde(default)]
    pub author: Option<String>,
}

fn default_status() -> SpecBuildStatus {
    SpecBuildStatus::Ready
}

pub(crate) fn default_error_rate() -> f64 {
    0.001
}

pub(crate) fn default_p50() -> f64 {
    35.0
}

pub(crate) fn default_p95() -> f64 {
    120.0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecBuildStatus {
    Ready,
    Failed,
    Canceled,
}

/// A long generated history for one environment.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateSpec {
    pub environment: String,
    pub deployments: usize,
    /// Time between two generated deployments.
    #[serde(with = "humantime_serde")]
    pub every: Duration,
    /// Every Nth generated deployment fails its build (0 = none).
    #[serde(default)]
    pub failed_every: usize,
    /// Artifacts older than this many deployments are pruned.
    #[serde(default)]
    pub keep_artifacts: Option<usize>,
}

/// Something that happens at a set time after the scenario starts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    #[serde(with = "humantime_serde")]
    pub after: Duration,
    pub kind: EventKind,
    pub project: String,
    pub environment: String,
    /// The label of the target (rollback, promote, redeploy).
    #[serde(default)]
    pub target: Option<String>,
    pub actor: String,
    /// A push's commit subject.
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub rebuild: bool,
    /// A push's error rate once it serves.
    #[serde(default)]
    pub error_rate: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Rollback,
    Promote,
    Redeploy,
    Push,
}
