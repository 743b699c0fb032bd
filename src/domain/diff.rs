use super::{Artifact, DeploymentId, DomainKind};
use serde::{Deserialize, Serialize};

/// What switching an environment from its live deployment to a target would change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub live: Option<DeploymentId>,
    pub target: DeploymentId,
    pub artifact_from: Option<Artifact>,
    pub artifact_to: Artifact,
    /// Commits between the target and live, newest first. Positive `commits_back` means the
    /// target is older than live.
    pub commits_between: Vec<CommitRef>,
    pub commits_back: i64,
    /// Configuration that differs; a rollback keeps today's values.
    pub config_drift: Vec<ConfigChange>,
    /// Migrations introduced after the target that a switch would not revert.
    pub migrations_not_reverted: Vec<String>,
    pub domains: Vec<DomainMove>,
    pub switch: SwitchKind,
    /// Platform-specific differences beyond artifact, commits and config, e.g. a Kubernetes
    /// pod template's images, resources, command and args per container. Empty elsewhere.
    #[serde(default)]
    pub details: Vec<DiffDetail>,
    /// How the platform rolls out a switch to the target or a new deployment: what an
    /// estimate of the time it takes is made of. `None` when the platform does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
}

/// The platform's facts about rolling out: machines, batches and the time each part takes.
/// Durations are in seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollout {
    /// The components the target runs (empty: the platform has no components).
    #[serde(default)]
    pub components: Vec<String>,
    /// The regions it runs in (empty: the platform has no regions).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Machines (or replicas) per component and region.
    pub machines_per_region: u32,
    /// Starting one batch of machines of a spun-down target.
    pub cold_start_secs: u64,
    /// The health check after a cold start.
    pub health_check_secs: u64,
    /// Moving one batch of machines of a running target.
    #[serde(default)]
    pub route_secs: u64,
    /// A rebuild: waiting in the queue, then building.
    #[serde(default)]
    pub queue_secs: u64,
    #[serde(default)]
    pub build_secs: u64,
    /// Deploying a new deployment's artifact.
    #[serde(default)]
    pub deploy_secs: u64,
}

impl Rollout {
    /// Machines an operation limited to `scope` touches (`scope` empty: all).
    pub fn machines(&self, components: &[String], regions: &[String]) -> u32 {
        let count = |chosen: &[String], all: &[String]| {
            let n = if chosen.is_empty() {
                all.len()
            } else {
                chosen.len()
            };
            u32::try_from(n.max(1)).unwrap_or(u32::MAX)
        };
        count(components, &self.components)
            .saturating_mul(count(regions, &self.regions))
            .saturating_mul(self.machines_per_region.max(1))
    }
}

/// One difference shown as `section name: live → target`; a value is `None` where that side
/// has none, and never holds a secret (references are named, not resolved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffDetail {
    /// `image`, `env`, `resources`, `command`, `args`, `change-cause`.
    pub section: String,
    /// What differs, e.g. the container name or `container/ENV_NAME`.
    pub name: String,
    pub live: Option<String>,
    pub target: Option<String>,
}

impl DiffDetail {
    /// `section name live → target`, with `unset` for a side that has no value.
    pub fn describe(&self) -> String {
        let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "unset".to_owned());
        format!(
            "{} {} {} → {}",
            self.section,
            self.name,
            side(&self.live),
            side(&self.target)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRef {
    pub sha: String,
    pub subject: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigChange {
    pub name: String,
    pub change: ConfigChangeKind,
}

/// Seen from the target: `Added` means live has a value the target did not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigChangeKind {
    Added,
    Removed,
    Changed,
}

impl ConfigChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// What a switch that leaves hostnames in place does instead (Kubernetes: the Service stays,
/// the pods it selects change); followed on screen by ` to <target>`.
pub const HOSTS_STAY: &str = "hosts stay on the same Service; the pods behind it change";

/// Whether a switch leaves every hostname where it is: the platform never moves hosts, or
/// none of the listed ones moves. A list with nothing in it moves nothing worth saying.
pub fn hosts_stay(domains_move: bool, domains: &[DomainMove]) -> bool {
    !domains_move || (!domains.is_empty() && domains.iter().all(|d| !d.moves))
}

/// A hostname and where a switch would leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainMove {
    pub hostname: String,
    pub kind: DomainKind,
    pub from: Option<DeploymentId>,
    pub to: Option<DeploymentId>,
    /// Whether the switch moves it (on Kubernetes, hosts stay on the same Service).
    pub moves: bool,
    /// The adapter inferred this from naming rules because the platform does not say.
    #[serde(default)]
    pub inferred: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SwitchKind {
    /// The target is running: routes move at once.
    Instant,
    /// The target is spun down: it starts and passes a health check first.
    Cold { estimate_secs: u64 },
}
