//! Vercel's rules for rollback, promote and redeploy, checked before anything is sent: the
//! same words in the list of actions and in the refusal of a request.
//!
//! - Rollback and promote switch production only; a preview (or custom environment)
//!   deployment is promoted by building a new production deployment from it.
//! - A rollback goes to a ready deployment that once served production (`PROMOTED`); one
//!   that never did (`STAGED`) is promoted instead. Hobby plans roll back only to the
//!   deployment live just before the current one.
//! - A deployment removed by retention is gone: redeploy rebuilds it from git.

use super::mapping::{Dep, State};
use crate::backend::{BackendError, PreconditionCode};
use crate::domain::{Action, ActionAvailability};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvKind {
    Production,
    Preview,
    /// A custom environment (`staging`, ...).
    Custom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    Hobby,
    Pro,
    Enterprise,
    Unknown,
}

impl Plan {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("hobby") => Self::Hobby,
            Some("pro") => Self::Pro,
            Some("enterprise") => Self::Enterprise,
            _ => Self::Unknown,
        }
    }
}

/// What the rules look at.
pub struct Situation<'a> {
    pub env: EnvKind,
    pub env_name: &'a str,
    pub deployment: &'a Dep,
    pub live: Option<&'a str>,
    pub rolled_back: bool,
    pub plan: Plan,
    /// On Hobby: the one deployment a rollback may go to (id, label).
    pub previous: Option<(&'a str, &'a str)>,
}

/// Why not, in Vercel's rule and words, and what to do instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: PreconditionCode,
    pub message: String,
    pub suggestion: Option<Action>,
}

impl Refusal {
    fn new(code: PreconditionCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            suggestion: None,
        }
    }

    fn suggesting(mut self, action: Action) -> Self {
        self.suggestion = Some(action);
        self
    }

    pub fn into_error(self) -> BackendError {
        BackendError::Precondition {
            code: self.code,
            message: self.message,
            suggestion: self.suggestion,
        }
    }

    pub fn into_availability(self, action: Action) -> ActionAvailability {
        let refused = ActionAvailability::refused(action, self.code.as_str(), self.message);
        match self.suggestion {
            Some(suggestion) => refused.suggesting(suggestion),
            None => refused,
        }
    }
}

