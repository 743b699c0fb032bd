//! A 403 disables the action with the verb and resource it lacked.

use crate::env;
use crate::fake::{FakeCluster, Options, three_revisions};
use switchback::backend::{Backend, BackendError, OperationRequest, Role};
use switchback::domain::{Action, DeploymentId};

fn rollback(target: &str) -> OperationRequest {
    OperationRequest {
        env: env("shop/web"),
        target: DeploymentId::new(target),
        expected_live: None,
        idempotency_key: format!("rbac-{target}"),
        actor: "oncall".into(),
        strategy: None,
        scope: Default::default(),
    }
}

#[tokio::test]
async fn an_access_review_up_front_disables_rollback_and_redeploy() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    cluster.forbid("patch", "deployments.apps");
    let backend = cluster.backend().await;

    let identity = backend.identity().await.unwrap();
    assert_eq!(identity.actor, "oncall@example.com");
    assert_eq!(identity.role, Role::ReadOnly);

    let target = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.0"));
    let actions = backend.actions(&env("shop/web"), &target).await.unwrap();
    let rb = actions
        .iter()
        .find(|a| a.action == Action::Rollback)
        .unwrap();
    assert!(!rb.allowed);
    assert_eq!(rb.code.as_deref(), Some("forbidden"));
    assert!(
        rb.reason
            .as_deref()
            .unwrap()
            .contains("patch deployments.apps"),
        "{rb:?}"
    );
}

#[tokio::test]
async fn a_403_on_the_write_is_typed_and_remembered() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let backend = cluster.backend().await;
    let target = cluster.rs_with_image("web", "registry.example.com/web:1.0");
    let before = backend
        .actions(&env("shop/web"), &DeploymentId::new(&target))
        .await
        .unwrap();
    assert!(
        before
            .iter()
            .find(|a| a.action == Action::Rollback)
            .unwrap()
            .allowed
    );

    // The role is narrowed after the review was cached.
    cluster.forbid("patch", "deployments.apps");
    let err = backend.rollback(rollback(&target)).await.unwrap_err();
    let BackendError::Forbidden { action, reason } = err else {
        panic!("expected forbidden, got {err:?}");
    };
    assert_eq!(action, "patch deployments.apps");
    assert!(
        reason.contains("cannot patch resource \"deployments\""),
        "{reason}"
    );

    let after = backend
        .actions(&env("shop/web"), &DeploymentId::new(&target))
        .await
        .unwrap();
    let rb = after.iter().find(|a| a.action == Action::Rollback).unwrap();
    assert!(
        !rb.allowed && rb.code.as_deref() == Some("forbidden"),
        "{rb:?}"
    );
}

#[tokio::test]
async fn promote_is_unavailable_for_plain_deployments_with_a_reason() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let backend = cluster.backend().await;
    assert!(!backend.capabilities().promote);
    assert!(!backend.capabilities().domains_move);
    let live = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.2"));
    let old = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.1"));
    let on_live = backend.actions(&env("shop/web"), &live).await.unwrap();
    let promote = on_live
        .iter()
        .find(|a| a.action == Action::Promote)
        .unwrap();
    assert!(!promote.allowed);
    assert!(promote.reason.as_deref().unwrap().contains("Argo Rollout"));
    assert!(
        on_live
            .iter()
            .find(|a| a.action == Action::Redeploy)
            .unwrap()
            .allowed
    );
    assert_eq!(
        on_live
            .iter()
            .find(|a| a.action == Action::Rollback)
            .unwrap()
            .code
            .as_deref(),
        Some("already_live")
    );

    let on_old = backend.actions(&env("shop/web"), &old).await.unwrap();
    assert!(
        on_old
            .iter()
            .find(|a| a.action == Action::Rollback)
            .unwrap()
            .allowed
    );
    let redeploy = on_old
        .iter()
        .find(|a| a.action == Action::Redeploy)
        .unwrap();
    assert!(!redeploy.allowed);
    assert_eq!(redeploy.suggestion, Some(Action::Rollback));
}

#[tokio::test]
async fn rollouts_that_may_not_be_listed_leave_the_deployments_visible() {
    let cluster = FakeCluster::start(Options {
        argo: true,
        gateway: false,
    });
    cluster.seed_deployment("web", &three_revisions());
    cluster.forbid("list", "rollouts.argoproj.io");
    let backend = cluster.backend().await;
    let projects = backend
        .list_projects(switchback::backend::PageRequest::default())
        .await
        .unwrap();
    let ids: Vec<&str> = projects.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["shop/web"]);
    // Deployments are not optional: a 403 there is the answer.
    cluster.forbid("list", "deployments.apps");
    let err = backend
        .list_projects(switchback::backend::PageRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Forbidden { action, .. } if action == "list deployments.apps"),
        "{err:?}"
    );
}
