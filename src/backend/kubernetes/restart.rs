//! Redeploy as `kubectl rollout restart` does it (`pkg/polymorphichelpers/objectrestarter.go`):
//! a strategic-merge patch that stamps the pod template with
//! `kubectl.kubernetes.io/restartedAt: <RFC 3339>`, so the controller rolls new pods of the
//! same version.

use super::objects::Fetched;
use super::undo::is_paused;
use crate::backend::{BackendError, PreconditionCode};
use crate::domain::Timestamp;
use serde_json::{Value, json};

pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// kubectl's words for a paused Deployment.
pub const PAUSED_MESSAGE: &str =
    "can't restart a paused deployment (run 'kubectl rollout resume' first)";

pub fn restart_patch<T>(deployment: &Fetched<T>, now: Timestamp) -> Result<Value, BackendError> {
    if is_paused(deployment) {
        return Err(BackendError::precondition(
            PreconditionCode::Paused,
            PAUSED_MESSAGE,
        ));
    }
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Ok(json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::kubernetes::revisions::Deploy;
    use chrono::TimeZone;

    #[test]
    fn the_patch_stamps_the_template_in_rfc3339() {
        let d: Deploy = Fetched::from_raw(
            json!({"metadata": {"name": "web"}, "spec": {"selector": {}}}),
            "d",
        )
        .unwrap();
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 22, 21, 0, 5)
            .unwrap();
        let patch = restart_patch(&d, now).unwrap();
        assert_eq!(
            patch["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT],
            "2026-11-22T21:00:05Z"
        );
    }
}