fn not_ready(d: &Dep) -> Option<Refusal> {
    match d.state {
        State::Ready => None,
        state if state.is_building() => Some(Refusal::new(
            PreconditionCode::NotReady,
            format!("it is still {}", state.as_str().to_lowercase()),
        )),
        state => Some(Refusal::new(
            PreconditionCode::NotReady,
            format!(
                "it never became ready (Vercel says {}{})",
                state.as_str(),
                d.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
        )),
    }
}

fn removed() -> Refusal {
    Refusal::new(
        PreconditionCode::ArtifactPruned,
        "Vercel removed this deployment by retention, so nothing can switch to it; redeploy rebuilds it from git",
    )
    .suggesting(Action::Redeploy)
}

/// `None` when Vercel allows a rollback to the deployment.
pub fn rollback(s: &Situation<'_>) -> Option<Refusal> {
    let d = s.deployment;
    if s.env != EnvKind::Production {
        return Some(Refusal::new(
            PreconditionCode::NotApplicable,
            format!(
                "Vercel rolls back production only; {} deployments are not switched",
                s.env_name
            ),
        ));
    }
    if s.live == Some(d.uid.as_str()) {
        return Some(Refusal::new(
            PreconditionCode::AlreadyLive,
            "this deployment is already live in production",
        ));
    }
    if d.removed {
        return Some(removed());
    }
    if let Some(refusal) = not_ready(d) {
        return Some(refusal);
    }
    if s.live.is_none() {
        return Some(Refusal::new(
            PreconditionCode::NotApplicable,
            "nothing is live in production yet, so there is nothing to roll back from",
        ));
    }
    if d.is_staged() {
        return Some(
            Refusal::new(
                PreconditionCode::NotApplicable,
                "it never served production (Vercel staged it without domains), and Vercel rolls back only to deployments that did: promote it instead",
            )
            .suggesting(Action::Promote),
        );
    }
    if d.rollback_candidate == Some(false) {
        return Some(
            Refusal::new(
                PreconditionCode::NotApplicable,
                "Vercel does not list it as a rollback candidate; redeploy it to build a new production deployment from it",
            )
            .suggesting(Action::Redeploy),
        );
    }
    if s.plan == Plan::Hobby && s.previous.map(|p| p.0) != Some(d.uid.as_str()) {
        let previous = s
            .previous
            .map(|(_, label)| format!(" ({label})"))
            .unwrap_or_default();
        return Some(
            Refusal::new(
                PreconditionCode::Other,
                format!(
                    "on the Hobby plan Vercel rolls back only to the previous production deployment{previous}; upgrade to Pro to roll back further, or redeploy this one"
                ),
            )
            .suggesting(Action::Redeploy),
        );
    }
    None
}

/// `None` when Vercel allows promoting the deployment.
pub fn promote(s: &Situation<'_>) -> Option<Refusal> {
    let d = s.deployment;
    if d.removed {
        return Some(removed());
    }
    if let Some(refusal) = not_ready(d) {
        return Some(refusal);
    }
    if s.env == EnvKind::Production && s.live == Some(d.uid.as_str()) && !s.rolled_back {
        return Some(Refusal::new(
            PreconditionCode::AlreadyLive,
            "this deployment is already live and production is not rolled back",
        ));
    }
    None
}

/// `None` when Vercel can rebuild the deployment.
pub fn redeploy(s: &Situation<'_>) -> Option<Refusal> {
    let d = s.deployment;
    let from_git = super::mapping::commit(d).is_some();
    if d.removed && !from_git {
        return Some(Refusal::new(
            PreconditionCode::ArtifactPruned,
            "Vercel removed this deployment by retention and it was not built from git: there is nothing to rebuild",
        ));
    }
    None
}

/// Every action, allowed or with its reason; `denied` (a refusal seen before, a read-only
/// role) wins.
pub fn availability(
    s: &Situation<'_>,
    denied: &dyn Fn(Action) -> Option<String>,
) -> Vec<ActionAvailability> {
    Action::ALL
        .iter()
        .map(|&action| {
            if let Some(reason) = denied(action) {
                return ActionAvailability::refused(action, "forbidden", reason);
            }
            let refusal = match action {
                Action::Rollback => rollback(s),
                Action::Promote => promote(s),
                Action::Redeploy => redeploy(s),
            };
            match refusal {
                Some(refusal) => refusal.into_availability(action),
                None => ActionAvailability::allowed(action),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(extra: serde_json::Value) -> Dep {
        let mut value = serde_json::json!({
            "uid": "dpl_target", "name": "shop", "url": "shop-abcd1234-acme.vercel.app",
            "created": 1, "type": "LAMBDAS", "creator": {"uid": "u"}, "inspectorUrl": null,
            "readyState": "READY", "readySubstate": "PROMOTED", "target": "production",
            "isRollbackCandidate": true,
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Dep::from_listed(&serde_json::from_value(value).unwrap())
    }

    fn situation(d: &Dep, plan: Plan) -> Situation<'_> {
        Situation {
            env: EnvKind::Production,
            env_name: "production",
            deployment: d,
            live: Some("dpl_live"),
            rolled_back: false,
            plan,
            previous: Some(("dpl_prev", "prev1234")),
        }
    }

    #[test]
    fn a_once_live_ready_deployment_may_be_rolled_back_to_on_pro() {
        let d = dep(serde_json::json!({}));
        assert_eq!(rollback(&situation(&d, Plan::Pro)), None);
    }

    #[test]
    fn hobby_rolls_back_to_the_previous_one_only_and_says_upgrade() {
        let d = dep(serde_json::json!({}));
        let refusal = rollback(&situation(&d, Plan::Hobby)).unwrap();
        assert!(refusal.message.contains("Hobby") && refusal.message.contains("prev1234"));
        assert!(refusal.message.contains("upgrade"));
        assert_eq!(refusal.suggestion, Some(Action::Redeploy));
        let previous = dep(serde_json::json!({"uid": "dpl_prev"}));
        assert_eq!(rollback(&situation(&previous, Plan::Hobby)), None);
    }

    #[test]
    fn staged_removed_and_unready_deployments_say_what_to_do_instead() {
        let staged = dep(serde_json::json!({"readySubstate": "STAGED"}));
        let refusal = rollback(&situation(&staged, Plan::Pro)).unwrap();
        assert_eq!(refusal.suggestion, Some(Action::Promote));
        assert_eq!(promote(&situation(&staged, Plan::Pro)), None);

        let removed = dep(serde_json::json!({"softDeletedByRetention": true,
            "meta": {"githubCommitSha": "abc1234"}}));
        for refusal in [
            rollback(&situation(&removed, Plan::Pro)).unwrap(),
            promote(&situation(&removed, Plan::Pro)).unwrap(),
        ] {
            assert_eq!(refusal.code, PreconditionCode::ArtifactPruned);
            assert_eq!(refusal.suggestion, Some(Action::Redeploy));
            assert!(refusal.message.contains("redeploy rebuilds it from git"));
        }
        assert_eq!(redeploy(&situation(&removed, Plan::Pro)), None);

        let building = dep(serde_json::json!({"readyState": "BUILDING"}));
        assert_eq!(
            rollback(&situation(&building, Plan::Pro)).unwrap().code,
            PreconditionCode::NotReady
        );
    }

    #[test]
    fn vercels_own_candidacy_is_believed_when_it_says_no() {
        let d = dep(serde_json::json!({"isRollbackCandidate": false}));
        let refusal = rollback(&situation(&d, Plan::Pro)).unwrap();
        assert!(
            refusal.message.contains("rollback candidate"),
            "{}",
            refusal.message
        );
        assert_eq!(refusal.suggestion, Some(Action::Redeploy));
        // Unknown (a full read carries no candidacy): the other rules decide.
        let unknown = dep(serde_json::json!({"isRollbackCandidate": null}));
        assert_eq!(rollback(&situation(&unknown, Plan::Pro)), None);
    }

    #[test]
    fn the_live_one_is_promoted_only_to_end_a_rollback() {
        let live = dep(serde_json::json!({"uid": "dpl_live"}));
        let mut s = situation(&live, Plan::Pro);
        assert_eq!(rollback(&s).unwrap().code, PreconditionCode::AlreadyLive);
        assert_eq!(promote(&s).unwrap().code, PreconditionCode::AlreadyLive);
        s.rolled_back = true;
        assert_eq!(promote(&s), None);
    }

    #[test]
    fn previews_are_not_rolled_back_but_may_be_promoted() {
        let d = dep(serde_json::json!({"target": null}));
        let mut s = situation(&d, Plan::Pro);
        s.env = EnvKind::Preview;
        s.env_name = "preview";
        assert_eq!(rollback(&s).unwrap().code, PreconditionCode::NotApplicable);
        assert_eq!(promote(&s), None);
    }

    #[test]
    fn a_denial_wins() {
        let d = dep(serde_json::json!({}));
        let s = situation(&d, Plan::Pro);
        let list = availability(&s, &|a| {
            (a == Action::Rollback).then(|| "VIEWER role".to_owned())
        });
        let rollback = list.iter().find(|a| a.action == Action::Rollback).unwrap();
        assert_eq!(rollback.code.as_deref(), Some("forbidden"));
        assert!(
            list.iter()
                .find(|a| a.action == Action::Promote)
                .unwrap()
                .allowed
        );
    }
}
