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
