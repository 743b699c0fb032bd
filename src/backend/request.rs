use crate::domain::{DeploymentId, EnvRef, OperationId, OperationKind, Scope, Strategy};
use serde::{Deserialize, Serialize};

/// A page request: `cursor` from the previous page's `next`, `limit` at most the adapter's
/// page size.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

impl PageRequest {
    pub fn first(limit: usize) -> Self {
        Self {
            cursor: None,
            limit: Some(limit),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last one.
    pub next: Option<String>,
}

/// Rollback or promote of `target` in `env`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRequest {
    pub env: EnvRef,
    pub target: DeploymentId,
    /// The live deployment the engineer saw; a platform with preconditions refuses when it
    /// moved meanwhile.
    pub expected_live: Option<DeploymentId>,
    /// The same key on a retry returns the same operation instead of a second one.
    pub idempotency_key: String,
    pub actor: String,
    pub strategy: Option<Strategy>,
    #[serde(default)]
    pub scope: Scope,
}

/// Redeploy `source` in `env`: the same artifact, or the same commit rebuilt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeployRequest {
    pub env: EnvRef,
    pub source: DeploymentId,
    pub rebuild: bool,
    pub expected_live: Option<DeploymentId>,
    pub idempotency_key: String,
    pub actor: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationHandle {
    pub id: OperationId,
    pub kind: OperationKind,
    pub env: EnvRef,
    /// The deployment a redeploy creates, when known at once.
    pub new_deployment: Option<DeploymentId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// May roll back, promote and redeploy.
    Deployer,
    /// May look.
    ReadOnly,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployer => "deployer",
            Self::ReadOnly => "read-only",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub actor: String,
    pub role: Role,
}
