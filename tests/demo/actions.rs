//! `diff` and `actions`: what a switch would change, and what the operation would answer.

use crate::support::*;
use switchback::backend::{Backend, BackendError, OperationRequest, PreconditionCode};
use switchback::domain::{Action, ConfigChangeKind, DomainKind, SwitchKind};

#[tokio::test]
async fn diff_from_v42_back_to_v41_names_what_a_rollback_does_not_revert() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let (v41, v42) = (demo.id(&env, "v41").await, demo.id(&env, "v42").await);
    let diff = demo.backend.diff(&env, &v41).await.unwrap();
    assert_eq!(diff.live, Some(v42.clone()));
    assert_eq!(diff.commits_back, 3);
    let subjects: Vec<_> = diff
        .commits_between
        .iter()
        .map(|c| c.subject.as_str())
        .collect();
    assert_eq!(
        subjects[0], "Index orders by customer and status",
        "newest first"
    );
    assert_eq!(subjects.len(), 3);
    assert_eq!(
        diff.migrations_not_reverted,
        vec!["0042_add_index".to_owned()]
    );
    assert_eq!(diff.config_drift.len(), 1);
    assert_eq!(diff.config_drift[0].name, "FEATURE_X");
    assert_eq!(diff.config_drift[0].change, ConfigChangeKind::Added);
    assert_eq!(diff.switch, SwitchKind::Instant);
    assert!(diff.artifact_from.unwrap().image.ends_with(":v42"));
    assert!(diff.artifact_to.image.ends_with(":v41"));
    let moving: Vec<_> = diff.domains.iter().filter(|d| d.moves).collect();
    assert_eq!(moving.len(), 3);
    assert!(
        moving
            .iter()
            .all(|d| d.from == Some(v42.clone()) && d.to == Some(v41.clone()))
    );
    assert!(
        diff.domains
            .iter()
            .filter(|d| d.kind == DomainKind::Deployment)
            .all(|d| !d.moves)
    );
}

#[tokio::test]
async fn diff_to_a_spun_down_deployment_is_a_cold_switch_with_an_estimate() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v39 = demo.id(&env, "v39").await;
    let diff = demo.backend.diff(&env, &v39).await.unwrap();
    assert_eq!(diff.switch, SwitchKind::Cold { estimate_secs: 25 });
    assert_eq!(diff.commits_back, 6);
    assert_eq!(
        diff.migrations_not_reverted,
        vec![
            "0040_delivery_estimates".to_owned(),
            "0042_add_index".to_owned()
        ]
    );
    let names: Vec<_> = diff
        .config_drift
        .iter()
        .map(|c| (c.name.as_str(), c.change))
        .collect();
    assert_eq!(names, vec![("FEATURE_X", ConfigChangeKind::Added)]);
}

fn code_of(err: &BackendError) -> String {
    match err {
        BackendError::Precondition { code, .. } => code.as_str().to_owned(),
        other => other.kind().to_owned(),
    }
}

/// For every deployment and action, `actions` says allowed exactly when the operation
/// succeeds, with the same code and suggestion when it does not.
async fn check_consistency(read_only_view: bool) {
    let env = prod();
    let listing = Demo::new("bad-deploy").all(&env).await;
    for dep in listing {
        for action in Action::ALL {
            let demo = Demo::new("bad-deploy");
            let backend = if read_only_view {
                demo.backend.with_identity(read_only("rita"))
            } else {
                demo.backend.clone()
            };
            let verdict = backend.actions(&env, &dep.id).await.unwrap();
            let a = verdict.iter().find(|a| a.action == action).unwrap();
            let req = OperationRequest {
                actor: "alice".into(),
                ..request(&env, &dep.id, "k")
            };
            let outcome = match action {
                Action::Rollback => backend.rollback(req).await,
                Action::Promote => backend.promote(req).await,
                Action::Redeploy => {
                    let rebuild = dep.artifact.pruned
                        || dep.build_status != switchback::domain::BuildStatus::Ready;
                    backend
                        .redeploy(redeploy_request(&env, &dep.id, rebuild, "k"))
                        .await
                }
            };
            match outcome {
                Ok(_) => assert!(
                    a.allowed,
                    "{} {}: operation ran but action says {:?}",
                    action.as_str(),
                    dep.label,
                    a.reason
                ),
                Err(err) => {
                    assert!(
                        !a.allowed,
                        "{} {}: action allowed but operation failed: {err}",
                        action.as_str(),
                        dep.label
                    );
                    assert_eq!(
                        a.code.as_deref(),
                        Some(code_of(&err).as_str()),
                        "{} {}",
                        action.as_str(),
                        dep.label
                    );
                    assert!(a.reason.is_some());
                    if let BackendError::Precondition { suggestion, .. } = err {
                        assert_eq!(a.suggestion, suggestion);
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn actions_agree_with_the_operations_for_a_deployer() {
    check_consistency(false).await;
}

#[tokio::test]
async fn actions_agree_with_the_operations_for_a_read_only_role() {
    check_consistency(true).await;
}

#[tokio::test]
async fn read_only_sees_every_action_disabled_with_the_reason() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v41 = demo.id(&env, "v41").await;
    let viewer = demo.backend.with_identity(read_only("rita"));
    for a in viewer.actions(&env, &v41).await.unwrap() {
        assert!(!a.allowed);
        assert_eq!(a.code.as_deref(), Some("forbidden"));
        assert!(a.reason.unwrap().contains("read-only"));
    }
    // The deployer's handle on the same platform may.
    let rb = demo.backend.actions(&env, &v41).await.unwrap();
    assert!(
        rb.iter()
            .find(|a| a.action == Action::Rollback)
            .unwrap()
            .allowed
    );
}

#[tokio::test]
async fn the_pruned_artifact_action_suggests_a_redeploy() {
    let demo = Demo::new("bad-deploy");
    let env = prod();
    let v37 = demo.id(&env, "v37").await;
    let actions = demo.backend.actions(&env, &v37).await.unwrap();
    let rb = actions
        .iter()
        .find(|a| a.action == Action::Rollback)
        .unwrap();
    assert!(!rb.allowed);
    assert_eq!(
        rb.code.as_deref(),
        Some(PreconditionCode::ArtifactPruned.as_str())
    );
    assert_eq!(rb.suggestion, Some(Action::Redeploy));
    assert!(
        actions
            .iter()
            .find(|a| a.action == Action::Redeploy)
            .unwrap()
            .allowed
    );
}
