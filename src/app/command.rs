//! What `update` asks the loop to do; the loop (or a test harness) carries it out.

use crate::backend::{OperationRequest, RedeployRequest};
use crate::domain::{Action, DeploymentId, EnvRef, Timestamp};
use crate::poller::{Resource, Target};

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Keep exactly these resources fresh.
    SetPollTargets(Vec<Target>),
    /// Refresh these now.
    PollNow(Vec<Resource>),
    /// The selected deployment against live, its actions, and its error rate when it was
    /// last live (`window`).
    FetchDetail {
        env: EnvRef,
        target: DeploymentId,
        window: Option<(Timestamp, Timestamp)>,
    },
    /// Fresh facts for a confirmation modal.
    Prepare {
        action: Action,
        env: EnvRef,
        target: DeploymentId,
    },
    Start(StartRequest),
    FindLastGood {
        env: EnvRef,
        live: Option<DeploymentId>,
        threshold: f64,
        now: Timestamp,
    },
    Quit,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StartRequest {
    Rollback(OperationRequest),
    Promote(OperationRequest),
    Redeploy(RedeployRequest),
}

impl StartRequest {
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
}
