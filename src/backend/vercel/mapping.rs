//! Vercel's deployments in the console's words. The listing and the full read carry
//! different fields; both become one [`Dep`] first.

use super::api::{self, Creator, CustomEnvironmentRef, FullDeployment, ListedDeployment};
use crate::domain::{
    Artifact, BuildStatus, Commit, Deployment, DeploymentId, EnvRef, EnvironmentId, ProjectId,
    RuntimeState, Timestamp,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `readyState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Queued,
    Initializing,
    Building,
    Ready,
    Error,
    Canceled,
    Deleted,
    Blocked,
    Unknown,
}

impl State {
    fn parse(value: Option<&str>) -> Self {
        match value.unwrap_or("") {
            "QUEUED" => Self::Queued,
            "INITIALIZING" => Self::Initializing,
            "BUILDING" => Self::Building,
            "READY" => Self::Ready,
            "ERROR" => Self::Error,
            "CANCELED" => Self::Canceled,
            "DELETED" => Self::Deleted,
            "BLOCKED" => Self::Blocked,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "QUEUED",
            Self::Initializing => "INITIALIZING",
            Self::Building => "BUILDING",
            Self::Ready => "READY",
            Self::Error => "ERROR",
            Self::Canceled => "CANCELED",
            Self::Deleted => "DELETED",
            Self::Blocked => "BLOCKED",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// Still on its way to ready.
    pub fn is_building(self) -> bool {
        matches!(self, Self::Queued | Self::Initializing | Self::Building)
    }
}

/// `readySubstate`: whether a ready deployment has served production.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Substate {
    /// Built, never served production traffic.
    Staged,
    /// Taking production traffic gradually (a rolling release).
    Rolling,
    /// Has served production traffic.
    Promoted,
}

impl Substate {
    fn parse(value: Option<&str>) -> Option<Self> {
        match value? {
            "STAGED" => Some(Self::Staged),
            "ROLLING" => Some(Self::Rolling),
            "PROMOTED" => Some(Self::Promoted),
            _ => None,
        }
    }
}

/// A deployment as the adapter reasons about it.
#[derive(Clone, Debug)]
pub struct Dep {
    pub uid: String,
    pub name: String,
    pub url: Option<String>,
    pub created: i64,
    pub state: State,
    pub substate: Option<Substate>,
    /// `production`, `staging`, or none (a preview or a custom environment).
    pub target: Option<String>,
    pub custom_env: Option<CustomEnvironmentRef>,
    pub source: Option<String>,
    pub creator: Option<Creator>,
    pub meta: BTreeMap<String, String>,
    /// Vercel's own word on whether it can be rolled back to (listings only).
    pub rollback_candidate: Option<bool>,
    /// Removed by retention: gone, only its record remains.
    pub removed: bool,
    pub ready_at: Option<i64>,
    pub error: Option<String>,
    pub project_id: Option<String>,
    /// `hobby`, `pro` or `enterprise` (full reads only).
    pub plan: Option<String>,
}

impl Dep {
    pub fn from_listed(d: &ListedDeployment) -> Self {
        let state = State::parse(d.ready_state.as_deref().or(d.state.as_deref()));
        Self {
            uid: d.uid.clone(),
            name: d.name.clone(),
            url: d.url.clone(),
            created: d.created,
            state,
            substate: Substate::parse(d.ready_substate.as_deref()),
            target: d.target.clone(),
            custom_env: d.custom_environment.clone(),
            source: d.source.clone(),
            creator: d.creator.clone(),
            meta: d.meta.clone(),
            rollback_candidate: d.is_rollback_candidate,
            removed: d.soft_deleted_by_retention == Some(true) || state == State::Deleted,
            ready_at: d.ready,
            error: d.error_message.clone(),
            project_id: None,
            plan: None,
        }
    }

    pub fn from_full(d: &FullDeployment) -> Self {
        let state = State::parse(d.ready_state.as_deref());
        Self {
            uid: d.id.clone(),
            name: d.name.clone(),
            url: d.url.clone(),
            created: d.created_at,
            state,
            substate: Substate::parse(d.ready_substate.as_deref()),
            target: d.target.clone(),
            custom_env: d.custom_environment.clone(),
            source: d.source.clone(),
            creator: d.creator.clone(),
            meta: d.meta.clone(),
            rollback_candidate: None,
            removed: d.soft_deleted_by_retention == Some(true) || state == State::Deleted,
            ready_at: d.ready,
            error: d
                .error_message
                .clone()
                .or_else(|| d.alias_error.as_ref().map(|e| e.message.clone())),
            project_id: d.project_id.clone(),
            plan: d.plan.clone(),
        }
    }

    pub fn is_production(&self) -> bool {
        self.target.as_deref() == Some("production")
    }

    /// Built and never served production.
    pub fn is_staged(&self) -> bool {
        self.substate == Some(Substate::Staged)
    }
}

/// The environment a deployment belongs to: `production`, a custom environment's slug, or
/// `preview`. `slug_of` names a custom environment the deployment gives only by id.
pub fn environment_of(d: &Dep, slug_of: &dyn Fn(&str) -> Option<String>) -> EnvironmentId {
    if d.is_production() {
        return EnvironmentId::new("production");
    }
    if let Some(custom) = &d.custom_env {
        let slug = custom.slug.clone().or_else(|| slug_of(&custom.id));
        return EnvironmentId::new(slug.unwrap_or_else(|| custom.id.clone()));
    }
    EnvironmentId::new("preview")
}

/// The random part of the deployment's URL (`shop-9jaeg38me-acme.vercel.app` →
/// `9jaeg38me`): short, unique, and what Vercel's own tools show. Else the id's start.
pub fn label(d: &Dep) -> String {
    if let Some(url) = &d.url
        && let Some(rest) = url.strip_prefix(&format!("{}-", d.name))
    {
        let part: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if part.len() >= 4 {
            return part;
        }
    }
    d.uid
        .strip_prefix("dpl_")
        .unwrap_or(&d.uid)
        .chars()
        .take(9)
        .collect()
}

const PROVIDERS: [&str; 3] = ["github", "gitlab", "bitbucket"];

fn meta_of<'a>(d: &'a Dep, field: &str) -> Option<&'a str> {
    PROVIDERS
        .iter()
        .find_map(|p| d.meta.get(&format!("{p}{field}")))
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// The commit from `meta` (GitHub, GitLab or Bitbucket).
pub fn commit(d: &Dep) -> Option<Commit> {
    let sha = meta_of(d, "CommitSha")?;
    Some(Commit {
        sha: sha.to_owned(),
        subject: meta_of(d, "CommitMessage")
            .and_then(|m| m.lines().next())
            .unwrap_or("")
            .to_owned(),
        branch: meta_of(d, "CommitRef").map(str::to_owned),
    })
}

/// The commit's author when the git provider says, else who created the deployment.
pub fn author(d: &Dep) -> Option<String> {
    meta_of(d, "CommitAuthorLogin")
        .or_else(|| meta_of(d, "CommitAuthorName"))
        .map(str::to_owned)
        .or_else(|| {
            let c = d.creator.as_ref()?;
            c.github_login
                .clone()
                .or_else(|| c.gitlab_login.clone())
                .or_else(|| c.username.clone())
                .or_else(|| c.email.clone())
        })
}

pub fn build_status(state: State) -> BuildStatus {
    match state {
        State::Queued | State::Initializing => BuildStatus::Queued,
        State::Building => BuildStatus::Building,
        // A removed deployment was ready once; its artifact is gone (`pruned`).
        State::Ready | State::Deleted => BuildStatus::Ready,
        State::Error | State::Blocked | State::Unknown => BuildStatus::Failed,
        State::Canceled => BuildStatus::Canceled,
    }
}

/// Serverless: a ready deployment always answers on its own URL; a removed one does not.
pub fn runtime_state(d: &Dep) -> RuntimeState {
    if d.removed {
        RuntimeState::SpunDown
    } else if d.state.is_building() {
        RuntimeState::Starting
    } else {
        RuntimeState::Running
    }
}

pub fn timestamp(millis: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// What the mapping needs besides the deployment.
pub struct MapContext<'a> {
    pub env: &'a EnvRef,
    /// The environment's live deployment.
    pub live: Option<&'a str>,
    /// The project's last rollback or promote: marks the deployment a rollback made live.
    pub last_request: Option<&'a api::LastAliasRequest>,
    pub redeployed_from: Option<DeploymentId>,
}

pub fn deployment(d: &Dep, ctx: &MapContext<'_>) -> Deployment {
    let is_live = ctx.live == Some(d.uid.as_str());
    let rolled_back_here = ctx
        .last_request
        .filter(|r| r.is_rollback() && r.to_deployment_id == d.uid && is_live);
    Deployment {
        id: DeploymentId::new(d.uid.clone()),
        label: label(d),
        project: ProjectId::new(ctx.env.project.as_str()),
        environment: ctx.env.environment.clone(),
        artifact: Artifact {
            // Vercel builds from source and publishes no image: the deployment's own URL
            // names the build.
            image: d
                .url
                .clone()
                .unwrap_or_else(|| format!("Vercel build {}", d.uid)),
            digest: None,
            pruned: d.removed,
        },
        commit: commit(d).map(Arc::new),
        author: author(d).map(Arc::from),
        created_at: timestamp(d.created),
        build_status: build_status(d.state),
        runtime_state: runtime_state(d),
        regions: Arc::from([]),
        components: Arc::from([]),
        config: Arc::from([]),
        migrations: Vec::new(),
        is_rollback: rolled_back_here.is_some(),
        rolled_back_from: rolled_back_here.map(|r| DeploymentId::new(r.from_deployment_id.clone())),
        redeployed_from: ctx.redeployed_from.clone(),
        is_live,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(extra: serde_json::Value) -> Dep {
        let mut value = serde_json::json!({
            "uid": "dpl_2euZBFqxYdDMDG1jTrHFnNZ2eUVa", "name": "shop",
            "url": "shop-9jaeg38me-acme.vercel.app", "created": 1_700_000_000_000i64,
            "type": "LAMBDAS", "creator": {"uid": "u1", "username": "alice"},
            "inspectorUrl": null, "readyState": "READY", "target": "production",
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Dep::from_listed(&serde_json::from_value(value).unwrap())
    }

    #[test]
    fn the_label_is_the_urls_random_part_else_the_id() {
        assert_eq!(label(&listed(serde_json::json!({}))), "9jaeg38me");
        let odd = listed(serde_json::json!({"url": "elsewhere.example.com"}));
        assert_eq!(label(&odd), "2euZBFqxY");
        let none = listed(serde_json::json!({"url": null}));
        assert_eq!(label(&none), "2euZBFqxY");
    }

    #[test]
    fn commit_and_author_come_from_any_git_provider() {
        let gitlab = listed(serde_json::json!({"meta": {
            "gitlabCommitSha": "abc1234def", "gitlabCommitMessage": "fix checkout\n\nlong body",
            "gitlabCommitRef": "main", "gitlabCommitAuthorName": "Bob"
        }}));
        let commit = commit(&gitlab).unwrap();
        assert_eq!(
            (commit.sha.as_str(), commit.subject.as_str()),
            ("abc1234def", "fix checkout")
        );
        assert_eq!(commit.branch.as_deref(), Some("main"));
        assert_eq!(author(&gitlab).as_deref(), Some("Bob"));
        let cli = listed(serde_json::json!({}));
        assert!(super::commit(&cli).is_none());
        assert_eq!(author(&cli).as_deref(), Some("alice"));
    }

    #[test]
    fn states_substates_and_retention() {
        let staged = listed(serde_json::json!({"readySubstate": "STAGED"}));
        assert!(staged.is_staged());
        let removed = listed(serde_json::json!({"softDeletedByRetention": true}));
        assert!(removed.removed);
        assert_eq!(runtime_state(&removed), RuntimeState::SpunDown);
        assert_eq!(build_status(removed.state), BuildStatus::Ready);
        let deleted = listed(serde_json::json!({"readyState": "DELETED"}));
        assert!(deleted.removed);
        let building = listed(serde_json::json!({"readyState": "BUILDING"}));
        assert_eq!(build_status(building.state), BuildStatus::Building);
        assert_eq!(runtime_state(&building), RuntimeState::Starting);
    }

    #[test]
    fn environments_from_target_and_custom_environment() {
        let none = |_: &str| None;
        assert_eq!(
            environment_of(&listed(serde_json::json!({})), &none).as_str(),
            "production"
        );
        let preview = listed(serde_json::json!({"target": null}));
        assert_eq!(environment_of(&preview, &none).as_str(), "preview");
        let staging =
            listed(serde_json::json!({"target": null, "customEnvironment": {"id": "env_1"}}));
        let slug = |id: &str| (id == "env_1").then(|| "staging".to_owned());
        assert_eq!(environment_of(&staging, &slug).as_str(), "staging");
    }
}
