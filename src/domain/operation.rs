use super::{DeploymentId, EnvRef, OperationId, Timestamp};
use serde::{Deserialize, Serialize};

/// What an engineer can ask a platform to do to a deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Rollback,
    Promote,
    Redeploy,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Rollback, Action::Promote, Action::Redeploy];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Promote => "promote",
            Self::Redeploy => "redeploy",
        }
    }
}

/// Whether an action is possible on a deployment right now, and why not when it is not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionAvailability {
    pub action: Action,
    pub allowed: bool,
    /// Why not, in words for the engineer; `None` when allowed.
    pub reason: Option<String>,
    /// The refusal's code, the same as a `Precondition` error would carry.
    pub code: Option<String>,
    /// What to do instead (e.g. redeploy from source when the artifact was pruned).
    pub suggestion: Option<Action>,
}

impl ActionAvailability {
    pub fn allowed(action: Action) -> Self {
        Self {
            action,
            allowed: true,
            reason: None,
            code: None,
            suggestion: None,
        }
    }

    pub fn refused(action: Action, code: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            action,
            allowed: false,
            reason: Some(reason.into()),
            code: Some(code.into()),
            suggestion: None,
        }
    }

    pub fn suggesting(mut self, action: Action) -> Self {
        self.suggestion = Some(action);
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    Rollback,
    Promote,
    Redeploy,
}

impl OperationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Promote => "promote",
            Self::Redeploy => "redeploy",
        }
    }
}

impl From<Action> for OperationKind {
    fn from(action: Action) -> Self {
        match action {
            Action::Rollback => Self::Rollback,
            Action::Promote => Self::Promote,
            Action::Redeploy => Self::Redeploy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationStatus {
    Queued,
    InProgress,
    Completed,
    Exception,
}

impl OperationStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Exception)
    }

    /// The words shown on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::InProgress => "in progress",
            Self::Completed => "completed",
            Self::Exception => "exception",
        }
    }
}

/// How traffic moves to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Strategy {
    /// Everything at once.
    Immediate,
    /// One machine at a time (the safe default).
    Rolling,
    /// At most this percentage of capacity unavailable at once.
    MaxUnavailable { percent: u8 },
    /// One extra machine per group first, checked and removed, then rolling.
    Canary,
    /// New machines beside the old ones, held out of traffic until healthy, then let in
    /// while the old ones are removed.
    BlueGreen,
}

impl Strategy {
    pub fn describe(self) -> String {
        match self {
            Self::Immediate => "immediate".to_owned(),
            Self::Rolling => "rolling".to_owned(),
            Self::MaxUnavailable { percent } => format!("max {percent}% unavailable"),
            Self::Canary => "canary".to_owned(),
            Self::BlueGreen => "blue-green".to_owned(),
        }
    }

    /// How many of `machines` move at once: the batch size every platform that follows
    /// these words uses, and the estimate too.
    pub fn batch(self, machines: usize) -> usize {
        let n = machines.max(1);
        match self {
            Self::Immediate | Self::BlueGreen => n,
            Self::Rolling | Self::Canary => 1,
            Self::MaxUnavailable { percent } => (n * usize::from(percent.clamp(1, 100)))
                .div_ceil(100)
                .max(1),
        }
    }
}

/// Which part of an environment an operation touches; empty lists mean all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
}

impl Scope {
    pub fn is_everything(&self) -> bool {
        self.components.is_empty() && self.regions.is_empty()
    }

    /// `web`, `eu-west-1`, `web in eu-west-1`, or `everything`.
    pub fn describe(&self) -> String {
        match (self.components.is_empty(), self.regions.is_empty()) {
            (true, true) => "everything".to_owned(),
            (false, true) => self.components.join(", "),
            (true, false) => self.regions.join(", "),
            (false, false) => format!(
                "{} in {}",
                self.components.join(", "),
                self.regions.join(", ")
            ),
        }
    }
}

/// A job at the platform: never lost, failed ones stay in history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub id: OperationId,
    pub kind: OperationKind,
    pub env: EnvRef,
    pub target: DeploymentId,
    /// The live deployment the engineer saw when asking.
    pub expected_live: Option<DeploymentId>,
    pub idempotency_key: String,
    pub actor: String,
    pub status: OperationStatus,
    pub strategy: Option<Strategy>,
    #[serde(default)]
    pub scope: Scope,
    pub steps: Vec<Step>,
    pub log: Vec<LogLine>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// The deployment a redeploy created.
    pub new_deployment: Option<DeploymentId>,
    /// Why it ended in `exception`.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub status: StepStatus,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// How long the platform expects the step to take, when it knows: the console's ETA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_secs: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: Timestamp,
    pub level: LogLevel,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}
