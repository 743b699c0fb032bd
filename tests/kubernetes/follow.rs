//! An operation is followed as `kubectl rollout status` follows a rollout, with the
//! controller's events as its log.

use crate::env;
use crate::fake::{FakeCluster, Options, three_revisions};
use switchback::backend::{Backend, OperationRequest};
use switchback::domain::{DeploymentId, OperationStatus, StepStatus};

fn rollback(target: &str, key: &str) -> OperationRequest {
    OperationRequest {
        env: env("shop/web"),
        target: DeploymentId::new(target),
        expected_live: None,
        idempotency_key: key.into(),
        actor: "oncall".into(),
        strategy: None,
        scope: Default::default(),
    }
}

#[tokio::test]
async fn a_rollback_is_followed_step_by_step_until_rolled_out() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    cluster.manual_rollouts(true);
    let backend = cluster.backend().await;
    let target = cluster.rs_with_image("web", "registry.example.com/web:1.0");
    let handle = backend.rollback(rollback(&target, "f1")).await.unwrap();

    let running = |op: &switchback::domain::Operation| {
        op.steps
            .iter()
            .find(|s| s.status == StepStatus::Running)
            .map(|s| s.name.clone())
    };
    let op = backend
        .operation(&env("shop/web"), &handle.id)
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::InProgress);
    assert_eq!(
        running(&op).as_deref(),
        Some("controller observed the change")
    );

    let mut seen = vec![running(&op)];
    while cluster.tick("web") {
        let op = backend
            .operation(&env("shop/web"), &handle.id)
            .await
            .unwrap();
        seen.push(running(&op));
    }
    assert_eq!(
        seen,
        vec![
            Some("controller observed the change".to_owned()),
            Some("old replicas terminated".to_owned()),
            Some("new replicas available".to_owned()),
            None,
        ]
    );
    let op = backend
        .operation(&env("shop/web"), &handle.id)
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    assert!(op.steps.iter().all(|s| s.status == StepStatus::Done));
    let log: Vec<&str> = op.log.iter().map(|l| l.message.as_str()).collect();
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("Scaled up replica set {target}"))),
        "{log:#?}"
    );
    assert!(
        log.iter().any(|l| l.contains("successfully rolled out")),
        "{log:#?}"
    );

    // The same idempotency key returns the same operation and writes nothing more.
    let patches = cluster
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    let again = backend.rollback(rollback(&target, "f1")).await.unwrap();
    assert_eq!(again.id, handle.id);
    assert_eq!(
        cluster
            .requests()
            .iter()
            .filter(|r| r.method == "PATCH")
            .count(),
        patches
    );
    let listed = backend.list_operations(&env("shop/web")).await.unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn progress_deadline_exceeded_ends_in_an_exception() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    cluster.manual_rollouts(true);
    let backend = cluster.backend().await;
    let target = cluster.rs_with_image("web", "registry.example.com/web:1.0");
    let handle = backend.rollback(rollback(&target, "f2")).await.unwrap();
    assert!(cluster.tick("web"));
    // The new pods never become ready; the controller gives up.
    cluster.with_store(|s| {
        let key = crate::fake::store::Key::deployment(crate::fake::NS, "web");
        let mut d = s.get(&key).cloned().unwrap();
        crate::fake::controller::set_condition(
            &mut d,
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            "ReplicaSet has timed out progressing.",
        );
        s.replace(&key, d);
    });
    let op = backend
        .operation(&env("shop/web"), &handle.id)
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(
        op.error
            .as_deref()
            .unwrap()
            .contains("exceeded its progress deadline")
    );
    assert!(op.steps.iter().any(|s| s.status == StepStatus::Failed));
}

#[tokio::test]
async fn live_history_marks_the_rollback() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let backend = cluster.backend().await;
    let target = cluster.rs_with_image("web", "registry.example.com/web:1.0");
    backend.rollback(rollback(&target, "h1")).await.unwrap();

    let history = backend.live_history(&env("shop/web")).await.unwrap();
    let marks: Vec<(String, &str)> = history
        .iter()
        .map(|c| (c.deployment.to_string(), c.cause.as_str()))
        .collect();
    let rs = |image: &str| cluster.rs_with_image("web", image);
    assert_eq!(
        marks,
        vec![
            (rs("registry.example.com/web:1.0"), "deploy"),
            (rs("registry.example.com/web:1.1"), "deploy"),
            (rs("registry.example.com/web:1.2"), "deploy"),
            (target.clone(), "rollback"),
        ]
    );
    let page = backend
        .list_deployments(&env("shop/web"), switchback::backend::PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(page.items[0].label, "rev4");
    assert!(page.items[0].is_live && page.items[0].is_rollback);
    assert_eq!(page.next.as_deref(), Some("2"));
}

#[tokio::test]
async fn a_later_change_supersedes_the_operation() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    cluster.manual_rollouts(true);
    let backend = cluster.backend().await;
    let target = cluster.rs_with_image("web", "registry.example.com/web:1.0");
    let handle = backend.rollback(rollback(&target, "s1")).await.unwrap();
    // Before the rollback finished, someone deploys again.
    cluster.change("web", |d| {
        d["spec"]["template"]["spec"]["containers"][0]["image"] =
            serde_json::json!("registry.example.com/web:1.3");
    });
    let op = backend
        .operation(&env("shop/web"), &handle.id)
        .await
        .unwrap();
    assert_eq!(op.status, OperationStatus::Exception);
    assert!(
        op.error.as_deref().unwrap().contains("superseded"),
        "{:?}",
        op.error
    );
}
