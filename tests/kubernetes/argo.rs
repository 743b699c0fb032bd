//! Argo Rollouts: discovered, mapped, and promoted or aborted with the plugin's patches.

use crate::env;
use crate::fake::{FakeCluster, Options};
use serde_json::{Value, json};
use switchback::backend::{Backend, OperationRequest, PageRequest};
use switchback::domain::{Action, DeploymentId, OperationStatus, Strategy};

fn template(image: &str, hash: &str) -> Value {
    json!({"metadata": {"labels": {"app": "shop", "rollouts-pod-template-hash": hash}},
           "spec": {"containers": [{"name": "shop", "image": image}]}})
}

/// A canary in progress: stable `shop-aaa` (rev1, image 1), canary `shop-bbb` (rev2).
fn canary(cluster: &FakeCluster, paused: bool) -> String {
    cluster.put("argoproj.io", "rollouts", "shop", json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "shop", "uid": "rollout-uid"},
        "spec": {"replicas": 4, "paused": paused, "selector": {"matchLabels": {"app": "shop"}},
                 "strategy": {"canary": {"steps": [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}]}},
                 "template": {"metadata": {"labels": {"app": "shop"}},
                              "spec": {"containers": [{"name": "shop", "image": "shop:2"}]}}},
        "status": {"phase": "Paused", "stableRS": "aaa", "currentPodHash": "bbb", "currentStepIndex": 1,
                   "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-11-22T20:00:00Z"}]}
    }));
    for (name, rev, image, hash, replicas) in [
        ("shop-aaa", "1", "shop:1", "aaa", 3),
        ("shop-bbb", "2", "shop:2", "bbb", 1),
    ] {
        cluster.put("apps", "replicasets", name, json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "labels": {"app": "shop", "rollouts-pod-template-hash": hash},
                "annotations": {"rollout.argoproj.io/revision": rev},
                "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                    "name": "shop", "uid": "rollout-uid", "controller": true}]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "shop", "rollouts-pod-template-hash": hash}},
                     "template": template(image, hash)},
            "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}
        }));
    }
    "shop/rollouts/shop".to_owned()
}

fn request(target: &str, key: &str, strategy: Option<Strategy>) -> OperationRequest {
    OperationRequest {
        env: env("shop/rollouts/shop"),
        target: DeploymentId::new(target),
        expected_live: Some(DeploymentId::new("shop-aaa")),
        idempotency_key: key.into(),
        actor: "oncall".into(),
        strategy,
        scope: Default::default(),
    }
}

