//! Temps' answers as the v0.0.1 server sends them (which is not always what its spec says).
//! Only what switchback reads is declared: a job's `job_config` carries deployment tokens and
//! a Sentry DSN, so it is never decoded, kept or shown.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The page size switchback asks for at most; Temps' default is 10.
pub const MAX_PAGE: u32 = 100;

#[derive(Clone, Debug, Deserialize)]
pub struct Project {
    pub id: i32,
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub preset: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ProjectList {
    pub projects: Vec<Project>,
    pub total: i64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Environment {
    pub id: i32,
    pub name: String,
    pub slug: String,
    /// What is live: the only source of truth (`is_current` and `last-deployment` follow
    /// it or not).
    #[serde(default)]
    pub current_deployment_id: Option<i32>,
    /// Epoch milliseconds; moves when the live pointer does.
    pub updated_at: i64,
    #[serde(default)]
    pub is_preview: bool,
    #[serde(default)]
    pub branch: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DeploymentEnvironment {
    pub slug: String,
    /// The environment's URL first, then its active custom domains.
    #[serde(default)]
    pub domains: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Deployment {
    pub id: i32,
    pub environment_id: i32,
    pub environment: DeploymentEnvironment,
    pub status: DeploymentStatus,
    #[serde(default)]
    pub commit_hash: Option<String>,
    #[serde(default)]
    pub commit_message: Option<String>,
    #[serde(default)]
    pub commit_author: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    /// Epoch milliseconds.
    pub created_at: i64,
    #[serde(default)]
    pub finished_at: Option<i64>,
    /// Also holds a failed deployment's error text.
    #[serde(default)]
    pub cancelled_reason: Option<String>,
    /// CPU, memory, replicas, port, flags: settings, never secrets.
    #[serde(default)]
    pub deployment_config: Option<serde_json::Map<String, Value>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DeploymentList {
    pub deployments: Vec<Deployment>,
    pub total: i64,
}

/// A deployment's `status` string. Temps' code knows more than the server was seen to send;
/// a word this build does not know is kept as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeploymentStatus {
    Pending,
    Running,
    Building,
    Built,
    Deploying,
    Deployed,
    Completed,
    Failed,
    Cancelled,
    Paused,
    Stopped,
    Other(String),
}

impl DeploymentStatus {
    pub fn parse(word: &str) -> Self {
        match word {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "building" => Self::Building,
            "built" => Self::Built,
            "deploying" => Self::Deploying,
            "deployed" => Self::Deployed,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "paused" => Self::Paused,
            "stopped" => Self::Stopped,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Building => "building",
            Self::Built => "built",
            Self::Deploying => "deploying",
            Self::Deployed => "deployed",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Paused => "paused",
            Self::Stopped => "stopped",
            Self::Other(word) => word,
        }
    }

    /// Temps' own rule: only these may be rolled back to.
    pub fn rollback_target(&self) -> bool {
        matches!(self, Self::Completed | Self::Deployed)
    }

    /// The pipeline is over, one way or another.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Completed
                | Self::Deployed
                | Self::Failed
                | Self::Cancelled
                | Self::Paused
                | Self::Stopped
        )
    }
}

impl<'de> Deserialize<'de> for DeploymentStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|word| Self::parse(&word))
    }
}

/// One job of a deployment's pipeline. `job_config` (secrets) and `outputs` are left out on
/// purpose.
#[derive(Clone, Debug, Deserialize)]
pub struct Job {
    pub job_id: String,
    #[serde(default)]
    pub name: String,
    /// `pending`, `waiting`, `running`, `success`, `failure`, `cancelled`, `skipped`.
    pub status: String,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub execution_order: Option<i32>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct JobList {
    pub jobs: Vec<Job>,
}

/// One line of a job's log (the body is `text/plain` holding JSON lines).
#[derive(Clone, Debug, Deserialize)]
pub struct JobLogLine {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub message: String,
}

/// `GET /projects/{p}/environments/{e}/domains`: domains added to the environment (its
/// default subdomain is not among them).
#[derive(Clone, Debug, Deserialize)]
pub struct EnvironmentDomain {
    pub domain: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ContainerList {
    pub containers: Vec<Container>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Container {
    #[serde(default)]
    pub status: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct StatsAnswer {
    pub stats: Vec<StatsBucket>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct StatsBucket {
    /// RFC 3339 (proxy-log times are not epoch milliseconds).
    pub bucket: String,
    pub request_count: i64,
}

/// `GET /user/me`: the server sends `role` though its spec leaves it out.
#[derive(Clone, Debug, Deserialize)]
pub struct User {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub role: Option<String>,
}

/// `GET /api-keys/permissions`: every role and what it may do.
#[derive(Clone, Debug, Deserialize)]
pub struct Permissions {
    pub roles: Vec<RoleInfo>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct RoleInfo {
    pub name: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// `application/problem+json`, with the extension fields Temps flattens to the top.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub required_permission: Option<String>,
    #[serde(default)]
    pub user_role: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TriggerPipeline<'a> {
    pub branch: Option<&'a str>,
    pub commit: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub environment_id: i32,
}

/// Anything: answers switchback reads only for their status.
#[derive(Clone, Debug, Deserialize)]
pub struct Ignored {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_status_words_are_kept() {
        let status: DeploymentStatus = serde_json::from_str("\"queued_for_mars\"").unwrap();
        assert_eq!(status.as_str(), "queued_for_mars");
        assert!(!status.rollback_target());
        assert!(DeploymentStatus::parse("deployed").rollback_target());
        assert!(DeploymentStatus::parse("completed").rollback_target());
        assert!(!DeploymentStatus::parse("failed").rollback_target());
    }

    #[test]
    fn a_job_never_keeps_its_config() {
        let job: Job = serde_json::from_str(
            r#"{"job_id":"build_image","status":"success","job_config":{"build_args":{"TEMPS_API_TOKEN":"dt_canary"}}}"#,
        )
        .unwrap();
        assert!(!format!("{job:?}").contains("dt_canary"));
    }
}
