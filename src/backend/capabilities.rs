use crate::domain::Strategy;
use serde::{Deserialize, Serialize};

/// What an adapter can do, so the screen can grey out what it cannot and say why before
/// anything is confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub promote: bool,
    /// Redeploy the same artifact without a build.
    pub redeploy_artifact: bool,
    /// Redeploy the same commit through the whole pipeline.
    pub redeploy_rebuild: bool,
    pub strategies: Vec<Strategy>,
    pub regions: bool,
    pub components: bool,
    /// The platform reports error rates itself.
    pub native_metrics: bool,
    /// The platform has a rolled-back mode that holds pushes back until a promote.
    pub rolled_back_mode: bool,
    /// The platform refuses an operation whose expected live deployment is stale.
    pub preconditions: bool,
    /// Without `preconditions`: the adapter reads the live deployment right before it sends
    /// the request and refuses when it moved; a switch in between is not caught.
    #[serde(default)]
    pub checks_live_first: bool,
    /// Domains move on a switch (false on Kubernetes, where Services select pods).
    pub domains_move: bool,
}

impl Capabilities {
    /// Everything the embedded demo models.
    pub fn everything() -> Self {
        Self {
            promote: true,
            redeploy_artifact: true,
            redeploy_rebuild: true,
            strategies: vec![
                Strategy::Immediate,
                Strategy::Rolling,
                Strategy::MaxUnavailable { percent: 25 },
                Strategy::MaxUnavailable { percent: 50 },
            ],
            regions: true,
            components: true,
            native_metrics: true,
            rolled_back_mode: true,
            preconditions: true,
            checks_live_first: false,
            domains_move: true,
        }
    }
}
