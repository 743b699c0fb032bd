//! Which actions a deployment offers, and why not when it does not. Unkey's
//! `availableActions` decides; the reason is derived from status, `isCurrent` and the
//! environment's kind, because the API gives none.

use super::api::{self, DeploymentAction, DeploymentStatus, EnvironmentKind};
use crate::backend::PreconditionCode;
use crate::domain::{Action, ActionAvailability};

pub struct ActionInputs<'a> {
    pub deployment: &'a api::Deployment,
    pub environment_kind: EnvironmentKind,
    pub app_rolled_back: bool,
    pub app_has_current: bool,
    /// Actions the root key was refused before, with the refusal in words.
    pub denied: &'a dyn Fn(Action) -> Option<String>,
}

pub fn availability(inputs: &ActionInputs<'_>) -> Vec<ActionAvailability> {
    Action::ALL
        .iter()
        .map(|&action| match (inputs.denied)(action) {
            Some(reason) => ActionAvailability::refused(action, "forbidden", reason),
            None => match action {
                Action::Rollback => switch(inputs, action, DeploymentAction::Rollback),
                Action::Promote => switch(inputs, action, DeploymentAction::Promote),
                Action::Redeploy => redeploy(inputs.deployment),
            },
        })
        .collect()
}

fn refused(action: Action, code: PreconditionCode, reason: String) -> ActionAvailability {
    ActionAvailability::refused(action, code.as_str(), reason)
}

fn switch(
    inputs: &ActionInputs<'_>,
    action: Action,
    wanted: DeploymentAction,
) -> ActionAvailability {
    let d = inputs.deployment;
    if d.offers(wanted) {
        return ActionAvailability::allowed(action);
    }
    let verb = if action == Action::Rollback {
        "roll back to"
    } else {
        "promote"
    };
    if inputs.environment_kind != EnvironmentKind::Production {
        return refused(
            action,
            PreconditionCode::NotApplicable,
            format!("Unkey can {verb} production deployments only; this is a preview"),
        );
    }
    if d.is_current && (action == Action::Rollback || !inputs.app_rolled_back) {
        return refused(
            action,
            PreconditionCode::AlreadyLive,
            "this deployment is already live".to_owned(),
        );
    }
    if !inputs.app_has_current {
        return refused(
            action,
            PreconditionCode::NotApplicable,
            "nothing is live in this environment yet".to_owned(),
        );
    }
    match d.status {
        DeploymentStatus::Stopped => refused(
            action,
            PreconditionCode::NotRunning,
            format!(
                "this deployment is spun down and Unkey does not start production deployments to {verb} them; redeploy it instead"
            ),
        )
        .suggesting(Action::Redeploy),
        // Ready but not offered: its instances are being stopped (30 minutes after it was
        // replaced), and Unkey no longer switches to it.
        DeploymentStatus::Ready => refused(
            action,
            PreconditionCode::NotRunning,
            "this deployment is being spun down; redeploy it instead".to_owned(),
        )
        .suggesting(Action::Redeploy),
        status if !status.is_terminal() => refused(
            action,
            PreconditionCode::NotReady,
            format!("this deployment is still {}", status.as_str()),
        ),
        status => refused(
            action,
            PreconditionCode::NotReady,
            format!("this deployment never became ready (it is {})", status.as_str()),
        ),
    }
}

fn redeploy(d: &api::Deployment) -> ActionAvailability {
    if d.git.is_none() && d.docker.is_none() {
        return refused(
            Action::Redeploy,
            PreconditionCode::Other,
            "Unkey does not say what this deployment was built from".to_owned(),
        );
    }
    ActionAvailability::allowed(Action::Redeploy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(status: &str, current: bool, actions: &[&str]) -> api::Deployment {
        serde_json::from_value(serde_json::json!({
            "id": "d_target1", "status": status, "isCurrent": current,
            "environment": "production", "app": "api", "project": "acme",
            "availableActions": actions, "regions": [], "runtime": {},
            "createdAt": 0, "git": {"commitSha": "abcdef0"},
        }))
        .unwrap()
    }

    fn find(list: &[ActionAvailability], action: Action) -> &ActionAvailability {
        list.iter().find(|a| a.action == action).unwrap()
    }

    fn inputs<'a>(
        d: &'a api::Deployment,
        kind: EnvironmentKind,
        rolled_back: bool,
        denied: &'a dyn Fn(Action) -> Option<String>,
    ) -> ActionInputs<'a> {
        ActionInputs {
            deployment: d,
            environment_kind: kind,
            app_rolled_back: rolled_back,
            app_has_current: true,
            denied,
        }
    }

    #[test]
    fn stopped_production_target_suggests_redeploy() {
        let d = deployment("stopped", false, &[]);
        let list = availability(&inputs(&d, EnvironmentKind::Production, false, &|_| None));
        let rollback = find(&list, Action::Rollback);
        assert!(!rollback.allowed);
        assert_eq!(rollback.code.as_deref(), Some("not_running"));
        assert_eq!(rollback.suggestion, Some(Action::Redeploy));
        assert!(find(&list, Action::Redeploy).allowed);
    }

    #[test]
    fn live_deployment_and_preview_explain_themselves() {
        let live = deployment("ready", true, &[]);
        let list = availability(&inputs(&live, EnvironmentKind::Production, false, &|_| {
            None
        }));
        assert_eq!(
            find(&list, Action::Rollback).code.as_deref(),
            Some("already_live")
        );
        let preview = deployment("ready", false, &["stop"]);
        let list = availability(&inputs(&preview, EnvironmentKind::Preview, false, &|_| {
            None
        }));
        assert!(
            find(&list, Action::Promote)
                .reason
                .as_deref()
                .unwrap()
                .contains("preview")
        );
    }

    #[test]
    fn offered_actions_are_allowed_and_denials_win() {
        let d = deployment("ready", false, &["rollback", "promote"]);
        let list = availability(&inputs(&d, EnvironmentKind::Production, false, &|_| None));
        assert!(find(&list, Action::Rollback).allowed && find(&list, Action::Promote).allowed);
        let deny = |a: Action| (a == Action::Rollback).then(|| "no permission".to_owned());
        let list = availability(&inputs(&d, EnvironmentKind::Production, false, &deny));
        assert_eq!(
            find(&list, Action::Rollback).code.as_deref(),
            Some("forbidden")
        );
        assert!(find(&list, Action::Promote).allowed);
    }
}
