//! The Deployment changes between the engineer's look and the confirm: switchback refuses
//! with a conflict; kubectl, which sends no precondition, overwrites the newer change.

use crate::env;
use crate::fake::{FakeCluster, Options, three_revisions};
use serde_json::json;
use switchback::backend::{Backend, BackendError, OperationRequest, PageRequest};
use switchback::domain::DeploymentId;

const HOTFIX: &str = "registry.example.com/web:1.3-hotfix";

fn image(c: &FakeCluster) -> String {
    c.deployment("web")["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn ship_hotfix(d: &mut serde_json::Value) {
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(HOTFIX);
}

fn rollback_to(target: &str, expected_live: &DeploymentId) -> OperationRequest {
    OperationRequest {
        env: env("shop/web"),
        target: DeploymentId::new(target),
        expected_live: Some(expected_live.clone()),
        idempotency_key: format!("race-{target}"),
        actor: "oncall".into(),
        strategy: None,
        scope: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_after_the_look_is_not_overwritten() {
    let ours = FakeCluster::start(Options::default());
    ours.seed_deployment("web", &three_revisions());
    let backend = ours.backend().await;
    // The engineer looks: rev3 is live; they pick rev1.
    let page = backend
        .list_deployments(&env("shop/web"), PageRequest::default())
        .await
        .unwrap();
    let seen_live = page.items.iter().find(|d| d.is_live).unwrap().id.clone();
    let target = ours.rs_with_image("web", "registry.example.com/web:1.0");
    // Meanwhile a colleague ships a hotfix.
    ours.change("web", ship_hotfix);

    let err = backend
        .rollback(rollback_to(&target, &seen_live))
        .await
        .unwrap_err();
    let BackendError::Conflict {
        live_now,
        live_label,
        changed_by,
        message,
    } = err
    else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(
        live_now.unwrap().as_str(),
        ours.rs_with_image("web", HOTFIX)
    );
    assert_eq!(live_label.as_deref(), Some("rev4"));
    assert!(message.contains("changed since you looked"), "{message}");
    // Who wrote last, from managedFields.
    assert!(
        changed_by
            .as_deref()
            .unwrap()
            .starts_with(crate::fake::COLLEAGUE),
        "{changed_by:?}"
    );
    assert_eq!(image(&ours), HOTFIX, "the hotfix stays");

    // kubectl in the same spot rolls the hotfix away without a word.
    let theirs = FakeCluster::start(Options::default());
    theirs.seed_deployment("web", &three_revisions());
    theirs.change("web", ship_hotfix);
    let out = theirs.kubectl(&["rollout", "undo", "deployment/web", "--to-revision=1"]);
    assert!(out.status.success());
    assert_eq!(
        image(&theirs),
        "registry.example.com/web:1.0",
        "kubectl overwrote the hotfix"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_between_read_and_write_fails_the_test_op() {
    let ours = FakeCluster::start(Options::default());
    ours.seed_deployment("web", &three_revisions());
    let backend = ours.backend().await;
    let live = DeploymentId::new(ours.rs_with_image("web", "registry.example.com/web:1.2"));
    let target = ours.rs_with_image("web", "registry.example.com/web:1.0");
    // The hotfix lands after switchback read the Deployment, before its patch arrives.
    ours.change_before_next_patch("web", ship_hotfix);

    let err = backend
        .rollback(rollback_to(&target, &live))
        .await
        .unwrap_err();
    assert!(matches!(err, BackendError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("nothing was written"), "{err}");
    assert_eq!(image(&ours), HOTFIX);
    let patch = ours
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    let ops: serde_json::Value = serde_json::from_str(&patch.body).unwrap();
    assert_eq!(ops[0]["op"], "test");
    assert_eq!(ops[0]["path"], "/spec/template");

    let theirs = FakeCluster::start(Options::default());
    theirs.seed_deployment("web", &three_revisions());
    theirs.change_before_next_patch("web", ship_hotfix);
    let out = theirs.kubectl(&["rollout", "undo", "deployment/web", "--to-revision=1"]);
    assert!(out.status.success());
    assert_eq!(
        image(&theirs),
        "registry.example.com/web:1.0",
        "kubectl overwrote the hotfix"
    );
}
