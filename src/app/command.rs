//! What `update` asks the loop to do; the loop (or a test harness) carries it out.

use crate::domain::{DeploymentId, EnvRef, Timestamp};
use crate::operation::{self, Intent, Request};
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
    /// Plan an operation: the platform's verdict, fresh facts, the request to send.
    Plan {
        intent: Intent,
        context: operation::Context,
    },
    /// Send a confirmed plan's request.
    Start(Request),
    FindLastGood {
        env: EnvRef,
        live: Option<DeploymentId>,
        threshold: f64,
        now: Timestamp,
    },
    Quit,
}
