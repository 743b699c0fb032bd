//! Which actions a deployment offers, each refused one with Temps' own rule in words.

use super::api::{self, DeploymentStatus};
use super::mapping::label;
use crate::backend::PreconditionCode;
use crate::domain::{Action, ActionAvailability};

pub struct ActionInputs<'a> {
    pub deployment: &'a api::Deployment,
    pub live: Option<i32>,
    /// Why the key may not roll back or redeploy, when known before asking.
    pub rollback_refused: Option<String>,
    pub redeploy_refused: Option<String>,
}

/// Temps' rule for a rollback target, in words, when `d` breaks it.
pub fn rollback_rule(d: &api::Deployment) -> Option<(PreconditionCode, String)> {
    if d.status.rollback_target() {
        return None;
    }
    let why = match &d.status {
        DeploymentStatus::Failed => d
            .cancelled_reason
            .as_deref()
            .map(|r| format!(": it failed ({})", first_line(r)))
            .unwrap_or_else(|| ": it failed".to_owned()),
        DeploymentStatus::Cancelled => ": it was cancelled".to_owned(),
        status if !status.is_final() => ": its pipeline has not finished".to_owned(),
        _ => String::new(),
    };
    Some((
        PreconditionCode::NotReady,
        format!(
            "Temps rolls back only to deployments that are `completed` or `deployed`; {} is `{}`{why}",
            label(d.id),
            d.status.as_str()
        ),
    ))
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or(text).trim();
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        out.push('…');
    }
    out
}

pub fn availability(inputs: &ActionInputs<'_>) -> Vec<ActionAvailability> {
    let d = inputs.deployment;
    let rollback = if inputs.live == Some(d.id) {
        ActionAvailability::refused(
            Action::Rollback,
            PreconditionCode::AlreadyLive.as_str(),
            format!("{} is already live", label(d.id)),
        )
    } else if let Some((code, reason)) = rollback_rule(d) {
        ActionAvailability::refused(Action::Rollback, code.as_str(), reason)
    } else if let Some(reason) = &inputs.rollback_refused {
        ActionAvailability::refused(Action::Rollback, "forbidden", reason.clone())
    } else {
        ActionAvailability::allowed(Action::Rollback)
    };
    let promote = ActionAvailability::refused(
        Action::Promote,
        "unsupported",
        "Temps has no promote: a rollback moves live to an earlier deployment, a redeploy builds one again",
    );
    let redeploy = if d.commit_hash.is_none() && d.branch.is_none() && d.tag.is_none() {
        ActionAvailability::refused(
            Action::Redeploy,
            PreconditionCode::NotApplicable.as_str(),
            format!(
                "{} records no commit, branch or tag for Temps to build again",
                label(d.id)
            ),
        )
    } else if let Some(reason) = &inputs.redeploy_refused {
        ActionAvailability::refused(Action::Redeploy, "forbidden", reason.clone())
    } else {
        ActionAvailability::allowed(Action::Redeploy)
    };
    vec![rollback, promote, redeploy]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(status: &str) -> api::Deployment {
        serde_json::from_value(serde_json::json!({
            "id": 5, "environment_id": 1,
            "environment": {"id": 1, "slug": "production", "domains": []},
            "status": status, "commit_hash": "0000000", "created_at": 1,
            "cancelled_reason": "Workflow error: Job execution failed: Required job 'download_repo' failed\nmore"
        }))
        .unwrap()
    }

    #[test]
    fn only_finished_builds_are_rollback_targets_and_the_rule_is_said() {
        let failed = deployment("failed");
        let verdicts = availability(&ActionInputs {
            deployment: &failed,
            live: Some(4),
            rollback_refused: None,
            redeploy_refused: None,
        });
        let rollback = &verdicts[0];
        assert!(!rollback.allowed);
        assert_eq!(rollback.code.as_deref(), Some("not_ready"));
        let reason = rollback.reason.as_deref().unwrap();
        assert!(
            reason.contains("`completed` or `deployed`") && reason.contains("download_repo"),
            "{reason}"
        );
        assert!(!reason.contains("more"), "first line only: {reason}");
        assert!(!verdicts[1].allowed);
        assert!(verdicts[2].allowed, "a failed build can be built again");
    }

    #[test]
    fn the_live_one_and_a_forbidden_key_are_refused_with_their_reasons() {
        let done = deployment("completed");
        let verdicts = availability(&ActionInputs {
            deployment: &done,
            live: Some(5),
            rollback_refused: None,
            redeploy_refused: None,
        });
        assert_eq!(verdicts[0].code.as_deref(), Some("already_live"));
        let verdicts = availability(&ActionInputs {
            deployment: &done,
            live: Some(4),
            rollback_refused: Some("the key's role `reader` lacks `deployments:create`".into()),
            redeploy_refused: Some("the key's role `reader` lacks `projects:write`".into()),
        });
        assert_eq!(verdicts[0].code.as_deref(), Some("forbidden"));
        assert_eq!(verdicts[2].code.as_deref(), Some("forbidden"));
    }
}
