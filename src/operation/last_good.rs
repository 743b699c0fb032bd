//! Last known good: the newest deployment that was live before the current one and whose
//! 5xx rate over its whole time live stayed under the threshold.

use crate::backend::{BackendError, Platform};
use crate::domain::{DeploymentId, EnvRef, MetricsQuery, MetricsScope, Timestamp};

/// The newest earlier deployment that was live and healthy while it was.
#[derive(Clone, Debug, PartialEq)]
pub struct LastGood {
    pub deployment: DeploymentId,
    pub live_from: Timestamp,
    pub live_until: Timestamp,
    pub rate: f64,
    pub threshold: f64,
}

/// About 60 buckets over the window, at least a minute each.
pub fn step_for(from: Timestamp, to: Timestamp) -> u32 {
    let secs = (to - from).num_seconds().max(60);
    u32::try_from((secs / 60).max(60)).unwrap_or(u32::MAX)
}

/// Walks the live history newest first and returns the first earlier deployment whose error
/// rate over its time live stayed under `threshold`.
pub async fn last_good(
    backend: &Platform,
    env: &EnvRef,
    live: Option<&DeploymentId>,
    threshold: f64,
    now: Timestamp,
) -> Result<Option<LastGood>, BackendError> {
    let history = backend.live_history(env).await?;
    for (i, change) in history.iter().enumerate().rev() {
        if Some(&change.deployment) == live {
            continue;
        }
        let until = history.get(i + 1).map(|next| next.at).unwrap_or(now);
        if until <= change.at {
            continue;
        }
        let query = MetricsQuery {
            env: env.clone(),
            scope: MetricsScope::Deployment(change.deployment.clone()),
            from: change.at,
            to: until,
            step_secs: step_for(change.at, until),
        };
        let series = backend.error_rate(&query).await?;
        if let Some(rate) = series.overall_error_rate()
            && rate < threshold
        {
            return Ok(Some(LastGood {
                deployment: change.deployment.clone(),
                live_from: change.at,
                live_until: until,
                rate,
                threshold,
            }));
        }
    }
    Ok(None)
}
