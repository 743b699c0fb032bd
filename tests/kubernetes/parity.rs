//! The same request through kubectl and through switchback, on two fakes with the same
//! objects: the resulting Deployments must agree.

use crate::env;
use crate::fake::{FakeCluster, Options, three_revisions};
use serde_json::Value;
use switchback::backend::Backend;
use switchback::backend::OperationRequest;
use switchback::backend::kubernetes::objects::normalized_template;
use switchback::domain::DeploymentId;

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn twins() -> (FakeCluster, FakeCluster) {
    let a = FakeCluster::start(Options::default());
    let b = FakeCluster::start(Options::default());
    a.seed_deployment("web", &three_revisions());
    b.seed_deployment("web", &three_revisions());
    (a, b)
}

fn request(target: &str, expected_live: &str, key: &str) -> OperationRequest {
    OperationRequest {
        env: env("shop/web"),
        target: DeploymentId::new(target),
        expected_live: Some(DeploymentId::new(expected_live)),
        idempotency_key: key.into(),
        actor: "oncall".into(),
        strategy: None,
        scope: Default::default(),
    }
}

fn annotations(d: &Value) -> Value {
    d["metadata"]["annotations"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_to_revision_matches_kubectl() {
    let (by_kubectl, by_us) = twins();
    // The annotations kubectl's undo treats specially: last-applied stays with the
    // Deployment; an annotation only the Deployment has is dropped.
    for c in [&by_kubectl, &by_us] {
        c.change("web", |d| {
            let a = &mut d["metadata"]["annotations"];
            a[LAST_APPLIED] = serde_json::json!("{\"kind\":\"Deployment\"}");
            a["oncall-note"] = serde_json::json!("do not touch");
        });
    }
    let out = by_kubectl.kubectl(&["rollout", "undo", "deployment/web", "--to-revision=1"]);
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let backend = by_us.backend().await;
    let target = by_us.rs_with_image("web", "registry.example.com/web:1.0");
    let live = by_us.rs_with_image("web", "registry.example.com/web:1.2");
    backend
        .rollback(request(&target, &live, "k1"))
        .await
        .unwrap();

    let (k, s) = (by_kubectl.deployment("web"), by_us.deployment("web"));
    assert_eq!(
        normalized_template(&k["spec"]["template"]),
        normalized_template(&s["spec"]["template"])
    );
    assert_eq!(annotations(&k), annotations(&s));
    assert_eq!(
        s["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "4"
    );
    assert_eq!(
        s["metadata"]["annotations"]["kubernetes.io/change-cause"],
        "release 1.0"
    );
    assert_eq!(
        s["metadata"]["annotations"][LAST_APPLIED],
        "{\"kind\":\"Deployment\"}"
    );
    assert!(s["metadata"]["annotations"].get("oncall-note").is_none());
    // kubectl reads both histories the same way.
    let history = |c: &FakeCluster| {
        let out = c.kubectl(&["rollout", "history", "deployment/web"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let ours = history(&by_us);
    assert_eq!(history(&by_kubectl), ours);
    assert!(ours.contains("4         release 1.0"), "{ours}");
    let rs = by_us.replicasets("web");
    assert_eq!(
        rs.last().unwrap()["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"],
        "1"
    );
}

fn restarted_at(d: &Value) -> Option<String> {
    d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
        .as_str()
        .map(str::to_owned)
}

fn without_restarted_at(d: &Value) -> Value {
    let mut t = d["spec"]["template"].clone();
    if let Some(a) = t
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.remove("kubectl.kubernetes.io/restartedAt");
    }
    normalized_template(&t)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redeploy_is_a_rollout_restart_like_kubectl() {
    let (by_kubectl, by_us) = twins();
    let out = by_kubectl.kubectl(&["rollout", "restart", "deployment/web"]);
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let backend = by_us.backend().await;
    let live = by_us.rs_with_image("web", "registry.example.com/web:1.2");
    let handle = backend
        .redeploy(switchback::backend::RedeployRequest {
            env: env("shop/web"),
            source: DeploymentId::new(&live),
            rebuild: false,
            expected_live: Some(DeploymentId::new(&live)),
            idempotency_key: "r1".into(),
            actor: "oncall".into(),
        })
        .await
        .unwrap();
    let op = backend
        .operation(&env("shop/web"), &handle.id)
        .await
        .unwrap();
    let newest = by_us.replicasets("web").pop().unwrap();
    assert_eq!(
        op.new_deployment.as_ref().map(|d| d.as_str()),
        newest["metadata"]["name"].as_str()
    );
    assert_ne!(op.new_deployment.as_ref().unwrap().as_str(), live);

    let (k, s) = (by_kubectl.deployment("web"), by_us.deployment("web"));
    assert_eq!(without_restarted_at(&k), without_restarted_at(&s));
    assert_eq!(annotations(&k), annotations(&s));
    for stamp in [restarted_at(&k), restarted_at(&s)] {
        let stamp = stamp.expect("restartedAt set");
        assert!(
            chrono::DateTime::parse_from_rfc3339(&stamp).is_ok(),
            "{stamp}"
        );
    }
    // Both made a new ReplicaSet of the same images as revision 4.
    assert_eq!(
        s["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "4"
    );
    let patch = by_us
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.content_type.as_deref(),
        Some("application/strategic-merge-patch+json")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_deployment_is_refused_by_both() {
    let (by_kubectl, by_us) = twins();
    for c in [&by_kubectl, &by_us] {
        c.change("web", |d| d["spec"]["paused"] = serde_json::json!(true));
    }
    let before = by_us.deployment("web");

    let out = by_kubectl.kubectl(&["rollout", "undo", "deployment/web", "--to-revision=1"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("paused"), "{stderr}");
    let out = by_kubectl.kubectl(&["rollout", "restart", "deployment/web"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("paused"));

    let backend = by_us.backend().await;
    let target = by_us.rs_with_image("web", "registry.example.com/web:1.0");
    let live = by_us.rs_with_image("web", "registry.example.com/web:1.2");
    let err = backend
        .rollback(request(&target, &live, "p1"))
        .await
        .unwrap_err();
    match &err {
        switchback::backend::BackendError::Precondition { code, message, .. } => {
            assert_eq!(*code, switchback::backend::PreconditionCode::Paused);
            assert!(
                message.contains("paused") && message.contains("kubectl rollout resume"),
                "{message}"
            );
        }
        other => panic!("expected a paused refusal, got {other:?}"),
    }
    let err = backend
        .redeploy(switchback::backend::RedeployRequest {
            env: env("shop/web"),
            source: DeploymentId::new(&live),
            rebuild: false,
            expected_live: None,
            idempotency_key: "p2".into(),
            actor: "oncall".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        switchback::backend::BackendError::Precondition {
            code: switchback::backend::PreconditionCode::Paused,
            ..
        }
    ));
    // Nothing was written by either.
    assert_eq!(by_us.deployment("web"), before);
    assert!(by_us.requests().iter().all(|r| r.method != "PATCH"));
    assert_eq!(
        by_kubectl.deployment("web")["spec"]["template"],
        before["spec"]["template"]
    );
}
