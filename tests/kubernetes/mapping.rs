//! Deployments and ReplicaSets as projects and deployments.

use crate::env;
use crate::fake::{FakeCluster, Options, three_revisions};
use switchback::backend::{Backend, PageRequest};
use switchback::domain::{BuildStatus, RuntimeState};

#[tokio::test]
async fn each_replicaset_revision_is_a_deployment_and_the_template_match_is_live() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let backend = cluster.backend().await;

    let projects = backend.list_projects(PageRequest::default()).await.unwrap();
    let ids: Vec<&str> = projects.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["shop/web"]);

    let page = backend
        .list_deployments(&env("shop/web"), PageRequest::default())
        .await
        .unwrap();
    let labels: Vec<&str> = page.items.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(labels, vec!["rev3", "rev2", "rev1"]);
    let live: Vec<_> = page.items.iter().filter(|d| d.is_live).collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].artifact.image, "registry.example.com/web:1.2");
    assert_eq!(live[0].runtime_state, RuntimeState::Running);
    assert_eq!(live[0].build_status, BuildStatus::Ready);
    let old = &page.items[2];
    assert_eq!(old.runtime_state, RuntimeState::SpunDown);
    assert_eq!(old.artifact.image, "registry.example.com/web:1.0");
    let names: Vec<&str> = old.config.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["MODE", "DB_PASSWORD"]);

    let environment = backend.get_environment(&env("shop/web")).await.unwrap();
    assert_eq!(environment.live.as_ref(), Some(&live[0].id));
}

#[tokio::test]
async fn the_registry_builds_a_backend_that_connects_on_first_use() {
    let cluster = FakeCluster::start(Options::default());
    cluster.seed_deployment("web", &three_revisions());
    let config = switchback::backend::registry::BackendConfig::Kubernetes(cluster.config());
    let backend = config.build(config.clock()).unwrap();
    assert_eq!(backend.kind(), "kubernetes");
    let labels = backend.metric_labels(&"shop/rollouts/web".into(), &"prod".into());
    assert_eq!(
        (labels.get("namespace"), labels.get("workload")),
        (Some("shop"), Some("web")),
        "the project id says where its metrics are, without asking the cluster"
    );
    assert!(
        cluster.requests().is_empty(),
        "nothing asked before first use"
    );
    let projects = backend.list_projects(PageRequest::default()).await.unwrap();
    assert_eq!(projects.items[0].id.as_str(), "shop/web");
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_transient_error() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cluster = FakeCluster::start(Options::default());
    let text = std::fs::read_to_string(&cluster.kubeconfig).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let server = text
        .lines()
        .find(|l| l.trim_start().starts_with("server:"))
        .unwrap();
    std::fs::write(
        &path,
        text.replace(server, &format!("    server: http://127.0.0.1:{port}")),
    )
    .unwrap();
    let mut config = cluster.config();
    config.kubeconfig = Some(path.display().to_string());
    let backend = switchback::backend::kubernetes::LazyKubernetes::new(
        config,
        std::sync::Arc::new(switchback::clock::SystemClock),
    );
    let err = backend
        .list_projects(PageRequest::default())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn a_missing_kubeconfig_is_reported_with_its_path() {
    let mut config = FakeCluster::start(Options::default()).config();
    config.kubeconfig = Some("/nonexistent/kubeconfig".into());
    let err = switchback::backend::kubernetes::KubernetesBackend::connect(
        &config,
        std::sync::Arc::new(switchback::clock::SystemClock),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(err.kind(), "invalid");
    assert!(err.to_string().contains("/nonexistent/kubeconfig"), "{err}");
}
