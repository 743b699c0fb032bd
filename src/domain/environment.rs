use super::{DeploymentId, EnvironmentId, ProjectId, Scope, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// One application, e.g. `acme/storefront`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    /// Services that deploy together; empty when the platform has no such notion.
    #[serde(default)]
    pub components: Vec<String>,
}

/// Which environment of which project: the address of every environment-scoped call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EnvRef {
    pub project: ProjectId,
    pub environment: EnvironmentId,
}

impl EnvRef {
    pub fn new(project: impl Into<ProjectId>, environment: impl Into<EnvironmentId>) -> Self {
        Self {
            project: project.into(),
            environment: environment.into(),
        }
    }
}

impl fmt::Display for EnvRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} · {}", self.project, self.environment)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub id: EnvironmentId,
    pub project: ProjectId,
    pub name: String,
    pub kind: EnvironmentKind,
    /// The deployment the environment's domains point at; none before the first deploy.
    pub live: Option<DeploymentId>,
    pub mode: EnvMode,
    pub domains: Vec<Domain>,
    /// The git branch a preview follows.
    #[serde(default)]
    pub branch: Option<String>,
    /// The live deployment's label, when the platform says it with the environment (so a
    /// screen can name it before the deployments are read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_label: Option<String>,
    /// Parts of the environment served by another deployment than `live`, after a rollback
    /// or promote limited to some components or regions; empty when one deployment serves
    /// everything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mixed: Vec<LivePart>,
}

impl Environment {
    pub fn env_ref(&self) -> EnvRef {
        EnvRef::new(self.project.clone(), self.id.clone())
    }

    /// Whether more than one deployment serves the environment.
    pub fn is_mixed(&self) -> bool {
        !self.mixed.is_empty()
    }
}

/// A part of an environment (some components, some regions) and the deployment serving it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePart {
    pub deployment: DeploymentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The components and regions it serves (empty lists: all of them).
    pub scope: Scope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvironmentKind {
    Production,
    Staging,
    Preview,
    Other,
}

/// `rolled_back`: pushes still create deployments, but domains do not move to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvMode {
    Normal,
    RolledBack,
}

impl EnvMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::RolledBack => "rolled_back",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub hostname: String,
    pub kind: DomainKind,
    /// The deployment this hostname routes to.
    pub deployment: Option<DeploymentId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainKind {
    /// The stable name of the environment; moves with a switch.
    Environment,
    /// Follows a git branch; moves with a switch.
    Branch,
    /// A custom hostname riding on the environment's live pointer; moves with a switch.
    Custom,
    /// The deployment's own unique URL; never moves.
    Deployment,
}

impl DomainKind {
    /// Whether a rollback or promote moves hostnames of this kind.
    pub fn moves_on_switch(self) -> bool {
        !matches!(self, Self::Deployment)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Environment => "environment",
            Self::Branch => "branch",
            Self::Custom => "custom",
            Self::Deployment => "deployment",
        }
    }
}

/// One change of the live pointer, for the error-rate marks and for `last known good`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveChange {
    pub at: Timestamp,
    pub deployment: DeploymentId,
    pub cause: LiveCause,
    /// Who caused it, when known (shared: a few people make many changes).
    #[serde(default, with = "super::shared_text")]
    pub actor: Option<Arc<str>>,
    /// The part of the environment it moved; everything when empty.
    #[serde(default, skip_serializing_if = "Scope::is_everything")]
    pub scope: Scope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveCause {
    Deploy,
    Rollback,
    Promote,
    Redeploy,
}

impl LiveCause {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deploy => "deploy",
            Self::Rollback => "rollback",
            Self::Promote => "promote",
            Self::Redeploy => "redeploy",
        }
    }
}
