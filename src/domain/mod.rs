//! The words of the platform: projects, environments, deployments, domains, operations,
//! metric series and diffs. Nothing here knows about screens or networks.

pub(crate) mod deployment;
mod diff;
mod environment;
mod ids;
mod metrics;
mod operation;
mod shared_text;

pub use deployment::{
    Artifact, BuildStatus, Commit, ConfigEntry, ConfigKind, Deployment, RuntimeState,
};
pub use diff::{
    CommitRef, ConfigChange, ConfigChangeKind, Diff, DiffDetail, DomainMove, HOSTS_STAY, Rollout,
    SwitchKind, hosts_stay,
};
pub use environment::{
    Domain, DomainKind, EnvMode, EnvRef, Environment, EnvironmentKind, LiveCause, LiveChange,
    LivePart, Project,
};
pub use ids::{DeploymentId, EnvironmentId, OperationId, ProjectId};
pub use metrics::{MetricPoint, MetricSeries, MetricSource, MetricsQuery, MetricsScope};
pub use operation::{
    Action, ActionAvailability, LogLevel, LogLine, Operation, OperationKind, OperationStatus,
    Scope, Step, StepStatus, Strategy,
};

/// Time everywhere in the engine: UTC instants.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
