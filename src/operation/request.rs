//! The request an operation sends, built in one place for every front end (the console,
//! the commands and `serve`).

use crate::backend::{Backend, BackendError, OperationHandle, OperationRequest, RedeployRequest};
use crate::domain::{Action, DeploymentId, EnvRef, Scope, Strategy};

/// Exactly what will be sent to the platform once confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    Rollback(OperationRequest),
    Promote(OperationRequest),
    Redeploy(RedeployRequest),
}

/// Everything a request is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parts {
    pub action: Action,
    pub env: EnvRef,
    pub target: DeploymentId,
    pub expected_live: Option<DeploymentId>,
    /// The same key on a re-send returns the same operation instead of a second one.
    pub idempotency_key: String,
    pub actor: String,
    pub strategy: Option<Strategy>,
    pub scope: Scope,
    /// Redeploy only: rebuild from the commit instead of reusing the artifact.
    pub rebuild: bool,
}

/// A fresh idempotency key: one per planned operation, reused by every re-send of it.
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Request {
    pub fn new(parts: Parts) -> Self {
        let Parts {
            action,
            env,
            target,
            expected_live,
            idempotency_key,
            actor,
            strategy,
            scope,
            rebuild,
        } = parts;
        match action {
            Action::Rollback | Action::Promote => {
                let request = OperationRequest {
                    env,
                    target,
                    expected_live,
                    idempotency_key,
                    actor,
                    strategy,
                    scope,
                };
                if action == Action::Rollback {
                    Self::Rollback(request)
                } else {
                    Self::Promote(request)
                }
            }
            Action::Redeploy => Self::Redeploy(RedeployRequest {
                env,
                source: target,
                rebuild,
                expected_live,
                idempotency_key,
                actor,
            }),
        }
    }

    pub fn action(&self) -> Action {
        match self {
            Self::Rollback(_) => Action::Rollback,
            Self::Promote(_) => Action::Promote,
            Self::Redeploy(_) => Action::Redeploy,
        }
    }

    pub fn env(&self) -> &EnvRef {
        match self {
            Self::Rollback(r) | Self::Promote(r) => &r.env,
            Self::Redeploy(r) => &r.env,
        }
    }

    /// The deployment rolled back to, promoted, or redeployed.
    pub fn target(&self) -> &DeploymentId {
        match self {
            Self::Rollback(r) | Self::Promote(r) => &r.target,
            Self::Redeploy(r) => &r.source,
        }
    }

    pub fn expected_live(&self) -> Option<&DeploymentId> {
        match self {
            Self::Rollback(r) | Self::Promote(r) => r.expected_live.as_ref(),
            Self::Redeploy(r) => r.expected_live.as_ref(),
        }
    }

    pub fn idempotency_key(&self) -> &str {
        match self {
            Self::Rollback(r) | Self::Promote(r) => &r.idempotency_key,
            Self::Redeploy(r) => &r.idempotency_key,
        }
    }

    pub fn actor(&self) -> &str {
        match self {
            Self::Rollback(r) | Self::Promote(r) => &r.actor,
            Self::Redeploy(r) => &r.actor,
        }
    }

    pub fn strategy(&self) -> Option<Strategy> {
        match self {
            Self::Rollback(r) | Self::Promote(r) => r.strategy,
            Self::Redeploy(_) => None,
        }
    }

    /// Sends it: the one call that changes something at the platform.
    pub async fn send(self, backend: &dyn Backend) -> Result<OperationHandle, BackendError> {
        match self {
            Self::Rollback(r) => backend.rollback(r).await,
            Self::Promote(r) => backend.promote(r).await,
            Self::Redeploy(r) => backend.redeploy(r).await,
        }
    }
}
