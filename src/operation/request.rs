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

/// The fields rollbacks, promotions and redeploys share.
struct Common<'a> {
    env: &'a EnvRef,
    target: &'a DeploymentId,
    expected_live: Option<&'a DeploymentId>,
    idempotency_key: &'a str,
    actor: &'a str,
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

    /// What every kind of request carries.
    fn common(&self) -> Common<'_> {
        match self {
            Self::Rollback(r) | Self::Promote(r) => Common {
                env: &r.env,
                target: &r.target,
                expected_live: r.expected_live.as_ref(),
                idempotency_key: &r.idempotency_key,
                actor: &r.actor,
            },
            Self::Redeploy(r) => Common {
                env: &r.env,
                target: &r.source,
                expected_live: r.expected_live.as_ref(),
                idempotency_key: &r.idempotency_key,
                actor: &r.actor,
            },
        }
    }

    pub fn env(&self) -> &EnvRef {
        self.common().env
    }

    /// The deployment rolled back to, promoted, or redeployed.
    pub fn target(&self) -> &DeploymentId {
        self.common().target
    }

    pub fn expected_live(&self) -> Option<&DeploymentId> {
        self.common().expected_live
    }

    pub fn idempotency_key(&self) -> &str {
        self.common().idempotency_key
    }

    pub fn actor(&self) -> &str {
        self.common().actor
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