fn patches(cluster: &FakeCluster) -> Vec<(String, Value)> {
    cluster
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| {
            (
                r.path.split('?').next().unwrap().to_owned(),
                serde_json::from_str(&r.body).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn rollouts_are_projects_with_stable_as_live_and_promote_offered_on_the_canary() {
    let cluster = FakeCluster::start(Options {
        argo: true,
        gateway: false,
    });
    let project = canary(&cluster, true);
    let backend = cluster.backend().await;
    assert!(backend.capabilities().promote);
    let projects = backend.list_projects(PageRequest::default()).await.unwrap();
    assert!(projects.items.iter().any(|p| p.id.as_str() == project));
    let page = backend
        .list_deployments(&env(&project), PageRequest::default())
        .await
        .unwrap();
    let live: Vec<&str> = page
        .items
        .iter()
        .filter(|d| d.is_live)
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(live, vec!["shop-aaa"]);
    let labels: Vec<&str> = page.items.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(labels, vec!["rev2", "rev1"]);
    let actions = backend
        .actions(&env(&project), &DeploymentId::new("shop-bbb"))
        .await
        .unwrap();
    assert!(
        actions
            .iter()
            .find(|a| a.action == Action::Promote)
            .unwrap()
            .allowed
    );
}

#[tokio::test]
async fn promote_unpauses_and_clears_pause_conditions_full_promote_skips_steps() {
    let cluster = FakeCluster::start(Options {
        argo: true,
        gateway: false,
    });
    canary(&cluster, true);
    let backend = cluster.backend().await;
    backend
        .promote(request("shop-bbb", "a1", None))
        .await
        .unwrap();
    let sent = patches(&cluster);
    let base = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop";
    assert_eq!(
        sent[0],
        (base.to_owned(), json!({"spec": {"paused": false}}))
    );
    assert_eq!(
        sent[1],
        (
            format!("{base}/status"),
            json!({"status": {"pauseConditions": null}})
        )
    );
    let rollout = cluster.object("argoproj.io", "rollouts", "shop");
    assert_eq!(rollout["spec"]["paused"], false);
    assert!(rollout["status"].get("pauseConditions").is_none());

    backend
        .promote(request("shop-bbb", "a2", Some(Strategy::Immediate)))
        .await
        .unwrap();
    let sent = patches(&cluster);
    assert_eq!(
        sent.last().unwrap(),
        &(
            format!("{base}/status"),
            json!({"status": {"promoteFull": true}})
        )
    );
}

#[tokio::test]
async fn rollback_to_stable_during_a_canary_is_an_abort() {
    let cluster = FakeCluster::start(Options {
        argo: true,
        gateway: false,
    });
    canary(&cluster, false);
    let backend = cluster.backend().await;
    backend
        .rollback(request("shop-aaa", "a3", None))
        .await
        .unwrap();
    let sent = patches(&cluster);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].0,
        "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop/status"
    );
    assert_eq!(sent[0].1, json!({"status": {"abort": true}}));
    assert_eq!(
        cluster.object("argoproj.io", "rollouts", "shop")["status"]["abort"],
        true
    );
}

#[tokio::test]
async fn an_abort_completes_when_the_controller_acknowledges_it() {
    let cluster = FakeCluster::start(Options {
        argo: true,
        gateway: false,
    });
    canary(&cluster, false);
    let backend = cluster.backend().await;
    let handle = backend
        .rollback(request("shop-aaa", "a5", None))
        .await
        .unwrap();
    let project = env("shop/rollouts/shop");
    let op = backend.operation(&project, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::InProgress);
    // The Argo controller records the abort.
    cluster.with_store(|s| {
        let key = crate::fake::store::Key::new("argoproj.io", "rollouts", crate::fake::NS, "shop");
        let mut r = s.get(&key).cloned().unwrap();
        r["status"]["abortedAt"] = json!("2026-11-22T21:00:00Z");
        r["status"]["phase"] = json!("Degraded");
        s.replace(&key, r);
    });
    let op = backend.operation(&project, &handle.id).await.unwrap();
    assert_eq!(op.status, OperationStatus::Completed);
    assert!(op.log.last().unwrap().message.contains("aborted"));
}

#[tokio::test]
async fn rollback_of_a_settled_rollout_replaces_only_the_template() {
    let cluster = FakeCluster::start(Options {
        argo: true,
        gateway: false,
    });
    let project = canary(&cluster, false);
    // The canary finished: bbb is stable now.
    cluster.with_store(|s| {
        let key = crate::fake::store::Key::new("argoproj.io", "rollouts", crate::fake::NS, "shop");
        let mut r = s.get(&key).cloned().unwrap();
        r["status"] = json!({"phase": "Healthy", "stableRS": "bbb", "currentPodHash": "bbb"});
        s.replace(&key, r);
    });
    let backend = cluster.backend().await;
    let mut req = request("shop-aaa", "a4", None);
    req.expected_live = Some(DeploymentId::new("shop-bbb"));
    req.env = env(&project);
    backend.rollback(req).await.unwrap();

    let sent = patches(&cluster);
    assert_eq!(sent.len(), 1);
    let ops = sent[0].1.as_array().unwrap();
    let kinds: Vec<(&str, &str)> = ops
        .iter()
        .map(|o| (o["op"].as_str().unwrap(), o["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![("test", "/spec/template"), ("replace", "/spec/template")]
    );
    assert_eq!(
        ops[1]["value"]["metadata"]["labels"],
        json!({"app": "shop"})
    );
    let rollout = cluster.object("argoproj.io", "rollouts", "shop");
    assert_eq!(
        rollout["spec"]["template"]["spec"]["containers"][0]["image"],
        "shop:1"
    );
}
