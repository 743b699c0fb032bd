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
