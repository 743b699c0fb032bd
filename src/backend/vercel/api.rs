//! The parts of Vercel's REST API this adapter reads. Vercel's objects are large and grow;
//! only the fields used are named, every one optional where Vercel may leave it out.

use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashMap};

/// The API's page limit for deployments and alias statuses.
pub const MAX_PAGE: usize = 100;

/// A number Vercel sends as an integer or a float (timestamps in ms), read as `i64`.
fn millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let value = Option::<serde_json::Number>::deserialize(deserializer)?;
    Ok(value.and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))))
}

fn required_millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    millis(deserializer)?.ok_or_else(|| serde::de::Error::custom("a timestamp"))
}

/// `null` read as the default.
fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `{"error": {"code", "message", ...}}`.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: ApiError,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    /// On `429`: when the limit resets.
    #[serde(default)]
    pub limit: Option<RateLimit>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    #[serde(default, deserialize_with = "millis")]
    pub reset_ms: Option<i64>,
}

/// `{count, next, prev}`: `next` is the timestamp to pass on for the next page.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct Pagination {
    #[serde(default, deserialize_with = "millis")]
    pub next: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct UserAnswer {
    pub user: User,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Team {
    pub id: String,
    pub slug: String,
    #[serde(default)]
    pub membership: Option<Membership>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Membership {
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Projects {
    pub projects: Vec<Project>,
    #[serde(default)]
    pub pagination: Pagination,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    /// `production` (and custom environments) → the deployment its domains point at.
    #[serde(default, deserialize_with = "or_default")]
    pub targets: HashMap<String, Option<TargetDeployment>>,
    #[serde(default)]
    pub last_alias_request: Option<LastAliasRequest>,
    #[serde(default, deserialize_with = "or_default")]
    pub custom_environments: Vec<CustomEnvironment>,
}

impl Project {
    pub fn production(&self) -> Option<&TargetDeployment> {
        self.targets.get("production").and_then(Option::as_ref)
    }

    pub fn live_id(&self) -> Option<&str> {
        self.production().map(|t| t.id.as_str())
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetDeployment {
    pub id: String,
    /// The hostnames pointing at it.
    #[serde(default, deserialize_with = "or_default")]
    pub alias: Vec<String>,
    /// `hobby`, `pro` or `enterprise`.
    #[serde(default)]
    pub plan: Option<String>,
}

/// The last rollback or promote of the project and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastAliasRequest {
    pub from_deployment_id: String,
    pub to_deployment_id: String,
    /// `pending`, `in-progress`, `succeeded`, `failed` or `skipped`.
    pub job_status: String,
    #[serde(deserialize_with = "required_millis")]
    pub requested_at: i64,
    /// `rollback` or `promote`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl LastAliasRequest {
    pub fn is_rollback(&self) -> bool {
        self.kind == "rollback"
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct CustomEnvironment {
    pub id: String,
    pub slug: String,
}

#[derive(Debug, Deserialize)]
pub struct DeploymentList {
    pub deployments: Vec<ListedDeployment>,
    #[serde(default)]
    pub pagination: Pagination,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Creator {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default, rename = "githubLogin")]
    pub github_login: Option<String>,
    #[serde(default, rename = "gitlabLogin")]
    pub gitlab_login: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CustomEnvironmentRef {
    pub id: String,
    #[serde(default)]
    pub slug: Option<String>,
}

/// An item of `GET /v6/deployments`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedDeployment {
    pub uid: String,
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(deserialize_with = "required_millis")]
    pub created: i64,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub ready_state: Option<String>,
    #[serde(default)]
    pub ready_substate: Option<String>,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub creator: Option<Creator>,
    #[serde(default, deserialize_with = "or_default")]
    pub meta: BTreeMap<String, String>,
    #[serde(default)]
    pub is_rollback_candidate: Option<bool>,
    #[serde(default)]
    pub soft_deleted_by_retention: Option<bool>,
    #[serde(default, deserialize_with = "millis")]
    pub ready: Option<i64>,
    #[serde(default)]
    pub custom_environment: Option<CustomEnvironmentRef>,
    #[serde(default)]
    pub error_message: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AliasError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// `GET /v13/deployments/{idOrUrl}` (and the deployment `POST /v13/deployments` answers).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FullDeployment {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(deserialize_with = "required_millis")]
    pub created_at: i64,
    #[serde(default)]
    pub ready_state: Option<String>,
    #[serde(default)]
    pub ready_substate: Option<String>,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub creator: Option<Creator>,
    #[serde(default, deserialize_with = "or_default")]
    pub meta: BTreeMap<String, String>,
    #[serde(default)]
    pub soft_deleted_by_retention: Option<bool>,
    #[serde(default, deserialize_with = "millis")]
    pub ready: Option<i64>,
    #[serde(default)]
    pub custom_environment: Option<CustomEnvironmentRef>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub plan: Option<String>,
    /// A timestamp, `true`, or `null` while unassigned.
    #[serde(default)]
    pub alias_assigned: Option<serde_json::Value>,
    #[serde(default)]
    pub alias_error: Option<AliasError>,
    #[serde(default)]
    pub error_message: Option<String>,
}

impl FullDeployment {
    pub fn alias_assigned(&self) -> bool {
        match &self.alias_assigned {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::Number(_)) => true,
            _ => false,
        }
    }
}

/// `GET /v9/projects/{id}/{rollback|promote}/aliases`: the aliases of the last request.
#[derive(Debug, Deserialize)]
pub struct AliasStatuses {
    pub aliases: Vec<AliasStatus>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AliasStatus {
    pub alias: AliasRef,
    /// `completed`, `in-progress`, `pending`, `failed` or `skipped`.
    pub status: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AliasRef {
    pub alias: String,
    pub deployment_id: String,
}

#[derive(Debug, Deserialize)]
pub struct ProjectDomains {
    pub domains: Vec<ProjectDomain>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectDomain {
    pub name: String,
    #[serde(default)]
    pub git_branch: Option<String>,
    #[serde(default)]
    pub redirect: Option<String>,
    #[serde(default)]
    pub custom_environment_id: Option<String>,
    #[serde(default)]
    pub verified: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingReleaseAnswer {
    #[serde(default)]
    pub rolling_release: Option<RollingRelease>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingRelease {
    /// `ACTIVE`, `COMPLETE` or `ABORTED`.
    pub state: String,
    #[serde(default)]
    pub canary_deployment: Option<DeploymentRef>,
    #[serde(default)]
    pub active_stage: Option<Stage>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DeploymentRef {
    pub id: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    #[serde(default)]
    pub target_percentage: Option<f64>,
}

/// One build event; Vercel sends two shapes (the text at the top or under `payload`).
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "millis")]
    pub created: Option<i64>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub payload: Option<EventPayload>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct EventPayload {
    #[serde(default)]
    pub text: Option<String>,
}

impl Event {
    pub fn text(&self) -> Option<&str> {
        self.text
            .as_deref()
            .or_else(|| self.payload.as_ref()?.text.as_deref())
            .filter(|t| !t.trim().is_empty())
    }
}

/// `POST /v2/observability/query`: rows of `{timestamp, <groupBy>…, <rollup>}`.
#[derive(Debug, Deserialize)]
pub struct ObservabilityAnswer {
    #[serde(default, deserialize_with = "or_default")]
    pub data: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_either_shape() {
        let top: Event = serde_json::from_value(serde_json::json!({
            "type": "stdout", "created": 1, "date": 1, "deploymentId": "d", "id": "e",
            "info": {"type": "build", "name": "x"}, "serial": "1", "text": "Building…"
        }))
        .unwrap();
        assert_eq!(top.text(), Some("Building…"));
        let nested: Event = serde_json::from_value(serde_json::json!({
            "type": "stdout", "created": 2.0,
            "payload": {"deploymentId": "d", "id": "e", "date": 2, "serial": "2", "text": "Done"}
        }))
        .unwrap();
        assert_eq!((nested.text(), nested.created), (Some("Done"), Some(2)));
    }

    #[test]
    fn alias_assigned_is_a_time_a_flag_or_null() {
        let mut d: FullDeployment = serde_json::from_value(serde_json::json!({
            "id": "dpl_1", "name": "shop", "createdAt": 1, "aliasAssigned": null
        }))
        .unwrap();
        assert!(!d.alias_assigned());
        d.alias_assigned = Some(serde_json::json!(1_700_000_000_000i64));
        assert!(d.alias_assigned());
        d.alias_assigned = Some(serde_json::json!(true));
        assert!(d.alias_assigned());
    }
}
