//! The parts of Unkey's public API v2 this adapter calls: request bodies and the data of
//! responses (the `{meta, data, pagination}` envelope is unwrapped by the client).

use serde::{Deserialize, Serialize};

/// `{meta, data, pagination?}`.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub data: T,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default)]
    pub cursor: Option<String>,
    pub has_more: bool,
}

/// `{meta, error: {title, detail, status, type, errors?}}`.
#[derive(Debug, Deserialize)]
pub struct ErrorEnvelope {
    pub error: Problem,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: String,
    /// A code or docs URL naming the problem, e.g. `…/deployment_not_ready`.
    #[serde(default, rename = "type")]
    pub kind: String,
}

impl Problem {
    /// The last segment of `type`: `err:unkey:application:deployment_is_current` and
    /// `https://unkey.com/docs/errors/unkey/application/deployment_is_current` both give
    /// `deployment_is_current`.
    pub fn code(&self) -> &str {
        self.kind
            .rsplit([':', '/'])
            .find(|part| !part.is_empty())
            .unwrap_or("")
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    pub slug: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub slug: String,
    #[serde(default)]
    pub current_deployment_id: Option<String>,
    pub is_rolled_back: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvironmentKind {
    Production,
    Preview,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub id: String,
    pub slug: String,
    pub kind: EnvironmentKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    Pending,
    Starting,
    Building,
    Deploying,
    Network,
    Finalizing,
    Ready,
    Failed,
    Skipped,
    AwaitingApproval,
    Stopped,
    Superseded,
    Cancelled,
}

impl DeploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Starting => "starting",
            Self::Building => "building",
            Self::Deploying => "deploying",
            Self::Network => "network",
            Self::Finalizing => "finalizing",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::AwaitingApproval => "awaiting_approval",
            Self::Stopped => "stopped",
            Self::Superseded => "superseded",
            Self::Cancelled => "cancelled",
        }
    }

    /// Unkey's terminal states: nothing more will happen to the deployment by itself.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Ready
                | Self::Failed
                | Self::Skipped
                | Self::Superseded
                | Self::Stopped
                | Self::Cancelled
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentAction {
    Promote,
    Rollback,
    Stop,
    Start,
    /// An action a later API version adds.
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentGit {
    pub commit_sha: String,
    #[serde(default)]
    pub branch: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DeploymentDocker {
    pub image: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DeploymentError {
    pub code: String,
    pub step: String,
    pub message: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    pub status: DeploymentStatus,
    pub is_current: bool,
    pub environment: String,
    pub app: String,
    #[serde(default)]
    pub git: Option<DeploymentGit>,
    #[serde(default)]
    pub docker: Option<DeploymentDocker>,
    pub available_actions: Vec<DeploymentAction>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub error: Option<DeploymentError>,
    #[serde(default)]
    pub domains: Vec<String>,
    /// Kept raw: only compared and hashed, never interpreted.
    #[serde(default)]
    pub runtime: serde_json::Map<String, serde_json::Value>,
    pub created_at: i64,
}

impl Deployment {
    pub fn offers(&self, action: DeploymentAction) -> bool {
        self.available_actions.contains(&action)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomDomain {
    pub domain: String,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDeployment {
    pub deployment_id: String,
}

/// `data: {}` of the 202 answers.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// The rows of an analytics query: whatever the SELECT names.
pub type Rows = Vec<serde_json::Map<String, serde_json::Value>>;

// Request bodies. Optional fields are left out rather than sent as null: the API refuses
// unknown or null properties.

#[derive(Debug, Serialize)]
pub struct ListProjects<'a> {
    pub limit: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ListApps<'a> {
    pub project: &'a str,
    pub limit: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct AppRef<'a> {
    pub project: &'a str,
    pub app: &'a str,
}

#[derive(Debug, Serialize)]
pub struct ListDeployments<'a> {
    pub project: &'a str,
    pub app: &'a str,
    pub environment: &'a str,
    pub limit: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ListDomains<'a> {
    pub project: &'a str,
    pub app: &'a str,
    pub environment: &'a str,
    pub limit: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentRef<'a> {
    pub deployment_id: &'a str,
}

#[derive(Debug, Serialize)]
pub struct CreateDeployment<'a> {
    pub project: &'a str,
    pub app: &'a str,
    pub environment: &'a str,
    pub deployment: DeploymentRef<'a>,
}

#[derive(Debug, Serialize)]
pub struct Query<'a> {
    pub query: &'a str,
}

/// The API's page limit for every list call.
pub const MAX_PAGE: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_code_is_the_last_segment() {
        for kind in [
            "err:unkey:application:deployment_is_current",
            "https://unkey.com/docs/errors/unkey/application/deployment_is_current",
            "deployment_is_current",
        ] {
            let problem = Problem {
                kind: kind.to_owned(),
                ..Problem::default()
            };
            assert_eq!(problem.code(), "deployment_is_current", "{kind}");
        }
    }
}
