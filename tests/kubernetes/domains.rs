//! Diff between revisions and the hostnames that stay put.

use crate::env;
use crate::fake::{FakeCluster, Options, three_revisions};
use serde_json::json;
use switchback::backend::Backend;
use switchback::backend::ErrorRates as _;
use switchback::domain::{ConfigChangeKind, DeploymentId, SwitchKind};

fn routing(cluster: &FakeCluster) {
    cluster.put("", "services", "web", json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}));
    cluster.put(
        "",
        "services",
        "other",
        json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "other"}, "spec": {"selector": {"app": "other"}}}),
    );
    cluster.put(
        "networking.k8s.io",
        "ingresses",
        "web",
        json!({"apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [
            {"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}},
            {"host": "other.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "other", "port": {"number": 80}}}}]}}]}}),
    );
    cluster.put(
        "gateway.networking.k8s.io",
        "httproutes",
        "web",
        json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "web"}, "spec": {"hostnames": ["www.example.com"],
            "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}),
    );
}

#[tokio::test]
async fn ingress_and_route_hosts_are_listed_and_do_not_move() {
    let cluster = FakeCluster::start(Options {
        argo: false,
        gateway: true,
    });
    cluster.seed_deployment("web", &three_revisions());
    routing(&cluster);
    let backend = cluster.backend().await;
    let target = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.0"));

    let moves = backend
        .domains_to_move(&env("shop/web"), &target)
        .await
        .unwrap();
    let hosts: Vec<&str> = moves.iter().map(|m| m.hostname.as_str()).collect();
    assert_eq!(hosts, vec!["shop.example.com", "www.example.com"]);
    assert!(moves.iter().all(|m| !m.moves));
    let environment = backend.get_environment(&env("shop/web")).await.unwrap();
    assert_eq!(environment.domains.len(), 2);
}

#[tokio::test]
async fn diff_lists_images_env_and_cause_without_secret_values_and_a_cold_switch() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let backend = cluster.backend().await;
    let target = DeploymentId::new(cluster.rs_with_image("web", "registry.example.com/web:1.0"));
    let diff = backend.diff(&env("shop/web"), &target).await.unwrap();

    assert_eq!(diff.artifact_to.image, "registry.example.com/web:1.0");
    assert_eq!(
        diff.artifact_from.as_ref().unwrap().image,
        "registry.example.com/web:1.2"
    );
    assert_eq!(diff.commits_back, 2);
    let drift: Vec<_> = diff
        .config_drift
        .iter()
        .map(|c| (c.name.as_str(), c.change))
        .collect();
    assert_eq!(drift, vec![("MODE", ConfigChangeKind::Changed)]);
    let mode = diff.details.iter().find(|d| d.name == "MODE").unwrap();
    assert_eq!(
        (mode.live.as_deref(), mode.target.as_deref()),
        (Some("value c"), Some("value a"))
    );
    let cause = diff
        .details
        .iter()
        .find(|d| d.section == "change-cause")
        .unwrap();
    assert_eq!(cause.target.as_deref(), Some("release 1.0"));
    let text = serde_json::to_string(&diff).unwrap();
    assert!(!text.contains("password\":") && !text.contains("s3cr3t"));
    // rev1 has no pods left: switching to it starts them.
    assert!(matches!(diff.switch, SwitchKind::Cold { .. }));
}

#[tokio::test]
async fn error_rates_are_said_to_come_from_prometheus() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let backend = cluster.backend().await;
    assert!(!backend.capabilities().native_metrics);
    let now = backend.now();
    let query = switchback::domain::MetricsQuery {
        env: env("shop/web"),
        scope: switchback::domain::MetricsScope::Environment,
        from: now - chrono::Duration::minutes(30),
        to: now,
        step_secs: 60,
    };
    let err = backend.error_rate(&query).await.unwrap_err();
    assert!(
        matches!(
            &err,
            switchback::backend::BackendError::Precondition {
                code: switchback::backend::PreconditionCode::NotApplicable,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Prometheus"), "{err}");
}
